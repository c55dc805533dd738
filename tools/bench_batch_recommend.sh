#!/usr/bin/env bash
# The batch top-K job at Netflix's shape on this machine (issue 22's table): 480,189 users x 17,770
# items of synthetic ratings (EVENTS of them, default 10,000,000: training time is not what is
# measured, and the job's cost is the users x items scores, which the number of ratings barely
# changes), a biased MF (64 factors), an I-AutoRec (hidden 500) and a two-tower model (64-wide
# vectors) trained one epoch each, then `recommend -k K` for every user into shards, as npy and as
# TSV (SR_MODELS picks some: "bmf autorec twotower"; SR_FORMATS: "npy tsv"). Prints a markdown table: wall
# time including writing, users/s, peak memory (the process's peak RSS) and the output's size.
# Usage: tools/bench_batch_recommend.sh [BUILD_DIR] [DIR] [EVENTS] [K]
set -euo pipefail
build=${1:-build}
dir=${2:-/tmp/sparserec-batch}
events=${3:-10000000}
k=${4:-100}
bin=$(realpath "$build/tools/sparserec")
mkdir -p "$dir"
cd "$dir"
trap 'rm -rf "$dir"/out-*' EXIT
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }
[ -f ratings.srdata ] || {
  "$bin" synth --out ratings.csv --users 480189 --items 17770 --events "$events" >/dev/null 2>&1
  "$bin" import --data ratings.csv --out ratings.srdata >/dev/null 2>&1
  rm -f ratings.csv
}
models=${SR_MODELS:-bmf autorec twotower}
wanted() { [[ " $models " == *" $1 "* ]]; }
! wanted bmf || [ -f bmf.srm ] || "$bin" train --data ratings.srdata --model biased_mf factors=64 --epochs 1 --early-stop off --batch 4096 \
  --device cpu --save bmf.srm 2>/dev/null | tail -1 | field train_seconds | xargs -I{} echo "biased MF: trained 1 epoch in {} s" >&2
! wanted autorec || [ -f autorec.srm ] || "$bin" train --data ratings.srdata --model autorec hidden=500 --epochs 1 --early-stop off \
  --device cpu --save autorec.srm 2>/dev/null | tail -1 | field train_seconds | xargs -I{} echo "I-AutoRec: trained 1 epoch in {} s" >&2
! wanted twotower || [ -f twotower.srm ] || "$bin" topn --data ratings.srdata --model twotower dim=64 --epochs 1 --early-stop off \
  --device cpu --save twotower.srm 2>/dev/null | tail -1 | field train_seconds | xargs -I{} echo "two-tower: trained 1 epoch in {} s" >&2
echo "| model | format | users | items | k | wall s (incl. writing) | users/s | peak RSS MB | output MB |"
echo "|---|---|---|---|---|---|---|---|---|"
for model in $models; do
  for format in ${SR_FORMATS:-npy tsv}; do
    rm -rf "out-$model-$format"
    start=$(date +%s.%N)
    json=$("$bin" recommend --model-file "$model.srm" --device cpu -k "$k" --out-dir "out-$model-$format" \
      --format "$format" 2>"$model-$format.err" | tail -1)
    wall=$(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')")
    size=$(du -sm "out-$model-$format" | cut -f1)
    python3 - "$json" "$model" "$format" "$wall" "$size" "$k" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
name = {"bmf": "biased MF, 64 factors (GEMM)", "autorec": "I-AutoRec, hidden 500",
        "twotower": "two-tower, 64-wide vectors (user tower, then GEMM)"}[sys.argv[2]]
print(f"| {name} | {sys.argv[3]} | {j['users']:,} | 17,770 | {sys.argv[6]} | {sys.argv[4]} | "
      f"{j['users'] / float(sys.argv[4]):,.0f} | {j['peak_rss_mb']:,.0f} | {int(sys.argv[5]):,} |")
PY
  done
done
