#!/usr/bin/env bash
# Run HERE (the development machine) before the GPU suite: copies into .deps/ (ignored by git) what
# the GPU machine may lack and cannot download: GoogleTest's source, the header-only CLI11,
# nlohmann-json and xxhash, MovieLens 100K and the RSC15 sample. Then call the device tool with carry [".deps", "data"] and
# the command `bash tools/gpu_suite.sh`.
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
