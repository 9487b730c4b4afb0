#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the Flatpak manifests: the GNOME runtime, only the sandbox holes Haul
needs, the runtime's own image loaders left visible, and Haul itself built from
this tree with its tests."""

import json
import re
import sys

# Anything beyond this list widens the sandbox and must be argued for first.
PERMISSIONS = {
    '--share=network',
    '--share=ipc',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',
    '--filesystem=xdg-pictures/Haul:create',
}
# GNOME 51 decodes WebP, AVIF, HEIF and JPEG XL through glycin, built into its
# gdk-pixbuf; a loaders.cache of our own would hide a runtime's external loaders.
ENVIRONMENT = set()


def check_manifest(path: str) -> list:
    problems = []
    m = json.load(open(path, encoding='utf-8'))
    app_id = m.get('id') or m.get('app-id')
    devel = app_id.endswith('.Devel')

    if not path.endswith(f'/{app_id}.json') and path != f'{app_id}.json':
        problems.append(f'the file is not named after its id {app_id}')
    if app_id not in ('io.github.haul.Haul', 'io.github.haul.Haul.Devel'):
        problems.append(f'unexpected id {app_id}')
    if m.get('runtime') != 'org.gnome.Platform' or m.get('sdk') != 'org.gnome.Sdk':
        problems.append('not built on org.gnome.Platform and org.gnome.Sdk')
    if not re.fullmatch(r'[4-9][0-9]', str(m.get('runtime-version', ''))):
        problems.append(f'runtime-version {m.get("runtime-version")!r} is not a stable GNOME release')
    if m.get('command') != 'haul':
        problems.append('the command is not haul')

    args = set(m.get('finish-args', []))
    for extra in sorted(args - PERMISSIONS - ENVIRONMENT):
        problems.append(f'finish-args grants more than Haul needs: {extra}')
    for absent in sorted(PERMISSIONS - args):
        problems.append(f'finish-args lacks {absent}')

    for arg in sorted(args):
        if arg.startswith('--env=GDK_PIXBUF_MODULE_FILE='):
            problems.append(f'{arg} hides the runtime\'s own image loaders')
    if not m.get('//'):
        problems.append('no "//" note saying why each permission is needed')

    modules = {mod['name']: mod for mod in m.get('modules', []) if isinstance(mod, dict)}
    for name, mod in modules.items():
        for source in mod.get('sources', []):
            if source.get('type') == 'archive' and not re.fullmatch(r'[0-9a-f]{64}', source.get('sha256', '')):
                problems.append(f'{name} is not a pinned archive with a sha256')

    haul = modules.get('haul')
    if haul is None or m['modules'][-1] is not haul:
        problems.append('haul is not the last module')
    else:
        if haul.get('run-tests') is not True:
            problems.append('haul does not run its tests')
        if haul.get('sources') != [s for s in haul.get('sources', []) if s.get('type') == 'dir' and s.get('path') == '..']:
            problems.append('haul is not built from this tree (type dir, path ..)')
        if ('-Ddevelopment=true' in haul.get('config-opts', [])) != devel:
            problems.append('-Ddevelopment=true must be set exactly for the .Devel id')
    return problems


def main() -> int:
    failed = False
    for path in sys.argv[1:]:
        for problem in check_manifest(path):
            print(f'{path}: {problem}')
            failed = True
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
