#include "engine/eval/item_vector_session_scorer.h"

#include <cmath>

#include "engine/net/dense_ops.h"
#include "kernels/error.h"

namespace sr {

ItemVectorTables similar_item_tables(int64_t n, int64_t dim, const std::vector<float>& vectors) {
  SR_CHECK(static_cast<int64_t>(vectors.size()) == n * dim, "similar_item_tables: ", vectors.size(), " floats are not ",
           n, " x ", dim);
  ItemVectorTables t;
  t.n = n, t.dim = dim, t.query = vectors;
  for (int64_t i = 0; i < n; ++i) {
    double norm = 0.0;
    for (int64_t c = 0; c < dim; ++c) norm += double{t.query[i * dim + c]} * t.query[i * dim + c];
    const float inv = norm > 0.0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;  // a zero vector stays 0
    for (int64_t c = 0; c < dim; ++c) t.query[i * dim + c] *= inv;
  }
  t.key = t.query;
  return t;
}

ItemVectorTables context_tables(int64_t n, int64_t dim, const std::vector<float>& input,
                                const std::vector<float>& output, const std::vector<float>& bias) {
  SR_CHECK(static_cast<int64_t>(input.size()) == n * dim && static_cast<int64_t>(output.size()) == n * dim &&
               static_cast<int64_t>(bias.size()) == n,
           "context_tables: tables of ", input.size(), ", ", output.size(), " and ", bias.size(), " floats for ", n,
           " x ", dim);
  ItemVectorTables t;
  t.n = n, t.dim = dim, t.query = input;
  t.key.reserve(static_cast<size_t>(n * (dim + 1)));
  for (int64_t i = 0; i < n; ++i) {
    t.key.insert(t.key.end(), output.begin() + i * dim, output.begin() + (i + 1) * dim);
    t.key.push_back(bias[static_cast<size_t>(i)]);
  }
  return t;
}

ItemVectorSessionScorer::ItemVectorSessionScorer(Backend& be, const ItemVectorTables& t, int recent, float decay)
    : be_(be), n_(t.n), dim_(t.dim), query_(t.query), recent_(recent), decay_(decay) {
  SR_CHECK(recent >= 1, "a session's query needs at least one recent click, got ", recent);
  const auto key_dim = static_cast<int64_t>(t.key.size()) / std::max<int64_t>(1, t.n);
  SR_CHECK(key_dim == t.dim || key_dim == t.dim + 1, "item key vectors of ", key_dim, " for queries of ", t.dim);
  key_ = Tensor::from_host(be, t.key, t.n, key_dim);
}

void ItemVectorSessionScorer::advance(const std::vector<int32_t>& items, const std::vector<int32_t>& starts) {
  history_.resize(items.size());
  for (size_t l = 0; l < items.size(); ++l) {
    if (items[l] < 0 || items[l] >= n_) throw error("item index ", items[l], " is outside [0, ", n_, ")");
    auto& h = history_[l];
    if (starts[l]) h.clear();
    h.push_back(items[l]);
    if (static_cast<int>(h.size()) > recent_) h.erase(h.begin());
  }
}

void ItemVectorSessionScorer::step(const std::vector<int32_t>& items, const std::vector<int32_t>& starts,
                                   std::vector<float>& scores) {
  advance(items, starts);
  const auto lanes = static_cast<int64_t>(items.size()), width = key_.cols();
  std::vector<float> q(static_cast<size_t>(lanes * width), 0.0f);
  for (int64_t l = 0; l < lanes; ++l) {
    const auto& h = history_[static_cast<size_t>(l)];
    float w = 1.0f, total = 0.0f;
    for (auto it = h.rbegin(); it != h.rend(); ++it, w *= decay_) {  // the latest click first
      const float* v = query_.data() + int64_t{*it} * dim_;
      for (int64_t c = 0; c < dim_; ++c) q[l * width + c] += w * v[c];
      total += w;
    }
    if (width > dim_) q[l * width + dim_] = total;  // meets the key's bias column
  }
  const Tensor query = Tensor::from_host(be_, q, lanes, width);
  Tensor s(be_, lanes, n_);
  matmul(be_, mat(query), mat(key_).t(), s.data());
  scores = s.to_host();
}

}  // namespace sr
