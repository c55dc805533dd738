#!/usr/bin/env bash
# The robustness table of issue 21: every model with its defaults on data the defaults were not
# chosen on, beside the trivial baseline of its task (global mean / popularity / S-POP) and, with
# SR_TUNE_TRIALS > 0, beside its `sparserec tune`d result (tuned on the validation part, tested
# once). Data (tools/robustness_data.py, `sparserec synth`): ML-100K thinned to 20 % of each user's
# ratings, its long tail, re-scaled to half stars; synthetic ratings at densities 0.1 %, 1 % and
# 5 % (100,000 ratings each: 20,000 x 5,000, 5,000 x 2,000, 2,000 x 1,000); the RSC15 sample cut to a tenth of its sessions and to its short sessions.
# Usage: tools/robustness_table.sh [BUILD_DIR] [DEVICE]
#   SR_ONLY=regex        rows whose "dataset model" matches only
#   SR_TUNE_TRIALS=N     also tune each model (N trials, SR_TUNE_BUDGET seconds each, default 600)
#   SR_RESULTS=prefix    where the table (.md) and every run's JSON (.jsonl) go
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
device=${2:-cpu}
bin="$build/tools/sparserec"
only=${SR_ONLY:-.}
trials=${SR_TUNE_TRIALS:-0}
budget=${SR_TUNE_BUDGET:-600}
prefix=${SR_RESULTS:-$root/tools/results/$(date -u +%F)-robustness-${device%%:*}}
work=${SR_WORK:-$(mktemp -d)}
data="$work/data"
ml="$root/data/ml-100k/u.data"
[ -f "$ml" ] || "$root/tools/fetch_movielens.sh" >/dev/null
rsc="$root/data/rsc15-100k"
[ -f "$rsc/train_full.tsv" ] || rsc="$root/../shared/data/rsc15-100k"
python3 "$root/tools/robustness_data.py" "$ml" "$rsc" "$data"
for d in 0.1:20000:5000 1:5000:2000 5:2000:1000; do  # 100,000 ratings each: 5, 20, 50 a user
  IFS=: read -r pct users items <<<"$d"
  [ -f "$data/synth-${pct}pct.csv" ] ||
    "$bin" synth --out "$data/synth-${pct}pct.csv" --users "$users" --items "$items" --events 100000 --seed 21 >/dev/null 2>&1
done
: >"$prefix.jsonl"
rows=()
field() { python3 -c "import json,sys; j=json.loads(sys.stdin.read().splitlines()[-1]); print($1)"; }

# run LABEL COMMAND ARGS...: the command's JSON line (recorded), or an empty line when it failed.
run() {
  local label=$1 j
  shift
  j=$("$bin" "$@" 2>"$work/last.err" | tail -1) || j=""
  [ -n "$j" ] || echo "robustness: $label failed: $(tail -1 "$work/last.err")" >&2
  printf '%s\t%s\n' "$label" "${j:-{\}}" >>"$prefix.jsonl"
  echo "$j"
}
metric() {  # metric JSON KEY -> the value with 4 digits, or "failed"
  [ -n "$1" ] && echo "$1" | field "f\"{j['$2']:.4f}\"" 2>/dev/null || echo failed
}
# tuned COMMAND DATA_ARGS -- MODEL: the test metric of the model trained with its tuned options.
tuned() {
  local label=$1 command=$2 key=$3 model=$4
  shift 4
  [ "$trials" -gt 0 ] || { echo "—"; return; }
  local dir="$work/tune/$label"
  rm -rf "$dir"
  if ! "$bin" tune --dir "$dir" --trials "$trials" --time-budget "$budget" -- "$command" "$@" --model "$model" --device "$device" \
    >/dev/null 2>"$work/tune.err"; then
    echo "robustness: tuning $label failed: $(tail -1 "$work/tune.err")" >&2
    echo failed
    return
  fi
  metric "$(run "$label tuned" "$command" "$@" --model "$model" --device "$device" --options-file "$dir/best.json")" "$key"
}
better() {  # better A B lower|higher -> ✓ when A beats B
  python3 -c "import sys; a,b=sys.argv[1],sys.argv[2]; print('✓' if a!='failed' and b!='failed' and ((float(a)<float(b)) if sys.argv[3]=='lower' else (float(a)>float(b))) else '✗')" "$1" "$2" "$3"
}

# Rating models: 90/10 random split, test RMSE beside the global mean (and the damped biases).
for set in ml100k-thin20.data ml100k-tail.data ml100k-half.csv synth-0.1pct.csv synth-1pct.csv synth-5pct.csv; do
  name=${set%.*}
  args=(--data "$data/$set")
  mean=""
  for model in autorec biased_mf rbm; do
    echo "$name $model" | grep -Eq "$only" || continue
    if [ -z "$mean" ]; then
      mean=$(metric "$(run "$name mean" train "${args[@]}" --model mean)" test_rmse)
      biases=$(metric "$(run "$name biases" train "${args[@]}" --model biases)" test_rmse)
    fi
    got=$(metric "$(run "$name $model" train "${args[@]}" --model "$model" --device "$device")" test_rmse)
    rows+=("| $name | $model | RMSE $got | mean $mean (biases $biases) | $(better "$got" "$mean" lower) | $(tuned "$name-$model" train test_rmse "$model" "${args[@]}") |")
  done
done

# Top-N models: leave-one-out, Recall@20 over all items beside popularity.
for set in ml100k-thin20.data synth-1pct.csv synth-5pct.csv; do
  name=${set%.*}
  args=(--data "$data/$set")
  pop=""
  for model in cdae multdae multvae gmf mlp neumf; do
    echo "$name $model" | grep -Eq "$only" || continue
    [ -n "$pop" ] || pop=$(metric "$(run "$name popularity" topn "${args[@]}" --model popularity)" recall20)
    got=$(metric "$(run "$name $model" topn "${args[@]}" --model "$model" --device "$device")" recall20)
    rows+=("| $name | $model | R@20 $got | popularity $pop | $(better "$got" "$pop" higher) | $(tuned "$name-$model" topn recall20 "$model" "${args[@]}") |")
  done
done

# Session models: every next click of the test sessions, Recall@20 beside popularity and S-POP.
for set in rsc15-10pct rsc15-short; do
  train="$data/$set-train.tsv"
  test="$data/$set-test.tsv"
  [ -f "$test" ] || test="$rsc/test.tsv"
  args=(--train "$train" --test "$test")
  pop="" spop=""
  for model in gru4rec narm stamp prod2vec; do
    echo "$set $model" | grep -Eq "$only" || continue
    if [ -z "$pop" ]; then
      pop=$(metric "$(run "$set popularity" session "${args[@]}" --model popularity)" recall20)
      spop=$(metric "$(run "$set spop" session "${args[@]}" --model spop)" recall20)
    fi
    got=$(metric "$(run "$set $model" session "${args[@]}" --model "$model" --device "$device")" recall20)
    beats=$(better "$got" "$pop" higher)$(better "$got" "$spop" higher)
    [ "$beats" = "✓✓" ] && beats=✓ || beats=✗
    rows+=("| $set | $model | R@20 $got | popularity $pop, S-POP $spop | $beats | $(tuned "$set-$model" session recall20 "$model" "${args[@]}") |")
  done
done

{
  echo "# Robustness: defaults on data they were not chosen on, $(date -u +%F)"
  echo
  echo "Commit $(git -C "$root" rev-parse --short HEAD); device $device; machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')."
  echo "Command: \`SR_ONLY='$only' SR_TUNE_TRIALS=$trials tools/robustness_table.sh $build $device\`. Each model with its"
  echo "defaults (early stopping on, as by default: \`--epochs\` the most); \"beats\": better than the task's trivial baseline (for"
  echo "sessions: both popularity and S-POP). Tuned: \`sparserec tune\` with $trials trials (budget ${budget} s), then"
  echo "trained with \`--options-file\` and tested once. Every run's JSON: \`$(basename "$prefix").jsonl\`."
  echo
  echo "| data | model | defaults (test) | trivial baseline | beats | tuned (test) |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "$prefix.md"
