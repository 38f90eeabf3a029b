#!/usr/bin/env python3
"""scikit-image's HOG (skimage.feature.hog) as the reference of the suite's Descriptors.HOG.

Two modes:
  fixtures  writes Tests/DescriptorsTests/Fixtures/hog_skimage.json: small fixed images (stored as
            bytes k with the scale that maps them to pixels, float32(k) / float32(scale)) and
            skimage's features for several option sets (every block normalization, transform_sqrt on
            and off, non-square images, sizes not divisible by the cell, odd cells, tie-heavy
            orientation counts). The tests compare with it and need no Python.
  timing    times skimage's HOG over the Fashion-MNIST training images (pixels k/255 in float32,
            as the suite loads them) with the suite's default options (9 orientations, 4×4-pixel
            cells, 2×2-cell blocks, L2-Hys) and writes `task,unit,reference_name,value` rows with
            the task names of cvd-bench-classical, for `make compare`: hog_extract_fashion (a
            process pool as wide as the machine, like the suite's threads) and
            hog_extract_1core_fashion (one process, one image after another, as a user's loop runs).
scikit-image is installed from PyPI for this script only; the suite never uses Python.
"""
import argparse
import json
import os
import sys
import time
from multiprocessing import Pool

import numpy as np
import skimage
from skimage.feature import hog

from reference_io import read_idx, write_rows

FASHION_TRAIN = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
# The suite's defaults (Descriptors.HOG()): the timing uses them.
DEFAULTS = dict(orientations=9, pixels_per_cell=(4, 4), cells_per_block=(2, 2), block_norm="L2-Hys", transform_sqrt=False)


# MARK: - Fixtures

def fixture_images():
    """Name → (bytes as an H×W uint8 array, scale). Formulas and a seeded generator, nothing else."""
    images = {}
    # A digit-like 28×28 picture: a ring and a diagonal bar, smooth edges, quantized to bytes.
    y, x = np.mgrid[0:28, 0:28].astype(np.float64)
    ring = np.exp(-((np.hypot(y - 13.5, x - 12.0) - 8.0) ** 2) / 4.0)
    bar = np.exp(-((y - x - 2.0) ** 2) / 6.0) * (x > 8)
    images["ring28"] = (np.clip(np.maximum(ring, bar), 0, 1) * 255).round().astype(np.uint8), 255
    # Non-square, neither side divisible by the usual cells: uniform bytes from a seeded generator.
    rng = np.random.default_rng(20240611)
    images["noise13x22"] = rng.integers(0, 256, size=(13, 22), dtype=np.uint8), 255
    # Small odd-sized image with some flat areas (zeros) and a gradient wedge.
    rng = np.random.default_rng(7)
    wedge = ((np.mgrid[0:9, 0:7][1] * 30 + rng.integers(0, 40, size=(9, 7))) * (np.mgrid[0:9, 0:7][0] > 2)).clip(0, 255)
    images["wedge9x7"] = wedge.astype(np.uint8), 255
    # Steps and diagonals of whole numbers, pixels 0–255 unscaled: gradients on 0°, 45°, 90°, 135°,
    # exactly on the bin boundaries of 4 and 8 orientations.
    yy, xx = np.mgrid[0:16, 0:20]
    steps = (((xx + yy) // 3) % 4) * 60 + (((xx - yy) // 5) % 2) * 15 + (xx > 10) * 5
    images["steps16x20"] = steps.astype(np.uint8), 1
    # Widths of whole cells and whole 8-pixel vector steps (16 rows, 24 columns): the last column's
    # zero gradient comes from the suite's border padding, not from a partial cell.
    yy, xx = np.mgrid[0:16, 0:24].astype(np.float64)
    blobs = 0.5 + 0.5 * np.sin(xx * 0.9 + yy * 0.3) * np.cos(yy * 0.7 - xx * 0.2)
    images["blobs16x24"] = (blobs * 255).round().astype(np.uint8), 255
    # A real Fashion-MNIST training image when the data set is installed (the first one).
    if os.path.exists(FASHION_TRAIN):
        images["fashion0"] = read_idx(FASHION_TRAIN)[0], 255
    return images


def fixture_cases():
    """(image name, options) pairs; options as skimage's keyword arguments."""
    d = DEFAULTS
    cases = []
    for block_norm in ["L1", "L1-sqrt", "L2", "L2-Hys"]:
        for sqrt in [False, True]:
            cases.append(("ring28", dict(d, block_norm=block_norm, transform_sqrt=sqrt)))
    cases += [
        ("fashion0", d),
        ("fashion0", dict(d, transform_sqrt=True, block_norm="L1")),
        ("noise13x22", d),
        ("noise13x22", dict(d, orientations=6, pixels_per_cell=(3, 5), cells_per_block=(2, 3), block_norm="L1-sqrt")),
        ("noise13x22", dict(d, orientations=1, pixels_per_cell=(2, 2), cells_per_block=(1, 1), block_norm="L2")),
        ("wedge9x7", dict(d, orientations=7, pixels_per_cell=(3, 2), cells_per_block=(2, 1), block_norm="L2-Hys", transform_sqrt=True)),
        ("wedge9x7", dict(d, orientations=9, pixels_per_cell=(9, 7), cells_per_block=(1, 1), block_norm="L1")),
        ("steps16x20", dict(d, orientations=4, pixels_per_cell=(3, 3), cells_per_block=(2, 2), block_norm="L1")),
        ("steps16x20", dict(d, orientations=8, pixels_per_cell=(4, 5), cells_per_block=(1, 2), block_norm="L2")),
        ("steps16x20", dict(d, orientations=2, pixels_per_cell=(5, 3), cells_per_block=(2, 2), block_norm="L2-Hys")),
        ("steps16x20", dict(d, orientations=12, pixels_per_cell=(4, 4), cells_per_block=(3, 3), block_norm="L2-Hys", transform_sqrt=True)),
        ("blobs16x24", d),
        ("blobs16x24", dict(d, orientations=8, pixels_per_cell=(8, 8), cells_per_block=(1, 1), block_norm="L1", transform_sqrt=True)),
        ("ring28", dict(d, orientations=9, pixels_per_cell=(5, 5), cells_per_block=(3, 3))),
        ("ring28", dict(d, orientations=18, pixels_per_cell=(7, 7), cells_per_block=(2, 2), block_norm="L2")),
    ]
    return cases


def write_fixtures(path):
    images = fixture_images()
    out_images = {name: dict(height=int(a.shape[0]), width=int(a.shape[1]), scale=scale, bytes=a.ravel().tolist())
                  for name, (a, scale) in images.items()}
    out_cases = []
    for name, options in fixture_cases():
        if name not in images:
            print(f"note: {name} not available, case skipped", file=sys.stderr)
            continue
        a, scale = images[name]
        pixels = a.astype(np.float32) / np.float32(scale)
        features = hog(pixels, feature_vector=True, **options)
        out_cases.append(dict(
            image=name, orientations=options["orientations"], pixels_per_cell=list(options["pixels_per_cell"]),
            cells_per_block=list(options["cells_per_block"]), block_norm=options["block_norm"],
            transform_sqrt=options["transform_sqrt"], dtype=str(features.dtype),
            features=[float(f"{v:.7g}") for v in features.tolist()]))
    doc = dict(
        source=f"skimage.feature.hog, scikit-image {skimage.__version__}, numpy {np.__version__}; written by benchmarks/reference/hog_reference.py fixtures",
        pixels="float32(bytes[i]) / float32(scale), row-major H×W, passed to hog() as a float32 array",
        images=out_images, cases=out_cases)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, path)
    print(f"{path}: {len(out_images)} images, {len(out_cases)} cases, {os.path.getsize(path)} bytes", file=sys.stderr)


# MARK: - Timing

def _describe(images):
    return np.stack([hog(im, feature_vector=True, **DEFAULTS) for im in images])


def time_hog(images, workers):
    """Seconds to describe every image: one loop when workers == 1, else a pool of processes over
    equal slices (the pool is started before the clock; sending the images and results is timed)."""
    if workers == 1:
        t = time.perf_counter()
        features = _describe(images)
        return time.perf_counter() - t, features
    with Pool(workers) as pool:
        pool.map(_describe, [images[:1]] * workers)  # warm the workers' imports
        t = time.perf_counter()
        parts = pool.map(_describe, np.array_split(images, workers * 8))
        features = np.concatenate(parts)
        return time.perf_counter() - t, features


def timing(args):
    images = (read_idx(FASHION_TRAIN).astype(np.float32) / np.float32(255))[:args.images]
    name = f"scikit-image {skimage.__version__}"
    rows = []
    for task, workers in [("hog_extract_fashion", os.cpu_count() or 1), ("hog_extract_1core_fashion", 1)]:
        best = float("inf")
        for _ in range(max(1, args.repeats)):
            seconds, features = time_hog(images, workers)
            best = min(best, seconds)
        print(f"{task}: {len(images)} images → {features.shape}, {workers} process(es), {best:.3f} s", file=sys.stderr)
        rows.append((task, "seconds", best))
    write_rows(args.out, name, rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["fixtures", "timing"])
    ap.add_argument("--out", help="fixtures: the JSON (default Tests/DescriptorsTests/Fixtures/hog_skimage.json); timing: the CSV")
    ap.add_argument("--images", type=int, default=60_000, help="timing: the first this many training images")
    ap.add_argument("--repeats", type=int, default=1, help="timing: keep the shortest of this many runs")
    args = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if args.mode == "fixtures":
        write_fixtures(args.out or os.path.join(repo, "Tests", "DescriptorsTests", "Fixtures", "hog_skimage.json"))
    else:
        if not args.out:
            sys.exit("timing needs --out")
        timing(args)


if __name__ == "__main__":
    main()
