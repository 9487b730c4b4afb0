#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fails when the metainfo lists a screenshot that data/screenshots/ does
not hold (or that is not a PNG with a caption), or when a picture there is
listed nowhere: software centres show only what the metainfo names."""

import pathlib
import sys
import xml.etree.ElementTree as ET

PNG = b'\x89PNG\r\n\x1a\n'


def main() -> int:
    top = pathlib.Path(sys.argv[1]).resolve()
    metainfo = top / 'data' / 'io.github.haul.Haul.metainfo.xml.in.in'
    folder = top / 'data' / 'screenshots'
    # The @app_id@ templates are text; the XML parses as it is.
    root = ET.fromstring(metainfo.read_text(encoding='utf-8'))
    errors = []
    listed = set()
    for shot in root.iter('screenshot'):
        image = shot.findtext('image', '').strip()
        caption = shot.findtext('caption', '').strip()
        name = image.rsplit('/data/screenshots/', 1)[-1]
        listed.add(name)
        path = folder / name
        if '/data/screenshots/' not in image:
            errors.append(f'{image}: not a picture of data/screenshots/')
        elif not path.is_file() or path.read_bytes()[:8] != PNG:
            errors.append(f'{image}: no PNG {path.relative_to(top)}')
        if not caption:
            errors.append(f'{image}: no caption')
    for path in sorted(folder.glob('*.png')):
        if path.name not in listed:
            errors.append(f'{path.relative_to(top)} is not listed in {metainfo.name}')
    for error in errors:
        print(error)
    print(f'{len(listed)} screenshots listed')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
