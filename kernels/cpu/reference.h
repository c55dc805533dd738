// The CPU reference of every op: plain loops that are obviously correct. They are the spec the
// CUDA kernels are checked against, and the CPU backend runs them (parallel over independent
// outputs, which keeps every output's arithmetic in the same order).
#pragma once

#include "kernels/dense.h"
#include "kernels/loss.h"
#include "kernels/optim.h"
#include "kernels/recurrent.h"
#include "kernels/sparse.h"
#include "kernels/topk.h"

namespace sr::ref {

// Whether a loop over `work` elementary operations is worth OpenMP threads. Below this, waking the
// team costs more than it saves; and many tiny parallel regions (a pair model's step is ~40 ops on
// a few thousand numbers) leave the team spinning between them, which starves a second process on
// the same cores (NCF training beside another run was 20x slower).
constexpr int64_t kParallelMinWork = 1 << 16;
inline bool parallel_worth(int64_t work) { return work >= kParallelMinWork; }

void gather(const GatherArgs& a);
void scatter(const ScatterArgs& a);  // loops over the CSR's nonzeros in order
void sampled_dot(const SampledDotArgs& a);
void gemm(const GemmArgs& a);
void bias_act(const BiasActArgs& a);
void act_backward(const ActBackwardArgs& a);
void col_sum(const ColSumArgs& a);
void axpby(const AxpbyArgs& a);
void dropout(const DropoutArgs& a);
void elementwise(const ElementwiseArgs& a);
void loss(const LossArgs& a);
void softmax_xent(const SoftmaxXentArgs& a);
void rank_loss(const RankLossArgs& a);
void gru_forward(const GruForwardArgs& a);
void gru_backward(const GruBackwardArgs& a);
void optimizer_update(const OptArgs& a);
void topk(const TopKArgs& a);

}  // namespace sr::ref
