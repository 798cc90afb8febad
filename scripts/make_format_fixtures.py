#!/usr/bin/env python3
"""Writes the small image fixtures of the format tests (Tests/EncodersTests/Fixtures/), made from nothing.

usage: make_format_fixtures.py OUT_FOLDER   (needs Pillow: .cache/reference-venv has it after `make test`;
and `heif-enc` from Debian's libheif-examples for the HEIC and AVIF copies)

One synthetic 96 x 64 picture (stepped gradients and a disc, 65 colours: no photograph of anyone's) saved as PNG (the
reference), lossy WebP, WebP with a transparent corner, GIF (adaptive palette without dithering, interlaced as
Pillow writes it), Pillow's RGB reading of that GIF as PNG (the exact oracle), and a two-frame animated GIF whose first
frame is the picture; and HEIC (x265) and AVIF (AOM) copies at quality 90 made by heif-enc.
"""
import math
import os
import struct
import subprocess
import sys

from PIL import Image


def picture(width=96, height=64):
    image = Image.new("RGB", (width, height))
    pixels = image.load()
    for y in range(height):
        for x in range(width):
            # Eight steps of red and of green: 65 colours with the disc, so the GIF holds
            # the picture exactly and every format shows the same photo.
            r = 255 * (8 * x // width) // 7
            g = 255 * (8 * y // height) // 7
            b = 128
            if math.hypot(x - 60, y - 30) < 16:
                r, g, b = 240, 200, 20
            pixels[x, y] = (r, g, b)
    return image


def with_rotation(heic, quarter_turns=1):
    """The one-image HEIC `heic` (as heif-enc writes it) with an `irot` property on its image: displayed turned
    `quarter_turns` x 90 degrees anticlockwise, as phones mark sideways photos. heif-enc 1.15 writes no `irot`."""
    ipco = heic.index(b"ipco") - 4
    ipco_end = ipco + struct.unpack(">I", heic[ipco:ipco + 4])[0]
    irot = struct.pack(">I", 9) + b"irot" + bytes([quarter_turns])
    ipma = heic.index(b"ipma") - 4
    # ipma (version 0, 1 entry): item id, association count, then one byte per association; add 0x80 | index of irot.
    count_at = ipma + 16 + 2
    properties = heic.count(b"hvcC", ipco, ipco_end) + heic.count(b"ispe", ipco, ipco_end) + heic.count(b"pixi", ipco, ipco_end)
    assert heic[ipma + 12:ipma + 16] == b"\0\0\0\1"
    grown = 10  # irot's 9 bytes and one association byte
    out = bytearray(heic[:ipco_end] + irot + heic[ipco_end:count_at] + bytes([heic[count_at] + 1])
                    + heic[count_at + 1:count_at + 1 + heic[count_at]] + bytes([0x80 | (properties + 1)]) + heic[count_at + 1 + heic[count_at]:])

    def grow(at, by):
        struct.pack_into(">I", out, at, struct.unpack(">I", out[at:at + 4])[0] + by)

    meta = out.index(b"meta") - 4
    for name, by in [(b"meta", grown), (b"iprp", grown), (b"ipco", 9)]:
        grow(out.index(name) - 4, by)
    grow(out.index(b"ipma") - 4, 1)
    # iloc version 0 with 4-byte fields: the image's base offset moves with the mdat behind the grown meta box.
    iloc = out.index(b"iloc")
    assert out[iloc + 8:iloc + 10] == b"\x44\x40"
    grow(iloc + 16, grown)
    assert meta > 0
    return bytes(out)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    image = picture()
    image.save(os.path.join(out, "picture.png"))
    image.save(os.path.join(out, "picture.webp"), quality=92, method=6)
    rgba = image.convert("RGBA")
    alpha = rgba.load()
    for y in range(16):
        for x in range(16):
            r, g, b, _ = alpha[x, y]
            alpha[x, y] = (r, g, b, 0)
    rgba.save(os.path.join(out, "transparent-corner.webp"), lossless=True)
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(os.path.join(out, "picture.gif"))
    # Pillow's own reading of the GIF, the oracle the decoder must match exactly (a palette leaves no rounding).
    Image.open(os.path.join(out, "picture.gif")).convert("RGB").save(os.path.join(out, "picture.gif.png"))
    second = Image.new("RGB", image.size, (0, 0, 255))
    image.save(os.path.join(out, "animated.gif"), save_all=True, append_images=[second], duration=100, loop=0)
    for name, flags in [("picture.heic", []), ("picture.avif", ["-A"])]:
        subprocess.run(["heif-enc", "-q", "90", *flags, os.path.join(out, "picture.png"), "-o", os.path.join(out, name)],
                       check=True, stdout=subprocess.DEVNULL)
    # A HEIC carrying EXIF dates (heif-enc copies a JPEG's EXIF into an Exif item): DateTime and DateTimeOriginal differ,
    # so a test can tell which one is read.
    exif = Image.Exif()
    exif[0x0132] = "2020:01:02 03:04:05"
    exif.get_ifd(0x8769)[0x9003] = "2018:05:06 07:08:09"
    dated = os.path.join(out, "dated.jpg")
    image.save(dated, exif=exif.tobytes(), quality=90)
    subprocess.run(["heif-enc", "-q", "90", dated, "-o", os.path.join(out, "dated.heic")], check=True, stdout=subprocess.DEVNULL)
    os.remove(dated)
    # A HEIC as a phone held sideways writes it: the pixels turned a quarter clockwise, and an irot property saying
    # to turn them a quarter anticlockwise for display, which stands the picture upright again.
    sideways = os.path.join(out, "sideways.png")
    image.transpose(Image.Transpose.ROTATE_270).save(sideways)
    subprocess.run(["heif-enc", "-q", "90", sideways, "-o", os.path.join(out, "sideways.heic")], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "sideways.heic"), "rb") as f:
        rotated = with_rotation(f.read())
    with open(os.path.join(out, "rotated.heic"), "wb") as f:
        f.write(rotated)
    os.remove(sideways)
    os.remove(os.path.join(out, "sideways.heic"))
    # A grid image as phones write them (heif-enc 1.15 writes none): 2 x 2 tiles, each the picture above.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from make_hostile_files import heic_tile_flood
    with open(os.path.join(out, "picture.heic"), "rb") as f:
        grid = heic_tile_flood(f.read(), columns=2, rows=2)
    with open(os.path.join(out, "grid.heic"), "wb") as f:
        f.write(grid)


if __name__ == "__main__":
    main()
