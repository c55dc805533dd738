#!/usr/bin/env bash
# Every model of the registry stands alone in its model file: trained with --save, the file moved to
# another directory and used from a third, it recommends (users of rating and top-N models; a click
# sequence and a file of sessions for session models) and evaluates to exactly the metrics of the
# run that trained it. Evaluation finds the training data by the absolute path the file records, or
# by --data; other data is refused, as is a model file of another format version.
# Usage: model_file_test.sh PATH/TO/sparserec
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")  # absolute: the test changes directory
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data" "$tmp/saved" "$tmp/moved" "$tmp/elsewhere"
"$bin" synth --out "$tmp/data/r.csv" --users 60 --items 2000 --events 2400 --seed 3 >/dev/null 2>&1 || { echo "synth failed"; exit 1; }
"$bin" synth --out "$tmp/data/other.csv" --users 60 --items 2000 --events 2400 --seed 4 >/dev/null 2>&1 || exit 1
"$bin" synth --clicks --out "$tmp/data/c.tsv" --users 200 --items 50 --events 1500 --seed 3 >/dev/null 2>&1 || exit 1
awk -F'\t' 'NR == 1 || $1 <= 160' "$tmp/data/c.tsv" >"$tmp/data/c_train.tsv"
awk -F'\t' 'NR == 1 || $1 > 160' "$tmp/data/c.tsv" >"$tmp/data/c_test.tsv"
user=$(awk -F, 'NR == 2 {print $1}' "$tmp/data/r.csv")
session=$(awk -F'\t' 'NR == 2 {print $1}' "$tmp/data/c_test.tsv")
clicks=$(awk -F'\t' -v s="$session" 'NR > 1 && $1 == s {print $2}' "$tmp/data/c_test.tsv" | paste -sd,)
[ -n "$user" ] && [ -n "$clicks" ] || { echo "no user or test session found in the synthetic data"; exit 1; }
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# metric FILE KEYS: the values of the comma-separated keys in the JSON line that ends FILE.
metric() { tail -1 "$1" | python3 -c "import json,sys; j=json.loads(sys.stdin.read()); print(' '.join(f'{k}={j[k]!r}' for k in '$2'.split(',')))"; }

# Small settings per model, for speed; a model not listed trains with its defaults for one epoch.
small() {
  case $1 in
    autorec|cdae|multdae) echo "hidden=16" ;;
    multvae) echo "hidden=16 latent=4" ;;
    cfgan) echo "hidden_g=16 hidden_d=8" ;;
    rbm) echo "hidden=8 cd_k=2" ;;
    biased_mf) echo "factors=8" ;;
    gmf|mlp|neumf) echo "factors=4" ;;
    deepfm|dcnv2) echo "factors=4 units=8" ;;
    gru4rec) echo "hidden=8" ;;
    twotower) echo "hidden=16 dim=8 n_sample=64" ;;
    narm) echo "embedding=6 hidden=8 max_len=5" ;;
    stamp) echo "embedding=6 max_len=5" ;;
    prod2vec) echo "embedding=6" ;;
  esac
}

# Every model of the registry with its task; baselines have no weights to save.
"$bin" models >"$tmp/models" || { echo "sparserec models failed"; exit 1; }
models=$(awk '/^[a-zA-Z-]+ models \(sparserec/ {cmd=$4; sub(/\):/, "", cmd)} /^  [a-z_0-9]+\t/ {split($0, f, "\t"); name=f[1]; gsub(/ /, "", name); if (f[2] !~ /^baseline/) print cmd, name}' "$tmp/models")
[ -n "$models" ] || { echo "no model found in \`sparserec models\`"; exit 1; }
while read -r command model; do
  file="$tmp/saved/$model.srm"
  case $command in
    train) run=(train --data "$tmp/data/r.csv"); key=test_rmse,test_mae ;;
    topn) run=(topn --data "$tmp/data/r.csv"); key=hr10,ndcg10,recall20,mrr20 ;;
    session) run=(session --train "$tmp/data/c_train.tsv" --test "$tmp/data/c_test.tsv" --batch 8); key=recall20,mrr20 ;;
    *) fail "$model: unknown command $command"; continue ;;
  esac
  # shellcheck disable=SC2046
  if ! (cd "$tmp/data" && "$bin" "${run[@]}" --model "$model" $(small "$model") --epochs 1 --device cpu --save "$file" >"$tmp/trained" 2>"$tmp/err"); then
    fail "$model: training with --save failed:"; tail -3 "$tmp/err"; continue
  fi
  mv "$file" "$tmp/moved/" && file="$tmp/moved/$model.srm"
  cd "$tmp/elsewhere" || exit 1
  if [ "$command" = session ]; then
    "$bin" recommend --model-file "$file" --clicks "$clicks" -k 4 --device cpu >"$tmp/rec" 2>"$tmp/err" &&
      [ "$(grep -c '^clicks	' "$tmp/rec")" -eq 4 ] || { fail "$model: recommend --clicks:"; tail -3 "$tmp/err"; }
    "$bin" recommend --model-file "$file" --sessions "$tmp/data/c_test.tsv" -k 2 --device cpu >"$tmp/rec" 2>"$tmp/err" &&
      [ "$(grep -c '	1	' "$tmp/rec")" -gt 30 ] || { fail "$model: recommend --sessions:"; tail -3 "$tmp/err"; }
    evaluate=(evaluate --model-file "$file" --test "$tmp/data/c_test.tsv" --device cpu)
  else
    "$bin" recommend --model-file "$file" --users "$user" -k 4 --device cpu >"$tmp/rec" 2>"$tmp/err" &&
      [ "$(grep -c "^$user	" "$tmp/rec")" -eq 4 ] || { fail "$model: recommend:"; tail -3 "$tmp/err"; }
    evaluate=(evaluate --model-file "$file" --device cpu)
  fi
  if ! "$bin" "${evaluate[@]}" >"$tmp/evaluated" 2>"$tmp/err"; then
    fail "$model: evaluate:"; tail -3 "$tmp/err"
  elif [ "$(metric "$tmp/trained" $key)" != "$(metric "$tmp/evaluated" $key)" ]; then
    fail "$model: evaluate gives $(metric "$tmp/evaluated" $key), training reported $(metric "$tmp/trained" $key)"
  else
    echo "ok: $model ($command): moved, recommends and evaluates from the file alone ($(metric "$tmp/evaluated" $key))"
  fi
done <<<"$models"

# --data points elsewhere (a copy); other data is refused; so is a file of another format version.
cp "$tmp/data/r.csv" "$tmp/elsewhere/copy.csv"
"$bin" evaluate --model-file "$tmp/moved/autorec.srm" --data "$tmp/elsewhere/copy.csv" --device cpu >/dev/null 2>"$tmp/err" ||
  { fail "evaluate --data on a copy of the data:"; tail -2 "$tmp/err"; }
if "$bin" evaluate --model-file "$tmp/moved/autorec.srm" --data "$tmp/data/other.csv" --device cpu >/dev/null 2>"$tmp/err"; then
  fail "evaluate on other data was not refused"
elif ! grep -q "is not the data model file" "$tmp/err"; then fail "other data: $(tail -1 "$tmp/err")"
else echo "ok: other data refused: $(tail -1 "$tmp/err")"; fi
sed '1s/SPARSEREC-MODEL v5/SPARSEREC-MODEL v4/' "$tmp/moved/autorec.srm" >"$tmp/old.srm"
if "$bin" recommend --model-file "$tmp/old.srm" --device cpu >/dev/null 2>"$tmp/err"; then
  fail "a model file of another version was read"
elif ! grep -q "another format version" "$tmp/err"; then fail "another version: $(tail -1 "$tmp/err")"
else echo "ok: another version refused: $(tail -1 "$tmp/err")"; fi

# Two-stage ranking from model files: CDAE ranks what two-tower retrieves. With every item a
# candidate it is CDAE alone; with 5, no more targets reach the top 20 than the 5 hold; a session
# model or a model of other data is refused as the retrieval, naming it.
key=hr10,ndcg10,recall20,mrr20
"$bin" evaluate --model-file "$tmp/moved/cdae.srm" --device cpu >"$tmp/alone" 2>/dev/null || fail "evaluate cdae failed"
if ! "$bin" evaluate --model-file "$tmp/moved/cdae.srm" --retrieve "$tmp/moved/twotower.srm" --candidates 2000 \
    --device cpu >"$tmp/all" 2>"$tmp/err"; then
  fail "two-stage with every item: $(tail -1 "$tmp/err")"
elif [ "$(metric "$tmp/all" $key)" != "$(metric "$tmp/alone" $key)" ]; then
  fail "two-stage with every item a candidate: $(metric "$tmp/all" $key), CDAE alone: $(metric "$tmp/alone" $key)"
else echo "ok: two-stage with every item a candidate is CDAE alone ($(metric "$tmp/all" $key))"; fi
if "$bin" evaluate --model-file "$tmp/moved/cdae.srm" --retrieve "$tmp/moved/twotower.srm" --candidates 5 \
    --device cpu >"$tmp/five" 2>"$tmp/err" &&
    tail -1 "$tmp/five" | python3 -c "import json,sys; j=json.loads(sys.stdin.read()); r=j['retrieval']; sys.exit(not (r['candidates'] == 5 and 0 <= j['recall20'] <= r['recall'] <= 1))"; then
  echo "ok: two-stage with 5 candidates: $(grep '^retrieval' "$tmp/err")"
else
  fail "two-stage with 5 candidates: $(tail -1 "$tmp/five") $(tail -1 "$tmp/err")"
fi
(cd "$tmp/data" && "$bin" topn --data other.csv --model twotower $(small twotower) --epochs 1 --device cpu \
  --save "$tmp/other_twotower.srm" >/dev/null 2>&1) || fail "training two-tower on other data failed"
for bad in "$tmp/other_twotower.srm:trained on other data" "$tmp/moved/gru4rec.srm:session model cannot retrieve" \
  "$tmp/moved/autorec.srm:rating model cannot retrieve"; do
  if "$bin" evaluate --model-file "$tmp/moved/cdae.srm" --retrieve "${bad%%:*}" --device cpu >/dev/null 2>"$tmp/err"; then
    fail "--retrieve ${bad%%:*} was not refused"
  elif ! grep -q "${bad#*:}" "$tmp/err"; then fail "--retrieve ${bad%%:*}: $(tail -1 "$tmp/err")"
  else echo "ok: refused: $(tail -1 "$tmp/err")"; fi
done

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
