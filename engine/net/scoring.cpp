#include "engine/net/scoring.h"

#include "kernels/error.h"

namespace sr {

namespace {
// run_until for a layer that scores the rows of a table (a sparse output).
Layer& table_scorer(Exec& ex, Var v) {
  Layer& layer = ex.run_until(v);
  if (!layer.scores_columns())
    throw error("model '", ex.net().name(), "': '", layer.name(), "' is not a sparse output");
  return layer;
}
}  // namespace

Tensor all_scores(Exec& ex, Var output) { return ex.run_until(output).all_scores(ex); }

std::vector<float> sparse_values(Exec& ex, Var v) {
  Exec::Slot& s = ex.slot(v);
  SR_CHECK(s.values, "'", ex.net().var(v).name, "' has no values: run forward first");
  std::vector<float> out(static_cast<size_t>(s.pattern->nnz()));
  if (!out.empty()) ex.backend().download(out.data(), s.values, out.size() * sizeof(float));
  return out;
}

Tensor output_input(Exec& ex, Var v) {
  const Tensor& h = ex.slot(table_scorer(ex, v).inputs()[0]).value;
  Tensor copy(ex.backend(), h.rows(), h.cols());
  copy.copy_from(h);
  return copy;
}

Tensor column_scores(Exec& ex, Var v, const Tensor& h_all, const IndexArray& columns, bool columns_as_rows) {
  return ex.net().producer(v).column_scores(ex, h_all, columns, columns_as_rows);
}

}  // namespace sr
