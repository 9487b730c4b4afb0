#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fails when a source file with translatable strings is missing from
po/POTFILES.in (its strings would silently never be translated), or when
POTFILES.in lists a file that does not exist (xgettext would fail)."""

import pathlib
import re
import sys

C_MARKER = re.compile(r'(?<![\w])(?:_|N_|C_|NC_|Q_|ngettext|g_dngettext|g_dpgettext2)\s*\(')
C_COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)
DATA_SUFFIXES = ('.desktop.in', '.desktop.in.in', '.metainfo.xml.in', '.metainfo.xml.in.in',
                 '.gschema.xml.in', '.gschema.xml')


def translatable(path: pathlib.Path) -> bool:
    text = path.read_text(encoding='utf-8', errors='replace')
    if path.suffix in ('.c', '.h'):
        return C_MARKER.search(C_COMMENT.sub('', text)) is not None
    if path.suffix == '.ui':
        return 'translatable="yes"' in text
    return path.name.endswith(DATA_SUFFIXES)


def main() -> int:
    top = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else '.').resolve()
    listed = set()
    for line in (top / 'po' / 'POTFILES.in').read_text(encoding='utf-8').splitlines():
        line = line.strip()
        if line and not line.startswith('#'):
            listed.add(line)

    candidates = []
    for pattern in ('src/**/*.c', 'src/**/*.h', 'src/**/*.ui', 'data/**/*.ui', 'data/**/*.in'):
        candidates.extend(top.glob(pattern))

    missing = sorted({str(p.relative_to(top)) for p in candidates if translatable(p)} - listed)
    stale = sorted(f for f in listed if not (top / f).is_file())

    for f in missing:
        print(f'{f}: has translatable strings but is not listed in po/POTFILES.in')
    for f in stale:
        print(f'po/POTFILES.in: lists {f}, which does not exist')
    if not missing and not stale:
        print(f'po/POTFILES.in lists all {len(listed)} files with translatable strings')
    return 1 if missing or stale else 0


if __name__ == '__main__':
    sys.exit(main())
