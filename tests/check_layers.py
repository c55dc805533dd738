#!/usr/bin/env python3
"""The include directions of the tree's layers (README "Layout"), checked on every source file so
that the layering cannot silently erode:

  kernels/   includes nothing above it (only kernels/)
  engine/    kernels/ by their interface (kernels/*.h, never kernels/cpu|cuda|emu/) and engine/;
             never a CUDA header (the CUDA half of the NCCL communicator excepted)
  models/    engine/, models/ and the kernels' interface; never kernels/cpu|cuda|emu/
  tools/     engine/, models/, tools/ and the kernels' interface; never kernels/cpu|cuda|emu/
  python/    what tools/ may, and python/ (the Python package binds the commands of tools/cli/)
  tests/     anything (they test every layer)

CUDA headers (the runtime, cuBLAS, cuSPARSE, NCCL, CUB, Thrust) appear only under kernels/cuda/.
Prints each violation as path:line: the include and the rule; exit status 1 when there is any.
Usage: check_layers.py ROOT"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
CUDA = re.compile(r"^(cuda[^/]*\.h|cublas[^/]*\.h|cusparse[^/]*\.h|curand[^/]*\.h|nccl\.h|cub/|thrust/|cuda/)")
KERNEL_INSIDES = ("kernels/cpu/", "kernels/cuda/", "kernels/emu/")
# Files allowed a CUDA header outside kernels/cuda/: the communicator's CUDA half (DESIGN.md §2).
CUDA_EXCEPTIONS = {"engine/dist/nccl_communicator.cpp"}

# Per layer: the project folders it may include from.
ALLOWED = {
    "kernels": ("kernels/",),
    "engine": ("kernels/", "engine/"),
    "models": ("kernels/", "engine/", "models/"),
    "tools": ("kernels/", "engine/", "models/", "tools/"),
    "python": ("kernels/", "engine/", "models/", "tools/", "python/"),
}
SOURCES = (".h", ".cpp", ".cu", ".cuh")


def violations(root):
    for layer in ("kernels", "engine", "models", "tools", "python", "tests"):
        for folder, _, files in os.walk(os.path.join(root, layer)):
            for name in sorted(files):
                if not name.endswith(SOURCES):
                    continue
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                with open(path, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(2)
                        where = f"{rel}:{number}: #include {m.group(1)}{target}{'>' if m.group(1) == '<' else chr(34)}"
                        if CUDA.match(target) and not rel.startswith("kernels/cuda/") and rel not in CUDA_EXCEPTIONS:
                            yield f"{where}: a CUDA header outside kernels/cuda/"
                        if m.group(1) == "<" or layer == "tests" or "/" not in target:
                            continue
                        if not target.startswith(("kernels/", "engine/", "models/", "tools/", "python/", "tests/")):
                            continue
                        if not target.startswith(ALLOWED[layer]):
                            yield f"{where}: {layer}/ may include only {', '.join(ALLOWED[layer])}"
                        elif layer != "kernels" and target.startswith(KERNEL_INSIDES):
                            yield f"{where}: {layer}/ uses the kernels through their interface (kernels/*.h), not {target.split('/')[1]}/"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    found = list(violations(sys.argv[1]))
    for v in found:
        print(v)
    print(f"layers: {len(found)} violation(s)" if found else "layers: every include goes down the layers")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
