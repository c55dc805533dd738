#!/usr/bin/env bash
# Each bad invocation of sparserec must exit non-zero with exactly one line on stderr that says
# what is wrong. Usage: cli_errors_test.sh PATH/TO/sparserec
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '1\t1\t5\t1\n1\t2\t3\t2\n2\t1\t4\t3\n2\t3\t2\t4\n3\t2\t5\t5\n3\t3\t1\t6\n4\t1\t2\t7\n4\t2\t4\t8\n' > "$tmp/ok.tsv"
printf '1\t1\t5\t1\n1\t2\tbad\t2\n' > "$tmp/bad.tsv"
failures=0
expect_error() {  # expect_error "pattern" args...
  local pattern=$1
  shift
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$? lines
  lines=$(wc -l <"$tmp/err")
  if [ "$rc" -eq 0 ] || [ "$lines" -ne 1 ] || ! grep -Eq -- "$pattern" "$tmp/err"; then
    echo "FAIL: sparserec $* -> exit $rc, $lines stderr line(s):"
    cat "$tmp/err"
    failures=$((failures + 1))
  else
    echo "ok: sparserec $* -> $(cat "$tmp/err")"
  fi
}
expect_error "unknown model 'nosuch'" train --data "$tmp/ok.tsv" --model nosuch --device cpu
expect_error "unknown option 'hiden'.*hidden" train --data "$tmp/ok.tsv" --model autorec hiden=5 --device cpu
expect_error "cannot open '$tmp/missing.tsv'" train --data "$tmp/missing.tsv" --model autorec --device cpu
expect_error "bad.tsv:2: field 3: rating 'bad' is not a finite number" train --data "$tmp/bad.tsv" --model autorec --device cpu
expect_error "unknown device 'gpu7'" train --data "$tmp/ok.tsv" --model autorec --device gpu7
expect_error "not of the form key=value" train --data "$tmp/ok.tsv" --model autorec hidden --device cpu
expect_error "--model is required" train --data "$tmp/ok.tsv"
expect_error "cannot open model file" recommend --model-file "$tmp/none.srm"
# Import: a bad line stops it with one line and leaves no output file (nor a temporary one).
expect_error "bad.tsv:2: field 3" import --data "$tmp/bad.tsv" --out "$tmp/bad.srdata"
if ls "$tmp"/bad.srdata* >/dev/null 2>&1; then echo "FAIL: a failed import left $(ls "$tmp"/bad.srdata*)"; failures=$((failures + 1)); fi
expect_error "unknown layout 'ml'" import --data "$tmp/ok.tsv" --layout ml --out "$tmp/x.srdata"
expect_error "--duplicates must be error, last or keep" import --data "$tmp/ok.tsv" --duplicates first --out "$tmp/x.srdata"
"$bin" import --data "$tmp/ok.tsv" --out "$tmp/ok.srdata" >/dev/null 2>&1 || { echo "FAIL: import of ok.tsv"; failures=$((failures + 1)); }
head -c 500 "$tmp/ok.srdata" > "$tmp/cut.srdata"
expect_error "cut.srdata: truncated" info --data "$tmp/cut.srdata"
printf '1:\n1,1,2005-01-01\n' > "$tmp/clicks.tsv"
printf 'SessionId\tItemId\tTime\n1\t5\t10.5\n1\t6\t11\n' > "$tmp/clicks.tsv"
expect_error "holds clicks \(rsc15\); rating prediction needs explicit ratings" train --data "$tmp/clicks.tsv" --model autorec --device cpu
expect_error "synth: need users > 0" synth --out "$tmp/s.csv" --users 0
expect_error "learns top-N from implicit feedback: use .sparserec topn." train --data "$tmp/ok.tsv" --model cdae --device cpu
expect_error "model 'autorec' predicts ratings: use .sparserec train. \(top-N models: cdae" topn --data "$tmp/ok.tsv" --model autorec --device cpu
expect_error "unknown model 'nosuch'" topn --data "$tmp/ok.tsv" --model nosuch
# Session models: only through `session`, only on click sessions.
expect_error "predicts the next click in sessions: use .sparserec session." train --data "$tmp/ok.tsv" --model gru4rec --device cpu
expect_error "model 'autorec' predicts ratings: use .sparserec train. \(session models: gru4rec" session --train "$tmp/ok.tsv" --test "$tmp/ok.tsv" --model autorec
expect_error "session models need click sessions" session --train "$tmp/ok.tsv" --test "$tmp/ok.tsv" --model gru4rec --device cpu
expect_error "option n_sample of model gru4rec applies to loss=xent-sampled\|bpr-max.*, not to loss=xent" session --train "$tmp/ok.tsv" --test "$tmp/ok.tsv" --model gru4rec n_sample=5
# Options are checked against the model's declarations: type and range.
expect_error "option hidden=0 of model autorec: outside \[1, ∞\)" train --data "$tmp/ok.tsv" --model autorec hidden=0 --device cpu
expect_error "option corruption=1 of model cdae: outside \[0, 1\)" topn --data "$tmp/ok.tsv" --model cdae corruption=1 --device cpu
expect_error "option tied=yes of model gru4rec: expected 0 or 1" session --train "$tmp/ok.tsv" --test "$tmp/ok.tsv" --model gru4rec tied=yes
expect_error "option l2=nan of model autorec: not a finite number" train --data "$tmp/ok.tsv" --model autorec l2=nan --device cpu
expect_error "unknown option 'k' for model popularity \(its options: none\)" topn --data "$tmp/ok.tsv" --model popularity k=3
expect_error "a baseline \(spop\) has no trained weights to save" session --train "$tmp/ok.tsv" --test "$tmp/ok.tsv" --model spop --save "$tmp/x.srm"
# Data-parallel: the global batch must split evenly into the shards, and a full batch cannot.
expect_error "over 3 shards: --batch \(the global batch, now 16\) must be a positive multiple of it" train --data "$tmp/ok.tsv" --model autorec --device cpu --batch 16 --shards 3
expect_error "--batch \(the global batch, now 0\)" train --data "$tmp/ok.tsv" --model autorec --device cpu --shards 2
expect_error "--comm must be auto, host or nccl, got 'gloo'" train --data "$tmp/ok.tsv" --model autorec --device cpu --comm gloo
expect_error "--profile-steps times batches.*give --batch" train --data "$tmp/ok.tsv" --model autorec --device cpu --profile-steps 3
# Early stopping: not with a tuning split of the user's, nor yet with checkpoints.
expect_error "--early-stop with --validate" train --data "$tmp/ok.tsv" --model autorec --device cpu --early-stop 3 --validate 0.1
expect_error "--early-stop with --validate" topn --data "$tmp/ok.tsv" --model cdae --device cpu --early-stop 3 --validate
expect_error "--early-stop-mode best with --checkpoint-dir" train --data "$tmp/ok.tsv" --model autorec --early-stop 3 --early-stop-mode best --checkpoint-dir "$tmp/ck"
expect_error "--early-stop with --validate" session --train "$tmp/sessions.tsv" --test "$tmp/sessions.tsv" --model gru4rec --device cpu --early-stop 3 --validate
# Every flag of the commands that train or read a model: each impossible value is refused with one
# line that names the flag, and the walk covers every flag --help lists (a new flag must join
# `bad` or, when any value is valid or other tests check it, `free`).
declare -A bad=(
  [--epochs]="0 -1 x" [--batch]="-1 1.5" [--lr]="-1 0 nan inf x" [--lr-decay]="0 -1 1.5 nan"
  [--average-weights]="1 -0.1 nan" [--seed]="-1 1.5" [--split-seed]="-1" [--negatives-seed]="-1"
  [--optimizer]="adamw" [--scatter]="random" [--device]="gpu7" [--comm]="gloo" [--progress-every]="0 -1"
  [--shards]="0 -1" [--checkpoint-every]="-1" [--profile-steps]="-2" [--test-fraction]="0 1 -0.5 nan"
  [--validate]="0 1 nan" [--threads]="-1" [--eval-lanes]="0 -1" [--duplicates]="first" [--layout]="nosuch"
  [--k]="0 -1" [--users]="x" [--early-stop]="-1 x" [--early-stop-mode]="last" ["topn --validate"]="" [--shard-users]="0 -1"
  [--memory-budget]="0 -1 x" [--block-users]="-1 x" [--format]="csv" [--port]="-1 65536 x" [--max-k]="0 -1"
  [--max-batch]="0 -1" ["session --validate"]="" [--options-file]="$tmp/missing.json $tmp/ok.tsv"
  [--retrieve]="$tmp/missing.srm" [--candidates]="0 -1 x" [--log]="$tmp/no/such/dir/x.log" [--titles]="$tmp/missing.item" )
free=" --help --host --data --train --test --model --model-file --checkpoint-dir --resume --save --columns --separator --clicks --sessions --out --out-dir --normalize --fold-bias "
printf 'SessionId\tItemId\tTime\n1\t5\t10\n1\t6\t11\n2\t5\t12\n2\t7\t13\n' > "$tmp/sessions.tsv"
"$bin" train --data "$tmp/ok.tsv" --model biased_mf --device cpu --epochs 1 --save "$tmp/r.srm" >/dev/null 2>"$tmp/err" ||
  { echo "FAIL: training the model the recommend walk reads"; failures=$((failures + 1)); }
walk_flags() {  # walk_flags COMMAND ARGS...: every flag of COMMAND's --help, after ARGS
  local command=$1 flag value
  shift
  for flag in $("$bin" "$command" --help | grep -oE '^ +(-[a-z],)?--[a-z-]+' | sed 's/.*--/--/'); do
    local key=$flag
    [ -n "${bad["$command $flag"]+x}" ] && key="$command $flag"  # a flag that differs between commands
    if [ -n "${bad[$key]+x}" ]; then
      for value in ${bad[$key]}; do
        local args=("$@")
        [ "$flag" = --device ] && args=("${args[@]/--device/--layout}") && args=("${args[@]/cpu/auto}")
        local name=${flag#--}
        expect_error "${name//-/[- ]}" "$command" "${args[@]}" "$flag" "$value"
      done
    elif [[ "$free" != *" $flag "* ]]; then
      echo "FAIL: $command $flag is in neither the walk's bad values nor its free flags"
      failures=$((failures + 1))
    fi
  done
}
walk_flags train --data "$tmp/ok.tsv" --model autorec --device cpu
walk_flags topn --data "$tmp/ok.tsv" --model cdae --device cpu
walk_flags session --train "$tmp/sessions.tsv" --test "$tmp/sessions.tsv" --model gru4rec --device cpu
walk_flags recommend --model-file "$tmp/r.srm" --device cpu
walk_flags evaluate --model-file "$tmp/r.srm" --device cpu
walk_flags export --model-file "$tmp/r.srm" --out "$tmp/e.npz"
walk_flags serve --model-file "$tmp/r.srm"  # every bad value is refused before it listens
expect_error "cannot listen on 203.0.113.9:8080" serve --model-file "$tmp/r.srm" --device cpu --host 203.0.113.9 --port 8080
# Tuning: an unknown option range, an impossible budget, a run tune cannot drive; options files.
tune_run=(-- train --data "$tmp/ok.tsv" --model autorec --device cpu)
expect_error "--space hiden=1:5: model autorec has no option 'hiden'" tune --dir "$tmp/t" --space hiden=1:5 "${tune_run[@]}"
expect_error "--space l2=5:1: an empty range" tune --dir "$tmp/t" --space l2=5:1 "${tune_run[@]}"
expect_error "--space l2=-1:5: outside \[0, ∞\)" tune --dir "$tmp/t" --space l2=-1:5 "${tune_run[@]}"
expect_error "--space hidden=1:9: hidden is fixed" tune --dir "$tmp/t" --space hidden=1:9 "${tune_run[@]}" hidden=5
expect_error "--space lr=0.1:1: model mean has no option 'lr'" tune --dir "$tmp/t" --space lr=0.1:1 -- train --data "$tmp/ok.tsv" --model mean
expect_error "--trials must be >= 1, got 0" tune --dir "$tmp/t" --trials 0 "${tune_run[@]}"
expect_error "--parallel must be >= 1, got 0" tune --dir "$tmp/t" --parallel 0 "${tune_run[@]}"
expect_error "--eta must be >= 2" tune --dir "$tmp/t" --eta 1 "${tune_run[@]}"
expect_error "--time-budget must be a number of seconds >= 0" tune --dir "$tmp/t" --time-budget -5 "${tune_run[@]}"
expect_error "tune: --epochs must be >= 1, got '0'" tune --dir "$tmp/t" "${tune_run[@]}" --epochs 0
expect_error "tune: --save in the run: tune sets it itself" tune --dir "$tmp/t" "${tune_run[@]}" --save "$tmp/x.srm"
expect_error "tune: --early-stop in the run: tune sets it itself" tune --dir "$tmp/t" "${tune_run[@]}" --early-stop 3
expect_error "must be a train, topn or session command, got 'recommend'" tune --dir "$tmp/t" -- recommend --model-file "$tmp/r.srm"
expect_error "the run names no --model" tune --dir "$tmp/t" -- train --data "$tmp/ok.tsv"
expect_error "unknown option 'hiden' for model autorec" tune --dir "$tmp/t" "${tune_run[@]}" hiden=4
expect_error "model 'gru4rec' predicts the next click" tune --dir "$tmp/t" -- train --data "$tmp/ok.tsv" --model gru4rec
expect_error "--devices and a --device in the run" tune --dir "$tmp/t" --devices cpu,cpu "${tune_run[@]}"
[ -e "$tmp/t/tune.json" ] && { echo "FAIL: a refused search left $tmp/t/tune.json"; failures=$((failures + 1)); }
printf '{"sparserec_options": 1, "command": "topn", "model": "autorec", "options": {}, "flags": {}}\n' > "$tmp/topn.json"
expect_error "tuned for \`topn --model autorec\`, not \`train --model autorec\`" train --data "$tmp/ok.tsv" --model autorec --options-file "$tmp/topn.json"
printf '{"sparserec_options": 1, "command": "train", "model": "autorec", "options": {"hidden": 5}, "flags": {}}\n' > "$tmp/typed.json"
expect_error "typed.json': .*type must be string" train --data "$tmp/ok.tsv" --model autorec --options-file "$tmp/typed.json"
printf '{"sparserec_options": 1, "command": "train", "model": "autorec", "options": {"hiden": "5"}, "flags": {}}\n' > "$tmp/unknown.json"
expect_error "unknown option 'hiden' for model autorec" train --data "$tmp/ok.tsv" --model autorec --options-file "$tmp/unknown.json"
# Indexes: each bad flag or file named (the walk covers commands of one word).
/usr/bin/python3 -c "import numpy as np; np.save('$tmp/v.npy', np.random.default_rng(1).standard_normal((50, 4)).astype('float32')); np.save('$tmp/q3.npy', np.zeros((2, 3), 'float32')); np.save('$tmp/v8.npy', np.zeros((5, 4)))" ||
  { echo "FAIL: numpy for the index cases"; failures=$((failures + 1)); }
expect_error "--kind must be exact or ivf, got 'hnsw'" index build --vectors "$tmp/v.npy" --kind hnsw --out "$tmp/i.sridx"
expect_error "metric must be ip .* or cosine, got 'l2'" index build --vectors "$tmp/v.npy" --metric l2 --out "$tmp/i.sridx"
expect_error "--nlist must be >= 1" index build --vectors "$tmp/v.npy" --nlist -1 --out "$tmp/i.sridx"
expect_error "nlist must be in \[1, 50\]" index build --vectors "$tmp/v.npy" --nlist 51 --device cpu --out "$tmp/i.sridx"
expect_error "--iterations must be >= 1" index build --vectors "$tmp/v.npy" --iterations 0 --out "$tmp/i.sridx"
expect_error "give --vectors .* or --model-file" index build --out "$tmp/i.sridx"
expect_error "v8.npy' holds <f8, not float32" index build --vectors "$tmp/v8.npy" --device cpu --out "$tmp/i.sridx"
expect_error "ok.tsv' is not a .npy file" index build --vectors "$tmp/ok.tsv" --device cpu --out "$tmp/i.sridx"
"$bin" index build --vectors "$tmp/v.npy" --kind ivf --nlist 5 --device cpu --out "$tmp/i.sridx" >/dev/null 2>&1 ||
  { echo "FAIL: index build"; failures=$((failures + 1)); }
expect_error "--k must be >= 1" index query --index "$tmp/i.sridx" --queries "$tmp/v.npy" -k 0 --device cpu
expect_error "--nprobe 6 is more than the index's 5 lists" index query --index "$tmp/i.sridx" --queries "$tmp/v.npy" --nprobe 6 --device cpu
expect_error "q3.npy' holds queries of dimension 3; the index's is 4" index query --index "$tmp/i.sridx" --queries "$tmp/q3.npy" --device cpu
expect_error "not a index file|is not an index file|index file" index query --index "$tmp/ok.tsv" --queries "$tmp/v.npy" --device cpu
# A model's item vectors (biased MF's factors): indexed, and queries of another dimension refused.
"$bin" index build --model-file "$tmp/r.srm" --kind exact --metric cosine --device cpu --out "$tmp/m.sridx" >"$tmp/out" 2>&1 &&
  grep -q '"source":".*item vectors of biased_mf' "$tmp/out" || { echo "FAIL: index build --model-file: $(cat "$tmp/out")"; failures=$((failures + 1)); }
expect_error "holds queries of dimension 4; the index's is" index query --index "$tmp/m.sridx" --queries "$tmp/v.npy" --device cpu
[ "$failures" -eq 0 ] && echo "cli errors: all clear" || { echo "$failures failure(s)"; exit 1; }
