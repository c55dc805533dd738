#!/usr/bin/env bash
# Formats every C++ and CUDA source with the project's .clang-format (clang-format 14, Debian's),
# or with --check lists the files that are not formatted and exits 1 (what CI runs).
# Usage: tools/format.sh [--check]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v clang-format >/dev/null || { echo "format: clang-format is not installed (tools/setup_debian.sh)" >&2; exit 2; }
mapfile -t files < <(git ls-files -- '*.h' '*.cpp' '*.cu' 2>/dev/null || find kernels engine models tools tests -name '*.h' -o -name '*.cpp' -o -name '*.cu')
if [ "${1:-}" = "--check" ]; then
  bad=()
  for f in "${files[@]}"; do
    clang-format --style=file "$f" | cmp -s - "$f" || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    echo "format: ${#bad[@]} file(s) differ from .clang-format (run tools/format.sh):" >&2
    printf '  %s\n' "${bad[@]}" >&2
    exit 1
  fi
  echo "format: ${#files[@]} files formatted"
else
  clang-format --style=file -i "${files[@]}"
fi
