#include "engine/data/id_map.h"

#include <algorithm>

#include "kernels/error.h"

namespace sr {

IdIndex::IdIndex(std::span<const int64_t> sorted_ids) {
  // The longest prefix of ids that a flat table holds within the density bound.
  auto split = std::lower_bound(sorted_ids.begin(), sorted_ids.end(), kDirectIdLimit);
  while (split != sorted_ids.begin() && !direct_table_fits(*(split - 1) + 1, split - sorted_ids.begin())) --split;
  if (split != sorted_ids.begin()) direct_.assign(static_cast<size_t>(*(split - 1)) + 1, -1);
  for (auto it = sorted_ids.begin(); it != split; ++it)
    direct_[static_cast<size_t>(*it)] = static_cast<int32_t>(it - sorted_ids.begin());
  sparse_.assign(split, sorted_ids.end());
  sparse_base_ = split - sorted_ids.begin();
}

std::vector<int64_t> merge_ids(std::span<const IdCounter> counters, const char* what) {
  size_t direct = 0;
  for (const IdCounter& c : counters) direct = std::max(direct, c.direct().size());
  std::vector<int64_t> ids;
  for (size_t id = 0; id < direct; ++id)
    for (const IdCounter& c : counters)
      if (id < c.direct().size() && c.direct()[id] != 0) {
        ids.push_back(static_cast<int64_t>(id));
        break;
      }
  for (const IdCounter& c : counters)  // one thread's sparse ids may be in another's flat range
    for (const auto& [id, count] : c.sparse()) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.size() > static_cast<size_t>(INT32_MAX))
    throw error("the input names ", ids.size(), " distinct ", what,
                "; at most 2^31 - 1 are supported (dense indices are 32-bit)");
  return ids;
}

}  // namespace sr
