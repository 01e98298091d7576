#!/usr/bin/python3
"""
Generates the CMYK JPEG fixture for src/image/preprocess.test.ts and PIL's decoding of it.

    /usr/bin/python3 scripts/cmyk-fixture.py      # needs Debian's python3-pil (apt-get install python3-pil)

Writes test/fixtures/image/cmyk.jpg and test/fixtures/image/cmyk.pil.json. Never edit those files by hand.

The JPEG is a 32x24 CMYK image (Pillow saves CMYK JPEGs the way Photoshop does: inverted, with an Adobe APP14
marker) whose C, M, Y and K channels run through their whole range, so every ink and the black channel matter.
The JSON holds what torchvision's default loader sees, `Image.open(path).convert('RGB')`, as HWC bytes, plus the
CMYK values PIL decoded, so a test can tell a JPEG decoding difference from a colour conversion difference.
PIL's CMYK->RGB is the plain formula without any ICC profile: with nk = 255 - K, R = nk - round(C * nk / 255)
(likewise G from M and B from Y), which `cmykToRgbLikePil` in src/image/preprocess.ts reproduces.
"""
import json
import os

import PIL
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "image")
W, H = 32, 24


def main():
    os.makedirs(OUT, exist_ok=True)
    img = Image.new("CMYK", (W, H))
    px = img.load()
    for y in range(H):
        for x in range(W):
            c = round(255 * x / (W - 1))
            m = round(255 * y / (H - 1))
            ye = (x * 37 + y * 11) % 256
            k = round(255 * ((x + y) % 12) / 11 * 0.8)
            px[x, y] = (c, m, ye, k)
    path = os.path.join(OUT, "cmyk.jpg")
    img.save(path, "JPEG", quality=95)

    decoded = Image.open(path)
    assert decoded.mode == "CMYK", decoded.mode
    rgb = decoded.convert("RGB")
    out = {
        "generator": "scripts/cmyk-fixture.py",
        "pillow": PIL.__version__,
        "width": W,
        "height": H,
        "cmyk": list(decoded.tobytes()),
        "rgb": list(rgb.tobytes()),
    }
    with open(os.path.join(OUT, "cmyk.pil.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
