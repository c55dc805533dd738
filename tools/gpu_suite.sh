#!/usr/bin/env bash
# The one command for the GPU machine (see tools/gpu_prepare.sh for what it carries). Stages, run in
# the order given (all of them by default):
#   build      configure and build sparserec for sm_90 in build-gpu/ (incremental when it exists)
#   gpu_tests  ctest -L gpu: parity and gradient checks on the device
#   sanitizer  the Gpu parity cases under compute-sanitizer memcheck, racecheck, synccheck
#   bench      the primitive microbenchmark beside cuSPARSE/cuBLAS and the bandwidth floor, then
#              again with the float4 forms forced (the variant sweep); a step direct and as a graph
#   session    the session table on RSC15 (tools/session_table.sh): GRU4Rec, NARM, events/s at
#              batch 32, 80, 256 with 2048 samples (issue 9)
#   zoo        I-AutoRec and the model-zoo table on MovieLens 100K (tools/zoo_table.sh; issue 4)
#   nccl       one-rank NCCL data-parallel jobs (2 shards) against the host exchange (issue 5)
#   scaling    the scaling estimate from measured GPU steps (tools/scaling_estimate.py; issue 5)
#   ann        exact and IVF-Flat search (`sparserec index`) of 10,000 queries over 1M x 128 on the
#              GPU beside PyTorch's exact matmul + topk on the same vectors (issue 22)
#   kernels    where a training step's GPU time goes: ncu's kernel durations over a few hundred
#              launches of GRU4Rec (BPR-max, batch 32 and 256), I-RBM-CF and biased MF, summed by
#              kernel (tools/ncu_summary.py); set them beside the step's wall time
# Each stage has a time limit and the whole call a deadline (SUITE_SECONDS, default 570 s, under the
# device tool's 600 s), so a slow stage costs its own result, not the others'. Each finished stage
# appends its lines to $OUT/gpu_results.md (with date, GPU and commit at the top) and refreshes
# $OUT/gpu_logs.tgz; $OUT/gpu_suite.log has everything in order. Three files: the device tool
# returns at most eight.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${OUT:-$root/build-gpu/out}
work=$root/build-gpu/suite  # logs and scratch files; tarred into $out after each stage
mkdir -p "$out" "$work"
export PATH="$PATH:/usr/local/cuda/bin"
deadline=${SUITE_SECONDS:-570}
log="$out/gpu_suite.log"
results="$out/gpu_results.md"
bin=build-gpu/tools/sparserec
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(build gpu_tests sanitizer bench session zoo nccl scaling ann)

say() { echo "== $*" | tee -a "$log"; }
result() { printf '%s\n' "$@" >>"$results"; }
# limit MAX: the seconds a stage may take, capped by what is left before the deadline.
limit() { local left=$((deadline - SECONDS - 5)); echo $(($1 < left ? $1 : left)); }

gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)
# The device tool copies the working tree, but its .git was seen to lag (it named the session's
# first commit on every call): pass SR_COMMIT=$(git rev-parse --short HEAD) in the command.
commit=${SR_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
[ -z "${SR_COMMIT:-}" ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && commit+=" (with uncommitted changes)"
say "GPU: ${gpu:-none found}; commit $commit; $(date -u +%Y-%m-%dT%H:%MZ); stages: ${stages[*]}"
[ -f "$results" ] || result "# GPU suite $(date -u +%Y-%m-%d), ${gpu:-no GPU}, commit $commit" ""

stage_build() {
  local opts=(-DCMAKE_BUILD_TYPE=Release -DSPARSEREC_CUDA_ARCHITECTURES=90)
  [ -d .deps/googletest ] && opts+=(-DSPARSEREC_GTEST_SOURCE="$root/.deps/googletest")
  [ -d .deps/include ] && opts+=(-DCMAKE_CXX_FLAGS="-I$root/.deps/include")
  # NCCL: the toolkit's, else the one PyTorch's image installs as the nvidia-nccl wheel.
  if [ ! -f /usr/local/cuda/include/nccl.h ]; then
    local nccl
    nccl=$(python3 -c 'import nvidia.nccl as m; print(list(m.__path__)[0])' 2>/dev/null)
    if [ -n "$nccl" ] && [ -f "$nccl/include/nccl.h" ]; then
      local lib
      lib=$(ls "$nccl"/lib/libnccl.so* 2>/dev/null | head -1)
      opts+=(-DSPARSEREC_NCCL_INCLUDE="$nccl/include" -DSPARSEREC_NCCL_LIBRARY="$lib")
      say "NCCL from the nvidia-nccl wheel: $lib"
    fi
  fi
  timeout "$(limit 400)" cmake -S . -B build-gpu -G Ninja "${opts[@]}" >>"$log" 2>&1 &&
    timeout "$(limit 400)" cmake --build build-gpu -j "$(nproc)" >>"$log" 2>&1
  local rc=$?
  grep -E "NCCL|MPI|BLAS|GoogleTest" "$log" | grep -v "^==" | sort -u | tail -5 >>"$results"
  if [ $rc -ne 0 ]; then
    result "- build FAILED (rc $rc); last lines:" '```' "$(tail -30 "$log")" '```'
    return 1
  fi
  result "- build: ok ($SECONDS s into the call)"
}

stage_gpu_tests() {
  timeout "$(limit 200)" ctest --test-dir build-gpu -L gpu -j 4 --output-on-failure >"$work/ctest_gpu.log" 2>&1
  result "- GPU tests (ctest -L gpu): $(grep -E 'tests passed|tests failed' "$work/ctest_gpu.log" | tail -1)"
  grep -E "^\s+[0-9]+ - .*(Failed|Timeout|Not Run)" "$work/ctest_gpu.log" | head -20 >>"$results"
  grep -c "Skipped" "$work/ctest_gpu.log" | sed 's/^/  skipped lines: /' >>"$results"
}

stage_sanitizer() {
  for tool in memcheck racecheck synccheck; do
    local t
    t=$(limit 150)
    [ "$t" -gt 30 ] || { result "- compute-sanitizer $tool: not run (no time left)"; continue; }
    if timeout "$t" compute-sanitizer --tool "$tool" --error-exitcode 9 build-gpu/tests/kernel_parity_test \
        --gtest_filter='Gpu/*' --gtest_brief=1 >"$work/sanitizer_$tool.log" 2>&1; then
      result "- compute-sanitizer $tool on the Gpu parity cases: clean ($(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY|PASSED' "$work/sanitizer_$tool.log" | tail -2 | tr '\n' ' '))"
    else
      result "- compute-sanitizer $tool: FAILED or timed out: $(grep -E 'ERROR SUMMARY|PASSED|FAILED' "$work/sanitizer_$tool.log" | tail -2 | tr '\n' ' ')"
    fi
  done
}

stage_bench() {
  timeout "$(limit 150)" build-gpu/tests/bench_ops --no-cpu --reps 20 >"$work/bench.txt" 2>&1
  result "- primitive microbenchmark (rc $?):" '```' "$(cat "$work/bench.txt")" '```'
  # The variant sweep: the same cases with each form of the sparse kernels forced
  # (kernels/cuda/sparse.cu's form_of: the gather and deterministic scatter, the sampled dot),
  # beside the same cuSPARSE calls, to set the rule that chooses them by shape.
  # The default run above is the warp-a-row form on every bench case (each has at least 1,024 rows
  # and touched columns, past the block-a-row rule).
  local t
  t=$(limit 90)
  if [ "$t" -gt 30 ]; then
    SPARSEREC_SPMM_KERNEL=vector SPARSEREC_SDDMM_KERNEL=vector timeout "$t" build-gpu/tests/bench_ops \
      --no-cpu --reps 20 >"$work/bench_vector.txt" 2>&1
    result "- the same, every sparse kernel's form forced to vector (rc $?):" '```' "$(cat "$work/bench_vector.txt")" '```'
  else
    result "- the variant sweep: not run (no time left)"
  fi
  # Launch-bound steps issued op by op against the same step captured once as a CUDA graph and
  # replayed (engine/train/captured_step.h; each case first checks the replays' weights bit for bit).
  t=$(limit 60)
  if [ "$t" -gt 15 ]; then
    timeout "$t" build-gpu/tests/bench_graph --device cuda --steps 200 >"$work/bench_graph.txt" 2>&1
    result "- a training step direct and replayed as a CUDA graph (rc $?):" '```' "$(cat "$work/bench_graph.txt")" '```'
  else
    result "- the graph bench: not run (no time left)"
  fi
}

stage_session() {
  timeout "$(limit 300)" tools/session_table.sh "$root/build-gpu" cuda:0 >"$work/session_cuda.md" 2>>"$log"
  result "- session table (rc $?):" "" "$(cat "$work/session_cuda.md")" ""
}

stage_zoo() {
  local j
  j=$(timeout "$(limit 60)" $bin train --data data/ml-100k/u.data --model autorec --device cuda:0 --progress-every 40 2>>"$log" | tail -1)
  result "- I-AutoRec on cuda:0: $j"
  timeout "$(limit 300)" tools/zoo_table.sh "$root/build-gpu" cuda:0 >"$work/zoo_cuda.md" 2>>"$log"
  result "- model zoo (rc $?):" "" "$(cat "$work/zoo_cuda.md")" ""
}

stage_nccl() {
  local line=""
  $bin synth --out "$work/dp.csv" --users 200 --items 500 --events 8000 --seed 3 >>"$log" 2>&1
  # Mult-VAE: dense gradients; GMF: embedding rows packed by the touched-row exchange.
  for model in "multvae hidden=32 latent=8" "gmf factors=8"; do
    local name=${model%% *}
    for comm in nccl host; do
      timeout "$(limit 60)" $bin topn --data "$work/dp.csv" --model $model --batch 64 --shards 2 --epochs 3 --early-stop off \
        --device cuda:0 --comm $comm --save "$work/dp_${name}_$comm.srm" >>"$log" 2>&1 || line+="$name $comm run FAILED; "
    done
    [ -f "$work/dp_${name}_nccl.srm" ] && [ -f "$work/dp_${name}_host.srm" ] &&
      line+="$name: $(python3 tools/compare_models.py "$work/dp_${name}_nccl.srm" "$work/dp_${name}_host.srm" 2>&1); "
  done
  result "- one-rank NCCL data-parallel jobs (2 shards) against the host exchange: $line"
}

stage_scaling() {
  local t
  t=$(limit 600)
  [ "$t" -gt 120 ] || { result "- scaling estimate: not run (no time left)"; return; }
  PYTHONUNBUFFERED=1 timeout "$t" python3 tools/scaling_estimate.py --bin $bin --device cuda:0 --comm nccl \
    --workdir "$root/build-gpu/scaling" --reuse --measure 1,8 --out "$work/scaling_cuda.md" >>"$log" 2>&1
  result "- scaling estimate (rc $?; profiles cached in build-gpu/scaling, rerun resumes):" "" \
    "$(cat "$work/scaling_cuda.md" 2>/dev/null)" ""
}

stage_kernels() {
  local rsc=data/rsc15-100k ml=data/ml-100k/u.data
  while IFS='|' read -r name cmd; do
    local t
    t=$(limit 120)
    [ "$t" -gt 20 ] || { result "- kernels $name: not run (no time left)"; continue; }
    # Launches 300 to 900: past start-up and the first steps; --profile-steps ends the run early.
    timeout "$t" ncu --csv --print-units base --clock-control none --metrics gpu__time_duration.sum \
      --launch-skip 300 --launch-count 600 $bin $cmd --device cuda:0 >"$work/ncu_$name.csv" 2>>"$log"
    result "- kernels, $name (\`$cmd\`, ncu rc $?):" "" "$(python3 tools/ncu_summary.py "$work/ncu_$name.csv" 2>&1)" ""
  done <<EOF_RUNS
gru4rec_bprmax_b32|session --train $rsc/train_full.tsv --test $rsc/test.tsv --model gru4rec loss=bpr-max --batch 32 --profile-steps 200
gru4rec_bprmax_b256|session --train $rsc/train_full.tsv --test $rsc/test.tsv --model gru4rec loss=bpr-max --batch 256 --profile-steps 100
rbm|train --data $ml --model rbm --profile-steps 30
biased_mf|train --data $ml --model biased_mf --profile-steps 100
EOF_RUNS
}

stage_ann() {
  local t
  t=$(limit 150)
  [ "$t" -gt 60 ] || { result "- ann: not run (no time left)"; return; }
  timeout "$t" python3 - "$bin" "$work" >"$work/ann.md" 2>>"$log" <<'PY'
import json, subprocess, sys, time
import numpy as np
import torch
bin_, work = sys.argv[1], sys.argv[2]
n, d, nq, k = 1_000_000, 128, 10_000, 10
rng = np.random.default_rng(7)
centres = rng.standard_normal((1000, d)).astype(np.float32)
def draw(m):
    return centres[rng.integers(0, 1000, m)] + 1.3 * rng.standard_normal((m, d)).astype(np.float32)
x, q = draw(n), draw(nq)
np.save(f"{work}/x.npy", x)
np.save(f"{work}/q.npy", q)
def ours(*a):
    r = subprocess.run([bin_, "index", *a, "--device", "cuda:0"], capture_output=True, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1]) if r.returncode == 0 else {"error": r.stderr.strip()[-300:]}
xt, qt = torch.from_numpy(x).cuda(), torch.from_numpy(q).cuda()
for _ in range(2):  # warm, then timed
    torch.cuda.synchronize(); t = time.perf_counter()
    ids = torch.cat([torch.topk(qt[i:i + 1024] @ xt.T, k).indices for i in range(0, nq, 1024)])
    torch.cuda.synchronize(); s = time.perf_counter() - t
truth = ids.cpu().numpy()
print(f"1M x 128 (synthetic clusters), {nq:,} queries, top-{k}, inner product; GPU {torch.cuda.get_device_name()}")
print()
print("| search | nprobe | recall@10 | queries/s |")
print("|---|---|---|---|")
print(f"| PyTorch matmul + topk (blocks of 1,024 queries) | - | 1.0000 | {nq / s:,.0f} |")
def recall(path):
    got = np.load(path)
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(got, truth)]))
ours("build", "--vectors", f"{work}/x.npy", "--kind", "exact", "--out", f"{work}/e.sridx")
j = ours("query", "--index", f"{work}/e.sridx", "--queries", f"{work}/q.npy", "-k", str(k), "--out", f"{work}/e")
print(f"| sparserec exact | - | {recall(f'{work}/e.ids.npy'):.4f} | {j.get('queries_per_second', 0):,.0f} | {j.get('error', '')}")
b = ours("build", "--vectors", f"{work}/x.npy", "--kind", "ivf", "--nlist", "1024", "--out", f"{work}/i.sridx")
for nprobe in (1, 4, 16, 64):
    j = ours("query", "--index", f"{work}/i.sridx", "--queries", f"{work}/q.npy", "-k", str(k), "--nprobe", str(nprobe), "--out", f"{work}/i")
    print(f"| sparserec IVF-Flat (build {b.get('build_seconds', 0):.1f} s) | {nprobe} | {recall(f'{work}/i.ids.npy'):.4f} | {j.get('queries_per_second', 0):,.0f} | {j.get('error', '')}")
PY
  result "- ann (rc $?):" "" "$(cat "$work/ann.md")" ""
}

for s in "${stages[@]}"; do
  if [ $((deadline - SECONDS)) -lt 30 ]; then
    result "- $s: not run (deadline)"
    continue
  fi
  say "stage $s ($SECONDS s in)"
  if ! "stage_$s"; then
    [ "$s" = build ] && { tar czf "$out/gpu_logs.tgz" -C build-gpu suite 2>/dev/null; cat "$results"; exit 1; }
  fi
  tar czf "$out/gpu_logs.tgz" -C build-gpu suite 2>/dev/null
done
say "done at $SECONDS s"
cat "$results"
