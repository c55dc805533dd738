#!/usr/bin/env bash
# DeepFM and DCN-v2 on MovieLens 100K with its side features (u.user: age, gender, occupation, zip;
# u.item: year, genres), beside the PyTorch peer on the same examples, in one run (issue 24):
#   data     `sparserec import` of u.data with u.item and u.user (tools/fetch_movielens.sh);
#   protocol `sparserec ctr`: every rating an example, positive when >= 4; the random 10 % holdout
#            (split seed 42) the test part, 10 % of training the validation part that early
#            stopping reads (its log loss), then the refit on all of training;
#   ours     deepfm, dcnv2, and beside them the id-only GMF and deepfm/dcnv2 with side=0;
#   peer     tools/peers/ctr_peer.py (PyTorch, Debian's python3-torch, installed when missing) on the
#            examples and field tables ours exports (`--export-examples`): the same data, split and
#            validation part;
# each for SEEDS training seeds (initialisation and order). Prints a markdown table: test AUC and log
# loss (mean ± standard deviation over the seeds), the median seconds of an epoch on THREADS cores,
# and each peer's epoch time over ours.
# Usage: tools/bench_ctr.sh [BUILD_DIR] [SEEDS] [THREADS]
set -euo pipefail
build=${1:-build}
seeds=${2:-5}
threads=${3:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "$build/tools/sparserec")
py=/usr/bin/python3
"$py" -c "import torch" 2>/dev/null || bash "$root/tools/install_debian_packages.sh" python3-torch
bash "$root/tools/fetch_movielens.sh" >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ml="$root/data/ml-100k"
"$bin" import --data "$ml/u.data" --item-features "$ml/u.item" --user-features "$ml/u.user" --out "$dir/d.srdata" \
  >/dev/null 2>"$dir/import.err" || { cat "$dir/import.err" >&2; exit 1; }
export OMP_NUM_THREADS=$threads
run() {  # run NAME SEED COMMAND...: the JSON line of one run into $dir/NAME.SEED.json
  local name=$1 seed=$2
  shift 2
  "$@" >"$dir/$name.$seed.out" 2>"$dir/$name.$seed.err" || { tail -3 "$dir/$name.$seed.err" >&2; exit 1; }
  tail -1 "$dir/$name.$seed.out" >"$dir/$name.$seed.json"
}
for seed in $(seq 1 "$seeds"); do
  for spec in deepfm dcnv2 gmf "deepfm side=0" "dcnv2 side=0"; do
    read -r -a words <<<"$spec"
    run "ours ${spec}" "$seed" "$bin" ctr --data "$dir/d.srdata" --model "${words[@]}" --device cpu --seed "$seed" \
      --export-examples "$dir/examples"
  done
  for model in deepfm dcnv2; do
    run "pytorch $model" "$seed" "$py" "$root/tools/peers/ctr_peer.py" "$dir/examples" "$model" --threads "$threads" \
      --seed "$seed"
  done
done
"$py" - "$dir" "$seeds" "$threads" <<'PY'
import glob, json, os, statistics, sys
d, seeds, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3]
names = ["ours deepfm", "pytorch deepfm", "ours dcnv2", "pytorch dcnv2", "ours gmf", "ours deepfm side=0",
         "ours dcnv2 side=0"]
rows = {}
for n in names:
    runs = [json.load(open(f"{d}/{n}.{s}.json")) for s in range(1, seeds + 1)]
    rows[n] = runs
def ms(v):
    return f"{statistics.mean(v):.4f} ± {statistics.stdev(v) if len(v) > 1 else 0:.4f}"
first = rows["ours deepfm"][0]
print(f"MovieLens 100K, rating >= 4 positive ({100 * first['positive_rate']:.1f} % of the {first['n_test']} test examples); "
      f"the positive rate alone: log loss {first['base_logloss']:.4f}. {seeds} seeds, {threads} threads.\n")
print("| model | test AUC | test log loss | epochs (best) | s / epoch | peer's epoch / ours |")
print("|---|---|---|---|---|---|")
for n in names:
    r = rows[n]
    ours = n.startswith("ours")
    sec = statistics.median(x["epoch_seconds_median"] if ours else x["epoch_seconds"] for x in r)
    best = [x["early_stop"]["best_epoch"] if ours else x["best_epoch"] for x in r]
    ratio = ""
    if not ours:
        mine = statistics.median(x["epoch_seconds_median"] for x in rows[n.replace("pytorch", "ours")])
        ratio = f"{sec / mine:.1f}x"
    print(f"| {n} | {ms([x['test_auc'] for x in r])} | {ms([x['test_logloss'] for x in r])} | "
          f"{'/'.join(map(str, best))} | {sec:.3f} | {ratio} |")
PY
