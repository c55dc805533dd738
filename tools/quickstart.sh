#!/usr/bin/env bash
# The main job on real data, from a fresh Debian 12 machine: install what is missing, build,
# fetch MovieLens 100K and import it to a binary dataset, train I-AutoRec on the 90/10 seed-42
# split and print the test RMSE and the top-10 of a few users, then train CDAE on the
# leave-one-out top-N protocol and print its HR@10 / NDCG@10 and Recall@20 / NDCG@20.
# Set DEVICE=cpu|cuda|emu to choose (default: auto, a GPU when one works).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools/setup_debian.sh
export PATH="$PATH:/usr/local/cuda/bin"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSPARSEREC_CUDA_ARCHITECTURES="${SPARSEREC_CUDA_ARCHITECTURES:-90}" >/dev/null
cmake --build build --target sparserec
build/tools/sparserec import --data "$(tools/fetch_movielens.sh)" --out build/ml100k.srdata
data=build/ml100k.srdata
build/tools/sparserec train --data "$data" --model autorec --device "${DEVICE:-auto}" --progress-every 10 --save build/autorec-ml100k.srm
echo "top-10 unseen movies for users 1, 2 and 3 (user, rank, movie id, predicted rating):"
build/tools/sparserec recommend --model-file build/autorec-ml100k.srm --users 1,2,3 -k 10 --device "${DEVICE:-auto}"
echo "CDAE, leave-one-out top-N:"
build/tools/sparserec topn --data "$data" --model cdae --device "${DEVICE:-auto}" --progress-every 20
