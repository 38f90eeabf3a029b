#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/<target>/: small valid files of
each format (plus a few well-known damaged ones), so the fuzzers start from inputs that reach deep
into the parsers. Run from anywhere; rerunning rewrites the same bytes (standard library only)."""
import gzip
import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Tests", "ImageFilesTests", "Fixtures")


def put(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def gz(data):
    # mtime 0: the same bytes on every run.
    return gzip.compress(data, compresslevel=6, mtime=0)


def idx_images(n, rows, cols, pixels):
    return struct.pack(">IIII", 0x803, n, rows, cols) + bytes(pixels)


def idx_labels(labels):
    return struct.pack(">II", 0x801, len(labels)) + bytes(labels)


# PNG and JPEG: the ImageFiles test fixtures (every color type, bit depth, interlacing; baseline,
# progressive, gray, CMYK), each a few hundred bytes.
for name in sorted(os.listdir(FIXTURES)):
    target = {"png": "png", "jpg": "jpeg"}.get(name.rsplit(".", 1)[-1])
    if target:
        with open(os.path.join(FIXTURES, name), "rb") as f:
            put(target, name, f.read())

# PPM/PGM: binary and ASCII, 8- and 16-bit, with comments.
put("pnm", "gray8.pgm", b"P5\n3 2\n255\n" + bytes([0, 50, 100, 150, 200, 250]))
put("pnm", "gray16.pgm", b"P5 2 2 65535\n" + struct.pack(">4H", 0, 1000, 40000, 65535))
put("pnm", "rgb8.ppm", b"P6\n# a comment\n2 2\n255\n" + bytes(range(12)))
put("pnm", "rgb_maxval15.ppm", b"P6 2 1 15\n" + bytes([0, 5, 10, 15, 3, 7]))
put("pnm", "ascii.pgm", b"P2\n# ascii\n3 2\n9\n0 1 2\n3 4 9\n")
put("pnm", "ascii.ppm", b"P3 2 1 65535\n0 0 0 65535 1 2\n")
put("pnm", "bitmap.pbm", b"P4\n8 1\n\x55")

# IDX: images and labels, plain; the gzip target gets the same files plain (for its differential
# check) and gzipped (for the inflater), plus a two-member gzip file.
images = idx_images(3, 2, 3, [0, 51, 102, 153, 204, 255, 10, 20, 30, 40, 50, 60, 255, 255, 0, 0, 128, 1])
labels = idx_labels([7, 0, 3])
one_by_one = idx_images(1, 1, 1, [9])
empty = idx_images(0, 28, 28, [])
for target in ["idx", "idx-gzip"]:
    put(target, "images-3x2x3", images)
    put(target, "labels-3", labels)
    put(target, "images-1x1x1", one_by_one)
put("idx", "images-0x28x28", empty)
put("idx", "float32.idx", struct.pack(">IIII", 0xD03, 1, 1, 1) + b"\0\0\0\0")
put("idx-gzip", "images-3x2x3.gz", gz(images))
put("idx-gzip", "labels-3.gz", gz(labels))
put("idx-gzip", "images-two-members.gz", gz(images[:10]) + gz(images[10:]))

# CSV: the first byte picks the options (bits 0-1 label column: 0, -1, 1, "label"; bits 2-3
# header: detect, yes, no, detect; bits 4-5 separator: ',', ';', tab, ',').
put("csv", "header-first-column.csv", b"\x00label,a,b\n2,1.5,-2\r\n0, 3e2 ,0.25\n\n1,0,7\n")
put("csv", "named-label.csv", b"\x03x,y,label\n1,2,setosa\n3,4,\"virginica\"\n5,6,setosa\n")
put("csv", "last-column-no-header.csv", b"\x09" + b"0.5,1.0e+00\n0.25,0.0e+00\n")
put("csv", "semicolon.csv", b"\x10a;b;c\n1;2;3\n4;5;6\n")
put("csv", "tab.csv", b"\x21" + b"1\t2\t0\n3\t4\t1\n")
put("csv", "nan.csv", b"\x00label,f1,f2\n0,1,2\n1,nan,3\n")
put("csv", "bom-gzip.csv.gz", b"\x00" + gz(b"\xef\xbb\xbflabel,v\n1,2\n0,-inf\n"))


# safetensors: the weights of the fuzz target's 3 -> 2 -> 2 MLP, as the suite writes them.
def safetensors(tensors, metadata=None):
    header, data, offset = {}, b"", 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, shape, values in tensors:
        raw = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


mlp = [("0.weight", [2, 3], [0.1, -0.2, 0.3, 0.4, 0.5, -0.6]), ("0.bias", [2], [0.0, 1.0]),
       ("2.weight", [2, 2], [1.0, 0.0, 0.0, 1.0]), ("2.bias", [2], [0.5, -0.5])]
put("safetensors", "mlp-3-2-2.safetensors", safetensors(mlp, {"format": "pt"}))
put("safetensors", "mlp-no-metadata.safetensors", safetensors(mlp))
put("safetensors", "pytorch-counter.safetensors",
    safetensors(mlp + [("1.num_batches_tracked", [], [0.0])], {"format": "pt"}))
put("safetensors", "wrong-shape.safetensors", safetensors([("0.weight", [3, 2], [0.0] * 6)] + mlp[1:]))

# EXIF: the body of an APP1 "Exif" segment (TIFF header, IFD0) that the exif target puts into a
# fixed JPEG: every orientation in both byte orders, then entries the reader must skip or refuse.
def exif(orientation, big_endian=False, type_code=3, count=1, extra_entries=()):
    e = ">" if big_endian else "<"
    entries = [(0x0112, type_code, count, struct.pack(e + "H", orientation) + b"\0\0")] + list(extra_entries)
    ifd = struct.pack(e + "H", len(entries))
    for tag, kind, n, value in entries:
        ifd += struct.pack(e + "HHI", tag, kind, n) + value
    return (b"MM\0*" if big_endian else b"II*\0") + struct.pack(e + "I", 8) + ifd + struct.pack(e + "I", 0)


for o in range(1, 9):
    put("exif", "orientation-%d-le" % o, exif(o))
    put("exif", "orientation-%d-be" % o, exif(o, big_endian=True))
put("exif", "orientation-9", exif(9))
put("exif", "orientation-as-long", exif(6, type_code=4))
put("exif", "after-another-tag", exif(8, extra_entries=[(0x010F, 2, 4, b"Cam\0")]))
put("exif", "ifd-past-the-end", b"II*\0" + struct.pack("<I", 4000))
put("exif", "truncated", exif(6)[:13])
