// Seeded, reproducible splits of a ratings set (BENCHMARKS.md protocols).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/data/ratings.h"

namespace sr {

struct Split {
  std::vector<int64_t> train, test;  // indices into the Ratings, each in increasing order
};

// Random holdout: each rating goes to test with the given fraction (exactly round(f·n) of them),
// chosen by a Fisher–Yates shuffle seeded with `seed`.
Split random_holdout(int64_t n, double test_fraction, uint64_t seed);

}  // namespace sr
