"""Writes the PNG and JPEG fixtures of ImageFilesTests (run once; the tests only read the files).

The PNGs are assembled chunk by chunk here (zlib + CRC, filter type 0, Adam7 by hand) rather than
with libpng, so the decoder under test is checked against an independent encoder. The pixel
formulas below are repeated in PNGFixtureTests.swift, which asserts every decoded sample.
The JPEGs come from Pillow (quality 95, 4:4:4) and hold flat 8×8-aligned quadrants.
"""
import struct
import zlib

from PIL import Image


def sample8(x, y, c):
    return (x * (37 + 11 * c) + y * (53 + 7 * c) + 40 * c) % 256


def sample16(x, y, c):
    return (x * 9001 + y * 5003 + c * 20011) % 65536


def gray_bits(x, y, bits):
    return (x + 2 * y) % (1 << bits)


PALETTE = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 0, 0), (255, 255, 255)]
PALETTE_ALPHA = [0, 128, 255]  # shorter than the palette: later entries are opaque


def palette_index(x, y):
    return (x + y) % 6


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pack_row(values, bit_depth):
    """Packs one row of samples (already flattened over channels) at the given bit depth."""
    if bit_depth == 8:
        return bytes(values)
    if bit_depth == 16:
        return b"".join(struct.pack(">H", v) for v in values)
    out, acc, filled = bytearray(), 0, 0
    for v in values:
        acc = (acc << bit_depth) | v
        filled += bit_depth
        if filled == 8:
            out.append(acc)
            acc, filled = 0, 0
    if filled:
        out.append(acc << (8 - filled))
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(name, width, height, color_type, bit_depth, pixel, interlaced=False, extra=b""):
    """pixel(x, y) -> tuple of samples; every scanline uses filter type 0 (None)."""
    raw = bytearray()
    passes = ADAM7 if interlaced else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        xs = range(x0, width, dx)
        if not xs:
            continue
        for y in range(y0, height, dy):
            values = [s for x in xs for s in pixel(x, y)]
            raw += b"\x00" + pack_row(values, bit_depth)
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlaced else 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra
    data += chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    with open(name, "wb") as f:
        f.write(data)


W, H = 5, 4
write_png("gray8.png", W, H, 0, 8, lambda x, y: (sample8(x, y, 0),))
for bits in (1, 2, 4):
    write_png(f"gray{bits}.png", W, H, 0, bits, lambda x, y, b=bits: (gray_bits(x, y, b),))
write_png("gray16.png", W, H, 0, 16, lambda x, y: (sample16(x, y, 0),))
write_png("gray8_trns.png", W, H, 0, 8, lambda x, y: (sample8(x, y, 0),), extra=chunk(b"tRNS", struct.pack(">H", sample8(1, 1, 0))))
write_png("ga8.png", W, H, 4, 8, lambda x, y: (sample8(x, y, 0), sample8(x, y, 1)))
write_png("rgb8.png", W, H, 2, 8, lambda x, y: tuple(sample8(x, y, c) for c in range(3)))
write_png("rgba8.png", W, H, 6, 8, lambda x, y: tuple(sample8(x, y, c) for c in range(4)))
write_png("rgb16.png", W, H, 2, 16, lambda x, y: tuple(sample16(x, y, c) for c in range(3)))
write_png("rgba16.png", W, H, 6, 16, lambda x, y: tuple(sample16(x, y, c) for c in range(4)))
plte = chunk(b"PLTE", bytes(v for rgb in PALETTE for v in rgb))
write_png("palette8_trns.png", W, H, 3, 8, lambda x, y: (palette_index(x, y),), extra=plte + chunk(b"tRNS", bytes(PALETTE_ALPHA)))
write_png("palette4.png", W, H, 3, 4, lambda x, y: (palette_index(x, y),), extra=plte)
write_png("rgb8_interlaced.png", 9, 7, 2, 8, lambda x, y: tuple(sample8(x, y, c) for c in range(3)), interlaced=True)
write_png("gray2_interlaced.png", 9, 7, 0, 2, lambda x, y: (gray_bits(x, y, 2),), interlaced=True)

# JPEG: 16×16, four flat 8×8 quadrants, so every block is flat and decodes almost exactly.
QUADRANT_RGB = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (220, 220, 220)]
QUADRANT_GRAY = [40, 100, 160, 220]


def quadrants(mode, colors):
    image = Image.new(mode, (16, 16))
    for y in range(16):
        for x in range(16):
            image.putpixel((x, y), colors[(y // 8) * 2 + x // 8])
    return image


rgb, gray = quadrants("RGB", QUADRANT_RGB), quadrants("L", QUADRANT_GRAY)
rgb.save("rgb_baseline.jpg", quality=95, subsampling=0)
rgb.save("rgb_progressive.jpg", quality=95, subsampling=0, progressive=True)
gray.save("gray_baseline.jpg", quality=95)
gray.save("gray_progressive.jpg", quality=95, progressive=True)
Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save("cmyk.jpg", quality=95)
