#include "engine/net/row_norm.h"

#include "engine/net/dense_ops.h"

namespace sr {

void normalize_rows(Exec& ex, const float* x, int64_t n, int64_t d, float* y, float* inv_norm) {
  if (n == 0) return;
  row_dots(ex, x, x, n, d, inv_norm);
  elementwise(ex.backend(), EwKind::inv_sqrt, n, inv_norm, inv_norm);
  scale_rows(ex, inv_norm, x, n, d, y, false);
}

void normalize_rows_backward(Exec& ex, const float* y, const float* inv_norm, const float* dy, int64_t n, int64_t d,
                             float* dots, float* tmp, float* dx) {
  if (n == 0) return;
  row_dots(ex, y, dy, n, d, dots);
  scale_rows(ex, dots, y, n, d, tmp, false);                                   // tmp = y_r ⟨y_r, dy_r⟩
  ex.backend().axpby({.n = n * d, .a = 1.0f, .x = dy, .b = -1.0f, .y = tmp});  // tmp = dy − tmp
  scale_rows(ex, inv_norm, tmp, n, d, dx, true);                               // dx += tmp / ‖x_r‖
}

}  // namespace sr
