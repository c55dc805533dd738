#!/usr/bin/env bash
# Runs every fuzz target for a bounded time from the seed corpus in tests/fuzz/seeds/ (plus a
# binary dataset seed made by `sparserec import`; the server's requests in seeds/serve), failing on the first crash or sanitizer report.
# Usage: run_fuzzers.sh BUILD_DIR SECONDS_PER_TARGET [SPARSEREC_BINARY]
set -euo pipefail
build=$1
seconds=$2
sparserec=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
artifacts="$build/artifacts"  # inputs that crashed, kept for reproduction: TARGET ARTIFACT
mkdir -p "$artifacts"
# fuzz NAME TARGET CORPUS [OPTIONS]: one target for the time given; its statistics, or its log.
fuzz() {
  local name=$1 target=$2 corpus=$3
  shift 3
  echo "-- $name: ${seconds}s"
  if ! "$target" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$@" "$corpus" >"$work/log" 2>&1; then
    tail -40 "$work/log"
    status=1
  else
    grep -E 'stat::number_of_executed_units|stat::new_units_added' "$work/log" | tr '\n' ' '
    echo
  fi
}
for target in "$build"/fuzz_import_*; do
  layout=${target##*/fuzz_import_}
  mkdir -p "$work/$layout"
  cp "$here/seeds/$layout"/* "$work/$layout/" 2>/dev/null || true
  fuzz "$layout" "$target" "$work/$layout" -max_len=4096
done
mkdir -p "$work/binary"
if [ -n "$sparserec" ]; then  # real files as seeds: ratings with times, and clicks
  for layout in movielens-100k rsc15; do  # the seeds without their control byte
    tail -c +2 "$here/seeds/$layout/seed1" >"$work/$layout.txt"
    "$sparserec" import --data "$work/$layout.txt" --layout $layout --out "$work/binary/$layout" >/dev/null
  done
  # ... and one with side features of both kinds (categorical, numeric, text) for its users and items
  awk '{print $1 ",c" $1 % 3 "," $1 / 7 ",t" $1}' "$work/movielens-100k.txt" | sort -u -t, -k1,1n >"$work/users.csv"
  awk '{print $2 ",a|b" $2 % 2 ",x" $2}' "$work/movielens-100k.txt" | sort -u -t, -k1,1n >"$work/items.csv"
  "$sparserec" import --data "$work/movielens-100k.txt" --layout movielens-100k --out "$work/binary/features" \
    --user-features "$work/users.csv" --user-fields id,cat:c,num:x,text:t \
    --item-features "$work/items.csv" --item-fields id,multi:m,text:t >/dev/null
fi
fuzz binary "$build/fuzz_dataset_file" "$work/binary"
if [ -x "$build/fuzz_serve_request" ]; then  # the server's request handling (with cpp-httplib)
  mkdir -p "$work/serve"
  cp "$here/seeds/serve"/* "$work/serve/"
  fuzz serve "$build/fuzz_serve_request" "$work/serve" -max_len=4096
else
  echo "-- serve: no target (cpp-httplib not installed)"
fi
exit $status
