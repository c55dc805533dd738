#!/usr/bin/env python3
"""Every kernel defined under kernels/cuda/ must run in the emulator parity suite.

Runs the given test binaries (their Emu/* cases) with SPARSEREC_EMU_COVERAGE_FILE set, collects the
kernel names the emulator launched, and compares them with the __global__ functions in the sources.
Prints the table; exits 1 on a kernel defined but never covered.
Usage: check_kernel_coverage.py SOURCE_DIR BINARY [BINARY ...]
"""
import os
import re
import subprocess
import sys
import tempfile

source_dir, binaries = sys.argv[1], sys.argv[2:]
defined = {}
for name in sorted(os.listdir(source_dir)):
    if name.endswith(".cu"):
        text = open(os.path.join(source_dir, name)).read()
        for m in re.finditer(r"__global__\s+void\s+(?:__launch_bounds__\([^)]*\)\s*)?(\w+)\s*\(", text):
            defined[m.group(1)] = name

with tempfile.TemporaryDirectory() as tmp:
    cov = os.path.join(tmp, "kernels.txt")
    env = dict(os.environ, SPARSEREC_EMU_COVERAGE_FILE=cov)
    for b in binaries:
        r = subprocess.run([b, "--gtest_filter=Emu/*", "--gtest_brief=1"], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout[-4000:], r.stderr[-4000:])
            sys.exit(f"{b} failed while collecting coverage")
    covered = set(open(cov).read().split()) if os.path.exists(cov) else set()

print(f"{'kernel':32} {'file':18} covered")
gaps = []
for k, f in sorted(defined.items()):
    ok = k in covered
    print(f"{k:32} {f:18} {'yes' if ok else 'NO'}")
    if not ok:
        gaps.append(k)
unknown = covered - set(defined)
if unknown:
    print("launched under names no __global__ function has (name passed to launch() is wrong):", sorted(unknown))
print(f"{len(defined)} kernels defined, {len(defined) - len(gaps)} covered")
if gaps or unknown:
    sys.exit(1)
