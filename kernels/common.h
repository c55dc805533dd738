// Definitions shared by the CPU reference and the CUDA kernels: activation functions, the
// counter-based random numbers, and the HD qualifier that makes a helper callable from both.
#pragma once

#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define SR_HD __host__ __device__ __forceinline__
#else
#define SR_HD inline
#endif

namespace sr {

enum class Act : int { identity = 0, sigmoid = 1, relu = 2, tanh = 3 };

SR_HD float act_forward(Act a, float x) {
  switch (a) {
    case Act::sigmoid:
      return 1.0f / (1.0f + expf(-x));
    case Act::relu:
      return x > 0.0f ? x : 0.0f;
    case Act::tanh:
      return tanhf(x);
    default:
      return x;
  }
}

// The derivative expressed through the activation's output y, so that backward needs only what
// forward kept.
SR_HD float act_derivative_from_output(Act a, float y) {
  switch (a) {
    case Act::sigmoid:
      return y * (1.0f - y);
    case Act::relu:
      return y > 0.0f ? 1.0f : 0.0f;
    case Act::tanh:
      return 1.0f - y * y;
    default:
      return 1.0f;
  }
}

// Counter-based uniform numbers in [0, 1): the same (seed, index) gives the same number on every
// backend and in every order, so dropout masks agree between the CPU and CUDA.
SR_HD uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
SR_HD float uniform01(uint64_t seed, uint64_t index) {
  return static_cast<float>(splitmix64(seed ^ splitmix64(index)) >> 40) * (1.0f / 16777216.0f);
}
// A standard normal number for (seed, index), by Box-Muller from draws 2·index and 2·index + 1.
SR_HD float normal01(uint64_t seed, uint64_t index) {
  const float u1 = 1.0f - uniform01(seed, 2 * index);  // in (0, 1]: the log is finite
  const float u2 = uniform01(seed, 2 * index + 1);
#if defined(__CUDA_ARCH__)
  const float c = cospif(2.0f * u2);  // no argument reduction: cosf's slow path needs a stack frame
#else
  const float c = cosf(6.283185307179586f * u2);
#endif
  return sqrtf(-2.0f * logf(u1)) * c;
}

}  // namespace sr
