#!/usr/bin/env bash
# CFGAN on MovieLens 100K under its paper's protocol (tools/paper_topn_protocol.py: a random 80/20
# split of each user's items, P@5, NDCG@5, P@20, NDCG@20 over the held-out items), beside Mult-DAE,
# CDAE and popularity on the same splits, for SEEDS splits (seed = split and initialisation). Each
# model trains by `sparserec topn --train --test` with its defaults on the 80 % (early stopping on
# the training part's own validation rows; topn's --test gets one held-out item per user, as its
# leave-one-out protocol wants, and nothing is chosen on it), then recommends 20 items to every
# user, training items excluded, scored against all the held-out items. Prints a markdown table (mean ± standard deviation
# over the seeds) and the epochs early stopping chose and the fit seconds (training, recommending); the raw JSON lines go to OUT (default: a temporary file).
# Usage: tools/bench_cfgan.sh [BUILD_DIR] [SEEDS] [THREADS] [OUT]
set -euo pipefail
build=${1:-build}
seeds=${2:-3}
threads=${3:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "$build/tools/sparserec")
bash "$root/tools/fetch_movielens.sh" >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=${4:-$dir/results.jsonl}
: >"$out"
export OMP_NUM_THREADS=$threads
models=("cfgan" "multdae" "cdae" "popularity")
for seed in $(seq 1 "$seeds"); do
  python3 "$root/tools/paper_topn_protocol.py" split "$root/data/ml-100k/u.data" "$dir" "$seed"
  for model in "${models[@]}"; do
    start=$(date +%s.%N)
    epoch=""
    if [ "$model" = popularity ]; then  # a baseline has no model file: ranked by the same script
      python3 "$root/tools/paper_topn_protocol.py" popularity "$dir/train.csv" "$dir/rec.tsv"
    else
      "$bin" topn --train "$dir/train.csv" --test "$dir/test_one.csv" --model "$model" --seed "$seed" --device cpu \
        --save "$dir/$model.srm" >"$dir/fit.json" 2>"$dir/err" || { tail -3 "$dir/err" >&2; exit 1; }
      epoch=$(tail -1 "$dir/fit.json" | python3 -c "import json,sys; j=json.loads(sys.stdin.read()); print(j.get('early_stop', {}).get('best_epoch', j['epochs']))")
      "$bin" recommend --model-file "$dir/$model.srm" --k 20 --device cpu --out "$dir/rec.tsv" >/dev/null 2>"$dir/err" ||
        { tail -3 "$dir/err" >&2; exit 1; }
    fi
    fit=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
    python3 "$root/tools/paper_topn_protocol.py" score "$dir/test.csv" "$dir/rec.tsv" |
      python3 -c "import json,sys; j=json.loads(sys.stdin.read()); j.update(model=sys.argv[1], seed=int(sys.argv[2]), seconds=float(sys.argv[3]), epoch=sys.argv[4]); print(json.dumps(j))" \
        "$model" "$seed" "$fit" "$epoch" >>"$out"
    tail -1 "$out" >&2
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| model | P@5 | NDCG@5 | P@20 | NDCG@20 | epochs | fit s |")
print("|---|---:|---:|---:|---:|---|---:|")
print("| CFGAN, paper (Chae et al. 2018, Table 3) | 0.444 | 0.476 | 0.294 | 0.433 | | |")
for model in dict.fromkeys(r["model"] for r in rows):
    rs = [r for r in rows if r["model"] == model]
    def cell(k, digits=4):
        v = [r[k] for r in rs]
        sd = statistics.stdev(v) if len(v) > 1 else 0.0
        return f"{statistics.mean(v):.{digits}f} ± {sd:.{digits}f}"
    epochs = ", ".join(str(r["epoch"]) for r in rs if r["epoch"]) or "—"
    print(f"| {model} | {cell('p5')} | {cell('ndcg5')} | {cell('p20')} | {cell('ndcg20')} | {epochs} | {cell('seconds', 0)} |")
PY
