#!/usr/bin/env python3
"""VLFeat 0.9.21 (libvl, through ctypes) as the reference of the suite's dense SIFT, GMM posteriors,
Fisher vectors and VLAD.

Two modes:
  fixtures  writes Tests/DescriptorsTests/Fixtures/vlfeat.json: small fixed images (bytes k with a
            scale, pixels float32(k) / float32(scale)) and vl_dsift's descriptors for several
            bin sizes, steps and both windows (Gaussian; flat, vl_dsift's 'fast'); fixed
            descriptors with a fixed diagonal GMM and vl_get_gmm_data_posteriors_f's posteriors and
            log-likelihood, vl_fisher_encode's vectors (plain and VL_FISHER_FLAG_IMPROVED), and
            vl_vlad_encode's vectors (unnormalized; the default global L2; square root plus
            per-component normalization). The tests compare with it and need neither Python nor VLFeat.
  timing    times vl_dsift (bin 4, step 2, flat and Gaussian windows) over the Fashion-MNIST
            training images and vl_fisher_encode (improved) of those descriptors against a fixed
            GMM, one image after another on one core, and writes `task,unit,reference_name,value`
            rows with the task names of cvd-bench-classical, for `make compare`.
libvl comes from the Debian package libvlfeat-dev; the suite never links it and never uses Python.
"""
import argparse
import ctypes
import json
import os
import sys
import time

import numpy as np

from reference_io import read_idx, write_rows

FASHION_TRAIN = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
VL_TYPE_FLOAT = 1
FISHER_IMPROVED = 0x3
VLAD_NORMALIZE_COMPONENTS, VLAD_SQUARE_ROOT, VLAD_UNNORMALIZED = 0x1, 0x2, 0x4


class DsiftGeometry(ctypes.Structure):
    _fields_ = [("numBinT", ctypes.c_int), ("numBinX", ctypes.c_int), ("numBinY", ctypes.c_int),
                ("binSizeX", ctypes.c_int), ("binSizeY", ctypes.c_int)]


class DsiftFilter(ctypes.Structure):
    """VlDsiftFilter of vl/dsift.h (0.9.21): the setters and getters are inline, so the fields are set here."""
    _fields_ = [("imWidth", ctypes.c_int), ("imHeight", ctypes.c_int), ("stepX", ctypes.c_int), ("stepY", ctypes.c_int),
                ("boundMinX", ctypes.c_int), ("boundMinY", ctypes.c_int), ("boundMaxX", ctypes.c_int), ("boundMaxY", ctypes.c_int),
                ("geom", DsiftGeometry), ("useFlatWindow", ctypes.c_int), ("windowSize", ctypes.c_double),
                ("numFrames", ctypes.c_int), ("descrSize", ctypes.c_int), ("frames", ctypes.c_void_p),
                ("descrs", ctypes.POINTER(ctypes.c_float)), ("numBinAlloc", ctypes.c_int), ("numFrameAlloc", ctypes.c_int),
                ("numGradAlloc", ctypes.c_int), ("grads", ctypes.c_void_p), ("convTmp1", ctypes.c_void_p), ("convTmp2", ctypes.c_void_p)]


def load_vl():
    vl = ctypes.CDLL("libvl.so")
    vl.vl_dsift_new_basic.restype = ctypes.POINTER(DsiftFilter)
    vl.vl_dsift_new_basic.argtypes = [ctypes.c_int] * 4
    vl.vl_dsift_process.argtypes = [ctypes.POINTER(DsiftFilter), ctypes.c_void_p]
    vl.vl_dsift_delete.argtypes = [ctypes.POINTER(DsiftFilter)]
    vl._vl_dsift_update_buffers.argtypes = [ctypes.POINTER(DsiftFilter)]
    size = ctypes.c_uint64
    vl.vl_fisher_encode.restype = size
    vl.vl_fisher_encode.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, size, size, ctypes.c_void_p,
                                    ctypes.c_void_p, ctypes.c_void_p, size, ctypes.c_int]
    vl.vl_vlad_encode.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, size, size, ctypes.c_void_p, size,
                                  ctypes.c_void_p, ctypes.c_int]
    vl.vl_get_gmm_data_posteriors_f.restype = ctypes.c_double
    vl.vl_get_gmm_data_posteriors_f.argtypes = [ctypes.c_void_p, size, size, ctypes.c_void_p, ctypes.c_void_p, size,
                                                ctypes.c_void_p, ctypes.c_void_p]
    return vl


def ptr(a):
    return a.ctypes.data_as(ctypes.c_void_p)


class Dsift:
    """One vl_dsift filter for H × W images (vl_dsift_new_basic, then the window and bounds)."""
    def __init__(self, vl, height, width, step, bin_size, flat, window_size=2.0, origin=0):
        self.vl = vl
        self.f = vl.vl_dsift_new_basic(width, height, step, bin_size)
        s = self.f.contents
        s.useFlatWindow = 1 if flat else 0
        s.windowSize = window_size
        s.boundMinX = s.boundMinY = origin
        vl._vl_dsift_update_buffers(self.f)

    def __call__(self, image):
        im = np.ascontiguousarray(image, dtype=np.float32)
        self.vl.vl_dsift_process(self.f, ptr(im))
        s = self.f.contents
        return np.ctypeslib.as_array(s.descrs, shape=(s.numFrames * s.descrSize,)).reshape(s.numFrames, s.descrSize).copy()

    def close(self):
        self.vl.vl_dsift_delete(self.f)


def fisher(vl, means, covariances, priors, data, flags):
    k, d = means.shape
    enc = np.zeros(2 * k * d, dtype=np.float32)
    vl.vl_fisher_encode(ptr(enc), VL_TYPE_FLOAT, ptr(means), d, k, ptr(covariances), ptr(priors), ptr(data), len(data), flags)
    return enc


def vlad(vl, centres, data, assignments, flags):
    k, d = centres.shape
    enc = np.zeros(k * d, dtype=np.float32)
    vl.vl_vlad_encode(ptr(enc), VL_TYPE_FLOAT, ptr(centres), d, k, ptr(data), len(data), ptr(assignments), flags)
    return enc


def posteriors(vl, means, covariances, priors, data):
    k, d = means.shape
    out = np.zeros((len(data), k), dtype=np.float32)
    ll = vl.vl_get_gmm_data_posteriors_f(ptr(out), k, len(data), ptr(priors), ptr(means), d, ptr(covariances), ptr(data))
    return out, ll


# MARK: - Fixtures

def fixture_images():
    """Name → (bytes as an H×W uint8 array, scale). Formulas and a seeded generator, nothing else."""
    rng = np.random.default_rng(20260)
    images = {"noise_20x24": (rng.integers(0, 256, size=(20, 24), dtype=np.uint8), 255)}
    y, x = np.mgrid[0:28, 0:28]
    disc = (np.hypot(y - 13.5, x - 12.0) < 8).astype(np.float64)
    ramp = ((x * 7 + y * 3) % 64) / 63.0
    images["disc_ramp_28x28"] = (np.clip(np.round(200 * disc + 50 * ramp), 0, 255).astype(np.uint8), 255)
    sy, sx = np.mgrid[0:31, 0:26]
    images["stripes_31x26"] = (np.round(127.5 + 127.5 * np.sin(0.7 * sx + 0.45 * sy)).astype(np.uint8), 255)
    return images


def dsift_cases():
    """(image, bin size, step, flat, origin)."""
    return [("noise_20x24", 4, 2, False, 0), ("noise_20x24", 4, 2, True, 0), ("noise_20x24", 3, 2, False, 0),
            ("disc_ramp_28x28", 4, 2, False, 0), ("disc_ramp_28x28", 4, 3, True, 0), ("disc_ramp_28x28", 6, 3, False, 0),
            ("disc_ramp_28x28", 2, 4, True, 3), ("stripes_31x26", 5, 4, False, 1), ("stripes_31x26", 1, 5, True, 0)]


def encoding_inputs(rng):
    """Fixed descriptors (two sets) and a fixed diagonal GMM (K = 5, D = 6) with unequal priors."""
    k, d = 5, 6
    means = rng.normal(0, 1.5, size=(k, d)).astype(np.float32)
    covariances = rng.uniform(0.3, 2.0, size=(k, d)).astype(np.float32)
    priors = rng.dirichlet(np.ones(k) * 2).astype(np.float32)
    priors /= priors.sum()
    sets = {"a": (means[rng.integers(0, k, 40)] + rng.normal(0, 1, (40, d))).astype(np.float32),
            "b": (rng.normal(0, 2.5, (13, d))).astype(np.float32)}
    return means, covariances, priors, sets


def write_fixtures(path):
    vl = load_vl()
    doc = {"source": "VLFeat 0.9.21 (Debian libvlfeat, C API through ctypes): vl_dsift_process, "
                     "vl_get_gmm_data_posteriors_f, vl_fisher_encode, vl_vlad_encode; benchmarks/reference/vlfeat_reference.py fixtures",
           "images": {}, "dsift": []}
    images = fixture_images()
    for name, (data, scale) in images.items():
        doc["images"][name] = {"height": int(data.shape[0]), "width": int(data.shape[1]), "scale": scale, "bytes": data.reshape(-1).tolist()}
    for name, b, step, flat, origin in dsift_cases():
        data, scale = images[name]
        pixels = data.astype(np.float32) / np.float32(scale)
        f = Dsift(vl, data.shape[0], data.shape[1], step, b, flat, origin=origin)
        d = f(pixels)
        f.close()
        doc["dsift"].append({"image": name, "bin_size": b, "step": step, "flat": flat, "origin": origin, "frames": int(d.shape[0]),
                             "descriptors": [float(f"{v:.7g}") for v in d.reshape(-1)]})
    rng = np.random.default_rng(7)
    means, covariances, priors, sets = encoding_inputs(rng)
    doc["gmm"] = {"means": means.reshape(-1).tolist(), "covariances": covariances.reshape(-1).tolist(), "priors": priors.tolist(),
                  "clusters": int(means.shape[0]), "dimension": int(means.shape[1])}
    doc["sets"] = {}
    for name, x in sets.items():
        q, ll = posteriors(vl, means, covariances, priors, x)
        hard = np.zeros((len(x), len(means)), dtype=np.float32)
        hard[np.arange(len(x)), ((x[:, None, :] - means[None]) ** 2).sum(-1).argmin(1)] = 1
        doc["sets"][name] = {
            "data": x.reshape(-1).tolist(), "count": len(x),
            "posteriors": q.reshape(-1).tolist(), "log_likelihood": ll,
            "fisher_plain": fisher(vl, means, covariances, priors, x, 0).tolist(),
            "fisher_improved": fisher(vl, means, covariances, priors, x, FISHER_IMPROVED).tolist(),
            "assignments": hard.reshape(-1).tolist(),
            "vlad_unnormalized": vlad(vl, means, x, hard, VLAD_UNNORMALIZED).tolist(),
            "vlad_default": vlad(vl, means, x, hard, 0).tolist(),
            "vlad_sqrt_components": vlad(vl, means, x, hard, VLAD_SQUARE_ROOT | VLAD_NORMALIZE_COMPONENTS).tolist(),
            "vlad_soft_default": vlad(vl, means, x, q, 0).tolist(),
        }
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, path)
    print(f"{path}: {len(doc['dsift'])} dsift cases, {len(doc['sets'])} encoding sets, {os.path.getsize(path)} bytes", file=sys.stderr)


# MARK: - Timing

def timing(args):
    vl = load_vl()
    vl.vl_set_num_threads(1)  # one core, as the suite's rows (libvl may use OpenMP in vl_fisher_encode)
    images = (read_idx(FASHION_TRAIN).astype(np.float32) / np.float32(255))[:args.images]
    rows = []
    descriptors = None
    for task, flat in [("dsift_extract_1core_fashion", False), ("dsift_flat_extract_1core_fashion", True)]:
        f = Dsift(vl, 28, 28, 2, 4, flat)
        best = float("inf")
        for _ in range(max(1, args.repeats)):
            t = time.perf_counter()
            out = [f(im) for im in images]
            best = min(best, time.perf_counter() - t)
        f.close()
        if descriptors is None:
            descriptors = out
        print(f"{task}: {len(images)} images → {out[0].shape} each, {best:.3f} s", file=sys.stderr)
        rows.append((task, "seconds", best))
    # Fisher vectors of those descriptors (their first 64 of 128 dimensions) against a fixed GMM of
    # 32 components that needs no generator, so cvd-bench-classical builds the same one: means are
    # rows 37·i mod P of the first 200 images' descriptors (P of them), every variance is the
    # variance of all those values, priors are equal.
    d, k = 64, 32
    pool = np.concatenate(descriptors[:200])[:, :d]
    means = np.ascontiguousarray(pool[(37 * np.arange(k)) % len(pool)], dtype=np.float32)
    covariances = np.full((k, d), float(pool.astype(np.float64).var()), dtype=np.float32)
    priors = np.full(k, 1.0 / k, dtype=np.float32)
    data = [np.ascontiguousarray(x[:, :d]) for x in descriptors]
    best = float("inf")
    for _ in range(max(1, args.repeats)):
        t = time.perf_counter()
        for x in data:
            fisher(vl, means, covariances, priors, x, FISHER_IMPROVED)
        best = min(best, time.perf_counter() - t)
    print(f"fisher_encode_1core_fashion: {len(data)} images × {len(data[0])} descriptors, D {d}, K {k}: {best:.3f} s", file=sys.stderr)
    rows.append(("fisher_encode_1core_fashion", "seconds", best))
    write_rows(args.out, "VLFeat 0.9.21", rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["fixtures", "timing"])
    ap.add_argument("--out", help="fixtures: the JSON (default Tests/DescriptorsTests/Fixtures/vlfeat.json); timing: the CSV")
    ap.add_argument("--images", type=int, default=60_000, help="timing: the first this many training images")
    ap.add_argument("--repeats", type=int, default=1, help="timing: keep the shortest of this many runs")
    args = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if args.mode == "fixtures":
        write_fixtures(args.out or os.path.join(repo, "Tests", "DescriptorsTests", "Fixtures", "vlfeat.json"))
    else:
        if not args.out:
            sys.exit("timing needs --out")
        timing(args)


if __name__ == "__main__":
    main()
