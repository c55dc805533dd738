#!/usr/bin/env bash
# Every model of the zoo trains from the command line by name, with key=value options, on each
# device given (cpu, emu: the CUDA kernels on the emulator, cuda): a rating model is trained,
# saved, evaluated and asked for recommendations; a top-N model runs the leave-one-out protocol; a
# session model (and each session baseline) trains on click sessions and runs the session protocol.
# Each must exit 0 and report finite metrics. Usage: zoo_cli_test.sh PATH/TO/sparserec DEVICE...
set -u
bin=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" synth --out "$tmp/r.csv" --users 30 --items 600 --events 300 --seed 3 >/dev/null 2>&1 || { echo "synth failed"; exit 1; }
# Click sessions: sessions 1-160 train, the rest test (RSC15 layout, header kept in both).
"$bin" synth --clicks --out "$tmp/c.tsv" --users 200 --items 50 --events 1500 --seed 3 >/dev/null 2>&1 || { echo "synth --clicks failed"; exit 1; }
awk -F'\t' 'NR == 1 || $1 <= 160' "$tmp/c.tsv" >"$tmp/c_train.tsv"
awk -F'\t' 'NR == 1 || $1 > 160' "$tmp/c.tsv" >"$tmp/c_test.tsv"
failures=0
check() {  # check "what" json-key args...
  local what=$1 key=$2
  shift 2
  if ! "$bin" "$@" >"$tmp/out" 2>"$tmp/err"; then
    echo "FAIL: $what: sparserec $* exited non-zero:"; tail -3 "$tmp/err"; failures=$((failures + 1)); return
  fi
  if ! tail -1 "$tmp/out" | python3 -c "import json,math,sys; v=json.loads(sys.stdin.read())['$key']; sys.exit(0 if math.isfinite(v) else 1)"; then
    echo "FAIL: $what: no finite $key in: $(tail -1 "$tmp/out")"; failures=$((failures + 1)); return
  fi
  echo "ok: $what: $key $(tail -1 "$tmp/out" | python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$key'])")"
}
for device in "$@"; do
  while read -r model options; do
    check "$model on $device: train" test_rmse train --data "$tmp/r.csv" --model "$model" $options --epochs 1 --device "$device" --save "$tmp/$model.srm"
    check "$model on $device: evaluate" test_rmse evaluate --model-file "$tmp/$model.srm" --device "$device"
    if ! "$bin" recommend --model-file "$tmp/$model.srm" --device "$device" --users 1 --k 5 >"$tmp/rec" 2>"$tmp/err" ||
        [ "$(grep -c '^1	' "$tmp/rec")" -ne 5 ]; then
      echo "FAIL: $model on $device: recommend"; tail -3 "$tmp/err"; failures=$((failures + 1))
    else
      echo "ok: $model on $device: recommend (5 items)"
    fi
  done <<'MODELS'
autorec hidden=16
autorec variant=user hidden=16
autorec residual=0 hidden=16
biased_mf factors=8
rbm hidden=16 cd_k=2
rbm variant=user hidden=16
MODELS
  while read -r model options; do
    check "$model on $device: topn" hr10 topn --data "$tmp/r.csv" --model "$model" $options --epochs 1 --device "$device"
  done <<'MODELS'
cdae hidden=16
multdae hidden=16
multvae hidden=16 latent=8
cfgan hidden_g=16 hidden_d=8
cfgan hidden_g=16 hidden_d=8 pm_ratio=0 zr_ratio=0
gmf factors=4
mlp factors=4
neumf factors=4 negatives=2
neumf factors=4 pretrain=1
deepfm factors=4 units=8
dcnv2 factors=4 units=8 rank=2
twotower hidden=16 dim=8 n_sample=16
twotower hidden=16 dim=8 n_sample=0 logq=0
MODELS
  while read -r model options; do
    check "$model on $device: session" recall20 session --train "$tmp/c_train.tsv" --test "$tmp/c_test.tsv" --model "$model" $options --epochs 1 --batch 8 --device "$device"
  done <<'MODELS'
gru4rec hidden=8
gru4rec hidden=8 tied=0 embedding=6 dropout=0.2 loss=bpr-max n_sample=16
gru4rec hidden=8 tied=0 loss=top1-max n_sample=0
narm embedding=6 hidden=8 max_len=5
stamp embedding=6 max_len=5
stamp embedding=6 max_len=5 cosine_scale=0 dropout=0.2
prod2vec embedding=6
prod2vec embedding=6 score=similar recent=3 decay=0.7 subsample=0
MODELS
done
for baseline in popularity spop itemknn; do
  check "$baseline: session" recall20 session --train "$tmp/c_train.tsv" --test "$tmp/c_test.tsv" --model "$baseline"
done
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
