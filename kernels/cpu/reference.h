// The CPU reference of every op: plain loops that are obviously correct. They are the spec the
// CUDA kernels are checked against, and the CPU backend runs them (parallel over independent
// outputs, which keeps every output's arithmetic in the same order).
#pragma once

#include "kernels/ops.h"

namespace sr::ref {

// Whether a loop over `work` elementary operations is worth OpenMP threads. Below this, waking the
// team costs more than it saves; and many tiny parallel regions (a pair model's step is ~40 ops on
// a few thousand numbers) leave the team spinning between them, which starves a second process on
// the same cores (NCF training beside another run was 20x slower).
constexpr int64_t kParallelMinWork = 1 << 16;
inline bool parallel_worth(int64_t work) { return work >= kParallelMinWork; }

// One reference loop per op of kernels/ops.h, e.g. void gather(const GatherArgs& a). The scatter
// loops over the CSR's nonzeros in order (its mode is ignored: the reference is deterministic).
#define SR_REFERENCE_OP(name, Args) void name(const Args& a);
SR_FOR_EACH_OP(SR_REFERENCE_OP)
#undef SR_REFERENCE_OP

}  // namespace sr::ref
