#!/usr/bin/env python3
"""Compares the weights of two sparserec tensor files (model files or checkpoints): prints
"identical" or the largest absolute and relative difference, tensor by tensor order.
Usage: compare_models.py A.srm B.srm"""
import struct
import sys


def tensors(path):
    with open(path, "rb") as f:
        data = f.read()
    at = data.index(b"\n") + 1
    (n,) = struct.unpack_from("<Q", data, at)
    at += 8 + n
    (count,) = struct.unpack_from("<Q", data, at)
    at += 8
    out = []
    for _ in range(count):
        (ln,) = struct.unpack_from("<Q", data, at)
        at += 8
        name = data[at:at + ln].decode()
        at += ln
        rows, cols = struct.unpack_from("<qq", data, at)
        at += 16 + 8  # dims, checksum
        vals = struct.unpack_from(f"<{rows * cols}f", data, at)
        at += 4 * rows * cols
        out.append((name, vals))
    return out


a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
if [n for n, _ in a] != [n for n, _ in b]:
    sys.exit("different tensors")
worst_abs = worst_rel = 0.0
for (_, x), (_, y) in zip(a, b):
    for u, v in zip(x, y):
        d = abs(u - v)
        worst_abs = max(worst_abs, d)
        worst_rel = max(worst_rel, d / max(abs(u), abs(v), 1e-12))
print("identical" if worst_abs == 0 else f"max abs diff {worst_abs:.3g}, max rel diff {worst_rel:.3g}")
