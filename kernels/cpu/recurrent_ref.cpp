// CPU reference of the GRU cell ops (kernels/recurrent.h).
#include "kernels/cpu/reference.h"

namespace sr::ref {

void gru_forward(const GruForwardArgs& a) {
#pragma omp parallel for if (parallel_worth(a.rows * a.hidden * 8))
  for (int64_t r = 0; r < a.rows; ++r)
    for (int64_t j = 0; j < a.hidden; ++j) gru_forward_unit(a, r, j);
}

void gru_backward(const GruBackwardArgs& a) {
#pragma omp parallel for if (parallel_worth(a.rows * a.hidden * 8))
  for (int64_t r = 0; r < a.rows; ++r)
    for (int64_t j = 0; j < a.hidden; ++j) gru_backward_unit(a, r, j);
}

}  // namespace sr::ref
