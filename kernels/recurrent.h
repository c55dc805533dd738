// The GRU cell's gate arithmetic, fused: one op per direction over a batch of rows, after the two
// GEMMs that make its inputs (x·W + b_x and h·U + b_h). Shared by the CPU reference and CUDA.
//
// Gate order r (reset), z (update), n (candidate), as in cuDNN and PyTorch:
//   r = σ(gx_r + gh_r),  z = σ(gx_z + gh_z),  n = tanh(gx_n + r ⊙ gh_n),  h = (1 − z) ⊙ n + z ⊙ h_prev
// (r multiplies h·U_n + b_hn, so one GEMM h·U makes all three recurrent terms).
#pragma once

#include <cstdint>

#include "kernels/common.h"

namespace sr {

struct GruForwardArgs {
  int64_t rows = 0, hidden = 0;
  const float* gx = nullptr;      // rows x 3H: x·W + b_x
  const float* gh = nullptr;      // rows x 3H: h_prev·U + b_h
  const float* h_prev = nullptr;  // rows x H
  float* h = nullptr;             // rows x H (may not alias h_prev)
  float* cache = nullptr;         // rows x 4H: r, z, n, gh_n, kept for backward; or null
};

// From dh (the loss's gradient at h) and what forward cached:
//   dgx = [dr_pre, dz_pre, dn_pre],  dgh = [dr_pre, dz_pre, dn_pre ⊙ r]   (written)
//   dh_prev += dh ⊙ z                (when given; the path through U is a GEMM: dgh · Uᵀ)
struct GruBackwardArgs {
  int64_t rows = 0, hidden = 0;
  const float* dh = nullptr;      // rows x H
  const float* cache = nullptr;   // rows x 4H from forward
  const float* h_prev = nullptr;  // rows x H
  float* dgx = nullptr;           // rows x 3H
  float* dgh = nullptr;           // rows x 3H
  float* dh_prev = nullptr;       // rows x H or null
};

SR_HD float gru_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// One hidden unit j of one row: the forward of the cell.
SR_HD void gru_forward_unit(const GruForwardArgs& a, int64_t row, int64_t j) {
  const int64_t H = a.hidden;
  const float* gx = a.gx + row * 3 * H;
  const float* gh = a.gh + row * 3 * H;
  const float r = gru_sigmoid(gx[j] + gh[j]);
  const float z = gru_sigmoid(gx[H + j] + gh[H + j]);
  const float ghn = gh[2 * H + j];
  const float n = tanhf(gx[2 * H + j] + r * ghn);
  const float hp = a.h_prev[row * H + j];
  a.h[row * H + j] = (1.0f - z) * n + z * hp;
  if (a.cache) {
    float* c = a.cache + row * 4 * H;
    c[j] = r, c[H + j] = z, c[2 * H + j] = n, c[3 * H + j] = ghn;
  }
}

// One hidden unit j of one row: the backward of the cell.
SR_HD void gru_backward_unit(const GruBackwardArgs& a, int64_t row, int64_t j) {
  const int64_t H = a.hidden;
  const float* c = a.cache + row * 4 * H;
  const float r = c[j], z = c[H + j], n = c[2 * H + j], ghn = c[3 * H + j];
  const float dh = a.dh[row * H + j], hp = a.h_prev[row * H + j];
  const float dn_pre = dh * (1.0f - z) * (1.0f - n * n);
  const float dz_pre = dh * (hp - n) * z * (1.0f - z);
  const float dr_pre = dn_pre * ghn * r * (1.0f - r);
  float* dgx = a.dgx + row * 3 * H;
  float* dgh = a.dgh + row * 3 * H;
  dgx[j] = dr_pre, dgx[H + j] = dz_pre, dgx[2 * H + j] = dn_pre;
  dgh[j] = dr_pre, dgh[H + j] = dz_pre, dgh[2 * H + j] = dn_pre * r;
  if (a.dh_prev) a.dh_prev[row * H + j] += dh * z;
}

}  // namespace sr
