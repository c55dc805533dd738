#include "engine/net/row_norm.h"

#include "engine/net/elementwise.h"
#include "engine/net/recurrent_layer.h"

namespace sr {

namespace {
// z_r = ⟨a_r, b_r⟩: the sampled dot on the n x n diagonal pattern.
void row_dots(Exec& ex, const float* a, const float* b, int64_t n, int64_t d, float* z) {
  SampledDotArgs s;
  s.pattern = ex.diagonal(n), s.h = a, s.v = b, s.width = d, s.z = z;
  ex.backend().sampled_dot(s);
}
}  // namespace

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
  scale_rows(ex, dots, y, n, d, tmp, false);            // tmp = y_r ⟨y_r, dy_r⟩
  ex.backend().axpby({n * d, 1.0f, dy, -1.0f, tmp});    // tmp = dy − tmp
  scale_rows(ex, inv_norm, tmp, n, d, dx, true);        // dx += tmp / ‖x_r‖
}

}  // namespace sr
