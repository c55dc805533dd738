#!/usr/bin/env bash
# `sparserec tune` end to end on small synthetic data: a search killed by signal 9 mid-run and
# resumed ends with the same trial log (each run once, the same scores) and the same best options
# as one never stopped; the best options file trains through --options-file to the logged score;
# a session model and a baseline tune too; bad searches are refused with one line.
# Usage: tune_test.sh PATH/TO/sparserec
set -u
bin=$1
tmp=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$bin" synth --out "$tmp/r.csv" --users 300 --items 200 --events 9000 --seed 3 >/dev/null 2>&1 || fail "synth ratings"
"$bin" synth --out "$tmp/c.tsv" --users 400 --items 120 --events 3000 --clicks --seed 4 >/dev/null 2>&1 || fail "synth clicks"
run=(train --data "$tmp/r.csv" --model biased_mf --device cpu --epochs 9)
search=(--trials 9 --eta 3 --seed 5)

"$bin" tune --dir "$tmp/whole" "${search[@]}" --parallel 2 -- "${run[@]}" >"$tmp/whole.out" 2>"$tmp/whole.err" ||
  fail "tune: $(tail -3 "$tmp/whole.err")"
[ "$(wc -l <"$tmp/whole/trials.jsonl")" -eq 13 ] || fail "9 + 3 + 1 runs expected, the log has $(wc -l <"$tmp/whole/trials.jsonl")"
grep -c '^tune: rung' "$tmp/whole.err" | grep -qx 13 || fail "a progress line per run expected"

# Killed by signal 9 once the log has 5 runs (so some runs are in flight), then resumed.
"$bin" tune --dir "$tmp/cut" "${search[@]}" --parallel 2 -- "${run[@]}" >/dev/null 2>"$tmp/cut.err" &
pid=$!
for _ in $(seq 600); do
  [ "$(cat "$tmp/cut/trials.jsonl" 2>/dev/null | wc -l)" -ge 5 ] && break
  sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
done_before=$(wc -l <"$tmp/cut/trials.jsonl")
[ "$done_before" -lt 13 ] || fail "the search ended before it could be killed"
"$bin" tune --dir "$tmp/cut" "${search[@]}" -- "${run[@]}" >/dev/null 2>"$tmp/err" && fail "a second search in the same --dir was not refused"
grep -q "holds a search already: --resume" "$tmp/err" || fail "no reason given: $(cat "$tmp/err")"
"$bin" tune --dir "$tmp/cut" --trials 10 --eta 3 --seed 5 --resume -- "${run[@]}" >/dev/null 2>"$tmp/err" &&
  fail "resuming with other --trials was not refused"
grep -q 'another search (trials was 9, now 10)' "$tmp/err" || fail "the refusal does not say what differs: $(cat "$tmp/err")"
"$bin" tune --dir "$tmp/cut" "${search[@]}" --parallel 1 --resume -- "${run[@]}" >"$tmp/cut.out" 2>"$tmp/resume.err" ||
  fail "resume: $(tail -3 "$tmp/resume.err")"
grep -q "resuming: $done_before runs already in the trial log" "$tmp/resume.err" || fail "resume did not read the log: $(head -3 "$tmp/resume.err")"
ran_after=$(grep -c '^tune: rung' "$tmp/resume.err")
[ "$((done_before + ran_after))" -eq 13 ] || fail "$done_before runs before the kill + $ran_after after != 13"
runs() { /usr/bin/python3 -c "import json,sys; print('\n'.join(sorted('%d %d %.12g' % (r['trial'], r['rung'], r['score']) for r in map(json.loads, open(sys.argv[1])))))" "$1"; }
diff <(runs "$tmp/whole/trials.jsonl") <(runs "$tmp/cut/trials.jsonl") || fail "the resumed search's runs differ from the whole one's"
cmp <(grep -v '"search"' "$tmp/whole/best.json") <(grep -v '"search"' "$tmp/cut/best.json") || fail "the best options differ"

# The options file trains to the score the search logged for it.
best_score=$(/usr/bin/python3 -c "import json; print('%.10g' % json.load(open('$tmp/whole/best.json'))['about']['score'])")
"$bin" train --data "$tmp/r.csv" --device cpu --model biased_mf --validate 0.1 --options-file "$tmp/whole/best.json" \
  >"$tmp/best.out" 2>"$tmp/err" || fail "train --options-file: $(tail -2 "$tmp/err")"
got=$(/usr/bin/python3 -c "import json; print('%.10g' % json.loads(open('$tmp/best.out').read().splitlines()[-1])['validation_rmse'])")
[ "$got" = "$best_score" ] || fail "train --options-file: validation RMSE $got, the search logged $best_score"
"$bin" train --data "$tmp/r.csv" --device cpu --model autorec --options-file "$tmp/whole/best.json" >/dev/null 2>"$tmp/err" &&
  fail "an options file of another model was taken"
grep -q "was tuned for \`train --model biased_mf\`" "$tmp/err" || fail "$(cat "$tmp/err")"

# RBM-CF's CD-k follows its run's epochs: its trials run each rung from the start, and the best
# options again train to the logged score.
"$bin" tune --dir "$tmp/rbm" --trials 3 --eta 3 -- train --data "$tmp/r.csv" --model rbm hidden=8 --device cpu --epochs 3 \
  >/dev/null 2>"$tmp/err" || fail "tune rbm: $(tail -3 "$tmp/err")"
[ -d "$tmp/rbm/trials/t000/checkpoints" ] && fail "an RBM-CF trial continued from a checkpoint"
rbm_score=$(/usr/bin/python3 -c "import json; print('%.10g' % json.load(open('$tmp/rbm/best.json'))['about']['score'])")
got=$("$bin" train --data "$tmp/r.csv" --device cpu --model rbm --validate 0.1 --options-file "$tmp/rbm/best.json" 2>/dev/null |
  /usr/bin/python3 -c "import json,sys; print('%.10g' % json.loads(sys.stdin.read().splitlines()[-1])['validation_rmse'])")
[ "$got" = "$rbm_score" ] || fail "rbm --options-file: validation RMSE $got, the search logged $rbm_score"

# A session model (its --validate: the latest tenth of the training sessions) and a baseline.
"$bin" tune --dir "$tmp/gru" --trials 2 --eta 2 -- session --train "$tmp/c.tsv" --test "$tmp/c.tsv" --model gru4rec \
  --device cpu --epochs 2 hidden=16 >"$tmp/gru.out" 2>"$tmp/err" || fail "tune gru4rec: $(tail -3 "$tmp/err")"
grep -q '"metric":"recall20"' "$tmp/gru.out" || fail "tune gru4rec: $(cat "$tmp/gru.out")"
grep -q '"hidden": "16"' "$tmp/gru/best.json" || fail "a fixed option left out of the options file"
"$bin" tune --dir "$tmp/knn" --trials 3 -- session --train "$tmp/c.tsv" --test "$tmp/c.tsv" --model itemknn >"$tmp/knn.out" 2>"$tmp/err" ||
  fail "tune itemknn: $(tail -3 "$tmp/err")"
grep -q '"runs":3' "$tmp/knn.out" || fail "a baseline: one rung of 3 fits expected: $(cat "$tmp/knn.out")"
echo "tune: all clear ($done_before runs before the kill, $ran_after after)"
