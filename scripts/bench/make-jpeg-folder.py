#!/usr/bin/python3
"""Writes N JPEGs of CelebA's size (178x218, RGB) into a folder, for timing how fast `vae` decodes a folder:
    /usr/bin/python3 scripts/bench/make-jpeg-folder.py DIR [N=4000]
Each picture is a smooth gradient with a few ellipses, so it compresses like a photo more than like noise.
Needs Debian's python3-pil (a benchmark helper only; the project itself never uses Python)."""
import os
import random
import sys

from PIL import Image, ImageDraw

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 4000
rng = random.Random(1)
for i in range(n):
    folder = os.path.join(out, f"class{i % 4}")
    os.makedirs(folder, exist_ok=True)
    a = [rng.randrange(256) for _ in range(3)]
    b = [rng.randrange(256) for _ in range(3)]
    img = Image.linear_gradient("L").resize((178, 218))
    img = Image.merge("RGB", [img.point(lambda v, x=x, y=y: x + (y - x) * v // 255) for x, y in zip(a, b)])
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randrange(1, 4)):
        x, y, r = rng.randrange(178), rng.randrange(218), rng.randrange(10, 60)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    img.save(os.path.join(folder, f"{i:06d}.jpg"), quality=90)
