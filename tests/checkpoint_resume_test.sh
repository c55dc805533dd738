#!/usr/bin/env bash
# Checkpoints and exact resume (DESIGN.md §6), from the command line on the CPU:
#   1. a run killed by signal 9 at random moments, several times, and each time started again
#      with --resume, ends with the same model file, byte for byte, as a run never interrupted;
#   2. a truncated or altered newest checkpoint, or one of another run, is refused with an error
#      naming the file and the fault — never loaded, never silently skipped.
# Usage: checkpoint_resume_test.sh PATH/TO/sparserec
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" synth --out "$tmp/r.csv" --users 2000 --items 1500 --events 100000 --seed 5 >/dev/null 2>&1 || { echo "synth failed"; exit 1; }
"$bin" synth --clicks --out "$tmp/c.tsv" --users 600 --items 80 --events 6000 --seed 5 >/dev/null 2>&1 || { echo "synth --clicks failed"; exit 1; }
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
RANDOM=${SPARSEREC_TEST_SEED:-$$}
echo "kill times from RANDOM seeded with ${SPARSEREC_TEST_SEED:-$$} (set SPARSEREC_TEST_SEED to reproduce)"

# killed NAME KILLS SECONDS ARGS...: the run of ARGS, killed KILLS times at random moments in its
# first SECONDS seconds, then let finish.
killed() {
  local name=$1 kills=$2 seconds=$3
  shift 3
  local dir="$tmp/$name.ck"
  if ! "$bin" "$@" --save "$tmp/$name.ref.srm" >/dev/null 2>"$tmp/err"; then
    fail "$name: the uninterrupted run failed:"; tail -3 "$tmp/err"; return
  fi
  local resumed=0
  for ((i = 0; i < kills; i++)); do
    "$bin" "$@" --checkpoint-dir "$dir" --checkpoint-every 3 --resume --save "$tmp/$name.srm" >/dev/null 2>"$tmp/err.$i" &
    local pid=$!
    sleep "$((RANDOM % seconds)).$((RANDOM % 9 + 1))"
    if ((i == kills - 1)); then
      # The last kill waits for a checkpoint (at most 60 s), so that some run resumes even when every
      # random moment fell before the first one (NeuMF's pretraining writes none; a CI run saw that).
      for ((w = 0; w < 600; w++)); do
        compgen -G "$dir/checkpoint-*.srck" >/dev/null && break
        compgen -G "$dir/select/checkpoint-*.srck" >/dev/null && break  # early stopping's selection run
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    grep -q '^resume: from' "$tmp/err.$i" && resumed=$((resumed + 1))
  done
  if ! "$bin" "$@" --checkpoint-dir "$dir" --checkpoint-every 3 --resume --save "$tmp/$name.srm" >/dev/null 2>"$tmp/err"; then
    fail "$name: the last resumed run failed:"; tail -3 "$tmp/err"; return
  fi
  grep -q '^resume: from' "$tmp/err" && resumed=$((resumed + 1))
  if [ "$resumed" -eq 0 ]; then fail "$name: no run resumed from a checkpoint (all killed too early?)"; return; fi
  if ! cmp -s "$tmp/$name.ref.srm" "$tmp/$name.srm"; then
    fail "$name: killed $kills times and resumed, the model differs from the uninterrupted run"; return
  fi
  echo "ok: $name: killed $kills times ($resumed runs resumed from a checkpoint): the same model, bit for bit"
}

killed autorec 4 1 train --data "$tmp/r.csv" --model autorec hidden=64 --batch 16 --epochs 12 --device cpu
# (with weight averaging: the average is part of the checkpoint)
killed multvae 4 2 topn --data "$tmp/r.csv" --model multvae hidden=64 latent=16 --batch 16 --epochs 12 --device cpu --average-weights 0.9
# (a GAN: both players' weights and Adam moments, and the masks' draw counter)
killed cfgan 3 3 topn --data "$tmp/r.csv" --model cfgan hidden_g=32 hidden_d=16 --batch 64 --epochs 6 --device cpu
killed neumf 3 10 topn --data "$tmp/r.csv" --model neumf factors=8 pretrain=1 --batch 64 --epochs 3 --device cpu
killed narm 4 2 session --train "$tmp/c.tsv" --test "$tmp/c.tsv" --model narm embedding=8 hidden=16 max_len=5 --batch 32 --epochs 30 --device cpu
# Session-parallel lanes carry GRU state: GRU4Rec checkpoints at epoch ends.
killed gru4rec 4 2 session --train "$tmp/c.tsv" --test "$tmp/c.tsv" --model gru4rec hidden=32 --batch 16 --epochs 40 --device cpu
# Early stopping with its refit: killed in the selection run or in the refit, the resumed run
# reads the scores it did not compute again and ends where the uninterrupted one does.
killed autorec_early_stop 5 2 train --data "$tmp/r.csv" --model autorec hidden=64 --batch 16 --epochs 30 --early-stop 2 --device cpu
killed gru4rec_early_stop 4 2 session --train "$tmp/c.tsv" --test "$tmp/c.tsv" --model gru4rec hidden=32 --batch 16 --epochs 30 --early-stop 2 --device cpu

# Killed after the selection run's last epoch and its checkpoint, before the choice was kept: the
# resumed run trains no further epoch (the recorded scores had reached the patience), chooses the
# same epochs and repeat weight, and ends with the same model.
sel=(session --train "$tmp/c.tsv" --test "$tmp/c.tsv" --model gru4rec hidden=32 --batch 16 --epochs 40 --device cpu
  --early-stop 3 --checkpoint-dir "$tmp/sel.ck")
"$bin" "${sel[@]}" --save "$tmp/sel.ref.srm" >/dev/null 2>"$tmp/sel.err" || fail "the selection run failed"
rm -f "$tmp/sel.ck/early_stop.json" "$tmp/sel.ck"/checkpoint-*.srck
"$bin" "${sel[@]}" --resume --save "$tmp/sel.srm" >/dev/null 2>"$tmp/sel.err2" || fail "the resumed selection failed"
want=$(grep -e '^early stopping: best' -e '^repeat weight' "$tmp/sel.err")
got=$(grep -e '^early stopping: best' -e '^repeat weight' "$tmp/sel.err2")
ran=$(sed -n 's/^early stopping: best .* of \([0-9]*\);.*/\1/p' "$tmp/sel.err")
if [ -z "$ran" ] || [ "$ran" -ge 40 ]; then
  fail "the selection run did not stop before its last epoch (ran '$ran'): nothing to resume after"
elif [ -z "$want" ] || [ "$want" != "$got" ]; then
  fail "resumed after the selection's last epoch: '$got', uninterrupted: '$want'"
elif ! cmp -s "$tmp/sel.ref.srm" "$tmp/sel.srm"; then
  fail "resumed after the selection's last epoch: the model differs"
else
  echo "ok: resumed after the selection's last epoch: $(grep '^early stopping: best' "$tmp/sel.err2" | cut -c1-80)"
fi

# A bad newest checkpoint is refused, naming it.
run=(train --data "$tmp/r.csv" --model autorec hidden=8 --batch 16 --epochs 2 --device cpu --checkpoint-dir "$tmp/bad.ck")
"$bin" "${run[@]}" >/dev/null 2>&1 || fail "the run writing checkpoints failed"
newest=$(ls "$tmp/bad.ck"/*.srck | sort | tail -1)
cp "$newest" "$tmp/good.srck"
refused() {  # refused PATTERN WHAT ARGS...
  local pattern=$1 what=$2
  shift 2
  if "$bin" "$@" >/dev/null 2>"$tmp/err"; then fail "$what: resumed anyway"
  elif ! grep -q -e "$pattern" "$tmp/err"; then fail "$what: the error does not say '$pattern':"; tail -2 "$tmp/err"
  else echo "ok: $what: $(tail -1 "$tmp/err")"; fi
}
head -c $(($(stat -c %s "$newest") - 7)) "$tmp/good.srck" >"$newest"
refused "checkpoint '.*' is truncated" "a truncated checkpoint" "${run[@]}" --resume
cp "$tmp/good.srck" "$newest"
printf '\x55' | dd of="$newest" bs=1 seek=$(($(stat -c %s "$newest") - 3)) conv=notrunc 2>/dev/null
refused "checksum mismatch in tensor" "an altered checkpoint" "${run[@]}" --resume
cp "$tmp/good.srck" "$newest"
refused "belongs to another run" "a checkpoint of another run (--lr differs)" "${run[@]}" --resume --lr 0.5
refused "--resume needs --checkpoint-dir" "--resume without a directory" train --data "$tmp/r.csv" --model autorec --resume

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
