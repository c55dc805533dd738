#!/usr/bin/env python3
"""Static resource check of the GPU build: registers, shared memory and spills of every kernel.

Compiles each kernels/cuda/*.cu with `nvcc --resource-usage` for the given architecture, prints a
table, and exits 1 if a kernel spills to local memory, uses more registers than the
SR_REGISTER_BUDGET(kernel, N) declared beside it, or has no budget.
With SPARSEREC_RESOURCE_REPORT=PATH the table is also written to PATH (CI prints it after the run,
without compiling everything a second time).
Usage: check_kernel_resources.py NVCC SOURCE_ROOT ARCH FILE.cu [FILE.cu ...]
"""
import os
import re
import subprocess
import sys

nvcc, root, arch, sources = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
rows, failures = [], []
for src in sources:
    text = open(src).read()
    budgets = {m.group(1): int(m.group(2)) for m in re.finditer(r"SR_REGISTER_BUDGET\((\w+),\s*(\d+)\)", text)}
    kernels = re.findall(r"__global__\s+void\s+(?:__launch_bounds__\([^)]*\)\s*)?(\w+)\s*\(", text)
    cmd = [nvcc, "-std=c++17", f"-arch=sm_{arch}", "--resource-usage", "-c", "-o", "/dev/null", f"-I{root}", src]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"nvcc failed on {src}:\n{r.stderr}")
    current = None
    info = {}
    for line in r.stderr.splitlines() + r.stdout.splitlines():
        m = re.search(r"Compiling entry function '(\w+)'", line)
        if m:
            # Itanium mangling spells a name as <length><name>: find which kernel of the file it is.
            found = [k for k in kernels if f"{len(k)}{k}" in m.group(1)]
            current = max(found, key=len) if found else m.group(1)
            info[current] = {"regs": 0, "smem": 0, "spill": 0, "stack": 0}
            continue
        if current is None:
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m:
            info[current]["stack"] = int(m.group(1))
            info[current]["spill"] = int(m.group(2)) + int(m.group(3))
        m = re.search(r"Used (\d+) registers", line)
        if m:
            info[current]["regs"] = int(m.group(1))
        m = re.search(r"(\d+) bytes smem", line)
        if m:
            info[current]["smem"] = int(m.group(1))
    for k, v in sorted(info.items()):
        budget = budgets.get(k)
        problems = []
        if budget is None:
            problems.append("no SR_REGISTER_BUDGET")
        elif v["regs"] > budget:
            problems.append(f"{v['regs']} registers > budget {budget}")
        if v["spill"]:
            problems.append(f"spills {v['spill']} bytes")
        rows.append((k, src.split("/")[-1], v["regs"], budget, v["smem"], v["spill"], v["stack"], "; ".join(problems) or "ok"))
        if problems:
            failures.append(k)

table = [f"sm_{arch}: {'kernel':24} {'file':16} {'regs':>4} {'budget':>6} {'smem':>6} {'spill':>5} {'stack':>5}  verdict"]
for r in rows:
    table.append(f"       {r[0]:24} {r[1]:16} {r[2]:>4} {str(r[3]):>6} {r[4]:>6} {r[5]:>5} {r[6]:>5}  {r[7]}")
print("\n".join(table))
if os.environ.get("SPARSEREC_RESOURCE_REPORT"):
    with open(os.environ["SPARSEREC_RESOURCE_REPORT"], "w") as f:
        f.write("\n".join(table) + "\n")
if not rows:
    sys.exit("no kernels found")
sys.exit(1 if failures else 0)
