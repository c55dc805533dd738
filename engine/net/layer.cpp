#include "engine/net/layer.h"

#include "engine/net/exec.h"

namespace sr {

Tensor Layer::all_scores(Exec& ex) {
  forward(ex);
  const Tensor& y = ex.slot(output()).value;
  Tensor copy(ex.backend(), y.rows(), y.cols());
  copy.copy_from(y);
  return copy;
}

Tensor Layer::column_scores(Exec&, const Tensor&, const IndexArray&, bool) {
  throw error("layer '", name(), "' does not score the rows of a table");
}

}  // namespace sr
