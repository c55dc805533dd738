// Deliberately broken kernels, one per class of bug the emulator exists to catch, run on the
// emulator. `broken_kernels CASE` exits 0 if the bug went unnoticed, 1 if the emulator caught it;
// the sanitizer builds catch the rest (the process stops with the sanitizer's report). CTest runs
// each case in the builds that can see it and checks the report (tests/CMakeLists.txt).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/cuda/launch.h"

namespace sr::cuda_emu::broken {

// A block reduction with its barriers removed: threads read partial sums other threads have not
// finished writing. A data race for ThreadSanitizer.
__global__ void reduce_without_barrier(const float* in, float* out) {
  __shared__ float s[64];
  s[threadIdx.x] = in[threadIdx.x];
  for (unsigned stride = 32; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) s[threadIdx.x] += s[threadIdx.x + stride];
  }
  if (threadIdx.x == 0) *out = s[0];
}

// Every thread writes one of two shared words, then thread 0 reads the word it did not write:
// unordered writes and a read of shared memory.
__global__ void shared_write_race(float* out) {
  __shared__ float slots[2];
  slots[threadIdx.x % 2] = static_cast<float>(threadIdx.x);
  if (threadIdx.x == 0) *out = slots[1];
}

// Each thread reads the word a thread of the other warp wrote, ordered only by __syncwarp, which
// orders the lanes of one warp and nothing across warps: a data race for ThreadSanitizer.
__global__ void syncwarp_across_warps(float* out) {
  __shared__ float s[64];
  s[threadIdx.x] = static_cast<float>(threadIdx.x);
  __syncwarp();
  out[threadIdx.x] = s[(threadIdx.x + 32) % 64];
}

// A race between two barriers: after the first, each thread overwrites its word while its
// neighbour reads it, with no barrier between. ThreadSanitizer must see it although both sides
// are ordered with everything before the first barrier and after the second.
__global__ void race_between_barriers(float* out) {
  __shared__ float s[64];
  s[threadIdx.x] = 1.0f;
  __syncthreads();
  s[threadIdx.x] = s[(threadIdx.x + 1) % 64] + 1.0f;
  __syncthreads();
  out[threadIdx.x] = s[threadIdx.x];
}

// A shuffle used as if it were a __syncwarp: shuffles exchange values, they order no memory.
__global__ void shuffle_as_fence(float* out) {
  __shared__ float s[32];
  s[threadIdx.x] = static_cast<float>(threadIdx.x);
  const float v = __shfl_sync(0xffffffffu, 1.0f, 0);
  out[threadIdx.x] = s[(threadIdx.x + 1) % 32] + v;
}

// `<=` where `<` was meant: reads and writes one element past the end. AddressSanitizer.
__global__ void copy_off_by_one(const float* in, float* out, int n) {
  const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (i <= n) out[i] = in[i];
}

// A barrier only half the block reaches.
__global__ void barrier_in_divergent_branch(float* out) {
  if (threadIdx.x < 16) {
    __syncthreads();
    out[threadIdx.x] = 1.0f;
  }
}

// Reads dynamic shared memory that no thread wrote: the emulator's poison (NaN) reaches the output.
__global__ void read_unwritten_shared(float* out) {
  SR_DYNAMIC_SHARED(float, s);
  if (threadIdx.x < 16) s[threadIdx.x] = 1.0f;  // the upper half is never written
  __syncthreads();
  out[threadIdx.x] = s[threadIdx.x];
}

// Each block adds its predecessor's result: correct only if blocks run in index order, which CUDA
// never promises.
__global__ void depends_on_block_order(float* carry) {
  if (threadIdx.x == 0) carry[blockIdx.x + 1] = carry[blockIdx.x] + 1.0f;
}

// A shuffle whose mask names lanes that returned early.
__global__ void shuffle_with_exited_lanes(float* out) {
  if (threadIdx.x >= 16) return;
  out[threadIdx.x] = __shfl_sync(0xffffffffu, 1.0f, 0);
}

// Waits for a flag nobody sets.
__global__ void spins_forever(const int* flag) {
  if (threadIdx.x == 0)
    while (*static_cast<const volatile int*>(flag) == 0) {}
}

int run(const std::string& c) {
  std::vector<float> in(64, 1.0f), out(64, 0.0f);
  // A race shows to ThreadSanitizer only when both accesses are still in its shadow memory, and
  // as a wrong sum only when threads interleave badly: give both many launches to show it.
  constexpr int kRaceAttempts = 200;
  if (c == "missing_barrier") {
    int wrong = 0;
    for (int i = 0; i < kRaceAttempts; ++i) {
      launch("reduce_without_barrier", reduce_without_barrier, 1, 64, 0, OpContext{}, in.data(), out.data());
      wrong += out[0] != 64.0f;
    }
    if (wrong) {
      std::printf("CAUGHT: %d of %d block sums differ from 64 (threads read partial sums not yet written)\n", wrong,
                  kRaceAttempts);
      return 1;
    }
    return 0;
  }
  if (c == "shared_race") {
    for (int i = 0; i < kRaceAttempts; ++i)
      launch("shared_write_race", shared_write_race, 1, 64, 0, OpContext{}, out.data());
    return 0;
  }
  if (c == "syncwarp_race") {
    for (int i = 0; i < kRaceAttempts; ++i)
      launch("syncwarp_across_warps", syncwarp_across_warps, 1, 64, 0, OpContext{}, out.data());
    return 0;
  }
  if (c == "race_between_barriers") {
    for (int i = 0; i < kRaceAttempts; ++i)
      launch("race_between_barriers", race_between_barriers, 1, 64, 0, OpContext{}, out.data());
    return 0;
  }
  if (c == "shuffle_as_fence") {
    for (int i = 0; i < kRaceAttempts; ++i)
      launch("shuffle_as_fence", shuffle_as_fence, 1, 32, 0, OpContext{}, out.data());
    return 0;
  }
  if (c == "off_by_one") {
    std::vector<float> small_in(32, 1.0f), small_out(32, 0.0f);
    launch("copy_off_by_one", copy_off_by_one, 1, 64, 0, OpContext{}, small_in.data(), small_out.data(), 32);
    return 0;
  }
  if (c == "divergent_barrier") {
    launch("barrier_in_divergent_branch", barrier_in_divergent_branch, 1, 64, 0, OpContext{}, out.data());
    return 0;
  }
  if (c == "unwritten_shared") {
    launch("read_unwritten_shared", read_unwritten_shared, 1, 32, 32 * sizeof(float), OpContext{}, out.data());
    for (int i = 0; i < 32; ++i)
      if (std::isnan(out[i])) {
        std::printf("CAUGHT: element %d read unwritten shared memory (poison NaN reached the output)\n", i);
        return 1;
      }
    return 0;
  }
  if (c == "block_order") {
    std::vector<float> carry(9, 0.0f);
    ::emu::set_block_order_seed(12345);
    launch("depends_on_block_order", depends_on_block_order, 8, 32, 0, OpContext{}, carry.data());
    if (carry[8] != 8.0f) {
      std::printf("CAUGHT: result %g differs from 8 when blocks run in shuffled order\n", carry[8]);
      return 1;
    }
    return 0;
  }
  if (c == "shuffle_exited_lanes") {
    launch("shuffle_with_exited_lanes", shuffle_with_exited_lanes, 1, 32, 0, OpContext{}, out.data());
    return 0;
  }
  if (c == "hang") {
    int flag = 0;
    ::emu::set_timeout_seconds(1.0);
    launch("spins_forever", spins_forever, 1, 32, 0, OpContext{}, static_cast<const int*>(&flag));
    return 0;
  }
  std::fprintf(stderr, "unknown case '%s'\n", c.c_str());
  return 2;
}

}  // namespace sr::cuda_emu::broken

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: broken_kernels CASE\n");
    return 2;
  }
  try {
    const int rc = sr::cuda_emu::broken::run(argv[1]);
    if (rc == 0) std::printf("NOT CAUGHT: the bug went unnoticed\n");
    return rc;
  } catch (const ::emu::KernelError& e) {
    std::printf("CAUGHT by the emulator: %s\n", e.what());
    return 1;
  }
}
