#!/usr/bin/env bash
# `sparserec serve` end to end, for a user model (CDAE) and a session model (GRU4Rec):
#   1. /health, and /recommend for every user asked 16 at a time (so the device thread batches
#      them) equal `sparserec recommend` of the same file (the same items but where scores tie,
#      scores within 1e-5; the scores must differ, or the check could not fail);
#   2. /similar: k items, the item itself not among them, best first (both models); /session
#      equals `recommend --clicks`;
#   3. every error code with a JSON body naming the problem: 400 (malformed query, k out of range,
#      bad JSON, a body nested too deep, a malformed HTTP request line), 404 (unknown user, item,
#      endpoint), 405 (a known endpoint by another method, with Allow), 411 (a chunked body), 413
#      (a body over the limit), 501 (an endpoint the model has no answer for); HEAD answers and a
#      Range header is ignored (the reply stays whole);
#   4. wrk at concurrency 64: throughput and p50/p99 latency printed, no failed request;
#   5. SIGTERM (under load; and before the server is ready) ends it with exit 0 and a JSON line.
# Usage: serve_test.sh PATH/TO/sparserec
set -u
bin=$(realpath "$1")
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
command -v wrk >/dev/null || { echo "FAIL: wrk not found (apt-get install wrk)"; exit 1; }

"$bin" synth --out r.csv --users 300 --items 400 --events 9000 --seed 7 >/dev/null 2>&1 || { echo "synth failed"; exit 1; }
"$bin" synth --out c.tsv --clicks --users 400 --items 120 --events 4000 --seed 7 >/dev/null 2>&1 || { echo "synth failed"; exit 1; }
"$bin" topn --data r.csv --model cdae --epochs 3 --device cpu --save mf.srm >/dev/null 2>&1 || { echo "FAIL: training CDAE"; exit 1; }
"$bin" session --train c.tsv --test c.tsv --model gru4rec --epochs 1 --device cpu --save gru.srm >/dev/null 2>&1 ||
  { echo "FAIL: training GRU4Rec"; exit 1; }

start_server() {  # start_server MODEL NAME: sets $port and $pid; stdout to NAME.out, stderr to NAME.err
  "$bin" serve --model-file "$1" --device cpu --port 0 >"$2.out" 2>"$2.err" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 300); do
    port=$(grep -o 'http://[0-9.]*:[0-9]*' "$2.err" | sed 's/.*://')
    [ -n "$port" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAIL: the server of $1 did not start:"
  cat "$2.err"
  exit 1
}
terminate() {  # terminate: SIGTERM to $pid; sets $rc to its exit status (124: still running after 20 s)
  kill -TERM "$pid"
  rc=124
  for _ in $(seq 200); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"
      rc=$?
      return
    fi
    sleep 0.1
  done
}
stop_server() {  # stop_server NAME: SIGTERM, then exit 0 within 20 s and a JSON line of counts
  terminate
  [ "$rc" -eq 0 ] || { fail "$1: exit $rc after SIGTERM"; cat "$1.err"; }
  python3 -c "
import json, sys
j = json.loads(open('$1.out').read().strip().splitlines()[-1])
assert j['command'] == 'serve' and j['stopped_by'] == 'SIGTERM' and j['requests'] > 0, j
print('$1: stopped by SIGTERM after', j['requests'], 'requests in', j['batches'], 'batches')
" || fail "$1: no JSON line of counts after SIGTERM"
}

# ---- a user model ----
start_server mf.srm mf
"$bin" recommend --model-file mf.srm --device cpu -k 10 --out expected.tsv >/dev/null 2>&1 || fail "recommend"
python3 - "$port" <<'PY' || fail "biased MF endpoints"
import concurrent.futures, json, socket, sys, urllib.error, urllib.request
port = int(sys.argv[1])
base = f"http://127.0.0.1:{port}"

def get(path, data=None):
    req = urllib.request.Request(base + path, data=data, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())

status, h = get("/health")
assert status == 200 and h["status"] == "ok" and h["model"] == "cdae" and h["users"] == 300, h
# Every user, 16 requests in flight at a time, equals the batch command's TSV.
expected = {}
for line in list(open("expected.tsv"))[1:]:
    u, rank, item, score = line.split("\t")
    expected.setdefault(int(u), []).append((int(item), float(score)))
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    replies = dict(zip(expected, pool.map(lambda u: get(f"/recommend?user={u}&k=10"), expected)))
scores = {s for rows in expected.values() for _, s in rows}
assert len(scores) > 100, f"the model's scores barely differ ({len(scores)} distinct): the check could not fail"
def tie(rows, r):  # the expected score at rank r equals a neighbour's
    return any(0 <= o < len(rows) and abs(rows[o][1] - rows[r][1]) <= 1e-6 for o in (r - 1, r + 1))
for u, (status, j) in replies.items():
    assert status == 200 and j["user"] == u and j["k"] == 10, (u, status, j)
    got = [(x["item"], x["score"]) for x in j["items"]]
    want = expected[u]
    assert len(got) == len(want), (u, got, want)
    for r, ((gi, gs), (ei, es)) in enumerate(zip(got, want)):
        assert abs(gs - es) <= 1e-5 * max(1.0, abs(es)), (u, got, want)
        assert gi == ei or tie(want, r), (u, r, got, want)
print(f"/recommend: {len(replies)} users asked 16 at a time equal `recommend`")
status, j = get("/recommend?user=1&k=3")
assert status == 200 and len(j["items"]) == 3, j
item = j["items"][0]["item"]
status, j = get(f"/similar?item={item}&k=5")
scores = [x["score"] for x in j["items"]]
assert status == 200 and len(scores) == 5 and item not in [x["item"] for x in j["items"]], j
assert scores == sorted(scores, reverse=True) and all(-1.0001 <= s <= 1.0001 for s in scores), j
print("/similar: 5 items, best first, the item itself excluded")

errors = [
    ("/recommend?user=999999", 404, "user id 999999 is not among the 300 users"),
    ("/recommend?user=abc", 400, "'user' must be an integer id, got 'abc'"),
    ("/recommend?user=1x", 400, "must be an integer id"),
    ("/recommend", 400, "missing query parameter 'user'"),
    ("/recommend?user=1&k=0", 400, "k must be in [1, 1000], got 0"),
    ("/recommend?user=1&k=1001", 400, "k must be in [1, 1000]"),
    ("/recommend?user=1&k=ten", 400, "'k' must be an integer"),
    ("/recommend?user=1&user=2", 400, "given more than once"),
    ("/recommend?user=1&kk=3", 400, "unknown query parameter 'kk'"),
    ("/similar?item=123456789", 404, "item id 123456789 is not among the 400 items"),
    ("/nosuch", 404, "no endpoint GET /nosuch"),
]
for path, code, text in errors:
    status, j = get(path)
    assert status == code and text in j["error"] and j["status"] == code, (path, status, j)
status, j = get("/session", data=b'{"clicks": [1]}')
assert status == 501 and "recommends for users" in j["error"], j
def raw(request):  # one request on its own connection; the reply's status line, headers, body
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(request)
    reply = b""
    while True:
        part = s.recv(65536)
        if not part:
            break
        reply += part
    s.close()
    head, _, body = reply.decode(errors="replace").partition("\r\n\r\n")
    return head, body
head, body = raw(b"POST /session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
assert head.startswith("HTTP/1.1 411") and "Content-Length" in json.loads(body)["error"], (head, body)
head, body = raw(b"PUT /recommend?user=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
assert head.startswith("HTTP/1.1 405") and "Allow: GET" in head and "takes GET" in body, (head, body)
head, body = raw(b"HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
assert head.startswith("HTTP/1.1 200") and body == "", (head, body)
head, body = raw(b"GET /recommend?user=1&k=3 HTTP/1.1\r\nHost: x\r\nRange: bytes=0-10\r\nConnection: close\r\n\r\n")
assert head.startswith("HTTP/1.1 200") and len(json.loads(body)["items"]) == 3, (head, body)
status, j = get("/session", data=b"x" * (2 << 20))
assert status == 413 and "over the limit" in j["error"], (status, j)
# A request line that is not HTTP: 400, and the server goes on.
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"NOT HTTP AT ALL\r\n\r\n")
reply = s.recv(4096).decode(errors="replace")
s.close()
assert reply.startswith("HTTP/1.1 400"), reply
assert get("/health")[0] == 200
print(f"errors: {len(errors) + 5} bad requests answered with their codes and JSON; HEAD and Range as HTTP says")
PY
wrk -t2 -c64 -d2s --latency "http://127.0.0.1:$port/recommend?user=1&k=10" >wrk.txt 2>&1 || fail "wrk"
python3 - wrk.txt <<'PY' || fail "wrk's run"
import re, sys
t = open(sys.argv[1]).read()
assert "Non-2xx" not in t and "Socket errors" not in t, t
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1)
p99 = re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1)
assert rps > 0, t
print(f"wrk /recommend, 64 connections, 2 s: {rps:.0f} requests/s, p50 {p50}, p99 {p99} (a shared 2-core test machine)")
PY
# SIGTERM while wrk still sends.
wrk -t1 -c16 -d4s "http://127.0.0.1:$port/recommend?user=2&k=10" >/dev/null 2>&1 &
load=$!
sleep 1
stop_server mf
wait "$load"

# ---- a session model ----
start_server gru.srm gru
clicks=$(awk -F'\t' 'NR > 1 && $1 == 3 {print $2}' c.tsv | head -4 | paste -sd,)
[ -n "$clicks" ] || clicks=$(awk -F'\t' 'NR == 2 {print $2}' c.tsv)
"$bin" recommend --model-file gru.srm --device cpu --clicks "$clicks" -k 5 --out expected_session.tsv >/dev/null 2>&1 ||
  fail "recommend --clicks"
python3 - "$port" "$clicks" <<'PY' || fail "GRU4Rec endpoints"
import json, sys, urllib.error, urllib.request
port, clicks = int(sys.argv[1]), [int(c) for c in sys.argv[2].split(",")]
def call(path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST" if body is not None else "GET",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
status, j = call("/session", json.dumps({"clicks": clicks, "k": 5}).encode())
assert status == 200 and len(j["items"]) == 5, (status, j)
expected = [line.split("\t") for line in list(open("expected_session.tsv"))[1:]]
for x, e in zip(j["items"], expected):
    assert abs(x["score"] - float(e[3])) <= 1e-5 * max(1.0, abs(float(e[3]))), (j, expected)
    assert x["item"] == int(e[2]) or abs(x["score"] - float(e[3])) <= 1e-6, (j, expected)
print(f"/session {clicks}: equals `recommend --clicks`")
errors = [
    (b"{not json", 400, "the body is not JSON"),
    (b"[1, 2]", 400, "must be a JSON object"),
    (b'{"clicks": []}', 400, "non-empty array"),
    (b'{"clicks": [1.5]}', 400, "clicks[0] must be an integer item id"),
    (b'{"clicks": [987654321]}', 404, "item id 987654321 is not among the"),
    (b'{"clicks": [%d], "k": 0}' % clicks[0], 400, "k must be in"),
    (b'{"clicks": [%d], "top": 3}' % clicks[0], 400, "unknown field 'top'"),
    (b'{"clicks": [' + b"[" * 100000 + b"]" * 100000 + b"]}", 400, "nests deeper than"),
]
for body, code, text in errors:
    status, j = call("/session", body)
    assert status == code and text in j["error"], (body[:60], status, str(j)[:200])
status, j = call("/recommend?user=1")
assert status == 501 and "POST /session" in j["error"], j
status, j = call(f"/similar?item={clicks[0]}&k=4")
assert status == 200 and len(j["items"]) == 4 and clicks[0] not in [x["item"] for x in j["items"]], j
print(f"errors: {len(errors) + 1} bad session requests answered with their codes and JSON")
PY
printf 'wrk.method = "POST"\nwrk.body = "{\\"clicks\\": [%s], \\"k\\": 20}"\nwrk.headers["Content-Type"] = "application/json"\n' "$clicks" >post.lua
wrk -t2 -c64 -d2s --latency -s post.lua "http://127.0.0.1:$port/session" >wrk_session.txt 2>&1 || fail "wrk /session"
grep -q "Non-2xx" wrk_session.txt && { fail "wrk /session had failed requests"; cat wrk_session.txt; }
echo "wrk /session, 64 connections, 2 s: $(grep -E 'Requests/sec' wrk_session.txt | tr -s ' '), p99 $(grep -E ' 99%' wrk_session.txt | awk '{print $2}')"
stop_server gru

# SIGTERM before the server is ready (as the model loads, or just after): exit 0, nothing served.
"$bin" serve --model-file gru.srm --device cpu --port 0 >early.out 2>early.err &
pid=$!
pids+=("$pid")
for _ in $(seq 300); do  # its handler is in place once it says it loads the model
  grep -q "loading" early.err && break
  sleep 0.02
done
terminate
[ "$rc" -eq 0 ] || { fail "SIGTERM before ready: exit $rc"; cat early.err; }
grep -q '"stopped_by":"SIGTERM"' early.out || fail "SIGTERM before ready: no JSON line"

[ "$failures" -eq 0 ] && echo "serve: all clear" || { echo "$failures failure(s)"; exit 1; }
