#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs `haul-cli --help` in English and in each language of po/LINGUAS, and
checks that the strings the catalog translates come out translated.

gettext ignores LANGUAGE in the "C" locale, so the runs use C.UTF-8, which
glibc always has; HAUL_LOCALEDIR points haul-cli at the build tree's catalogs."""

import os
import pathlib
import struct
import subprocess
import sys


def read_catalog(path: pathlib.Path) -> dict:
    data = path.read_bytes()
    magic = struct.unpack('<I', data[:4])[0]
    order = '<' if magic == 0x950412de else '>'
    _, count, originals, translations = struct.unpack(order + '4I', data[4:20])
    catalog = {}
    for i in range(count):
        olen, ooff = struct.unpack(order + '2I', data[originals + 8 * i:originals + 8 * i + 8])
        tlen, toff = struct.unpack(order + '2I', data[translations + 8 * i:translations + 8 * i + 8])
        msgid = data[ooff:ooff + olen].decode('utf-8')
        msgstr = data[toff:toff + tlen].decode('utf-8')
        # Skip the header, plurals and strings with a context.
        if msgid and '\0' not in msgid and '\x04' not in msgid:
            catalog[msgid] = msgstr
    return catalog


def run_help(cli: str, localedir: str, language: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(('LC_', 'LANG'))}
    env['LC_ALL'] = 'C.UTF-8'
    env['HAUL_LOCALEDIR'] = localedir
    if language:
        env['LANGUAGE'] = language
    result = subprocess.run([cli, '--help'], env=env, stdout=subprocess.PIPE, check=True)
    return result.stdout.decode('utf-8')


def main() -> int:
    cli, localedir, linguas = sys.argv[1:4]
    languages = pathlib.Path(linguas).read_text().split()
    english = run_help(cli, localedir, None)
    failed = False

    for lang in languages:
        catalog = read_catalog(pathlib.Path(localedir) / lang / 'LC_MESSAGES' / 'haul.mo')
        # Whole phrases only: a short word may occur inside another string.
        shown = {msgid: msgstr for msgid, msgstr in catalog.items()
                 if ' ' in msgid.strip() and len(msgid) >= 12 and msgstr != msgid
                 and msgid.strip() in english}
        if not shown:
            print(f'{lang}: no string of the {lang} catalog appears in `haul-cli --help`')
            failed = True
            continue
        output = run_help(cli, localedir, lang)
        for msgid, msgstr in shown.items():
            if msgstr.strip() not in output:
                print(f'{lang}: “{msgid.strip()}” is not shown as “{msgstr.strip()}”')
                failed = True
        print(f'{lang}: {len(shown)} strings of `haul-cli --help` checked')

    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
