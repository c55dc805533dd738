#!/usr/bin/env bash
# End to end: fetch MovieLens 100K, train I-AutoRec with its defaults on the CPU, and require the
# test RMSE to be at most the given bound. Usage: autorec_ml100k_test.sh SPARSEREC ROOT MAX_RMSE
set -euo pipefail
bin=$1 root=$2 max=$3
data=$("$root/tools/fetch_movielens.sh")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" train --data "$data" --model autorec --device cpu --progress-every 40 --save "$tmp/autorec.srm" | tee "$tmp/out"
rmse=$(tail -1 "$tmp/out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["test_rmse"])')
# The saved model must give the same RMSE when evaluated again, and recommend unseen items.
again=$("$bin" evaluate --model-file "$tmp/autorec.srm" --device cpu | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["test_rmse"])')
"$bin" recommend --model-file "$tmp/autorec.srm" --users 1,2 -k 5 --device cpu --out "$tmp/top.tsv" >/dev/null
python3 - "$rmse" "$again" "$max" "$tmp/top.tsv" "$data" <<'PY'
import sys
rmse, again, bound = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
rows = [l.split("\t") for l in open(sys.argv[4]).read().splitlines()[1:]]
assert len(rows) == 10, rows
# (That training items are excluded is checked exactly by the engine tests; here: 5 distinct each.)
for u in ("1", "2"):
    items = [r[2] for r in rows if r[0] == u]
    assert len(items) == 5 and len(set(items)) == 5, items
print(f"test RMSE {rmse:.4f} (bound {bound}); re-evaluated from the saved file {again:.4f}")
assert abs(rmse - again) < 1e-9, "saved model evaluates differently"
assert rmse <= bound, f"RMSE {rmse:.4f} above {bound}"
PY
