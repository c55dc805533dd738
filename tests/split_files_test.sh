#!/usr/bin/env bash
# Splits as files: `split` writes a protocol's split, and `train` / `topn` read it back with
# --train/--test to exactly the numbers of the built-in protocol (random holdout for I-AutoRec,
# leave-one-out for CDAE, early stopping on in both: the validation curve is the same too); a model
# saved from a file split evaluates to the same figures from another directory; a split made by
# another script (another layout, several test ratings per user) is accepted; and each misuse is
# refused with one line.
# Usage: split_files_test.sh PATH/TO/sparserec
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")  # absolute: the test changes directory
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# fields FILE KEYS: the values of the comma-separated keys (early_stop.curve for the curve) in the JSON line that ends FILE.
fields() {
  python3 -c "import json,sys; j=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(' '.join(repr(j['early_stop']['curve'] if k == 'curve' else j[k]) for k in sys.argv[2].split(',')))" "$1" "$2"
}
cd "$tmp"
"$bin" synth --out s.csv --users 300 --items 400 --events 12000 --seed 9 >/dev/null 2>&1 || { echo "synth failed"; exit 1; }

# Random holdout: split, then train on the files; the same test RMSE as the built-in split.
"$bin" split --data s.csv --protocol random --out rnd >split.json 2>/dev/null || fail "split --protocol random"
[ "$(head -1 rnd/train.csv)" = "userId,movieId,rating,timestamp" ] || fail "train.csv has no MovieLens CSV header"
[ "$(($(wc -l <rnd/train.csv) + $(wc -l <rnd/test.csv) - 2))" -eq 12000 ] || fail "the parts do not hold every rating"
[ "$(($(wc -l <rnd/test.csv) - 1))" -eq 1200 ] || fail "the test part is not 10 % of the ratings"
"$bin" train --data s.csv --model autorec hidden=8 --epochs 5 --device cpu --save "$tmp/builtin.srm" >rnd_builtin.json 2>/dev/null ||
  fail "train --data"
"$bin" train --train rnd/train.csv --test rnd/test.csv --model autorec hidden=8 --epochs 5 --device cpu \
  --save "$tmp/files.srm" >rnd_files.json 2>/dev/null || fail "train --train --test"
want=$(fields rnd_builtin.json test_rmse,test_mae,curve)
got=$(fields rnd_files.json test_rmse,test_mae,curve)
[ -n "$want" ] && [ "$want" = "$got" ] || fail "random holdout: built-in '$want', from files '$got'"
mkdir elsewhere && cd elsewhere
"$bin" evaluate --model-file "$tmp/files.srm" --device cpu >../eval.json 2>/dev/null || fail "evaluate of a file-split model"
cd "$tmp"
[ "$(fields eval.json test_rmse,test_mae)" = "$(fields rnd_files.json test_rmse,test_mae)" ] ||
  fail "evaluate gives $(fields eval.json test_rmse) where training gave $(fields rnd_files.json test_rmse)"

# Leave-one-out: the same HR@10, NDCG@20 and validation curve as topn on the whole data.
"$bin" split --data s.csv --protocol loo --out loo >/dev/null 2>&1 || fail "split --protocol loo"
[ "$(($(wc -l <loo/test.csv) - 1))" -eq 300 ] || fail "loo: not one test interaction per user"
"$bin" topn --data s.csv --model cdae hidden=8 --epochs 4 --device cpu >builtin.json 2>/dev/null || fail "topn --data"
"$bin" topn --train loo/train.csv --test loo/test.csv --model cdae hidden=8 --epochs 4 --device cpu >files.json 2>/dev/null ||
  fail "topn --train --test"
want=$(fields builtin.json hr10,ndcg10,recall20,ndcg20,curve)
got=$(fields files.json hr10,ndcg10,recall20,ndcg20,curve)
[ -n "$want" ] && [ "$want" = "$got" ] || fail "leave-one-out: built-in '$want', from files '$got'"

# Another script's split: tab-separated u.data lines, 20 % of each user's ratings held out.
python3 - <<'PY'
import csv, random
rows = list(csv.reader(open("s.csv")))[1:]
random.seed(3)
by_user = {}
for r in rows:
    by_user.setdefault(r[0], []).append(r)
with open("other_train.data", "w") as tr, open("other_test.data", "w") as te:
    for u, rs in by_user.items():
        random.shuffle(rs)
        k = max(1, len(rs) // 5)
        for i, r in enumerate(rs):
            (te if i < k else tr).write("\t".join(r) + "\n")
PY
"$bin" train --train other_train.data --test other_test.data --model autorec hidden=8 --epochs 3 --device cpu \
  >other.json 2>other.err || fail "train on another script's split: $(tail -1 other.err)"
grep -q "other_train.data + other_test.data: 12000 events" other.err || fail "the data line: $(grep '^data:' other.err)"
n=$(fields other.json n_test)
[ "$n" -eq "$(wc -l <other_test.data)" ] || fail "another script's split: $n test ratings, the file has $(wc -l <other_test.data)"

# Refusals, one line each.
expect_error() {  # expect_error PATTERN ARGS...
  local pattern=$1
  shift
  if "$bin" "$@" >/dev/null 2>err; then
    fail "sparserec $* succeeded"
  elif [ "$(grep -c 'error' err)" -ne 1 ] || ! grep -q -- "$pattern" err; then
    fail "sparserec $*: expected one line matching '$pattern', got: $(cat err)"
  fi
}
expect_error "--train needs --test" train --train rnd/train.csv --model autorec --device cpu
expect_error "--test needs --train" topn --test loo/test.csv --model cdae --device cpu
expect_error "--data and --train/--test" train --data s.csv --train rnd/train.csv --test rnd/test.csv --model autorec
expect_error "give the data: --data FILE, or a split" train --model autorec --device cpu
expect_error "--test-fraction and --split-seed shape the random holdout" train --train rnd/train.csv --test rnd/test.csv --model autorec --test-fraction 0.2
expect_error "cannot open '.*missing.csv'" train --train rnd/train.csv --test missing.csv --model autorec --device cpu
printf 'SessionId\tItemId\tTime\n1\t5\t10\n1\t6\t11\n' >clicks.tsv
expect_error "--train 'rnd/train.csv' holds ratings and --test 'clicks.tsv' holds clicks" topn --train rnd/train.csv --test clicks.tsv --model cdae --device cpu
head -5 rnd/train.csv >leak.csv
expect_error "in both --train 'rnd/train.csv' and --test 'leak.csv'" train --train rnd/train.csv --test leak.csv --model autorec --device cpu
expect_error "user [0-9]* has [0-9]* test interactions; the leave-one-out protocol of topn ranks one per user" topn --train rnd/train.csv --test rnd/test.csv --model cdae --device cpu
expect_error "--protocol must be random, loo or session, got 'kfold'" split --data s.csv --protocol kfold --out x
expect_error "--protocol session splits click sessions by time" split --data s.csv --protocol session --out x
expect_error "--test: model 'autorec' was tested on its protocol's split" evaluate --model-file "$tmp/builtin.srm" --test rnd/test.csv --device cpu
# A checkpoint of one file split is not resumed with another (the files name the run).
"$bin" train --train rnd/train.csv --test rnd/test.csv --model autorec hidden=8 --epochs 2 --early-stop off --device cpu \
  --checkpoint-dir ck >/dev/null 2>&1 || fail "train with checkpoints on a file split"
expect_error "belongs to another run" train --train other_train.data --test other_test.data --model autorec hidden=8 --epochs 2 --early-stop off --device cpu --checkpoint-dir ck --resume
mv rnd/test.csv rnd/moved.csv
expect_error "give --data and --test where it is now" evaluate --model-file "$tmp/files.srm" --device cpu
"$bin" evaluate --model-file "$tmp/files.srm" --test rnd/moved.csv --device cpu >moved.json 2>/dev/null ||
  fail "evaluate --test at the test file's new place"
[ "$(fields moved.json test_rmse)" = "$(fields rnd_files.json test_rmse)" ] || fail "evaluate --test moved: another RMSE"
[ "$failures" -eq 0 ] && echo "split files: all checks passed"
exit $(( failures > 0 ))
