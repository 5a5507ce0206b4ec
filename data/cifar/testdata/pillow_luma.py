#!/usr/bin/env python3
"""Prints Pillow's "L" conversion of the colours used in gray_test.go (TestLumaMatchesPillow).

Run with a Python that has Pillow (Debian: python3-pil; checked with Pillow 9.4) and paste the
output into pillowLuma in gray_test.go.
"""
import numpy as np
from PIL import Image

colours = [
    (0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 255, 0), (0, 0, 255),
    (1, 1, 1), (128, 128, 128), (12, 200, 77), (250, 3, 128),
    # where (299 R + 587 G + 114 B + 500) / 1000 is one more than Pillow:
    (176, 30, 169), (195, 19, 53), (144, 84, 124), (202, 128, 219),
]
rgb = np.array([colours], dtype=np.uint8)
luma = np.asarray(Image.fromarray(rgb, "RGB").convert("L"))[0]
for c, l in zip(colours, luma):
    print("\t{%d, %d, %d, %d}," % (*c, l))
