// Max-pooling over the steps of time-major sequences (a character CNN's pooling over title
// positions), as an argument struct shared by the CPU reference (kernels/cpu/dense_ref.cpp) and
// the CUDA kernel (kernels/cuda/dense.cu).
#pragma once

#include <cstdint>

namespace sr {

// x holds `steps` x `batch` rows of `width` values, time-major (row t·batch + b is step t of
// sequence b):
//   forward:   y[b, c] = max_t x[t·batch + b, c], arg[b, c] = the first t reaching it
//   backward:  dx[arg[b, c]·batch + b, c] += dy[b, c] (always adds: every (b, c) owns one entry)
// A NaN is never the maximum unless every step is NaN (then arg = 0 and y is NaN).
struct StepMaxArgs {
  bool backward = false;
  int64_t steps = 0, batch = 0, width = 0;
  const float* x = nullptr;   // forward: steps·batch x width
  float* y = nullptr;         // forward: batch x width
  int32_t* arg = nullptr;     // forward: written; backward: read
  const float* dy = nullptr;  // backward: batch x width
  float* dx = nullptr;        // backward: steps·batch x width, added to
};

}  // namespace sr
