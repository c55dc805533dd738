// Every op a backend runs, declared once: its name and its argument struct (kernels/<family>.h).
// From this list follow the Backend's methods (kernels/backend.h), the reference declarations and
// the CPU backend's dispatch (kernels/cpu/), and the CUDA declarations and dispatch (kernels/cuda/).
// A new op is a line here, its argument struct, its reference loop, its CUDA kernel and its cases
// in tests/op_cases.h; nothing else names it.
#pragma once

#include "kernels/dense.h"
#include "kernels/interaction.h"
#include "kernels/loss.h"
#include "kernels/optim.h"
#include "kernels/pooling.h"
#include "kernels/recurrent.h"
#include "kernels/sparse.h"
#include "kernels/topk.h"

// SR_FOR_EACH_OP(X) expands X(name, ArgStruct) once per op.
#define SR_FOR_EACH_OP(X)              \
  X(gather, GatherArgs)                \
  X(scatter, ScatterArgs)              \
  X(sampled_dot, SampledDotArgs)       \
  X(densify, DensifyArgs)              \
  X(gemm, GemmArgs)                    \
  X(bias_act, BiasActArgs)             \
  X(act_backward, ActBackwardArgs)     \
  X(col_sum, ColSumArgs)               \
  X(axpby, AxpbyArgs)                  \
  X(dropout, DropoutArgs)              \
  X(elementwise, ElementwiseArgs)      \
  X(fm_interaction, FmInteractionArgs) \
  X(step_max, StepMaxArgs)             \
  X(loss, LossArgs)                    \
  X(softmax_xent, SoftmaxXentArgs)     \
  X(rank_loss, RankLossArgs)           \
  X(gru_forward, GruForwardArgs)       \
  X(gru_backward, GruBackwardArgs)     \
  X(optimizer_update, OptArgs)         \
  X(topk, TopKArgs)
