#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the benchmark corpus: 200 images of 50-400 KB (JPEG and PNG) and
10 files of 5-20 MB, all from a seeded PRNG so every run serves the same
bytes, plus manifest.json with each file's size and SHA-256.

Pixels are noise over a gradient: noise keeps the files from compressing, so
their sizes on the wire are their sizes on disk."""

import hashlib
import io
import json
import math
import os
import random
import sys

from PIL import Image

N_IMAGES = 200
N_LARGE = 10
IMG_MIN, IMG_MAX = 50_000, 400_000
LARGE_MIN, LARGE_MAX = 5_000_000, 20_000_000


def noise_image(rng, w, h):
    noise = Image.frombytes("RGB", (w, h), rng.randbytes(w * h * 3))
    # A coarse gradient under the noise, so thumbnails show something.
    tint = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    base = Image.merge("RGB", (Image.linear_gradient("L").resize((w, h)),
                               Image.new("L", (w, h), tint[1]),
                               Image.new("L", (w, h), tint[2])))
    return Image.blend(noise, base, 0.5)


def encode(img, kind):
    buf = io.BytesIO()
    if kind == "png":
        img.save(buf, "PNG", compress_level=6)
    else:
        img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def make_image(i):
    rng = random.Random(f"haul-bench-image-{i}")
    kind = "png" if i % 3 == 0 else "jpg"
    target = rng.randint(IMG_MIN + 10_000, IMG_MAX - 20_000)
    aspect = rng.choice((1.0, 4 / 3, 3 / 2, 3 / 4))
    bpp = 2.6 if kind == "png" else 1.6  # first guess, corrected below
    for _ in range(4):
        pixels = target / bpp
        w = max(16, int(math.sqrt(pixels * aspect)))
        h = max(16, int(pixels / w))
        state = rng.getstate()
        data = encode(noise_image(rng, w, h), kind)
        rng.setstate(state)
        if abs(len(data) - target) < target * 0.05:
            break
        bpp = len(data) / (w * h)
    if not IMG_MIN <= len(data) <= IMG_MAX:
        sys.exit(f"image {i}: {len(data)} bytes is outside the range")
    return f"img-{i:03d}.{kind}", data


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    manifest = {"images": [], "large": []}

    def put(group, name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        manifest[group].append({"name": name, "size": len(data),
                                "sha256": hashlib.sha256(data).hexdigest()})

    for i in range(N_IMAGES):
        put("images", *make_image(i))
    for i in range(N_LARGE):
        rng = random.Random(f"haul-bench-large-{i}")
        put("large", f"large-{i:02d}.bin",
            rng.randbytes(rng.randint(LARGE_MIN, LARGE_MAX)))

    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
