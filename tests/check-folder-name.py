#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that the default download folder is the one the Flatpak manifests
share, xdg-pictures/NAME, in every language: HAUL_DEFAULT_FOLDER_NAME says NAME,
and haul-cli, run in each language inside a fake sandbox that shares only the
manifest's folder, finds its default folder shared.

Usage: check-folder-name.py HAUL-CLI LOCALEDIR LINGUAS HEADER MANIFEST..."""

import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile


def shared_name(manifest: str) -> str | None:
    args = json.load(open(manifest, encoding='utf-8')).get('finish-args', [])
    for arg in args:
        m = re.fullmatch(r'--filesystem=xdg-pictures/([^/:]+)(:create|:rw)?', arg)
        if m:
            return m.group(1)
    return None


def run_cli(cli: str, localedir: str, language: str | None, name: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix='haul-folder-name-') as home:
        folder = pathlib.Path(home, 'Bilder', name)
        folder.mkdir(parents=True)
        pathlib.Path(home, '.config').mkdir()
        pathlib.Path(home, '.config', 'user-dirs.dirs').write_text('XDG_PICTURES_DIR="$HOME/Bilder"\n')
        info = pathlib.Path(home, 'flatpak-info')
        info.write_text('[Application]\nname=io.github.haul.Haul\n\n'
                        f'[Context]\nfilesystems=xdg-pictures/{name}:create;\n')
        mountinfo = pathlib.Path(home, 'mountinfo')
        escaped = str(folder).replace('\\', '\\134').replace(' ', '\\040')
        mountinfo.write_text('64 42 0:39 /newroot / rw - tmpfs tmpfs rw\n'
                             f'133 64 254:0 {escaped} {escaped} rw - ext4 /dev/vda rw\n')

        env = {k: v for k, v in os.environ.items() if not k.startswith(('LC_', 'LANG'))}
        env.update(HOME=home, XDG_CONFIG_HOME=str(pathlib.Path(home, '.config')),
                   HAUL_FLATPAK_INFO=str(info), HAUL_MOUNTINFO=str(mountinfo),
                   HAUL_LOCALEDIR=localedir, LC_ALL='C.UTF-8')
        if language:
            env['LANGUAGE'] = language
        # An -o the sandbox does not share: haul-cli stops, and offers the
        # default folder only if that one is shared.
        return subprocess.run([cli, '-o', str(pathlib.Path(home, 'elsewhere')), 'http://127.0.0.1:9/x.png'],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def main() -> int:
    cli, localedir, linguas, header = sys.argv[1:5]
    manifests = sys.argv[5:]
    languages = [None] + pathlib.Path(linguas).read_text().split()
    failed = False

    m = re.search(r'#define\s+HAUL_DEFAULT_FOLDER_NAME\s+"([^"]+)"', pathlib.Path(header).read_text())
    defined = m.group(1) if m else None

    for manifest in manifests:
        name = shared_name(manifest)
        if name is None:
            print(f'{manifest}: no --filesystem=xdg-pictures/NAME permission')
            failed = True
            continue
        if name != defined:
            print(f'{manifest}: shares xdg-pictures/{name}, but HAUL_DEFAULT_FOLDER_NAME is {defined!r}')
            failed = True
        for language in languages:
            result = run_cli(cli, localedir, language, name)
            if result.returncode != 2 or f'-o ~/Bilder/{name}' not in result.stderr:
                print(f'{manifest}: in {language or "English"}, haul-cli\'s default folder is not '
                      f'Pictures/{name}: status {result.returncode}, {result.stderr!r}')
                failed = True

    if not failed:
        print(f'the default folder {defined!r} is the one the manifests share, in {len(languages)} languages')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
