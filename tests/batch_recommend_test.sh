#!/usr/bin/env bash
# The batch top-K job (`recommend --out-dir`, engine/batch/topk_job.h) for a model of each kind —
# item-based rating (I-AutoRec), user-based top-N (Mult-VAE), pair (GMF, biased MF), session
# (GRU4Rec, for the sessions of a file):
#   1. blocks of 7 users give the top-K of one block of all users (same items, but for ties; scores
#      within 1e-5);
#   2. shards, concatenated, are byte for byte the single TSV of the same blocks;
#   3. the .npy shards hold what the TSV holds (read by numpy), padded with -1 / NaN when K is
#      larger than a user's unseen items;
#   4. a job killed with shards left, then run with --resume, ends with the same files as a job never
#      interrupted; --resume with other parameters, or an output directory holding a job, is refused;
#   5. `mpirun -np 2` (the ranks share the shards) writes the same files as one process.
# Usage: batch_recommend_test.sh PATH/TO/sparserec
set -u
bin=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/numpy_python.sh"  # $py: numpy reads the .npy shards
cd "$tmp"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
"$bin" synth --out r.csv --users 300 --items 400 --events 9000 --seed 7 >/dev/null 2>&1 || { echo "synth failed"; exit 1; }

same_topk() {  # same_topk A.tsv B.tsv: same rows, same items, scores within 1e-5
  python3 - "$1" "$2" <<'PY'
import sys
a = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
b = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])][1:]
assert len(a) == len(b), f"{len(a)} rows vs {len(b)}"
for x, y in zip(a, b):
    assert x[:2] == y[:2], f"{x} vs {y}"  # user and rank
    assert abs(float(x[3]) - float(y[3])) <= 1e-5 * max(1.0, abs(float(x[3]))), f"{x} vs {y}"
    # the item may differ only where the scores tie (within rounding)
    assert x[2] == y[2] or abs(float(x[3]) - float(y[3])) <= 1e-5 * max(1.0, abs(float(x[3]))), f"{x} vs {y}"
PY
}

train() {  # train NAME COMMAND MODEL OPTIONS...
  local name=$1
  shift
  "$bin" "$@" --data r.csv --epochs 2 --early-stop off --device cpu --save "$name.srm" >/dev/null 2>"$name.err" ||
    { fail "$name: training:"; tail -3 "$name.err"; return 1; }
}
train autorec train --model autorec hidden=24 || true
train multvae topn --model multvae hidden=24 latent=8 || true
train gmf topn --model gmf factors=8 || true
train biased_mf train --model biased_mf factors=8 || true

for model in autorec multvae gmf biased_mf; do
  [ -f "$model.srm" ] || continue
  before=$failures
  rec() { "$bin" recommend --model-file "$model.srm" --device cpu "$@" 2>>"$model.rec.err"; }
  # 1. blocks of 7 against one block
  rec -k 20 --out one.tsv --block-users 300 >/dev/null || { fail "$model: recommend"; tail -3 "$model.rec.err"; continue; }
  rec -k 20 --out blocks.tsv --block-users 7 >/dev/null || { fail "$model: recommend in blocks"; continue; }
  same_topk one.tsv blocks.tsv || fail "$model: blocks of 7 users differ from one block"
  # 2. shards of 35 users (5 blocks each) against the single file of the same blocks
  rec -k 20 --out-dir shards --shard-users 35 --block-users 7 --format both >/dev/null ||
    { fail "$model: recommend --out-dir"; tail -3 "$model.rec.err"; continue; }
  [ "$(ls shards/part-*.tsv | wc -l)" -eq 9 ] || fail "$model: $(ls shards/part-*.tsv | wc -l) shards, not 9"
  tail -q -n +2 shards/part-*.tsv | cat <(head -1 blocks.tsv) - | cmp -s - blocks.tsv ||
    fail "$model: the shards differ from the single file"
  # 3. numpy reads the arrays, and they hold the TSV's rows
  "$py" - shards <<'PY' || fail "$model: the npy shards do not match the TSV"
import glob, math, sys
import numpy as np
d = sys.argv[1]
for tsv in sorted(glob.glob(d + "/part-*.tsv")):
    base = tsv[:-4]
    users, items, scores = (np.load(f"{base}.{n}.npy") for n in ("users", "items", "scores"))
    assert users.dtype == np.int64 and items.dtype == np.int64 and scores.dtype == np.float32
    assert items.shape == scores.shape == (len(users), 20), items.shape
    rows = [l.rstrip("\n").split("\t") for l in open(tsv)][1:]
    got = {}
    for u, r, i, s in rows:
        got.setdefault(int(u), []).append((int(i), float(s)))
    for n, u in enumerate(users):
        want = got.get(int(u), [])
        assert [int(x) for x in items[n][: len(want)]] == [i for i, _ in want]
        assert all(abs(float(scores[n][j]) - s) <= 1e-6 * max(1, abs(s)) for j, (_, s) in enumerate(want))
        assert all(x == -1 for x in items[n][len(want):]) and all(math.isnan(x) for x in scores[n][len(want):])
PY
  rm -rf shards
  [ "$failures" -eq "$before" ] && echo "ok: $model: blocks, shards and npy arrays agree"
done

# K larger than the unseen items: every unseen item once, then padding.
if [ -f gmf.srm ]; then
  "$bin" recommend --model-file gmf.srm --device cpu -k 1000 --out-dir big --format npy >/dev/null 2>big.err ||
    { fail "gmf: -k 1000"; tail -3 big.err; }
  before=$failures
  "$py" - <<'PY' || fail "gmf: -k 1000 is not every unseen item once, then padding"
import glob
import numpy as np
items = np.concatenate([np.load(f) for f in sorted(glob.glob("big/part-*.items.npy"))])
users = np.concatenate([np.load(f) for f in sorted(glob.glob("big/part-*.users.npy"))])
rows = [l.split(",")[:2] for l in open("r.csv").readlines()[1:]]
n_items = len({int(i) for _, i in rows})
seen = {}
for u, i in rows:
    seen.setdefault(int(u), set()).add(int(i))
assert items.shape == (len(users), 1000)
for n, u in enumerate(users):
    row = [int(x) for x in items[n] if x != -1]
    assert all(x == -1 for x in items[n][len(row):]), u  # padding only after the items
    assert len(set(row)) == len(row), u
    # trained on 90% of the ratings: at least every item the user never rated, never all items
    assert n_items - len(seen[int(u)]) <= len(row) < n_items, (u, len(row))
PY
  [ "$failures" -eq "$before" ] && echo "ok: gmf: -k 1000 gives every unseen item, then padding"
fi

# A session model: the sessions of a file, in blocks of 7, sharded, equal to the single TSV of the
# same blocks (first column "session", ids of the file); npy users are the session ids; blocks of 7
# against one block (same items but for ties); --out-dir with --clicks refused.
"$bin" synth --out c.tsv --clicks --users 200 --items 60 --events 2000 --seed 7 >/dev/null 2>&1
if "$bin" session --train c.tsv --test c.tsv --model gru4rec --epochs 1 --device cpu --save gru.srm >/dev/null 2>gru.err; then
  before=$failures
  srec() { "$bin" recommend --model-file gru.srm --device cpu --sessions c.tsv -k 10 "$@" 2>>gru.rec.err; }
  srec --out s_one.tsv --block-users 1000 >/dev/null || { fail "gru4rec: recommend --sessions"; tail -3 gru.rec.err; }
  srec --out s_blocks.tsv --block-users 7 >/dev/null || fail "gru4rec: recommend --sessions in blocks"
  sed 's/^session/user/' s_one.tsv >s_one_u.tsv && sed 's/^session/user/' s_blocks.tsv >s_blocks_u.tsv
  same_topk s_one_u.tsv s_blocks_u.tsv || fail "gru4rec: blocks of 7 sessions differ from one block"
  srec --out-dir s_shards --shard-users 35 --block-users 7 --format both >/dev/null ||
    { fail "gru4rec: recommend --sessions --out-dir"; tail -3 gru.rec.err; }
  tail -q -n +2 s_shards/part-*.tsv | cat <(head -1 s_blocks.tsv) - | cmp -s - s_blocks.tsv ||
    fail "gru4rec: the session shards differ from the single file"
  head -1 s_shards/part-00000.tsv | grep -q '^session' || fail "gru4rec: the shards' header does not say session"
  "$py" - <<'PY' || fail "gru4rec: the npy session ids are not the TSV's"
import glob
import numpy as np
ids = np.concatenate([np.load(f) for f in sorted(glob.glob("s_shards/part-*.users.npy"))])
tsv = []
for l in open("s_blocks.tsv").readlines()[1:]:
    s = int(l.split("\t")[0])
    if not tsv or tsv[-1] != s:
        tsv.append(s)
assert list(ids) == tsv, (ids[:5], tsv[:5])
PY
  if "$bin" recommend --model-file gru.srm --device cpu --clicks 1,2 --out-dir s_x >/dev/null 2>err; then
    fail "gru4rec: --out-dir with --clicks ran"
  fi
  grep -q "scores the sessions of --sessions" err || fail "gru4rec: --out-dir --clicks: $(cat err)"
  [ "$failures" -eq "$before" ] && echo "ok: gru4rec: session blocks, shards and npy ids agree"
else
  fail "gru4rec: training"
  tail -3 gru.err
fi

# 4. resume: shards of one user each. First a directory made as a kill leaves it, deterministically:
# whole shards gone, a shard with its npy files but not its TSV, a temporary of the dead process;
# --resume must do exactly the missing shards. Then a real kill -9 mid-job.
if [ -f autorec.srm ]; then
  job() { echo recommend --model-file autorec.srm --device cpu -k "$1" --shard-users 1 --format both --block-users 1; }
  "$bin" $(job 10) --out-dir whole >/dev/null 2>&1 || fail "resume: the uninterrupted job"
  shards=$(ls whole | grep -c '\.tsv$')
  cp -r whole cut
  rm cut/part-00007.* cut/part-00100.* cut/part-00299.*
  rm cut/part-00050.tsv
  echo half >cut/part-00008.tsv.tmp.99999
  out=$("$bin" $(job 10) --out-dir cut --resume 2>resume.err) || { fail "resume: --resume failed"; tail -3 resume.err; }
  diff -r whole cut >/dev/null || fail "resume: the resumed directory differs from the uninterrupted job's"
  echo "$out" | tail -1 | python3 -c "import json,sys; j=json.load(sys.stdin); assert (j['shards_resumed'], j['users_scored']) == ($shards - 4, 4), j" ||
    fail "resume: not exactly the 4 unfinished shards were done: $(echo "$out" | tail -1)"
  "$bin" $(job 10) --out-dir killed >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 500); do
    [ "$(ls killed 2>/dev/null | grep -c '\.tsv$')" -ge 5 ] && break
    sleep 0.01
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  left=$((shards - $(ls killed | grep -c '\.tsv$')))
  out=$("$bin" $(job 10) --out-dir killed --resume 2>resume.err) || { fail "resume: --resume failed"; tail -3 resume.err; }
  diff -r whole killed >/dev/null || fail "resume: the job resumed after kill -9 differs from the uninterrupted job's"
  [ "$failures" -eq 0 ] && echo "ok: resume did the 4 missing shards of a cut directory; killed with $left of $shards shards to go, resumed: $(echo "$out" | tail -1)"
  if "$bin" $(job 10) --out-dir killed >/dev/null 2>err; then fail "resume: a second job into a job's directory ran"; fi
  grep -q "holds a top-K job already" err || fail "resume: the refusal does not say why: $(cat err)"
  if "$bin" $(job 11) --out-dir killed --resume >/dev/null 2>err; then fail "resume: a job with another k resumed"; fi
  grep -q "k (10 there, 11 now)" err || fail "resume: the refusal does not name k: $(cat err)"
  "$bin" train --data r.csv --model autorec hidden=24 --epochs 1 --early-stop off --device cpu --save other.srm >/dev/null 2>&1
  if "$bin" $(job 10 | sed 's/autorec.srm/other.srm/') --out-dir killed --resume >/dev/null 2>err; then fail "resume: another model resumed the job"; fi
  grep -q "model (" err || fail "resume: the refusal does not name the model: $(cat err)"
  if command -v flock >/dev/null; then
    flock killed/job.lock sleep 3 &
    sleep 0.5
    if "$bin" $(job 10) --out-dir killed --resume >/dev/null 2>err; then fail "resume: ran beside another job"; fi
    grep -q "another top-K job is running" err || fail "resume: the lock's refusal does not say why: $(cat err)"
    wait
  fi
  mkdir stray && touch stray/part-00000.tsv
  if "$bin" $(job 10) --out-dir stray --resume >/dev/null 2>err; then fail "resume: took over shards without a job.json"; fi
  grep -q "holds shards but no job.json" err || fail "resume: shards without job.json: $(cat err)"
  # 5. two ranks share the shards
  if command -v mpirun >/dev/null; then
    timeout 300 mpirun -np 2 "$bin" $(job 10) --out-dir two >mpi.out 2>mpi.err || { fail "mpirun -np 2:"; tail -5 mpi.err; }
    diff -r whole two >/dev/null || fail "mpirun -np 2 wrote other files than one process"
    [ "$(grep -c '^{' mpi.out)" -eq 1 ] || fail "mpirun -np 2: $(grep -c '^{' mpi.out) result lines, not one"
    cp -r whole cut2 && rm cut2/part-00001.* cut2/part-00002.* cut2/part-00200.*
    timeout 300 mpirun -np 2 "$bin" $(job 10) --out-dir cut2 --resume >mpi.out 2>mpi.err || { fail "mpirun -np 2 --resume:"; tail -5 mpi.err; }
    diff -r whole cut2 >/dev/null || fail "mpirun -np 2 --resume left other files than one process"
    tail -1 mpi.out | python3 -c "import json,sys; j=json.load(sys.stdin); assert j['users_scored'] == 3, j" ||
      fail "mpirun -np 2 --resume did not do exactly the 3 missing shards: $(tail -1 mpi.out)"
    echo "ok: mpirun -np 2 wrote the files of one process, and resumed a cut directory"
  else
    echo "skipped: mpirun -np 2 (no mpirun on this machine)"
  fi
fi
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
