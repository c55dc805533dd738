#!/usr/bin/env bash
# The cold-start protocol from the command line (`sparserec coldstart`), on planted data where an
# item's group decides its users and both its genre and a word of its title name the group: the
# content models (the DAE with side fields, the title CNN, the hybrid) must rank a user's cold items
# far above chance, the plain DAE (no content) cannot, and the hybrid must not lose to the plain
# DAE on warm items. Then the refusals: no item features, impossible shares and widths.
# Usage: coldstart_cli_test.sh PATH/TO/sparserec DEVICE...
set -u
bin=$(realpath "$1")
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
python3 - "$tmp" <<'PY'
import random, sys
d = sys.argv[1]
rng = random.Random(7)
groups = ["red", "green", "blue", "gold"]
items = 480
with open(f"{d}/items.csv", "w") as f:
    for i in range(1, items + 1):
        g = groups[i % 4]
        f.write(f"{i},{rng.choice(['the', 'a', 'my'])} {g} {rng.choice(['story', 'night', 'road'])} {i},{g}\n")
with open(f"{d}/r.csv", "w") as f:
    f.write("userId,movieId,rating,timestamp\n")
    for u in range(1, 161):
        g = u % 4
        mine = [i for i in range(1, items + 1) if i % 4 == g]
        for i in rng.sample(mine, 24):
            f.write(f"{u},{i},{rng.randint(1, 5)},{1000 + i}\n")
PY
"$bin" import --data "$tmp/r.csv" --item-features "$tmp/items.csv" --item-fields id,text:title,cat:group \
  --out "$tmp/d.srdata" >/dev/null 2>"$tmp/err" || { echo "FAIL: import:"; tail -2 "$tmp/err"; exit 1; }
recall() { python3 -c "import json,sys; m=json.loads(open('$1').read().splitlines()[-1])['methods']; print(m['$2']['$3'])"; }
# 48 cold items, 12 of each group, about 2.4 of them the user's. Knowing the group, the top 10 holds
# 10 of the group's 12 (R@10 about 0.83); by chance, 10 of the 48 (about 0.21).
for device in "$@"; do
  if ! "$bin" coldstart --data "$tmp/d.srdata" --cold 0.1 --k 10 --epochs 60 --title-chars 24 --batch 32 --device "$device" \
    >"$tmp/out" 2>"$tmp/err"; then
    fail "coldstart on $device:"; tail -3 "$tmp/err"; continue
  fi
  for m in dae_side charcnn hybrid genre_popularity; do
    r=$(recall "$tmp/out" $m cold_recall)
    python3 -c "import sys; sys.exit(0 if $r >= 0.7 else 1)" && echo "ok: $device: $m ranks cold items by content: R@10 $r" ||
      fail "$device: $m cold R@10 $r, not >= 0.7"
  done
  r=$(recall "$tmp/out" dae cold_recall)
  python3 -c "import sys; sys.exit(0 if $r <= 0.45 else 1)" && echo "ok: $device: the plain DAE is chance on cold items: R@10 $r" ||
    fail "$device: the plain DAE's cold R@10 $r is above chance: it read content it should not have"
  h=$(recall "$tmp/out" hybrid warm_recall) p=$(recall "$tmp/out" dae warm_recall)
  python3 -c "import sys; sys.exit(0 if $h >= $p - 0.02 else 1)" && echo "ok: $device: warm R@10 hybrid $h, DAE $p" ||
    fail "$device: the hybrid's warm R@10 $h below the plain DAE's $p"
done
# Refusals: one clear line each, naming what is wrong.
"$bin" import --data "$tmp/r.csv" --out "$tmp/bare.srdata" >/dev/null 2>&1
while IFS='|' read -r args want; do
  if "$bin" coldstart $args --device cpu >"$tmp/out" 2>"$tmp/err"; then
    fail "coldstart $args succeeded"
  elif grep -qF -- "$want" "$tmp/err"; then
    echo "ok: coldstart $args: $(tail -1 "$tmp/err")"
  else
    fail "coldstart $args: wanted '$want', got: $(tail -1 "$tmp/err")"
  fi
done <<EOT
--data $tmp/bare.srdata|no text field
--data $tmp/d.srdata --cold 1.5|share of cold items must be in (0, 1)
--data $tmp/d.srdata --holdout 1|held out must be in [0, 1)
--data $tmp/d.srdata --cnn-width 0|--cnn-width must be in 1 .. --title-chars
--data $tmp/d.srdata --epochs 0|--epochs
EOT
[ "$failures" = 0 ] && echo "all passed" || { echo "$failures failed"; exit 1; }
