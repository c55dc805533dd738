#!/usr/bin/env bash
# Netflix-scale data path on this machine: generate 100,480,507 synthetic ratings as text
# (ratings.csv layout), import them to a binary dataset, load that, and print time, parse rate and
# peak memory of each step beside the goals of issue 3 (import >= 150 MB/s, load <= 2 s, peak
# memory <= 1.5x the binary file). Needs ~4.5 GB of disk in DIR. The text is flushed to disk
# (sync) before importing, so writeback does not compete with the import; it is read from the page
# cache. Import and load run RUNS times (default 3); the table gives the median run.
# Usage: tools/bench_data_scale.sh [BUILD_DIR] [DIR] [EVENTS] [RUNS]
set -euo pipefail
build=${1:-build}
dir=${2:-/tmp/sparserec-scale}
events=${3:-100480507}
runs=${4:-3}
bin="$build/tools/sparserec"
mkdir -p "$dir"
trap 'rm -f "$dir/ratings.csv" "$dir/ratings.srdata"' EXIT
users=$(python3 -c "print(max(1, round($events * 480189 / 100480507)))")
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }
synth=$("$bin" synth --out "$dir/ratings.csv" --users "$users" --events "$events" 2>/dev/null)
sync
imports=() infos=()
for ((r = 0; r < runs; r++)); do
  imports+=("$("$bin" import --data "$dir/ratings.csv" --out "$dir/ratings.srdata" 2>/dev/null | tail -1)")
  sync
  infos+=("$("$bin" info --data "$dir/ratings.srdata" 2>/dev/null | tail -1)")
done
median() {  # the run with the median value of a field
  python3 -c "import json,sys; r=[json.loads(l) for l in sys.stdin.read().split(chr(10)) if l]; r.sort(key=lambda j: j['$1']); print(json.dumps(r[len(r)//2]))"
}
imp=$(printf '%s\n' "${imports[@]}" | median parse_seconds)
info=$(printf '%s\n' "${infos[@]}" | median load_seconds)
all_rates=$(printf '%s\n' "${imports[@]}" | python3 -c "import json,sys; print(' '.join(f\"{json.loads(l)['parse_mb_per_s']:.0f}\" for l in sys.stdin.read().split(chr(10)) if l))")
text_mb=$(python3 -c "print(round($(stat -c %s "$dir/ratings.csv") / 1e6))")
bin_mb=$(python3 -c "print(round($(stat -c %s "$dir/ratings.srdata") / 1e6))")
python3 - "$synth" "$imp" "$info" "$text_mb" "$bin_mb" "$(nproc)" "$runs" "$all_rates" <<'PY'
import json, sys
synth, imp, info = (json.loads(a.strip().splitlines()[-1]) for a in sys.argv[1:4])
text_mb, bin_mb, cores, runs, rates = float(sys.argv[4]), float(sys.argv[5]), sys.argv[6], sys.argv[7], sys.argv[8]
mib = lambda mb: mb * 1.048576  # peak_rss_mb is MiB; file sizes are MB
print(f"{imp['events']:,} ratings, {imp['users']:,} users, {imp['items']:,} items; text {text_mb:.0f} MB, binary {bin_mb:.0f} MB; {cores} cores")
print(f"median of {runs} runs; parse rates of all runs: {rates} MB/s; import phases of the median run: pass 1 {imp['pass1_seconds']:.1f} s, pass 2 {imp['pass2_seconds']:.1f} s, time order {imp['order_seconds']:.2f} s")
print("| step | time | rate | peak memory | peak / binary file | goal |")
print("|---|---|---|---|---|---|")
print(f"| synth (write text) | {synth['seconds']:.1f} s | {synth['bytes']/1e6/synth['seconds']:.0f} MB/s | {mib(synth['peak_rss_mb']):.0f} MB | — | about a minute |")
print(f"| import: parse text | {imp['parse_seconds']:.1f} s | {imp['parse_mb_per_s']:.0f} MB/s | {mib(imp['peak_rss_mb']):.0f} MB | {mib(imp['peak_rss_mb'])/bin_mb:.2f}x | >= 150 MB/s, <= 1.5x |")
print(f"| import: write binary (fsync) | {imp['write_seconds']:.1f} s | {bin_mb/imp['write_seconds']:.0f} MB/s | (same process) | | |")
print(f"| load binary (mmap, verify checksums, validate) | {info['load_seconds']:.2f} s | {bin_mb/info['load_seconds']:.0f} MB/s | {mib(info['peak_rss_mb']):.0f} MB | {mib(info['peak_rss_mb'])/bin_mb:.2f}x | <= 2 s, <= 1.5x |")
PY
