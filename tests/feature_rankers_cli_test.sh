#!/usr/bin/env bash
# DeepFM and DCN-v2 over side features from the command line: on a dataset imported with item and
# user features, each trains by name (`topn`), reads every side field (the net's summary lists
# them), saves a model file that holds the fields' tables, so that `recommend` runs from another
# directory with the dataset gone, and `evaluate` repeats the run's metrics; with side=0 the same
# model reads the ids only. Usage: feature_rankers_cli_test.sh PATH/TO/sparserec DEVICE...
set -u
bin=$(realpath "$1")
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
"$bin" synth --out "$tmp/r.csv" --users 50 --items 1500 --events 1500 --seed 5 >/dev/null 2>&1 || { echo "synth failed"; exit 1; }
# Items: tags (multi-valued) and a size (numeric), one item left without a line; users: a group.
cut -d, -f2 "$tmp/r.csv" | tail -n +2 | sort -un | awk 'NR > 1 {print $1 "," ($1 % 5) "|" ($1 % 3 + 5) "," ($1 % 7)}' >"$tmp/items.csv"
cut -d, -f1 "$tmp/r.csv" | tail -n +2 | sort -un | awk '{print $1 ",g" ($1 % 4)}' >"$tmp/users.csv"
if ! "$bin" import --data "$tmp/r.csv" --item-features "$tmp/items.csv" --item-fields id,multi:tags,num:size \
  --user-features "$tmp/users.csv" --user-fields id,cat:group --out "$tmp/d.srdata" >/dev/null 2>"$tmp/err"; then
  echo "FAIL: import:"; tail -2 "$tmp/err"; exit 1
fi
metric() { tail -1 "$1" | python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$2'])"; }
for device in "$@"; do
  while read -r model options; do
    what="$model $options on $device"
    if ! "$bin" topn --data "$tmp/d.srdata" --model "$model" $options --epochs 2 --early-stop off --device "$device" \
      --save "$tmp/m.srm" >"$tmp/out" 2>"$tmp/err"; then
      fail "$what: topn:"; tail -3 "$tmp/err"; continue
    fi
    hr=$(metric "$tmp/out" hr10)
    fields=$(grep -o "user:group\|item:tags\|item:size" "$tmp/err" | sort -u | wc -l)
    case "$options" in *side=0*) want=0 ;; *) want=3 ;; esac
    [ "$fields" = "$want" ] && echo "ok: $what: HR@10 $hr, reads $fields side fields" ||
      fail "$what: reads $fields side fields, not $want: $(grep '^model:' "$tmp/err")"
    if "$bin" evaluate --model-file "$tmp/m.srm" --device "$device" >"$tmp/eval" 2>"$tmp/err" &&
       [ "$(metric "$tmp/eval" hr10)" = "$hr" ]; then
      echo "ok: $what: evaluate repeats HR@10 $hr"
    else
      fail "$what: evaluate: $(tail -1 "$tmp/eval") $(tail -1 "$tmp/err")"
    fi
    mkdir -p "$tmp/elsewhere" && mv "$tmp/d.srdata" "$tmp/away.srdata"
    user=$(sed -n 2p "$tmp/r.csv" | cut -d, -f1)
    if (cd "$tmp/elsewhere" && "$bin" recommend --model-file ../m.srm --device "$device" --users "$user" --k 5 \
      >rec 2>err) && [ "$(grep -c "^$user	" "$tmp/elsewhere/rec")" = 5 ]; then
      echo "ok: $what: recommends from another directory without the dataset"
    else
      fail "$what: recommend without the dataset:"; tail -2 "$tmp/elsewhere/err"
    fi
    mv "$tmp/away.srdata" "$tmp/d.srdata"
  done <<'MODELS'
deepfm factors=4 units=8
deepfm factors=4 units=8 side=0
dcnv2 factors=4 units=8
dcnv2 factors=4 units=8 rank=2 cross_layers=3
MODELS
done
# The ctr protocol: labelled ratings, AUC and log loss, early stopping on the validation log loss,
# the examples exported for a peer; refused on a model that is not a pair net, a threshold no
# rating reaches, clicks, --save.
device=$1
if "$bin" ctr --data "$tmp/d.srdata" --model deepfm factors=4 units=8 --epochs 3 --device "$device" \
  --export-examples "$tmp/ex" >"$tmp/out" 2>"$tmp/err" &&
  tail -1 "$tmp/out" | python3 -c "
import json, math, sys
j = json.loads(sys.stdin.read())
assert 0 < j['test_auc'] < 1 and math.isfinite(j['test_logloss']) and j['base_logloss'] > 0, j
assert j['early_stop']['metric'] == 'validation log loss', j['early_stop']
assert j['command'] == 'ctr' and j['n_test'] > 0
shape = json.load(open('$tmp/ex/shape.json'))
assert [f['input'] for f in shape['fields']] == ['user:group', 'item:tags', 'item:size'], shape
parts = [l.split('\t')[0] for l in open('$tmp/ex/examples.tsv')]
assert parts.count('test') == j['n_test'] and parts.count('valid') > 0, (parts.count('test'), j['n_test'])
assert len(parts) == $(tail -n +2 "$tmp/r.csv" | wc -l), len(parts)
print(f\"ok: ctr on $device: test AUC {j['test_auc']:.3f}, log loss {j['test_logloss']:.3f} (positive rate alone {j['base_logloss']:.3f}); {len(parts)} examples exported\")
"; then :; else
  fail "ctr:"; tail -3 "$tmp/err"
fi
refused() {  # refused WHAT MESSAGE ARGS...
  local what=$1 msg=$2
  shift 2
  if "$bin" "$@" >/dev/null 2>"$tmp/err"; then fail "ctr $what was accepted"
  elif grep -q "$msg" "$tmp/err"; then echo "ok: ctr refuses $what: $(tail -1 "$tmp/err")"
  else fail "ctr $what: $(tail -1 "$tmp/err")"; fi
}
refused "a model that is not a pair net" "is not a pair net" ctr --data "$tmp/d.srdata" --model cdae
refused "a threshold above every rating" "every training example is negative" ctr --data "$tmp/d.srdata" --model gmf --positive 6
refused "--save" "save one trained by topn" ctr --data "$tmp/d.srdata" --model gmf --save "$tmp/x.srm"
"$bin" synth --clicks --out "$tmp/c.tsv" --users 50 --items 40 --events 600 --seed 3 >/dev/null 2>&1
refused "clicks" "holds clicks" ctr --data "$tmp/c.tsv" --model gmf

# A damaged side-field table in a model file is refused.
python3 - "$tmp/m.srm" <<'PY' || fail "no model file with a side field to damage"
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.rfind(b"field.item:tags.col_idx")
assert i > 0
b[i + 200] ^= 0xFF  # inside the table's data
open(p, "wb").write(bytes(b))
PY
if "$bin" recommend --model-file "$tmp/m.srm" --users 1 --k 5 >/dev/null 2>"$tmp/err"; then
  fail "a damaged model file was read"
elif ! grep -q "m.srm" "$tmp/err" || grep -q "cannot open" "$tmp/err"; then
  fail "a damaged model file: $(tail -1 "$tmp/err")"
else
  echo "ok: a damaged model file is refused: $(tail -1 "$tmp/err")"
fi
[ "$failures" -eq 0 ] && echo "all feature-ranker CLI checks passed" || { echo "$failures failure(s)"; exit 1; }
