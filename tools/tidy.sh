#!/usr/bin/env bash
# clang-tidy (Debian's 14) over every source of engine/ with .clang-tidy's checks (bug-prone and
# performance), one file at a time; prints the findings and their count. Not part of CI (about 7
# minutes on 2 cores): run it on a change to the engine. The findings of the last run and why each
# was left: tools/results/2026-11-30-tidy.md.
# Usage: tools/tidy.sh [BUILD_DIR]   (default build-tidy, configured here when missing)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${1:-build-tidy}
[ -f "$build/compile_commands.json" ] ||
  cmake -S . -B "$build" -G Ninja -DSPARSEREC_WITH_CUDA=OFF -DSPARSEREC_BUILD_TESTS=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
found=$(for f in $(git ls-files 'engine/*.cpp'); do clang-tidy -p "$build" --quiet "$f" 2>/dev/null; done |
  grep -E '^/.*: (warning|error):' | sort -u)
[ -n "$found" ] && echo "$found"
echo "tidy: $(printf '%s' "$found" | grep -c . || true) finding(s)"
