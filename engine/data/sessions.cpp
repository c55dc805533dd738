#include "engine/data/sessions.h"

#include <algorithm>
#include <numeric>

#include "kernels/error.h"

namespace sr {

void Sessions::add(const std::vector<int32_t>& clicks) {
  item.insert(item.end(), clicks.begin(), clicks.end());
  start.push_back(static_cast<int64_t>(item.size()));
}

Sessions session_range(const Sessions& s, int64_t begin, int64_t end) {
  SR_CHECK(0 <= begin && begin <= end && end <= s.size(), "sessions ", begin, "..", end, " of ", s.size());
  Sessions out;
  out.n_items = s.n_items;
  const int64_t first = s.start[static_cast<size_t>(begin)];
  out.item.assign(s.item.begin() + first, s.item.begin() + s.start[static_cast<size_t>(end)]);
  out.start.clear();
  for (int64_t i = begin; i <= end; ++i) out.start.push_back(s.start[static_cast<size_t>(i)] - first);
  return out;
}

namespace {
// Rows of d (their clicks for which keep(e) holds, mapped by map(item)) with two or more clicks,
// in the order of their first kept click.
template <class Keep, class Map>
Sessions collect(const Dataset& d, int64_t n_items, Keep keep, Map map, int64_t* dropped) {
  std::vector<std::vector<int32_t>> rows(static_cast<size_t>(d.n_users()));
  std::vector<int64_t> first(static_cast<size_t>(d.n_users()), 0);
  int64_t n_dropped = 0;
  for (int64_t u = 0; u < d.n_users(); ++u) {
    for (int64_t e = d.row_begin(u); e < d.row_end(u); ++e) {
      if (!keep(e)) continue;
      const int32_t i = map(d.items()[e]);
      if (i < 0) {
        ++n_dropped;
        continue;
      }
      if (rows[u].empty()) first[u] = d.time(e);
      rows[u].push_back(i);
    }
  }
  std::vector<int64_t> order;
  for (int64_t u = 0; u < d.n_users(); ++u)
    if (rows[u].size() >= 2) order.push_back(u);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return first[a] < first[b]; });
  Sessions s;
  s.n_items = n_items;
  for (int64_t u : order) s.add(rows[u]);
  if (dropped) *dropped = n_dropped;
  return s;
}
}  // namespace

Sessions sessions_of(const Dataset& d, const Split& s, Part p) {
  SR_CHECK(static_cast<int64_t>(s.part.size()) == d.n_events(), "split of ", s.part.size(), " events for ",
           d.n_events());
  return collect(
      d, d.n_items(), [&](int64_t e) { return s.part[e] == static_cast<uint8_t>(p); }, [](int32_t i) { return i; },
      nullptr);
}

Sessions sessions_of(const Dataset& d) {
  return collect(
      d, d.n_items(), [](int64_t) { return true; }, [](int32_t i) { return i; }, nullptr);
}

Sessions sessions_in_item_space(const Dataset& test, const Dataset& train, int64_t* dropped_clicks) {
  return sessions_in_item_space(test, train.item_ids(), dropped_clicks);
}

Sessions sessions_in_item_space(const Dataset& test, std::span<const int64_t> train_item_ids, int64_t* dropped_clicks) {
  std::vector<int32_t> to_train(static_cast<size_t>(test.n_items()));
  for (int64_t i = 0; i < test.n_items(); ++i)
    to_train[i] = static_cast<int32_t>(index_of(train_item_ids, test.item_ids()[i]));
  return collect(
      test, static_cast<int64_t>(train_item_ids.size()), [](int64_t) { return true; },
      [&](int32_t i) { return to_train[i]; }, dropped_clicks);
}

std::vector<int64_t> item_counts(const Sessions& s) {
  std::vector<int64_t> c(static_cast<size_t>(s.n_items), 0);
  for (int32_t i : s.item) ++c[i];
  return c;
}

}  // namespace sr
