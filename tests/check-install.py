#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Installs the build tree into a temporary DESTDIR and checks that every file a
desktop needs is there, named after the app id, and points at the right places."""

import argparse
import os
import pathlib
import struct
import subprocess
import sys
import tempfile

failures = []


def check(condition: bool, message: str) -> None:
    if not condition:
        failures.append(message)


def rel(path: str, prefix: str) -> str:
    # Install paths may be absolute or relative to the prefix.
    p = pathlib.PurePosixPath(path)
    return str(p if p.is_absolute() else pathlib.PurePosixPath(prefix) / p).lstrip('/')


def main() -> int:
    parser = argparse.ArgumentParser()
    for arg in ('meson', 'builddir', 'prefix', 'bindir', 'datadir', 'localedir', 'app-id', 'linguas'):
        parser.add_argument('--' + arg, required=True)
    args = parser.parse_args()

    linguas = [l.strip() for l in pathlib.Path(args.linguas).read_text().split() if l.strip()]
    check(len(linguas) > 0, 'po/LINGUAS names no language')

    with tempfile.TemporaryDirectory(prefix='haul-install-') as destdir:
        result = subprocess.run([args.meson, 'install', '-C', args.builddir, '--no-rebuild',
                                 '--quiet', '--destdir', destdir],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            print(result.stdout)
            print('meson install failed')
            return 1

        root = pathlib.Path(destdir)
        installed = sorted(str(p.relative_to(root)) for p in root.rglob('*') if p.is_file())
        bindir = rel(args.bindir, args.prefix)
        datadir = rel(args.datadir, args.prefix)
        localedir = rel(args.localedir, args.prefix)
        app_id = args.app_id

        expected = [
            f'{bindir}/haul',
            f'{bindir}/haul-cli',
            f'{datadir}/applications/{app_id}.desktop',
            f'{datadir}/metainfo/{app_id}.metainfo.xml',
            f'{datadir}/icons/hicolor/scalable/apps/{app_id}.svg',
            f'{datadir}/icons/hicolor/symbolic/apps/{app_id}-symbolic.svg',
            f'{datadir}/glib-2.0/schemas/{app_id}.gschema.xml',
            f'{datadir}/dbus-1/services/{app_id}.service',
        ] + [f'{localedir}/{lang}/LC_MESSAGES/haul.mo' for lang in linguas]

        for path in expected:
            check(path in installed, f'not installed: /{path}')
        prefix = rel(args.prefix, '/')
        for path in installed:
            check(path.startswith(prefix + '/'), f'installed outside the prefix: /{path}')

        def read(path: str) -> str:
            f = root / path
            return f.read_text(encoding='utf-8') if f.is_file() else ''

        for exe in ('haul', 'haul-cli'):
            f = root / bindir / exe
            check(f.is_file() and os.access(f, os.X_OK), f'/{bindir}/{exe} is not executable')

        desktop = read(f'{datadir}/applications/{app_id}.desktop')
        check(f'\nIcon={app_id}\n' in desktop, 'the desktop file does not name the app icon')
        check('\nDBusActivatable=true\n' in desktop, 'the desktop file is not D-Bus activatable')
        for lang in linguas:
            check(f'\nComment[{lang}]=' in desktop, f'the desktop file has no {lang} comment')

        service = read(f'{datadir}/dbus-1/services/{app_id}.service')
        check(f'\nName={app_id}\n' in service, 'the D-Bus service has the wrong name')
        check(f'\nExec=/{bindir}/haul --gapplication-service' in service,
              'the D-Bus service does not start the installed haul')

        metainfo = read(f'{datadir}/metainfo/{app_id}.metainfo.xml')
        check(f'<id>{app_id}</id>' in metainfo, 'the metainfo has the wrong id')
        check(f'<launchable type="desktop-id">{app_id}.desktop</launchable>' in metainfo,
              'the metainfo does not launch the installed desktop file')
        for lang in linguas:
            check(f'<summary xml:lang="{lang}">' in metainfo, f'the metainfo has no {lang} summary')

        schema = read(f'{datadir}/glib-2.0/schemas/{app_id}.gschema.xml')
        check(f'id="{app_id}"' in schema, 'the schema has the wrong id')

        for lang in linguas:
            mo = root / localedir / lang / 'LC_MESSAGES' / 'haul.mo'
            data = mo.read_bytes() if mo.is_file() else b''
            magic = struct.unpack('<I', data[:4])[0] if len(data) >= 4 else 0
            check(magic in (0x950412de, 0xde120495), f'/{localedir}/{lang}/LC_MESSAGES/haul.mo is not a catalog')

    for message in failures:
        print(message)
    if not failures:
        print(f'{len(installed)} files installed, all {len(expected)} expected ones in place')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
