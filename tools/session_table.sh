#!/usr/bin/env bash
# The session results table (issue 9): the session models and baselines on the RSC15 100k sample
# with the session protocol of BENCHMARKS.md (train on train_full, Recall@20 and MRR@20 over every
# next click of test), then GRU4Rec's training throughput with 2048 shared samples at batch 32, 80
# and 256 (the official GRU4Rec's published speed setting). Writes the table, with commit, date and
# machine, to tools/results/<date>-session-<device>.md and prints it. Model settings are those
# chosen on train_tr -> train_valid (see README).
# Usage: tools/session_table.sh [BUILD_DIR] [DEVICE]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
device=${2:-cpu}
bin="$build/tools/sparserec"
data="$root/data/rsc15-100k"  # a copy (tools/gpu_prepare.sh) where ../shared is not beside the tree
[ -f "$data/train_full.tsv" ] || data="$root/../shared/data/rsc15-100k"
# SR_RESULTS: where the table goes, without extension (default tools/results/<date>-session-<device>);
# every run's whole JSON result goes beside it in .jsonl, a "label<TAB>json" line each
# (tools/compare_results.py compares two such files).
prefix=${SR_RESULTS:-$root/tools/results/$(date -u +%F)-session-${device%%:*}}
out="$prefix.md"
raw="$prefix.jsonl"
: >"$raw"
field() { python3 -c "import json,sys; j=json.loads(sys.stdin.read()); print($1)"; }
chosen() {  # the epoch early stopping chose, of the epochs its selection run trained (— when off or a baseline)
  field "f\"{j['early_stop']['best_epoch']} of {j['early_stop']['epochs_run']}\" if 'early_stop' in j else '—'"
}
rows=()
while IFS='|' read -r name args; do
  j=$("$bin" session --train "$data/train_full.tsv" --test "$data/test.tsv" ${args//DEVICE/$device} 2>/dev/null | tail -1)
  printf '%s\t%s\n' "$name" "$j" >>"$raw"
  rows+=("| $name | $(echo "$j" | field "f\"{j['recall20']:.4f} | {j['mrr20']:.4f} | \"") $(echo "$j" | chosen) | $(echo "$j" | field "f\"{j['fit_seconds']:.1f} s\" + (f\" | {j['epoch_seconds_median']:.2f} s | {j['train_events_per_second_median']:,.0f}\" if j['epoch_seconds_median'] else ' | — | —')") |")
done <<'MODELS'
popularity|--model popularity
session popularity (S-POP)|--model spop
item-kNN (co-occurrence with the last click, λ 20, α 0.5)|--model itemknn
GRU4Rec cross-entropy (full softmax, GRU 100, tied embedding, dropout 0.5, Adagrad 0.05, batch 32, at most 10 epochs)|--model gru4rec --device DEVICE
GRU4Rec BPR-max (batch's targets + 2048 samples, otherwise the same)|--model gru4rec loss=bpr-max --device DEVICE
GRU4Rec cross-entropy, untied one-hot input, no dropout (the peer's setting)|--model gru4rec tied=0 dropout=0 --device DEVICE
NARM (embedding 50, GRU 100, attention, tied cosine decoder ×10, dropout 0.2, Adam 0.003 decayed 0.85 an epoch, batch 128, at most 20 epochs)|--model narm --device DEVICE
NARM with the paper's dot-product decoder (dropout 0.5, Adam 0.005, batch 512, otherwise the same)|--model narm cosine_scale=0 dropout=0.5 --lr 0.005 --batch 512 --device DEVICE
STAMP (embedding 100, attention over the embeddings with the session mean, trilinear tied cosine decoder ×10, dropout 0.25 / 0.2, Adam 0.003, batch 128, at most 20 epochs)|--model stamp --device DEVICE
Prod2vec (skip-gram, width 100, window 5, 5 negatives ∝ count^0.5, subsampling 1e-3, Adagrad 0.1, batch 4,096 pairs, at most 5 epochs; the latest 2 clicks' windows score)|--model prod2vec --device DEVICE
MODELS
speed=()
for batch in 32 80 256; do
  j=$("$bin" session --train "$data/train_full.tsv" --test "$data/test.tsv" --model gru4rec loss=bpr-max n_sample=2048 \
        --batch $batch --epochs 2 --early-stop off --device "$device" 2>/dev/null | tail -1)
  printf '%s\t%s\n' "BPR-max speed, batch $batch" "$j" >>"$raw"
  speed+=("| $batch | $(echo "$j" | field "f\"{j['train_events_per_second_median']:,.0f} | {j['epoch_seconds_median']:.2f} s\"") |")
done
{
  echo "# Session models on the RSC15 100k sample, $(date -u +%F)"
  echo
  echo "Commit $(git -C "$root" rev-parse --short HEAD); device $device; machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/{print $2}') GiB."
  echo "Command: \`tools/session_table.sh $build $device\`. Data: YooChoose RecSys Challenge 2015 clicks (CC BY-NC-ND 4.0) as"
  echo "filtered and split by the session-rec framework; train_full -> test, every next click ranked among all 2,933 items,"
  echo "ties against. Peers (BENCHMARKS.md, not re-run): popularity 0.089 / 0.026; S-POP 0.381 / 0.265; item-kNN 0.390 / 0.167;"
  echo "GRU4Rec-style PyTorch R@20 0.696, MRR@20 0.376 at 15.7 s/epoch on 2 cores (about 4,500 events/s)."
  echo
  echo "Early stopping on (the default: patience max(5, epochs / 5) on the latest 10 % of the training sessions, then a"
  echo "refit on all of them for the chosen epochs; the models' epochs below are the most). \"epoch chosen\": the best"
  echo "validation epoch, of the epochs the selection run trained; fit: both runs."
  echo
  echo "| model | Recall@20 | MRR@20 | epoch chosen | fit | epoch (median) | events/s |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "GRU4Rec BPR-max training throughput, 2048 shared samples (median of 2 epochs):"
  echo
  echo "| batch | events/s | epoch |"
  echo "|---|---|---|"
  printf '%s\n' "${speed[@]}"
} | tee "$out"
