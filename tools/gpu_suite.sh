#!/usr/bin/env bash
# The one command for the GPU machine (see tools/gpu_prepare.sh for what it carries): builds
# sparserec for the GPU there, runs the GPU tests (parity and gradient checks on the device), the
# same parity cases under compute-sanitizer (memcheck, racecheck, synccheck), the primitive
# microbenchmark beside cuSPARSE/cuBLAS, I-AutoRec and the model-zoo table on MovieLens 100K on the
# GPU (tools/zoo_table.sh), the session table on RSC15 (tools/session_table.sh), one-rank NCCL
# data-parallel jobs against the host exchange, and (time allowing) the scaling estimate from
# measured GPU steps (tools/scaling_estimate.py); prints a short table last and writes it, with
# date, GPU and commit, to
# $OUT (or build-gpu/) as gpu_results.md.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${OUT:-$root/build-gpu}
mkdir -p "$out"
export PATH="$PATH:/usr/local/cuda/bin"
log="$out/gpu_suite.log"
: >"$log"
step() { echo "== $*" | tee -a "$log"; }
gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
step "GPU: ${gpu:-none found}; commit $commit; $(date -u +%Y-%m-%dT%H:%MZ)"

gtest_opt=() cxx_flags=""
[ -d .deps/googletest ] && gtest_opt=(-DSPARSEREC_GTEST_SOURCE="$root/.deps/googletest")
[ -d .deps/include ] && cxx_flags="-I$root/.deps/include"
step "configure and build (sm_90)"
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DSPARSEREC_CUDA_ARCHITECTURES=90 \
  -DCMAKE_CXX_FLAGS="$cxx_flags" "${gtest_opt[@]}" >>"$log" 2>&1 &&
  cmake --build build-gpu -j "$(nproc)" >>"$log" 2>&1
build_rc=$?
[ $build_rc -eq 0 ] || { tail -40 "$log"; echo "build failed"; exit 1; }

step "GPU tests (ctest -L gpu)"
ctest --test-dir build-gpu -L gpu -j 4 --output-on-failure >"$out/ctest_gpu.log" 2>&1
gpu_tests=$(grep -E "tests passed" "$out/ctest_gpu.log" | tail -1)
step "CPU and emulator tests (ctest -L 'unit|emu')"
ctest --test-dir build-gpu -L 'unit|emu' -j 8 >"$out/ctest_cpu.log" 2>&1
cpu_tests=$(grep -E "tests passed" "$out/ctest_cpu.log" | tail -1)

sanitizer=()
for tool in memcheck racecheck synccheck; do
  step "compute-sanitizer --tool $tool on the Gpu parity cases"
  if compute-sanitizer --tool "$tool" --error-exitcode 9 build-gpu/tests/kernel_parity_test --gtest_filter='Gpu/*' \
      --gtest_brief=1 >"$out/sanitizer_$tool.log" 2>&1; then
    sanitizer+=("$tool: clean")
  else
    sanitizer+=("$tool: ERRORS (see sanitizer_$tool.log)")
  fi
  grep -E "ERROR SUMMARY" "$out/sanitizer_$tool.log" | tail -1 | tee -a "$log"
done

step "microbenchmark"
build-gpu/tools/bench_primitives --no-cpu --reps 20 >"$out/bench.txt" 2>&1
cat "$out/bench.txt" >>"$log"

step "I-AutoRec on MovieLens 100K, GPU vs CPU"
autorec=""
if [ -s data/ml-100k/u.data ]; then
  for dev in cuda:0 cpu; do
    line=$(build-gpu/tools/sparserec train --data data/ml-100k/u.data --model autorec --device $dev --progress-every 40 2>>"$log" | tail -1)
    autorec+=$(python3 -c "import json,sys; j=json.loads(sys.argv[1]); print(f\"| I-AutoRec {sys.argv[2]} | RMSE {j['test_rmse']:.4f} | epoch {j['epoch_seconds_median']*1000:.2f} ms |\")" "$line" "$dev")$'\n'
  done
fi

step "the model zoo table on the GPU (issue 4: the same metrics within noise; epoch times beside the CPU's)"
zoo=""
if [ -s data/ml-100k/u.data ] && tools/zoo_table.sh "$root/build-gpu" cuda:0 >"$out/zoo_cuda.md" 2>>"$log"; then
  zoo=$(grep '^|' "$out/zoo_cuda.md")
fi

step "the session table on the GPU (issue 9: GRU4Rec, NARM; events/s at batch 32, 80, 256 with 2048 samples)"
session=""
if tools/session_table.sh "$root/build-gpu" cuda:0 >"$out/session_cuda.md" 2>>"$log"; then
  session=$(grep '^|' "$out/session_cuda.md")
fi

step "data-parallel on one GPU over NCCL (issue 5): 2 shards on one rank, NCCL vs the host path"
nccl=""
build-gpu/tools/sparserec synth --out "$out/dp.csv" --users 200 --items 500 --events 8000 --seed 3 >>"$log" 2>&1
# Mult-VAE: dense gradients; GMF: embedding rows packed by the touched-row exchange.
for model in "multvae hidden=32 latent=8" "gmf factors=8"; do
  name=${model%% *}
  for comm in nccl host; do
    build-gpu/tools/sparserec topn --data "$out/dp.csv" --model $model --batch 64 --shards 2 --epochs 3 \
      --device cuda:0 --comm $comm --save "$out/dp_${name}_$comm.srm" >>"$log" 2>&1 || nccl+="$name $comm run FAILED; "
  done
  [ -f "$out/dp_${name}_nccl.srm" ] && [ -f "$out/dp_${name}_host.srm" ] &&
    nccl+="$name: $(python3 tools/compare_models.py "$out/dp_${name}_nccl.srm" "$out/dp_${name}_host.srm" 2>&1); "
done

step "scaling estimate from measured GPU steps (issue 5), while the call's time lasts"
scaling="not run (no time left in this call)"
left=$((560 - SECONDS))
if [ "$left" -gt 150 ] && timeout "$left" python3 tools/scaling_estimate.py --bin build-gpu/tools/sparserec --device cuda:0 --comm nccl \
    --workdir "$root/build-gpu/scaling" --measure 1,8 --out "$out/scaling_cuda.md" >>"$log" 2>&1; then
  scaling="see scaling_cuda.md"
elif [ "$left" -gt 150 ]; then
  scaling="FAILED or cut short (see gpu_suite.log)"
fi

{
  echo "# GPU suite $(date -u +%Y-%m-%d), ${gpu:-no GPU}, commit $commit"
  echo
  echo "- GPU tests: ${gpu_tests:-none ran}"
  echo "- CPU/emulator tests on that machine: ${cpu_tests:-none ran}"
  for s in "${sanitizer[@]}"; do echo "- compute-sanitizer $s"; done
  echo "- one-rank NCCL data-parallel jobs (2 shards) against the host exchange: $nccl"
  echo "- scaling estimate: $scaling"
  echo
  echo '```'
  cat "$out/bench.txt"
  echo '```'
  echo
  printf '%s' "$autorec"
  echo
  echo "Model zoo on cuda:0 (compare with tools/results/*-zoo-cpu.md):"
  echo
  printf '%s\n' "$zoo"
  echo
  echo "Session models on cuda:0 (compare with tools/results/*-session-cpu.md):"
  echo
  printf '%s\n' "$session"
} >"$out/gpu_results.md"
cat "$out/gpu_results.md"
