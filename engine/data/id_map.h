// Remapping the ids of an input file to dense indices, in two passes that threads run on their
// own part of the input: IdCounter counts how often each id occurs (pass one, one per thread);
// merge_ids() gives the distinct ids in increasing order (dense index = rank, so the mapping does
// not depend on the order of the input or the number of threads) and an IdIndex for pass two.
// Ids that are small and dense enough — the common case, MovieLens and Netflix ids — live in flat
// arrays indexed by id; others (RSC15's 2e8 item ids, 64-bit hashes, a few stray large ids) in
// hash tables, so memory stays proportional to the number of distinct ids.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace sr {

constexpr int64_t kDirectIdLimit = int64_t{1} << 25;
// A flat table may span up to this many slots per distinct id (or kDirectFloor slots): denser
// than that, a hash table is smaller. The floor (16 MiB of counts) covers the ids of every public
// dataset, whatever part of the file a thread starts in (Netflix: user ids up to 2.65 million).
constexpr int64_t kDirectSlotsPerId = 16, kDirectFloor = int64_t{1} << 22;

inline bool direct_table_fits(int64_t slots, int64_t distinct) {
  return slots <= kDirectIdLimit && slots <= std::max(kDirectFloor, kDirectSlotsPerId * distinct);
}

class IdCounter {
 public:
  void add(int64_t id) {  // id >= 0
    if (static_cast<size_t>(id) < direct_.size()) {
      distinct_ += direct_[static_cast<size_t>(id)]++ == 0;
      return;
    }
    const int64_t bound = std::min(kDirectIdLimit, std::max(kDirectFloor, kDirectSlotsPerId * (distinct_ + 1)));
    if (id < bound) {  // grow geometrically, within the bound
      direct_.resize(
          static_cast<size_t>(std::min(bound, std::max<int64_t>(id + 1, static_cast<int64_t>(direct_.size()) * 2))));
      // Ids counted in the hash table while the flat table was smaller move into it: an id is
      // counted in one place only.
      for (auto it = sparse_.begin(); it != sparse_.end();) {
        if (static_cast<size_t>(it->first) < direct_.size()) {
          direct_[static_cast<size_t>(it->first)] = it->second;
          it = sparse_.erase(it);
        } else {
          ++it;
        }
      }
      distinct_ += direct_[static_cast<size_t>(id)]++ == 0;
      return;
    }
    distinct_ += sparse_[id]++ == 0;
  }
  uint32_t count(int64_t id) const {
    if (static_cast<size_t>(id) < direct_.size()) return direct_[static_cast<size_t>(id)];
    const auto it = sparse_.find(id);
    return it == sparse_.end() ? 0 : it->second;
  }
  const std::vector<uint32_t>& direct() const { return direct_; }
  const std::unordered_map<int64_t, uint32_t>& sparse() const { return sparse_; }

 private:
  std::vector<uint32_t> direct_;
  std::unordered_map<int64_t, uint32_t> sparse_;
  int64_t distinct_ = 0;
};

class IdIndex {
 public:
  IdIndex() = default;
  explicit IdIndex(std::span<const int64_t> sorted_ids);
  int32_t operator[](int64_t id) const {  // -1 when absent
    if (static_cast<size_t>(id) < direct_.size()) return direct_[static_cast<size_t>(id)];
    // The rest are sorted and follow the flat table's ids: binary search, 8 bytes per id.
    const auto it = std::lower_bound(sparse_.begin(), sparse_.end(), id);
    return it != sparse_.end() && *it == id ? static_cast<int32_t>(sparse_base_ + (it - sparse_.begin())) : -1;
  }

 private:
  std::vector<int32_t> direct_;
  std::vector<int64_t> sparse_;
  int64_t sparse_base_ = 0;
};

// The distinct ids counted by any of `counters`, increasing. Throws sr::Error when there are more
// than 2^31 - 1 of them (dense indices are 32-bit), naming `what` ("users", "items").
std::vector<int64_t> merge_ids(std::span<const IdCounter> counters, const char* what);

}  // namespace sr
