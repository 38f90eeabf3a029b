#!/usr/bin/env python3
"""PyTorch reference for the neural-network benchmarks: the same LeNet-5 and MLP(784-100-10),
the same batch size and optimizer, on the same kind of data, with 2 CPU threads.

Writes CSV `task,unit,reference_name,value` with the task names of `cvd-bench-neural`, one row
per mode (reference_name "PyTorch <version> <mode>": eager NCHW, channels_last, compile):
  lenet5_train,images_per_s     training throughput at batch 64 (random MNIST-shaped data)
  mlp100_train,images_per_s
  lenet5_infer,images_per_s     prediction throughput at batch 256, eval mode, torch.no_grad()
  mlp100_infer,images_per_s
  mnist5k_*_accuracy            (with --accuracy and --mnist5k-dir: 10 epochs, SGD lr 0.05, momentum 0.9)

PyTorch is installed only for this comparison (`pip install torch`); the suite never needs it.
"""
import argparse
import gzip
import os
import struct
import sys
import time

import torch
import torch.nn as nn

BATCH = 64


def lenet5():
    # The lectures' table: Conv(20,k5,p2)-ReLU-MaxPool(2)-Conv(50,k5,p2)-ReLU-MaxPool(2)-Flatten-Linear(500)-ReLU-Linear(10)
    return nn.Sequential(
        nn.Conv2d(1, 20, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(20, 50, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2450, 500), nn.ReLU(), nn.Linear(500, 10))


def mlp100():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))


def train_epoch(model, opt, x, y):
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    perm = torch.randperm(x.shape[0])
    for i in range(0, x.shape[0], BATCH):
        idx = perm[i:i + BATCH]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()


# The CPU modes PyTorch users are told to try: the default eager NCHW, the channels-last memory
# format (convolutions in NHWC through oneDNN), and torch.compile (inductor's generated C++).
MODES = ("eager", "channels_last", "compile")


def prepare(make, mode, x):
    """The model (and input) for one mode; None when the mode does not apply or cannot run here."""
    model = make()
    if mode == "channels_last":
        if not any(isinstance(m, nn.Conv2d) for m in model.modules()):
            return None, x
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    elif mode == "compile":
        try:
            model = torch.compile(model)
        except Exception as e:  # no compiler, an unsupported platform
            print(f"  torch.compile unavailable: {e}", file=sys.stderr)
            return None, x
    return model, x


def throughput(make, images, repeats, mode="eager"):
    torch.manual_seed(0)
    x = torch.rand(images, 1, 28, 28)
    y = torch.randint(0, 10, (images,))
    model, x = prepare(make, mode, x)
    if model is None:
        return None
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    train_epoch(model, opt, x[:BATCH * 10], y[:BATCH * 10])  # warm-up
    best = best_cpu = 0.0
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        train_epoch(model, opt, x, y)
        best = max(best, images / (time.perf_counter() - t))
        best_cpu = max(best_cpu, images / (time.process_time() - c))
    # As the suite's bench: on a shared machine the CPU time shows the work (it includes the time
    # PyTorch's worker threads spend waiting actively, which costs nothing on an idle machine).
    print(f"  {best_cpu:.0f} images per CPU-second; load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    return best


def inference(make, images, repeats, mode="eager", batch=256):
    """Prediction throughput: eval mode, no gradients, batches of 256."""
    torch.manual_seed(0)
    x = torch.rand(images, 1, 28, 28)
    model, x = prepare(make, mode, x)
    if model is None:
        return None
    model.eval()
    best = 0.0
    with torch.no_grad():
        for i in range(0, min(images, 4 * batch), batch):  # warm-up (and compilation)
            model(x[i:i + batch])
        for _ in range(repeats):
            t = time.perf_counter()
            for i in range(0, images, batch):
                model(x[i:i + batch])
            best = max(best, images / (time.perf_counter() - t))
    return best


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    dims = [struct.unpack(">I", data[4 + 4 * i:8 + 4 * i])[0] for i in range(magic & 0xFF)]
    offset = 4 + 4 * len(dims)
    return torch.frombuffer(bytearray(data[offset:]), dtype=torch.uint8).reshape(dims)


def mnist5k_split(folder):
    """The suite's split: 100 test images per class, chosen by the suite's stratified split with
    seed 0 is not reproducible here, so this takes a seeded stratified split of the same sizes."""
    x = read_idx(os.path.join(folder, "mnist5k-images-idx3-ubyte.gz")).float().div(255).reshape(-1, 1, 28, 28)
    y = read_idx(os.path.join(folder, "mnist5k-labels-idx1-ubyte.gz")).long()
    g = torch.Generator().manual_seed(0)
    test_idx = []
    for c in range(10):
        members = (y == c).nonzero().flatten()
        test_idx.append(members[torch.randperm(len(members), generator=g)[:100]])
    test_idx = torch.cat(test_idx)
    mask = torch.ones(len(y), dtype=torch.bool)
    mask[test_idx] = False
    return x[mask], y[mask], x[test_idx], y[test_idx]


def accuracy(make, data, epochs):
    xtr, ytr, xte, yte = data
    torch.manual_seed(0)
    model = make()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    t = time.perf_counter()
    for _ in range(epochs):
        train_epoch(model, opt, xtr, ytr)
    seconds = time.perf_counter() - t
    model.eval()
    with torch.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    return acc, seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="results/bench/torch_reference.csv")
    p.add_argument("--quick", action="store_true", help="fewer batches and repeats")
    p.add_argument("--accuracy", action="store_true", help="also train on MNIST-5k (needs --mnist5k-dir)")
    p.add_argument("--mnist5k-dir", default="data/mnist5k")
    p.add_argument("--modes", default=",".join(MODES), help="comma-separated: " + ", ".join(MODES))
    args = p.parse_args()

    torch.set_num_threads(2)
    name = "PyTorch " + torch.__version__.split("+")[0]
    rows = []
    repeats = 2 if args.quick else 5
    modes = [m for m in args.modes.split(",") if m]
    for m in modes:
        if m not in MODES:
            sys.exit(f"--modes: {m!r} is not one of {', '.join(MODES)}")
    for task, make, measure, images in (
            ("lenet5_train", lenet5, throughput, BATCH * (30 if args.quick else 120)),
            ("mlp100_train", mlp100, throughput, BATCH * (300 if args.quick else 1500)),
            ("lenet5_infer", lenet5, inference, 256 * (8 if args.quick else 40)),
            ("mlp100_infer", mlp100, inference, 256 * (100 if args.quick else 400))):
        for mode in modes:
            value = measure(make, images, repeats, mode)
            if value is None:
                continue
            print(f"{task} ({mode}): {value:.0f} images/s", file=sys.stderr)
            rows.append((task, "images_per_s", value, f"{name} {mode}"))
    if args.accuracy:
        data = mnist5k_split(args.mnist5k_dir)
        for task, make in (("mnist5k_mlp100", mlp100), ("mnist5k_lenet5", lenet5)):
            acc, seconds = accuracy(make, data, 10)
            print(f"{task}: test accuracy {acc:.4f}, fit {seconds:.1f} s (10 epochs)", file=sys.stderr)
            rows.append((task + "_accuracy", "accuracy", acc, name))
            rows.append((task + "_fit", "seconds", seconds, name))

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("task,unit,reference_name,value\n")
        for task, unit, value, reference in rows:
            f.write(f"{task},{unit},{reference},{value:.0f}\n" if value >= 100 else f"{task},{unit},{reference},{value:.4f}\n")
    os.replace(tmp, args.out)
    with open(args.out) as f:
        sys.stdout.write(f.read())


if __name__ == "__main__":
    main()
