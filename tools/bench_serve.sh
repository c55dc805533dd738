#!/usr/bin/env bash
# `sparserec serve` under load (issue 22's table): models trained on MovieLens 100K (biased MF,
# CDAE) and on the RSC15 sample in ../shared/data (GRU4Rec), each served on the CPU and hit by wrk
# at concurrency 64 for SECONDS per endpoint: /recommend with a random user per request, /similar
# with a random item, /session with a random click pair. wrk runs on the same machine (it takes
# about one of the cores the server would have). Prints a markdown table: requests/s, p50, p99,
# failed requests.
# Usage: tools/bench_serve.sh [BUILD_DIR] [SECONDS] [DIR]
set -euo pipefail
build=${1:-build}
seconds=${2:-10}
dir=${3:-/tmp/sparserec-serve}
bin=$(realpath "$build/tools/sparserec")
root=$(cd "$(dirname "$0")/.." && pwd)
ml=$root/data/ml-100k/u.data
rsc=$root/../shared/data/rsc15-100k
[ -f "$ml" ] || bash "$root/tools/fetch_movielens.sh" >&2
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
mkdir -p "$dir"
cd "$dir"
[ -f bmf.srm ] || "$bin" train --data "$ml" --model biased_mf --device cpu --save bmf.srm >/dev/null 2>&1
[ -f cdae.srm ] || "$bin" topn --data "$ml" --model cdae --device cpu --save cdae.srm >/dev/null 2>&1
[ -f gru.srm ] || "$bin" session --train "$rsc/train_full.tsv" --test "$rsc/test.tsv" --model gru4rec --device cpu \
  --save gru.srm >/dev/null 2>&1
# Random ids of the data, in a wrk script per endpoint.
users=$(cut -f1 "$ml" | sort -un | paste -sd,)
items=$(cut -f2 "$ml" | sort -un | paste -sd,)
clicks=$(awk -F"\t" 'NR > 1 {print $2}' "$rsc/train_full.tsv" | sort -un | awk 'NR <= 2000' | paste -sd,)
cat >recommend.lua <<LUA
local ids = {$users}
request = function() return wrk.format("GET", "/recommend?user=" .. ids[math.random(#ids)] .. "&k=10") end
LUA
cat >similar.lua <<LUA
local ids = {$items}
request = function() return wrk.format("GET", "/similar?item=" .. ids[math.random(#ids)] .. "&k=10") end
LUA
cat >session.lua <<LUA
local ids = {$clicks}
request = function()
  local body = '{"clicks": [' .. ids[math.random(#ids)] .. ', ' .. ids[math.random(#ids)] .. '], "k": 20}'
  return wrk.format("POST", "/session", {["Content-Type"] = "application/json"}, body)
end
LUA
echo "| model | endpoint | requests/s | p50 ms | p99 ms | failed | batches (mean size) |"
echo "|---|---|---|---|---|---|---|"
run() {  # run MODEL_FILE LABEL ENDPOINT
  "$bin" serve --model-file "$1" --device cpu --port 0 >serve.out 2>serve.err &
  local pid=$! port=""
  for _ in $(seq 300); do
    port=$(grep -o 'http://[0-9.]*:[0-9]*' serve.err | sed 's/.*://') && [ -n "$port" ] && break
    sleep 0.1
  done
  wrk -t2 -c64 -d"${seconds}s" --latency -s "$3.lua" "http://127.0.0.1:$port" >wrk.txt 2>&1
  kill -TERM "$pid"
  wait "$pid"
  python3 - "$2" "$3" <<'PY'
import json, re, sys
t = open("wrk.txt").read()
j = json.loads(open("serve.out").read().strip().splitlines()[-1])
def ms(p):
    v = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", t, re.M)
    return float(v.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[v.group(2)]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
fails = int(bad.group(1)) if bad else 0
sock = re.search(r"Socket errors: (.*)", t)
batches = j["batches"]
mean = (j["requests"] / batches) if batches else 0
print(f"| {sys.argv[1]} | {sys.argv[2]} | {rps:,.0f} | {ms(50):.2f} | {ms(99):.2f} | {fails}{' ' + sock.group(1) if sock else ''} | "
      f"{batches:,} ({mean:.1f}) |" if batches else
      f"| {sys.argv[1]} | {sys.argv[2]} | {rps:,.0f} | {ms(50):.2f} | {ms(99):.2f} | {fails}{' ' + sock.group(1) if sock else ''} | - |")
PY
}
run bmf.srm "biased MF (ML-100K)" recommend
run bmf.srm "biased MF (ML-100K)" similar
run cdae.srm "CDAE (ML-100K)" recommend
run gru.srm "GRU4Rec (RSC15 sample)" session
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); wrk -t2 -c64 -d${seconds}s on the same machine"
