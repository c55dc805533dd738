#!/usr/bin/env bash
# Run HERE (the development machine) before the GPU suite: copies into .deps/ (ignored by git) what
# the GPU machine may lack and cannot download: GoogleTest's source, the header-only CLI11,
# nlohmann-json and xxhash, MovieLens 100K and the RSC15 sample. Then call the device tool with carry [".deps", "data"] and
# the command `SR_COMMIT=<git rev-parse --short HEAD here> bash tools/gpu_suite.sh [stages]` (stages and their time
# limits: see gpu_suite.sh; all of them take about 12 minutes, over the 10 a call may run, so split them: e.g.
# `build gpu_tests sanitizer bench session zoo nccl` (about 3 minutes), then `scaling` (about 9)).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools/setup_debian.sh
rm -rf .deps
mkdir -p .deps/include
cp -r /usr/src/googletest .deps/googletest
cp -r /usr/include/CLI .deps/include/CLI
cp -r /usr/include/nlohmann .deps/include/nlohmann
cp /usr/include/xxhash.h .deps/include/
tools/fetch_movielens.sh >/dev/null
mkdir -p data && cp -r ../shared/data/rsc15-100k data/  # the session data, for tools/session_table.sh
du -sh .deps data
