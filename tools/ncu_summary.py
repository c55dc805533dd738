#!/usr/bin/env python3
"""Sums `ncu --csv --print-units base --metrics gpu__time_duration.sum` output by kernel: prints
a markdown table of each kernel's launches, total and mean time and share of all kernel time,
largest first, so a profile of a few training steps says which kernels a step's GPU time goes to
(set it beside the step's wall time: what is left is launch and host time).
Usage: ncu_summary.py NCU.csv [--top 15]"""
import argparse
import csv
import sys
from collections import defaultdict


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("--top", type=int, default=15)
    a = ap.parse_args()
    with open(a.csv, newline="") as f:
        lines = [l for l in f if l.startswith('"')]  # ncu's own ==PROF== lines and the program's output are not CSV
    rows = list(csv.DictReader(lines))
    time = defaultdict(float)
    count = defaultdict(int)
    for r in rows:
        if r.get("Metric Name") != "gpu__time_duration.sum":
            continue
        scale = {"nsecond": 1e-9, "usecond": 1e-6, "msecond": 1e-3, "second": 1.0}.get(r.get("Metric Unit", ""), None)
        if scale is None:
            sys.exit(f"unknown unit {r.get('Metric Unit')!r}: run ncu with --print-units base")
        # "void sr::cuda::(anonymous namespace)::spmm_rows_kernel(sr::...)" -> "spmm_rows_kernel"
        name = r["Kernel Name"].replace("(anonymous namespace)", "anon").split("(")[0].split("<")[0].split("::")[-1]
        name = name.split()[-1] if name.split() else r["Kernel Name"]
        time[name] += float(r["Metric Value"].replace(",", "")) * scale
        count[name] += 1
    if not time:
        sys.exit(f"{a.csv}: no gpu__time_duration.sum rows")
    total = sum(time.values())
    print(f"{sum(count.values())} launches, {total * 1e3:.3f} ms of kernel time\n")
    print("| kernel | launches | total ms | mean us | share |")
    print("|---|---|---|---|---|")
    for name in sorted(time, key=lambda n: -time[n])[: a.top]:
        print(f"| {name} | {count[name]} | {time[name] * 1e3:.3f} | {time[name] / count[name] * 1e6:.1f} | {time[name] / total:.0%} |")


if __name__ == "__main__":
    main()
