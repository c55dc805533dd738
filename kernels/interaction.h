// Feature-interaction ops of the rankers over side features (DeepFM), as an argument struct shared
// by the CPU reference (kernels/cpu/dense_ref.cpp) and the CUDA kernels (kernels/cuda/dense.cu).
#pragma once

#include <cstdint>

namespace sr {

// Factorization-machine interactions (Rendle 2010; DeepFM's FM component, Guo et al. 2017) between
// the F field embeddings of each row: x is rows x F·k, row-major, field f in columns f·k .. f·k+k-1.
//   forward:   y[r] = Σ_{f<g} ⟨x_rf, x_rg⟩ = ½ Σ_d [(Σ_f x[r,f,d])² − Σ_f x[r,f,d]²]
//   backward:  dx[r,f,d] (+)= dy[r] · (Σ_g x[r,g,d] − x[r,f,d])
// The second form of the forward is FM's O(F·k) rewriting; the backward follows from it.
struct FmInteractionArgs {
  bool backward = false;
  int64_t rows = 0, fields = 0, dim = 0;
  const float* x = nullptr;   // rows x fields·dim
  float* y = nullptr;         // forward: rows
  const float* dy = nullptr;  // backward: rows
  float* dx = nullptr;        // backward: rows x fields·dim
  bool accumulate = false;    // backward: add to dx
};

}  // namespace sr
