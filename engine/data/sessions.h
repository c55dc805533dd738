// Click sessions as item sequences in entry order — the order of their first click, as GRU4Rec
// feeds them to its session-parallel mini-batches — for the session models' trainer, their
// evaluation (the session protocol of BENCHMARKS.md) and the session baselines.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/data/dataset.h"
#include "engine/data/split.h"

namespace sr {

struct Sessions {
  std::vector<int64_t> start{0};  // session s is item[start[s] .. start[s + 1])
  std::vector<int32_t> item;      // item indices of the training item space
  int64_t n_items = 0;

  int64_t size() const { return static_cast<int64_t>(start.size()) - 1; }
  int64_t events() const { return static_cast<int64_t>(item.size()); }
  std::span<const int32_t> operator[](int64_t s) const {
    return {item.data() + start[static_cast<size_t>(s)], static_cast<size_t>(start[s + 1] - start[s])};
  }
  void add(const std::vector<int32_t>& clicks);
};

// The clicks of part `p` of every row (session) of d that has at least two of them, sessions in
// the order of their first such click (ties: row order).
Sessions sessions_of(const Dataset& d, const Split& s, Part p);
// Every session of d with at least two clicks.
Sessions sessions_of(const Dataset& d);

// The sessions of `test` over the item space of `train` (matched by original item id): clicks on
// items that training never saw are dropped, then sessions left with fewer than two clicks — the
// GRU4Rec preprocessing of BENCHMARKS.md. `dropped_clicks` (if given) counts the clicks dropped.
Sessions sessions_in_item_space(const Dataset& test, const Dataset& train, int64_t* dropped_clicks = nullptr);
// The same over an item space given by its ids (increasing: dense index -> id), as a model file keeps it.
Sessions sessions_in_item_space(const Dataset& test, std::span<const int64_t> train_item_ids,
                                int64_t* dropped_clicks = nullptr);

// Sessions [begin, end) of `s`, in the same item space (early stopping validates on the latest
// sessions of training: the last ones in entry order).
Sessions session_range(const Sessions& s, int64_t begin, int64_t end);

// How often each item is clicked in `s` (popularity), n_items entries.
std::vector<int64_t> item_counts(const Sessions& s);

}  // namespace sr
