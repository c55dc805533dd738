// Losses over a vector of scores (the values of a sparse output, or a dense output flattened),
// with their gradient, as argument structs shared by the CPU reference and CUDA.
#pragma once

#include <cstdint>

#include "kernels/sparse.h"

namespace sr {

enum class LossKind : int {
  mse = 0,           // (z - t)²
  bce_logits = 1,    // -t log σ(z) - (1 - t) log(1 - σ(z)), z a logit
  softmax_xent = 2,  // full softmax over a dense row of logits against sparse targets (SoftmaxXentArgs)
  rank = 3,          // a ranking loss per row of sampled scores (RankLossArgs)
};

// loss_out[0] = scale · Σ_i w_i · l(z_i, t_i);  dz_i = scale · w_i · ∂l/∂z_i (if dz is given).
// The sum is taken in a fixed order, so the loss is the same run to run.
struct LossArgs {
  LossKind kind = LossKind::mse;
  int64_t n = 0;
  const float* z = nullptr;
  const float* target = nullptr;
  const float* weight = nullptr;  // null means 1
  float scale = 1.0f;
  float* dz = nullptr;        // n entries or null
  float* loss_out = nullptr;  // one float on the device
};

// Multinomial log-likelihood of dense logits against sparse targets (full-softmax outputs:
// Mult-DAE/VAE, NARM). Per row r, with T_r = Σ_k t_k over the row's targets:
//   row_loss[r] = scale · (T_r · logsumexp_j z_rj − Σ_k t_k z_{r,c_k})
//   dz_rj       = scale · (T_r · softmax(z_r)_j − t_rj)
// Columns must be distinct within a target row (each is one (row, column) weight).
struct SoftmaxXentArgs {
  int64_t rows = 0, cols = 0;
  const float* z = nullptr;  // rows x cols logits
  CsrView target;            // rows x cols; val null means every target weighs 1
  float scale = 1.0f;
  float* dz = nullptr;        // rows x cols or null
  float* row_loss = nullptr;  // rows entries
};

// Ranking losses over sampled scores (GRU4Rec, Hidasi & Karatzoglou 2018). Row r's scores are
// z[row_ptr[r] .. row_ptr[r+1]): its positive is the first entry whose target is > 0, every other
// entry a negative (the batch's other targets and the shared samples). With s_p the positive's
// score, N the row's negatives (n of them) and w = softmax over N:
//   xent      −log softmax(s)_p                        (over the positive and N)
//   bpr_max   −log Σ_N w_k σ(s_p − s_k) + bpreg · Σ_N w_k s_k²
//   top1_max  Σ_N w_k (σ(s_k − s_p) + σ(s_k²))
//   bpr       (1/n) Σ_N −log σ(s_p − s_k)
//   top1      (1/n) Σ_N (σ(s_k − s_p) + σ(s_k²))
// row_loss[r] = scale · loss_r; dz = scale · ∂loss_r/∂z. A row without a positive or without
// negatives has loss 0 and zero gradient.
enum class RankLoss : int { xent = 0, bpr_max = 1, top1_max = 2, bpr = 3, top1 = 4 };

struct RankLossArgs {
  RankLoss kind = RankLoss::xent;
  int64_t rows = 0;
  const int32_t* row_ptr = nullptr;  // rows + 1 entries (a sparse output's pattern)
  const float* z = nullptr;          // row_ptr[rows] scores
  const float* target = nullptr;     // the same entries: > 0 marks the positive
  float bpreg = 0.0f;
  float scale = 1.0f;
  float* dz = nullptr;        // row_ptr[rows] entries or null
  float* row_loss = nullptr;  // rows entries
};

// The per-row arithmetic, shared by the CPU reference and the CUDA kernel: a pass for the maximum
// m (over N, and the positive for xent), a pass that adds rank_loss_terms over N into four sums,
// then the value and each entry's gradient from them.
SR_HD float rl_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }
SR_HD float rl_softplus(float x) { return x > 0.0f ? x + log1pf(expf(-x)) : log1pf(expf(x)); }

SR_HD void rank_loss_terms(RankLoss k, float s, float sp, float m, float acc[4]) {
  const float e = expf(s - m);
  switch (k) {
    case RankLoss::xent:
      acc[0] += e;
      break;
    case RankLoss::bpr_max: {
      const float sg = rl_sigmoid(sp - s);
      acc[0] += e, acc[1] += e * sg, acc[2] += e * s * s, acc[3] += e * sg * (1.0f - sg);
      break;
    }
    case RankLoss::top1_max: {
      const float sg = rl_sigmoid(s - sp);
      acc[0] += e, acc[1] += e * (sg + rl_sigmoid(s * s)), acc[2] += e * sg * (1.0f - sg);
      break;
    }
    case RankLoss::bpr: {
      acc[1] += rl_softplus(s - sp), acc[2] += rl_sigmoid(s - sp);
      break;
    }
    case RankLoss::top1: {
      const float sg = rl_sigmoid(s - sp);
      acc[1] += sg + rl_sigmoid(s * s), acc[2] += sg * (1.0f - sg);
      break;
    }
  }
}

SR_HD float rank_loss_value(RankLoss k, const float acc[4], float sp, float m, float n, float bpreg) {
  switch (k) {
    case RankLoss::xent: {
      const float total = acc[0] + expf(sp - m);
      return m + logf(total) - sp;
    }
    case RankLoss::bpr_max:
      return -logf(acc[1] / acc[0] + 1e-24f) + bpreg * acc[2] / acc[0];
    case RankLoss::top1_max:
      return acc[1] / acc[0];
    default:
      return acc[1] / n;
  }
}

SR_HD float rank_loss_grad_positive(RankLoss k, const float acc[4], float sp, float m, float n) {
  switch (k) {
    case RankLoss::xent:
      return expf(sp - m) / (acc[0] + expf(sp - m)) - 1.0f;
    case RankLoss::bpr_max:
      return -acc[3] / (acc[1] + 1e-24f * acc[0]);
    case RankLoss::top1_max:
      return -acc[2] / acc[0];
    default:
      return -acc[2] / n;
  }
}

SR_HD float rank_loss_grad_negative(RankLoss k, float s, const float acc[4], float sp, float m, float n, float bpreg) {
  const float e = expf(s - m);
  switch (k) {
    case RankLoss::xent:
      return e / (acc[0] + expf(sp - m));
    case RankLoss::bpr_max: {
      const float w = e / acc[0], a = acc[1] / acc[0], q = acc[2] / acc[0], sg = rl_sigmoid(sp - s);
      return -(w / (a + 1e-24f)) * (sg - a - sg * (1.0f - sg)) + bpreg * w * (s * s - q + 2.0f * s);
    }
    case RankLoss::top1_max: {
      const float w = e / acc[0], u_mean = acc[1] / acc[0], sg = rl_sigmoid(s - sp), sq = rl_sigmoid(s * s);
      return w * (sg + sq - u_mean) + w * (sg * (1.0f - sg) + 2.0f * s * sq * (1.0f - sq));
    }
    case RankLoss::bpr:
      return rl_sigmoid(s - sp) / n;
    case RankLoss::top1: {
      const float sg = rl_sigmoid(s - sp), sq = rl_sigmoid(s * s);
      return (sg * (1.0f - sg) + 2.0f * s * sq * (1.0f - sq)) / n;
    }
  }
  return 0.0f;
}

}  // namespace sr
