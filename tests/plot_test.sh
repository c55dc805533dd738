#!/usr/bin/env bash
# --log and `sparserec plot`: a run with early stopping logs its selection run's epochs with their
# validation scores, then the refit's; a fixed run logs its epochs; NeuMF its pretrained parts.
# plot draws one curve per run and phase (counted from the drawn figure) — a run killed and
# resumed into the same log (its start line again, its epochs going on) stays one curve — writes
# a PNG, and refuses a file that is not a log, or a figure without a format, with one line.
# Usage: plot_test.sh PATH/TO/sparserec
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/numpy_python.sh"  # $py
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# The figure's panels from plot's JSON line (its last line): "loss:N validation:M".
panels() { "$py" -c 'import json,sys; j=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(" ".join("%s:%s" % (p["panel"], p["curves"]) for p in j["panels"]))' "$1"; }
"$bin" synth --out "$tmp/r.csv" --users 150 --items 200 --events 6000 --seed 7 >/dev/null 2>&1 || { echo "synth failed"; exit 1; }
"$bin" train --data "$tmp/r.csv" --model autorec variant=item hidden=8 --device cpu --epochs 6 --early-stop 2 --log "$tmp/es.log" \
  >/dev/null 2>"$tmp/err" || fail "autorec with early stopping and --log: $(cat "$tmp/err")"
"$bin" train --data "$tmp/r.csv" --model biased_mf factors=4 --device cpu --epochs 3 --early-stop off --log "$tmp/fixed.log" \
  >/dev/null 2>"$tmp/err" || fail "biased_mf with --log: $(cat "$tmp/err")"
# The log holds what the run printed: its epochs (the selection run's, then the refit's, as many as
# the best epoch), each selection epoch's validation RMSE, the phases between.
"$py" - "$tmp" <<'PY' || fail "the logs do not hold the runs' epochs"
import json, sys
tmp = sys.argv[1]
es = [json.loads(l) for l in open(tmp + "/es.log")]
assert es[0]["event"] == "start" and es[0]["model"] == "autorec", es[0]
phases = [j["text"] for j in es if j["event"] == "phase"]
assert phases[0].startswith("early stopping: choosing") and any(p.startswith("early stopping: best") for p in phases), phases
cut = next(i for i, j in enumerate(es) if j["event"] == "phase" and j["text"].startswith("early stopping: best"))
select = [j for j in es[:cut] if j["event"] == "epoch"]
valid = [j for j in es[:cut] if j["event"] == "validation"]
refit = [j for j in es[cut:] if j["event"] == "epoch"]
assert [j["epoch"] for j in select] == [j["epoch"] for j in valid] == list(range(1, len(select) + 1)), (select, valid)
assert all(j["metric"] == "validation RMSE" and j["value"] > 0 for j in valid)
best = min(range(len(valid)), key=lambda k: valid[k]["value"]) + 1
assert [j["epoch"] for j in refit] == list(range(1, best + 1)), (best, refit)
fixed = [json.loads(l) for l in open(tmp + "/fixed.log")]
assert [j["epoch"] for j in fixed if j["event"] == "epoch"] == [1, 2, 3]
assert all(j["loss"] > 0 and j["seconds"] >= 0 for j in fixed if j["event"] == "epoch")
PY
"$bin" plot "$tmp/es.log" "$tmp/fixed.log" --out "$tmp/fig.png" --title "test" >"$tmp/out" 2>"$tmp/err" ||
  fail "plot: $(cat "$tmp/err")"
# Loss: the selection run, the refit and the fixed run; validation: the selection run.
"$py" - "$tmp" <<'PY' || fail "plot: $(cat "$tmp/out")"
import json, sys
tmp = sys.argv[1]
j = json.loads(open(tmp + "/out").read().splitlines()[-1])
assert j["panels"] == [{"panel": "loss", "curves": 3}, {"panel": "validation", "curves": 1}], j
png = open(tmp + "/fig.png", "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10000, len(png)
PY
# Killed after its third epoch and resumed: the log holds the start and the selection phase again
# (what a resumed run writes), then the rest. The same curves as the run that was not killed.
"$py" - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
lines = open(tmp + "/es.log").read().splitlines()
third = next(i for i, l in enumerate(lines) if json.loads(l)["event"] == "validation" and json.loads(l)["epoch"] == 3)
again = [lines[0], lines[1], json.dumps({"event": "phase", "text": "resume: from ck/select/epoch-3.srck"})]
open(tmp + "/resumed.log", "w").write("\n".join(lines[:third + 1] + again + lines[third + 1:]) + "\n")
PY
"$bin" plot "$tmp/resumed.log" --out "$tmp/resumed.png" >"$tmp/out" 2>"$tmp/err" || fail "plot of a resumed log: $(cat "$tmp/err")"
[ "$(panels "$tmp/out")" = "loss:2 validation:1" ] ||
  fail "plot of a resumed log: $(cat "$tmp/out")"
# An option chosen on the validation part (AutoRec's variant=auto): a selection curve per value,
# each with its validation curve, then the refit.
"$bin" train --data "$tmp/r.csv" --model autorec hidden=8 --device cpu --epochs 4 --early-stop 2 --log "$tmp/auto.log" \
  >/dev/null 2>"$tmp/err" || fail "autorec variant=auto with --log: $(cat "$tmp/err")"
"$bin" plot "$tmp/auto.log" --out "$tmp/auto.png" >"$tmp/out" 2>"$tmp/err" || fail "plot of a choice: $(cat "$tmp/err")"
[ "$(panels "$tmp/out")" = "loss:3 validation:2" ] || fail "plot of a choice (two candidates, a refit): $(cat "$tmp/out")"
# NeuMF pretrains GMF and MLP, then trains its selection run, and again for its refit: six loss
# curves, one validation curve.
"$bin" synth --out "$tmp/sparse.csv" --users 100 --items 1000 --events 3000 --seed 7 >/dev/null 2>&1 || fail "synth"
"$bin" topn --data "$tmp/sparse.csv" --model neumf factors=4 pretrain=1 --device cpu --epochs 2 --early-stop 1 --log "$tmp/neumf.log" \
  >/dev/null 2>"$tmp/err" || fail "neumf with --log: $(tail -1 "$tmp/err")"
"$bin" plot "$tmp/neumf.log" --out "$tmp/neumf.svg" >"$tmp/out" 2>"$tmp/err" || fail "plot of neumf: $(cat "$tmp/err")"
[ "$(panels "$tmp/out")" = "loss:6 validation:1" ] ||
  fail "plot of neumf's pretraining: $(cat "$tmp/out")"
refused() {  # refused PATTERN ARGS...: plot fails with one line matching
  local pattern=$1
  shift
  if "$bin" plot "$@" >/dev/null 2>"$tmp/err"; then
    fail "plot $* succeeded"
  elif [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q -- "$pattern" "$tmp/err"; then
    fail "plot $*: $(cat "$tmp/err")"
  fi
}
refused "must end in .png, .svg or .pdf" "$tmp/es.log" --out "$tmp/figure"
printf '{"event": "epoch", "epoch": 1}\n' >"$tmp/noloss.log"
refused "noloss.log:1: not a line of a sparserec --log" "$tmp/noloss.log" --out "$tmp/x.png"
head -c 300 /bin/sh >"$tmp/binary.log"
refused "binary.log' is not a text file" "$tmp/binary.log" --out "$tmp/x.png"
"$bin" topn --data "$tmp/r.csv" --model popularity --log "$tmp/pop.log" >/dev/null 2>"$tmp/err" &&
  fail "--log with a baseline succeeded"
grep -q -- "--log: a baseline (popularity) is fitted, not trained" "$tmp/err" || fail "--log with a baseline: $(cat "$tmp/err")"
[ -e "$tmp/pop.log" ] && fail "a refused run left its --log file"
echo 'not a log' >"$tmp/bad.log"
if "$bin" plot "$tmp/bad.log" --out "$tmp/bad.png" >/dev/null 2>"$tmp/err"; then
  fail "plot of a file that is not a log succeeded"
elif [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q "bad.log:1: not a line of a sparserec --log" "$tmp/err"; then
  fail "plot of a bad log: $(cat "$tmp/err")"
fi
[ -e "$tmp/bad.png" ] && fail "a refused plot wrote bad.png"
if "$bin" train --data "$tmp/r.csv" --model autorec --device cpu --log "$tmp/no/such/dir/x.log" >/dev/null 2>"$tmp/err"; then
  fail "--log into a missing directory succeeded"
elif [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q -- "--log '.*x.log': cannot open it" "$tmp/err"; then
  fail "--log into a missing directory: $(cat "$tmp/err")"
fi
[ "$failures" -eq 0 ] && echo "plot: all checks passed"
exit $(( failures > 0 ))
