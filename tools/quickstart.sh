#!/usr/bin/env bash
# The main job on real data, from a fresh Debian 12 machine: install what is missing, build,
# fetch MovieLens 100K, train I-AutoRec on the 90/10 seed-42 split, print the test RMSE and the
# top-10 of a few users. Set DEVICE=cpu|cuda|emu to choose (default: auto, a GPU when one works).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools/setup_debian.sh
export PATH="$PATH:/usr/local/cuda/bin"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSPARSEREC_CUDA_ARCHITECTURES="${SPARSEREC_CUDA_ARCHITECTURES:-90}" >/dev/null
cmake --build build --target sparserec
data=$(tools/fetch_movielens.sh)
build/tools/sparserec train --data "$data" --model autorec --device "${DEVICE:-auto}" --progress-every 10 --save build/autorec-ml100k.srm
echo "top-10 unseen movies for users 1, 2 and 3 (user, rank, movie id, predicted rating):"
build/tools/sparserec recommend --model-file build/autorec-ml100k.srm --users 1,2,3 -k 10 --device "${DEVICE:-auto}"
