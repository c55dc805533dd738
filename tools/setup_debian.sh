#!/usr/bin/env bash
# Installs what sparserec builds with on Debian 12 (only what is missing). The CUDA toolkit is
# used when present (nvcc on PATH or in /usr/local/cuda); without it the CPU engine is built.
set -euo pipefail
# clang and its runtime (libFuzzer) build the fuzz targets, clang-format checks the style; xxhash is
# the checksum of every file;
# Open MPI runs data-parallel jobs (and their test) on the CPU; numpy reads the .npy shards of
# batch recommendation in its test; cpp-httplib is the server's HTTP library, wrk its load test;
# matplotlib draws `sparserec plot`'s figures; python3-dev, pybind11 and pytest build and test the
# Python package (python/), python3-venv its `pip install .` in CI.
packages=(cmake ninja-build g++ python3 libopenblas-dev libgtest-dev libcli11-dev nlohmann-json3-dev libxxhash-dev
          clang libclang-rt-14-dev clang-format libopenmpi-dev openmpi-bin python3-numpy libcpp-httplib-dev wrk
          python3-matplotlib python3-dev pybind11-dev python3-pytest python3-venv)
bash "$(dirname "$0")/install_debian_packages.sh" "${packages[@]}"
python3 -m pip --version >/dev/null 2>&1 || bash "$(dirname "$0")/install_debian_packages.sh" python3-pip
