"""What the numpy-based reference scripts share: reading IDX files and writing their CSV rows."""
import gzip
import os
import struct
import sys

import numpy as np


def read_idx(path):
    """An unsigned-byte IDX file (plain or .gz) as a numpy array of its dimensions."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    zero, dtype, rank = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def write_rows(path, reference_name, rows):
    """`task,unit,reference_name,value` for every (task, unit, value), written atomically."""
    tmp = path + ".tmp"
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(tmp, "w") as f:
        f.write("task,unit,reference_name,value\n")
        for task, unit, value in rows:
            f.write(f"{task},{unit},{reference_name},{value:.6g}\n")
    os.replace(tmp, path)
