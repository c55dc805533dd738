// Rows scaled to unit length, for cosine scores (NISER, Gupta et al. 2019: normalized item and
// session embeddings under a fixed softmax temperature). Both directions go through the primitives:
// a row's squared norm is the sampled dot on the diagonal, the scaling a gather on it.
#pragma once

#include <cstdint>

#include "engine/net/exec.h"

namespace sr {

// y_r = x_r / ‖x_r‖ for n contiguous rows of width d; inv_norm (n) keeps 1 / ‖x_r‖ for backward.
void normalize_rows(Exec& ex, const float* x, int64_t n, int64_t d, float* y, float* inv_norm);

// dx_r += (dy_r − y_r ⟨y_r, dy_r⟩) / ‖x_r‖, from normalize_rows' y and inv_norm. dots (n) and
// tmp (n x d) are work space.
void normalize_rows_backward(Exec& ex, const float* y, const float* inv_norm, const float* dy, int64_t n, int64_t d,
                             float* dots, float* tmp, float* dx);

}  // namespace sr
