#include "engine/data/split.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/data/rng.h"
#include "engine/error.h"

namespace sr {

Split random_holdout(int64_t n, double test_fraction, uint64_t seed) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    throw error("test fraction must be in (0, 1), got ", test_fraction);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed);
  rng.shuffle(order);
  const auto n_test = static_cast<int64_t>(std::llround(test_fraction * static_cast<double>(n)));
  Split s;
  s.test.assign(order.begin(), order.begin() + n_test);
  s.train.assign(order.begin() + n_test, order.end());
  std::sort(s.test.begin(), s.test.end());
  std::sort(s.train.begin(), s.train.end());
  return s;
}

}  // namespace sr
