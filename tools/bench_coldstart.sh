#!/usr/bin/env bash
# The cold-start hybrid on MovieLens 100K with u.item's genres, year and titles (issue 24):
# `sparserec coldstart` (10 % of the items cold, 20 % of each user's other items held out, the
# training part split the same way again for validation) for SEEDS seeds (split, initialisation,
# order), on three datasets: ML-100K as it is, ML-100K thinned to half its ratings (a random half,
# `thin` below), and ML-100K with 20 % of the items cold. Prints a markdown table per dataset:
# Recall@20 among the cold items and among the warm ones (mean ± standard deviation over the seeds)
# for popularity within genre, the plain DAE, the DAE with side fields, the title CNN and the hybrid,
# and how many seeds the hybrid was best on cold items and at least the plain DAE on warm ones.
# Usage: tools/bench_coldstart.sh [BUILD_DIR] [SEEDS] [THREADS]
set -euo pipefail
build=${1:-build}
seeds=${2:-5}
threads=${3:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "$build/tools/sparserec")
bash "$root/tools/fetch_movielens.sh" >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ml="$root/data/ml-100k"
awk 'BEGIN { srand(7) } rand() < 0.5' "$ml/u.data" >"$dir/u.half"
for d in full:u.data half:"$dir/u.half"; do
  name=${d%%:*} file=${d#*:}
  [ "$name" = full ] && file="$ml/u.data"
  "$bin" import --data "$file" --layout movielens-100k --item-features "$ml/u.item" --out "$dir/$name.srdata" \
    >/dev/null 2>"$dir/import.err" || { cat "$dir/import.err" >&2; exit 1; }
done
export OMP_NUM_THREADS=$threads
for spec in "full 0.1" "half 0.1" "full 0.2"; do
  read -r name cold <<<"$spec"
  for seed in $(seq 1 "$seeds"); do
    "$bin" coldstart --data "$dir/$name.srdata" --cold "$cold" --seed "$seed" --device cpu >"$dir/out" 2>"$dir/err" ||
      { tail -3 "$dir/err" >&2; exit 1; }
    tail -1 "$dir/out" >>"$dir/$name-$cold.jsonl"
  done
  python3 - "$dir/$name-$cold.jsonl" "$name" "$cold" <<'PY'
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
label = {"full": "ML-100K", "half": "ML-100K, half the ratings"}[sys.argv[2]]
print(f"\n{label}, {float(sys.argv[3]) * 100:.0f} % of the items cold ({len(rows)} seeds)\n")
print("| | cold R@20 | warm R@20 |\n|---|---|---|")
def ms(xs):
    return f"{st.mean(xs):.4f} ± {st.stdev(xs):.4f}" if len(xs) > 1 else f"{xs[0]:.4f}"
for m, text in [("genre_popularity", "popularity within genre"), ("dae", "DAE (ids only)"),
                ("dae_side", "DAE + side fields"), ("charcnn", "CharCNN (titles)"), ("hybrid", "hybrid")]:
    print(f"| {text} | {ms([r['methods'][m]['cold_recall'] for r in rows])} | "
          f"{ms([r['methods'][m]['warm_recall'] for r in rows])} |")
best = sum(all(r["methods"]["hybrid"]["cold_recall"] >= r["methods"][m]["cold_recall"] for m in r["methods"]) for r in rows)
warm = sum(r["methods"]["hybrid"]["warm_recall"] >= r["methods"]["dae"]["warm_recall"] for r in rows)
gap = max(r["methods"]["dae"]["warm_recall"] - r["methods"]["hybrid"]["warm_recall"] for r in rows)
print(f"\nhybrid best on cold items in {best} of {len(rows)} seeds; warm at least the plain DAE's in {warm} of {len(rows)}"
      + (f" (the worst seed {gap:.4f} below)" if gap > 0 else "") + f"; blend c chosen: {[r['blend'] for r in rows]}")
PY
done
