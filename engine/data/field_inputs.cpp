#include "engine/data/field_inputs.h"

#include <algorithm>
#include <cmath>

#include "engine/data/dataset.h"
#include "engine/data/side_features.h"
#include "kernels/error.h"

namespace sr {

namespace {

// The features of row e that belong to `field`: the range [first, first + width) of its sorted
// feature list.
std::pair<int64_t, int64_t> field_span(const SideFeatures& f, int64_t e, int32_t first, int32_t width) {
  const auto b = f.feature.begin() + f.row_ptr[static_cast<size_t>(e)],
             end = f.feature.begin() + f.row_ptr[static_cast<size_t>(e) + 1];
  const auto lo = std::lower_bound(b, end, first), hi = std::lower_bound(lo, end, first + width);
  return {lo - f.feature.begin(), hi - f.feature.begin()};
}

FieldTable encode(const SideFeatures& f, const FieldInfo& field, const std::string& side, int64_t entities) {
  const bool numeric = field.kind == FieldKind::numeric;
  const auto width = static_cast<int32_t>(numeric ? 1 : field.values.size());
  FieldTable t;
  t.input = side + ":" + field.name;
  t.rows.rows = entities, t.rows.cols = width;
  double sum = 0.0, sq = 0.0;
  int64_t count = 0;
  if (numeric) {
    for (int64_t e = 0; e < f.rows(); ++e)
      if (const auto [lo, hi] = field_span(f, e, field.first, 1); lo < hi) {
        const double v = f.value[static_cast<size_t>(lo)];
        sum += v, sq += v * v, ++count;
      }
  }
  const double mean = count > 0 ? sum / static_cast<double>(count) : 0.0;
  const double var = count > 0 ? std::max(0.0, sq / static_cast<double>(count) - mean * mean) : 0.0;
  const double scale = var > 0.0 ? 1.0 / std::sqrt(var) : 1.0;
  for (int64_t e = 0; e < entities; ++e) {
    if (e < f.rows()) {
      const auto [lo, hi] = field_span(f, e, field.first, width);
      for (int64_t k = lo; k < hi; ++k) {
        t.rows.col_idx.push_back(f.feature[static_cast<size_t>(k)] - field.first);
        const double v = f.value[static_cast<size_t>(k)];
        t.rows.val.push_back(static_cast<float>(numeric ? (v - mean) * scale : 1.0 / static_cast<double>(hi - lo)));
      }
    }
    t.rows.row_ptr.push_back(static_cast<int32_t>(t.rows.col_idx.size()));
  }
  return t;
}

}  // namespace

std::vector<FieldTable> field_tables(const SideFeatures& f, const std::string& side, int64_t entities) {
  std::vector<FieldTable> out;
  for (const FieldInfo& field : f.fields)
    if (field.kind != FieldKind::text) out.push_back(encode(f, field, side, entities));
  return out;
}

std::vector<FieldTable> field_tables(const Dataset& d) {
  std::vector<FieldTable> out;
  if (const SideFeatures* u = d.user_features()) out = field_tables(*u, "user", d.n_users());
  if (const SideFeatures* i = d.item_features()) {
    std::vector<FieldTable> items = field_tables(*i, "item", d.n_items());
    out.insert(out.end(), std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
  }
  return out;
}

std::vector<FieldShape> field_shapes(const std::vector<FieldTable>& tables) {
  std::vector<FieldShape> out;
  for (const FieldTable& t : tables) out.push_back({t.input, t.rows.cols});
  return out;
}

bool is_field_input(const std::string& name) { return name.rfind("user:", 0) == 0 || name.rfind("item:", 0) == 0; }

}  // namespace sr
