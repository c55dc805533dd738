#!/usr/bin/env bash
# `sparserec import --item-features/--user-features`: MovieLens 100K's u.item and u.user beside
# synthetic ratings are read for the dataset's ids and stored in the binary dataset, which `info`
# describes field by field; a file with a field list likewise; a bad line stops the import naming
# file:line and leaves no dataset file; a field list without its file is refused.
# Usage: side_features_cli_test.sh PATH/TO/sparserec
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
"$bin" synth --out "$tmp/r.csv" --users 40 --items 60 --events 500 --seed 4 >/dev/null 2>&1 || { echo "synth failed"; exit 1; }
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
rows = [l.split(",") for l in open(f"{d}/r.csv").read().splitlines()[1:]]
users, items = sorted({int(r[0]) for r in rows}), sorted({int(r[1]) for r in rows})
with open(f"{d}/u.item", "wb") as f:  # every item but the last; 5 genre flags set in turn
    for i in items[:-1]:
        flags = ["1" if g == i % 19 or g == 8 else "0" for g in range(19)]
        f.write(f"{i}|Film {i} (19{50 + i % 50})|01-Jan-19{50 + i % 50}||http://x|".encode() + "|".join(flags).encode() + b"\n")
    f.write(b"99999|Not in the data (1990)|01-Jan-1990||x|" + b"|".join([b"0"] * 19) + b"\n")
with open(f"{d}/u.user", "w") as f:
    for u in users:
        f.write(f"{u}|{18 + u % 50}|{'MF'[u % 2]}|{['writer', 'doctor', 'student'][u % 3]}|{10000 + u}\n")
with open(f"{d}/items.tsv", "w") as f:
    f.write("item\tprice\tbrand\n")
    for i in items:
        f.write(f"{i}\t{i / 10}\tb{i % 4}\n")
PY
field() { tail -1 "$tmp/out" | python3 -c "import json,sys; j=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {}, {'j': j}))" "$1"; }
n_items=$(cut -d, -f2 "$tmp/r.csv" | tail -n +2 | sort -u | wc -l)

if "$bin" import --data "$tmp/r.csv" --item-features "$tmp/u.item" --user-features "$tmp/u.user" --out "$tmp/d.srdata" \
  >"$tmp/out" 2>"$tmp/err"; then
  described=$(field "j['item_features']['described']") unknown=$(field "j['item_features']['unknown_ids']")
  [ "$described" = $((n_items - 1)) ] && [ "$unknown" = 1 ] && [ "$(field "j['user_features']['fields']")" = 4 ] &&
    echo "ok: import with u.item and u.user: $described of $n_items items described, $unknown id not in the data" ||
    fail "import: described $described of $n_items, unknown $unknown"
else
  fail "import with features:"; tail -2 "$tmp/err"
fi
"$bin" info --data "$tmp/d.srdata" >"$tmp/info" 2>&1
if grep -q "^item features: 3 fields" "$tmp/info" && grep -q "^  genre (multi-valued): 19 values" "$tmp/info" &&
   grep -q "^  occupation (categorical): 3 values (doctor, student, writer)" "$tmp/info" &&
   grep -q "^  age (numeric)" "$tmp/info"; then
  echo "ok: info describes the stored features"
else
  fail "info:"; cat "$tmp/info"
fi
if "$bin" import --data "$tmp/r.csv" --item-features "$tmp/items.tsv" --item-fields id,num:price,cat:brand \
  --out "$tmp/f.srdata" >"$tmp/out" 2>"$tmp/err" && [ "$(field "j['item_features']['features']")" = 5 ]; then
  echo "ok: a field list: price and 4 brands"
else
  fail "import with --item-fields"; tail -2 "$tmp/err"
fi
mkdir -p "$tmp/bad"; sed "3s/^\([0-9]*\)|[0-9]*|/\1|old|/" "$tmp/u.user" >"$tmp/bad/u.user"
if "$bin" import --data "$tmp/r.csv" --user-features "$tmp/bad/u.user" --out "$tmp/bad.srdata" >/dev/null 2>"$tmp/err"; then
  fail "a bad u.user was imported"
elif grep -q "u.user:3: field 'age': 'old' is not a finite number" "$tmp/err" && [ ! -e "$tmp/bad.srdata" ]; then
  echo "ok: $(tail -1 "$tmp/err")"
else
  fail "bad u.user: $(tail -1 "$tmp/err")"
fi
if "$bin" import --data "$tmp/r.csv" --item-fields id,cat:a --out "$tmp/x.srdata" >/dev/null 2>"$tmp/err"; then
  fail "--item-fields without --item-features was accepted"
elif grep -q "give the file with --item-features" "$tmp/err" && [ ! -e "$tmp/x.srdata" ]; then
  echo "ok: $(tail -1 "$tmp/err")"
else
  fail "--item-fields alone: $(tail -1 "$tmp/err")"
fi
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
