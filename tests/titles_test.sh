#!/usr/bin/env bash
# Titles beside ids: with a u.item (Latin-1, "id|title|...") beside the training data, `recommend`
# adds a title column and `serve` a "title" per item, both the file's title of that item (UTF-8);
# --titles none leaves them out, --titles FILE reads a movies.csv (quoted titles); a bad titles
# file is refused with one line naming its line.
# Usage: titles_test.sh PATH/TO/sparserec
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
cd "$tmp"
mkdir data
"$bin" synth --out data/r.csv --users 120 --items 300 --events 4000 --seed 4 >/dev/null 2>&1 || { echo "synth failed"; exit 1; }
# u.item as MovieLens ships it: Latin-1 ("Caf\xe9" is "Café"), then fields the reader skips.
python3 - <<'PY'
ids = sorted({int(l.split(",")[1]) for l in open("data/r.csv").read().splitlines()[1:]})
with open("data/u.item", "wb") as f:
    for i in ids:
        f.write(f"{i}|Caf".encode() + b"\xe9" + f" number {i} (1995)|01-Jan-1995||0|1\n".encode())
with open("movies.csv", "w", encoding="utf-8") as f:
    f.write("movieId,title,genres\n")
    for i in ids:
        f.write(f'{i},"Film {i}, the sequel",Drama\n')
PY
"$bin" train --data data/r.csv --model biased_mf factors=4 --epochs 2 --device cpu --save m.srm >/dev/null 2>&1 || fail "training"
"$bin" recommend --model-file m.srm --device cpu --users 1,6 -k 3 >rec.tsv 2>err || fail "recommend: $(cat err)"
[ "$(head -1 rec.tsv)" = "$(printf 'user\trank\titem\tscore\ttitle')" ] || fail "recommend's header: $(head -1 rec.tsv)"
awk -F'\t' 'NR > 1 && /^[0-9]/ && $5 != "Café number " $3 " (1995)" {bad = 1; print "FAIL: line " NR ": " $0} END {exit bad}' rec.tsv ||
  failures=$((failures + 1))
[ "$(grep -c '^[0-9]' rec.tsv)" -eq 6 ] || fail "recommend: $(grep -c '^[0-9]' rec.tsv) lines, 6 expected"
"$bin" recommend --model-file m.srm --device cpu --users 1 -k 3 --titles none >none.tsv 2>/dev/null || fail "--titles none"
[ "$(head -1 none.tsv)" = "$(printf 'user\trank\titem\tscore')" ] || fail "--titles none: $(head -1 none.tsv)"
"$bin" recommend --model-file m.srm --device cpu --users 1 -k 3 --titles movies.csv >csv.tsv 2>/dev/null || fail "--titles movies.csv"
awk -F'\t' 'NR > 1 && /^[0-9]/ && $5 != "Film " $3 ", the sequel" {bad = 1; print "FAIL: movies.csv line " NR ": " $0} END {exit bad}' csv.tsv ||
  failures=$((failures + 1))
printf '1|One\nbad line\n' >bad.item
"$bin" recommend --model-file m.srm --device cpu --users 1 --titles bad.item >/dev/null 2>err && fail "a bad titles file was read"
[ "$(wc -l <err)" -eq 1 ] && grep -q "bad.item:2: not an item id and its title" err || fail "a bad titles file: $(cat err)"

# serve: each item of a reply carries its title.
"$bin" serve --model-file m.srm --device cpu --port 0 >serve.out 2>serve.err &
pid=$!
port=""
for _ in $(seq 300); do
  port=$(grep -o 'http://[0-9.]*:[0-9]*' serve.err | sed 's/.*://')
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "the server did not start: $(cat serve.err)"
python3 - "$port" <<'PY' || fail "serve's titles"
import json, sys, urllib.request
r = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/recommend?user=1&k=3").read().decode("utf-8"))
assert len(r["items"]) == 3, r
for it in r["items"]:
    assert it["title"] == f"Café number {it['item']} (1995)", it
PY
kill -TERM "$pid"
wait "$pid" 2>/dev/null
pid=""
[ "$failures" -eq 0 ] && echo "titles: all checks passed"
exit $(( failures > 0 ))
