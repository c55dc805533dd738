#!/usr/bin/env bash
# Early stopping is on by default for a trained model: train, topn and session each carve their
# validation part, report the patience (max(5, epochs / 5); for leave-one-out top-N, one noisy
# target per user, max(10, epochs / 2)) and the chosen epoch in the JSON, and
# refit on all the training data; `--early-stop off` gives the fixed schedule; data too small for a
# validation part of 50 turns the default off with a line that says so, while an explicit patience
# stays; the test targets are the same with and without early stopping; RBM-CF's orientation is
# chosen on the validation part.
# Usage: early_stop_cli_test.sh PATH/TO/sparserec
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" synth --out "$tmp/r.csv" --users 200 --items 2000 --events 6000 --seed 5 >/dev/null 2>&1 || { echo "synth failed"; exit 1; }
"$bin" synth --out "$tmp/tiny.csv" --users 30 --items 600 --events 300 --seed 3 >/dev/null 2>&1 || { echo "synth failed"; exit 1; }
"$bin" synth --clicks --out "$tmp/c.tsv" --users 1200 --items 60 --events 8000 --seed 3 >/dev/null 2>&1 || { echo "synth --clicks failed"; exit 1; }
awk -F'\t' 'NR == 1 || $1 <= 1000' "$tmp/c.tsv" >"$tmp/c_train.tsv"
awk -F'\t' 'NR == 1 || $1 > 1000' "$tmp/c.tsv" >"$tmp/c_test.tsv"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
field() { tail -1 "$tmp/out" | python3 -c "import json,sys; j=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {}, {'j': j}))" "$1"; }

# run WHAT EXPECT ARGS...: EXPECT is "on PATIENCE", "off" or "off-small".
run() {
  local what=$1 expect=$2
  shift 2
  if ! "$bin" "$@" --device cpu >"$tmp/out" 2>"$tmp/err"; then fail "$what: exited non-zero"; tail -3 "$tmp/err"; return; fi
  local has
  has=$(field "'early_stop' in j")
  case $expect in
    on*)
      local patience=${expect#on }
      if [ "$has" != True ]; then fail "$what: no early_stop in the JSON"; return; fi
      local got best run refit
      got=$(field "j['early_stop']['patience']") best=$(field "j['early_stop']['best_epoch']")
      run=$(field "j['early_stop']['epochs_run']") refit=$(field "j['early_stop']['refit']")
      if [ "$got" != "$patience" ] || [ "$refit" != True ] || [ "$best" -lt 1 ] || [ "$best" -gt "$run" ]; then
        fail "$what: patience $got (want $patience), best epoch $best of $run, refit $refit"; return
      fi
      if ! grep -q "training on all the training data for $best epochs" "$tmp/err"; then fail "$what: no refit line"; return; fi
      echo "ok: $what: early stopping on, patience $got, best epoch $best of $run, refit" ;;
    off-small)
      if [ "$has" != False ] || ! grep -q "early stopping off: the validation part would hold" "$tmp/err"; then
        fail "$what: auto on data too small should be off with a line"; tail -2 "$tmp/err"; return
      fi
      echo "ok: $what: $(grep -m1 'early stopping off' "$tmp/err")" ;;
    off)
      if [ "$has" != False ] || grep -q "^early stopping" "$tmp/err"; then fail "$what: --early-stop off still stopped early"; return; fi
      echo "ok: $what: off, a fixed schedule" ;;
  esac
}

run "train autorec default" "on 5" train --data "$tmp/r.csv" --model autorec hidden=16 --epochs 20
run "train autorec, epochs 60" "on 12" train --data "$tmp/r.csv" --model autorec hidden=16 --epochs 60
run "train autorec --early-stop 2" "on 2" train --data "$tmp/r.csv" --model autorec hidden=16 --epochs 20 --early-stop 2
run "train autorec --early-stop off" off train --data "$tmp/r.csv" --model autorec hidden=16 --epochs 20 --early-stop off
run "train autorec, tiny data" off-small train --data "$tmp/tiny.csv" --model autorec hidden=16 --epochs 5
run "topn cdae default" "on 10" topn --data "$tmp/r.csv" --model cdae hidden=16 --epochs 8
run "topn gmf, epochs 30" "on 15" topn --data "$tmp/r.csv" --model gmf factors=4 --epochs 30
run "topn cdae, tiny data" off-small topn --data "$tmp/tiny.csv" --model cdae hidden=16 --epochs 5
run "session gru4rec default" "on 5" session --train "$tmp/c_train.tsv" --test "$tmp/c_test.tsv" --model gru4rec hidden=8 --batch 8 --epochs 6
run "session gru4rec --early-stop 0" off session --train "$tmp/c_train.tsv" --test "$tmp/c_test.tsv" --model gru4rec hidden=8 --batch 8 --epochs 6 --early-stop 0

# A session net chooses its repeat weight on the validation sessions (a line, and the JSON's
# derived options, which a saved model keeps); without early stopping it has none.
"$bin" session --train "$tmp/c_train.tsv" --test "$tmp/c_test.tsv" --model gru4rec hidden=8 --batch 8 --epochs 3 \
  --device cpu --save "$tmp/g.srm" >"$tmp/out" 2>"$tmp/err"
w=$(field "j.get('derived_options', {}).get('repeat', 'none')")
if grep -q "^repeat weight $w (validation MRR@20 by weight: 0: " "$tmp/err" && [ "$w" != none ]; then
  echo "ok: session gru4rec chose repeat weight $w on the validation sessions"
else
  fail "session gru4rec: no repeat weight chosen ($w)"; tail -3 "$tmp/err"
fi
"$bin" session --train "$tmp/c_train.tsv" --test "$tmp/c_test.tsv" --model gru4rec hidden=8 --batch 8 --epochs 3 \
  --device cpu --early-stop off >"$tmp/out" 2>"$tmp/err"
if [ "$(field "'repeat' in j.get('derived_options', {})")" = False ] && ! grep -q "^repeat weight" "$tmp/err"; then
  echo "ok: session gru4rec without early stopping chooses no repeat weight"
else
  fail "session gru4rec --early-stop off chose a repeat weight"
fi

# RBM-CF's variant=auto (the default): both orientations trained with early stopping, the better
# on the validation part kept and written into the JSON and the model file, whose evaluation then
# gives the run's own RMSE; without early stopping, item rows with a line saying so.
"$bin" train --data "$tmp/r.csv" --model rbm hidden=8 --epochs 6 --device cpu --save "$tmp/rbm.srm" >"$tmp/out" 2>"$tmp/err"
v=$(field "j.get('derived_options', {}).get('variant', 'none')")
rmse=$(field "'%.6f' % j['test_rmse']")
if grep -q "^variant chosen on the validation part: item [0-9.]* (epoch [0-9]*) user [0-9.]* (epoch [0-9]*); validation RMSE: variant=$v" "$tmp/err" &&
   "$bin" evaluate --model-file "$tmp/rbm.srm" --device cpu >"$tmp/out" 2>/dev/null &&
   [ "$(field "'%.6f' % j['test_rmse']")" = "$rmse" ]; then
  echo "ok: rbm chose variant=$v on the validation part; its model file evaluates to the same RMSE $rmse"
else
  fail "rbm variant=auto: chose '$v', RMSE $rmse, evaluated $(field "j.get('test_rmse')")"; grep -m2 "variant" "$tmp/err"
fi
"$bin" train --data "$tmp/r.csv" --model rbm hidden=8 --epochs 3 --device cpu --early-stop off >"$tmp/out" 2>"$tmp/err"
if [ "$(field "j.get('derived_options', {}).get('variant')")" = item ] && grep -q "^variant=auto: item, as early stopping is off" "$tmp/err"; then
  echo "ok: rbm without early stopping: item rows, said"
else
  fail "rbm variant=auto with --early-stop off"; tail -2 "$tmp/err"
fi

# An explicit patience on tiny data stays on (and fails clearly if there is nothing to score).
if "$bin" train --data "$tmp/tiny.csv" --model autorec hidden=16 --epochs 5 --early-stop 2 --device cpu >"$tmp/out" 2>"$tmp/err" &&
   [ "$(field "'early_stop' in j")" = True ]; then
  echo "ok: an explicit --early-stop 2 on tiny data stays on"
else
  fail "an explicit --early-stop 2 on tiny data"; tail -2 "$tmp/err"
fi

# The leave-one-out test targets are the same with early stopping and without (users with two
# interactions keep their test target): the same number of evaluated users.
"$bin" topn --data "$tmp/r.csv" --model cdae hidden=16 --epochs 4 --device cpu >"$tmp/out" 2>/dev/null
with=$(field "j['users']")
"$bin" topn --data "$tmp/r.csv" --model cdae hidden=16 --epochs 4 --early-stop off --device cpu >"$tmp/out" 2>/dev/null
without=$(field "j['users']")
if [ -n "$with" ] && [ "$with" = "$without" ]; then echo "ok: topn evaluates $with users either way"; else fail "topn users: $with with early stopping, $without without"; fi

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
