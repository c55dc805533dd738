#!/usr/bin/env python3
"""Runs one training command twice, as `sparserec ARGS...` and through the Python package in this
process, and prints both result lines' figures side by side, exiting 1 if any differs (times,
rates and memory aside). The check behind "the CLI's figures to the last digit" on real data.

Usage: PYTHONPATH=build/python tools/python_vs_cli.py build/tools/sparserec COMMAND [ARGS...]
  e.g. ... train --data data/ml-100k/u.data --model autorec --device cpu"""
import json
import subprocess
import sys
import time

import sparserec

VOLATILE = ("seconds", "per_second", "peak_rss", "rate", "time")


def flatten(value, prefix=""):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not any(w in k for w in VOLATILE):
                out.update(flatten(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): value}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    program, args = sys.argv[1], sys.argv[2:]
    t0 = time.time()
    cli = subprocess.run([program, *args], capture_output=True, text=True)
    if cli.returncode != 0:
        sys.exit(f"the CLI failed: {cli.stderr.strip().splitlines()[-1]}")
    t1 = time.time()
    theirs = json.loads(cli.stdout.strip().splitlines()[-1])
    ours = sparserec._sparserec.run(args)[-1]
    t2 = time.time()
    a, b = flatten(theirs), flatten(ours)
    differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    print(f"| figure | CLI | Python |\n|---|---|---|")
    for k in sorted(a.keys() | b.keys()):
        if isinstance(a.get(k), (int, float, str)) and not isinstance(a.get(k), bool):
            print(f"| {k} | {a.get(k)!r} | {b.get(k)!r} |")
    print(f"\nwall: CLI {t1 - t0:.1f} s, Python {t2 - t1:.1f} s; "
          f"{'every figure equal' if not differ else 'DIFFER: ' + ', '.join(differ)}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
