#!/usr/bin/env bash
# Builds and runs every test that fits a machine without a GPU (what CI runs), from a fresh
# Debian 12 machine, after checking that every source is formatted (tools/format.sh --check):
#  1. the full build (CPU, emulator, and CUDA for sm_90 when a toolkit is present): unit, emu,
#     static (nvcc resource report), mpi (data-parallel over 2 ranks) and slow (MovieLens end to
#     end) tests, the Python package's pytest suite among them; gpu tests skip visibly; then the
#     package installed into a clean prefix and the project of examples/custom_model built against
#     it and run; then `pip install .` (the CPU engine) into a clean virtual environment and the
#     pytest suite run on that install;
#  2. the kernels and their tests under AddressSanitizer + UndefinedBehaviorSanitizer;
#  3. the kernels and their tests under ThreadSanitizer;
#  4. the fuzz targets (every text layout, the binary dataset loader, the server's requests) under ASan + UBSan, for a
#     bounded time each (SPARSEREC_FUZZ_SECONDS, default 15).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools/setup_debian.sh
export PATH="$PATH:/usr/local/cuda/bin"
jobs=$(nproc)
arch=${SPARSEREC_CUDA_ARCHITECTURES:-90}
# Every C++ compile here keeps line tables only (-g1): enough for the sanitizers' and a crash's
# backtraces with file and line, for less compile time than full debug information (-g): one file,
# tools/cli/tune.cpp at -O2, 39 s with -g and 30 s with -g1; the whole full build, 1653 compile
# seconds with -g and 1501 with -g1 (CI runs of 2026-12-03).
lines_only=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG")

tools/format.sh --check

echo "== 1/4 full build (CUDA architectures: $arch) =="
cmake -S . -B build-test -G Ninja "${lines_only[@]}" -DSPARSEREC_CUDA_ARCHITECTURES="$arch" >/dev/null
cmake --build build-test -j "$jobs"
rm -f build-test/kernel_resources_sm*.txt  # the static tests write them afresh
ctest --test-dir build-test -j "$jobs" --output-on-failure -L 'unit|emu|gpu|static|mpi|slow'
# The static tests wrote their tables (tests/check_kernel_resources.py) beside the build.
for report in build-test/kernel_resources_sm*.txt; do
  [ -f "$report" ] || continue
  echo "-- kernel resources (nvcc --resource-usage), $(basename "$report" .txt) --"
  cat "$report"
done
echo "-- the installed package: examples/custom_model built against a clean prefix, and run --"
prefix=$(mktemp -d)
cmake --install build-test --prefix "$prefix" >/dev/null
rm -rf build-example
cmake -S examples/custom_model -B build-example -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build build-example
build-example/custom_model cpu
rm -rf "$prefix"
# The Python package was built (not skipped for a missing pybind11 or python3-dev).
ls build-test/python/sparserec/_sparserec*.so >/dev/null
echo "-- the Python package: pip install . (the CPU engine) into a clean virtual environment, its tests on that install --"
venv=$(mktemp -d)
/usr/bin/python3 -m venv --system-site-packages "$venv"  # Debian's python3: its numpy and pytest
# At -O1 (the CPU kernels' reference loops keep their own -O3): this checks the package and its
# install, not its speed, and the package's Release default (-O3) compiles far slower
# (engine/model_file.cpp: 18 s at -O3, 11 s at -O1).
"$venv/bin/pip" install -q --config-settings=cmake.define.SPARSEREC_WITH_CUDA=OFF \
  --config-settings=cmake.define.SPARSEREC_WITH_EMU=OFF "--config-settings=cmake.define.CMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" .
(cd "$venv" && SPARSEREC_BIN="$root/build-test/tools/sparserec" "$venv/bin/python" -m pytest -q -p no:cacheprovider \
  "$root/python/tests")
rm -rf "$venv"

echo "== 2/4 kernels under ASan + UBSan =="
cmake -S . -B build-asan -G Ninja "${lines_only[@]}" -DSPARSEREC_KERNELS_ONLY=ON -DSPARSEREC_WITH_CUDA=OFF \
  -DSPARSEREC_SANITIZE=address,undefined >/dev/null
cmake --build build-asan -j "$jobs"
ctest --test-dir build-asan -j "$jobs" --output-on-failure -L 'unit|emu'

echo "== 3/4 kernels under TSan =="
cmake -S . -B build-tsan -G Ninja "${lines_only[@]}" -DSPARSEREC_KERNELS_ONLY=ON -DSPARSEREC_WITH_CUDA=OFF \
  -DSPARSEREC_WITH_OPENMP=OFF -DSPARSEREC_SANITIZE=thread >/dev/null
cmake --build build-tsan -j "$jobs"
# One BLAS thread: OpenBLAS's own threads are not instrumented and would only add noise.
OPENBLAS_NUM_THREADS=1 TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan -j "$jobs" --output-on-failure -L 'unit|emu'

echo "== 4/4 fuzz targets (libFuzzer + ASan + UBSan) =="
cmake -S tests/fuzz -B build-fuzz -G Ninja "${lines_only[@]}" -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build-fuzz -j "$jobs"
tests/fuzz/run_fuzzers.sh build-fuzz "${SPARSEREC_FUZZ_SECONDS:-15}" build-test/tools/sparserec
