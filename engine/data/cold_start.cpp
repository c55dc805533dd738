#include "engine/data/cold_start.h"

#include <algorithm>
#include <cctype>

#include "engine/data/dataset.h"
#include "engine/data/rng.h"
#include "engine/data/side_features.h"
#include "kernels/error.h"

namespace sr {

int64_t ColdStartSplit::n_cold() const { return std::count(cold.begin(), cold.end(), uint8_t{1}); }

namespace {
void push_row(HostCsr& m, std::vector<int32_t>& cols) {
  std::sort(cols.begin(), cols.end());
  for (int32_t c : cols) m.col_idx.push_back(c), m.val.push_back(1.0f);
  m.row_ptr.push_back(static_cast<int32_t>(m.col_idx.size()));
}
}  // namespace

HostCsr interaction_pairs(const Dataset& d) {
  HostCsr m;
  m.rows = d.n_users(), m.cols = d.n_items();
  std::vector<int32_t> items;
  for (int64_t u = 0; u < d.n_users(); ++u) {
    items.assign(d.items().begin() + d.row_begin(u), d.items().begin() + d.row_end(u));
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    push_row(m, items);
  }
  return m;
}

ColdStartSplit cold_start_split(const HostCsr& pairs, double cold_share, double warm_holdout, uint64_t seed) {
  if (!(cold_share > 0.0 && cold_share < 1.0))
    throw error("cold start: the share of cold items must be in (0, 1), got ", cold_share);
  if (!(warm_holdout >= 0.0 && warm_holdout < 1.0))
    throw error("cold start: the share of warm items held out must be in [0, 1), got ", warm_holdout);
  const int64_t U = pairs.rows, I = pairs.cols;
  std::vector<int32_t> seen(pairs.col_idx.begin(), pairs.col_idx.end());
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  const auto n_cold = std::max<int64_t>(1, std::llround(cold_share * static_cast<double>(seen.size())));
  if (static_cast<int64_t>(seen.size()) < 2 || n_cold >= static_cast<int64_t>(seen.size()))
    throw error("cold start: ", seen.size(), " items have interactions; too few to make ", cold_share * 100.0,
                " % of them cold and keep the rest");
  Rng pick(stream_seed(seed, 0, 0x636f6c64ull));
  pick.shuffle(seen);
  ColdStartSplit s;
  s.cold.assign(static_cast<size_t>(I), 0);
  for (int64_t k = 0; k < n_cold; ++k) s.cold[static_cast<size_t>(seen[static_cast<size_t>(k)])] = 1;
  for (HostCsr* m : {&s.train, &s.warm_test, &s.cold_test}) m->rows = U, m->cols = I;
  std::vector<int32_t> warm, held, cold;
  for (int64_t u = 0; u < U; ++u) {
    warm.clear(), cold.clear(), held.clear();
    for (int32_t e = pairs.row_ptr[u]; e < pairs.row_ptr[u + 1]; ++e)
      (s.cold[static_cast<size_t>(pairs.col_idx[e])] ? cold : warm).push_back(pairs.col_idx[e]);
    if (warm.size() >= 5) {
      Rng rng(stream_seed(seed, 1, static_cast<uint64_t>(u)));
      rng.shuffle(warm);
      const auto n_held = static_cast<size_t>(warm_holdout * static_cast<double>(warm.size()));
      held.assign(warm.begin(), warm.begin() + static_cast<std::ptrdiff_t>(n_held));
      warm.erase(warm.begin(), warm.begin() + static_cast<std::ptrdiff_t>(n_held));
    }
    push_row(s.train, warm), push_row(s.warm_test, held), push_row(s.cold_test, cold);
  }
  return s;
}

HostCsr title_characters(std::span<const std::string> titles, std::span<const int32_t> items, int64_t steps) {
  const auto B = static_cast<int64_t>(items.size());
  HostCsr m;
  m.rows = steps * B, m.cols = kTitleAlphabet;
  for (int64_t t = 0; t < steps; ++t)
    for (int64_t b = 0; b < B; ++b) {
      const std::string& title = titles[static_cast<size_t>(items[static_cast<size_t>(b)])];
      const int c = t < static_cast<int64_t>(title.size()) ? std::tolower(static_cast<unsigned char>(title[t])) : 0;
      m.col_idx.push_back(c), m.val.push_back(1.0f);
      m.row_ptr.push_back(static_cast<int32_t>(m.col_idx.size()));
    }
  return m;
}

std::vector<std::string> item_titles(const Dataset& d) {
  const SideFeatures* f = d.item_features();
  if (f)
    for (const FieldInfo& field : f->fields)
      if (field.kind == FieldKind::text) {
        std::vector<std::string> out(static_cast<size_t>(d.n_items()));
        for (int64_t i = 0; i < d.n_items() && i < f->rows(); ++i)
          out[static_cast<size_t>(i)] = f->text_of(i, field.first);
        return out;
      }
  throw error("cold start: the dataset's items have no text field (a title) for the character CNN",
              f ? "; their fields are not text" : "; import it with --item-features (u.item, movies.dat, movies.csv)");
}

HostCsr concat_columns(std::span<const HostCsr* const> parts) {
  SR_CHECK(!parts.empty(), "concat_columns: no tables");
  HostCsr m;
  m.rows = parts[0]->rows;
  for (const HostCsr* p : parts) {
    SR_CHECK(p->rows == m.rows, "concat_columns: tables of ", m.rows, " and ", p->rows, " rows");
    m.cols += p->cols;
  }
  for (int64_t r = 0; r < m.rows; ++r) {
    int64_t shift = 0;
    for (const HostCsr* p : parts) {
      for (int32_t e = p->row_ptr[r]; e < p->row_ptr[r + 1]; ++e) {
        m.col_idx.push_back(static_cast<int32_t>(p->col_idx[e] + shift));
        m.val.push_back(p->val.empty() ? 1.0f : p->val[e]);
      }
      shift += p->cols;
    }
    m.row_ptr.push_back(static_cast<int32_t>(m.col_idx.size()));
  }
  return m;
}

HostCsr concat_rows(const HostCsr& a, const HostCsr& b) {
  SR_CHECK(a.cols == b.cols, "concat_rows: ", a.cols, " and ", b.cols, " columns");
  HostCsr m = a;
  if (m.val.empty()) m.val.assign(m.col_idx.size(), 1.0f);
  for (int64_t r = 0; r < b.rows; ++r) {
    for (int32_t e = b.row_ptr[r]; e < b.row_ptr[r + 1]; ++e)
      m.col_idx.push_back(b.col_idx[e]), m.val.push_back(b.val.empty() ? 1.0f : b.val[e]);
    m.row_ptr.push_back(static_cast<int32_t>(m.col_idx.size()));
  }
  m.rows += b.rows;
  return m;
}

}  // namespace sr
