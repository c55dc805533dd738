// Remapping the ids of an input file to dense indices, in two passes that threads run on their
// own part of the input: IdCounter counts how often each id occurs (pass one, one per thread);
// merge_ids() gives the distinct ids in increasing order (dense index = rank, so the mapping does
// not depend on the order of the input or the number of threads) and an IdIndex for pass two.
// Ids below kDirectIdLimit — the common case, MovieLens and Netflix ids — live in flat arrays;
// larger ones (RSC15's 2e8 item ids, 64-bit hashes) in hash tables.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace sr {

constexpr int64_t kDirectIdLimit = int64_t{1} << 25;

class IdCounter {
 public:
  void add(int64_t id) {  // id >= 0
    if (id < kDirectIdLimit) {
      if (static_cast<size_t>(id) >= direct_.size())
        direct_.resize(std::min<size_t>(std::max<size_t>(static_cast<size_t>(id) + 1, direct_.size() * 2), kDirectIdLimit));
      ++direct_[static_cast<size_t>(id)];
    } else {
      ++sparse_[id];
    }
  }
  uint32_t count(int64_t id) const {
    if (id < kDirectIdLimit) return static_cast<size_t>(id) < direct_.size() ? direct_[static_cast<size_t>(id)] : 0;
    const auto it = sparse_.find(id);
    return it == sparse_.end() ? 0 : it->second;
  }
  const std::vector<uint32_t>& direct() const { return direct_; }
  const std::unordered_map<int64_t, uint32_t>& sparse() const { return sparse_; }

 private:
  std::vector<uint32_t> direct_;
  std::unordered_map<int64_t, uint32_t> sparse_;
};

class IdIndex {
 public:
  IdIndex() = default;
  explicit IdIndex(std::span<const int64_t> sorted_ids);
  int32_t operator[](int64_t id) const {  // -1 when absent
    if (id < kDirectIdLimit) return static_cast<size_t>(id) < direct_.size() ? direct_[static_cast<size_t>(id)] : -1;
    const auto it = sparse_.find(id);
    return it == sparse_.end() ? -1 : it->second;
  }

 private:
  std::vector<int32_t> direct_;
  std::unordered_map<int64_t, int32_t> sparse_;
};

// The distinct ids counted by any of `counters`, increasing. Throws sr::Error when there are more
// than 2^31 - 1 of them (dense indices are 32-bit), naming `what` ("users", "items").
std::vector<int64_t> merge_ids(std::span<const IdCounter> counters, const char* what);

}  // namespace sr
