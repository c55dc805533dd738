// Ratings with a planted rank-2 structure around 3 (30 % of all pairs rated), clamped to 1..5 and,
// with `integers`, rounded; with `half_stars` rounded to halves in 0.5..5 instead (a MovieLens
// release's scale): a rating model that learns must beat the global mean by a wide margin.
#pragma once

#include <algorithm>
#include <cmath>
#include <random>

#include "engine/data/dataset.h"
#include "engine/data/split.h"

namespace sr::test {

inline Dataset planted_ratings(int users, int items, std::mt19937_64& rng, bool integers = false,
                               bool half_stars = false) {
  DatasetArrays a;
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::vector<float> uf(users * 2), itf(items * 2);
  for (auto& v : uf) v = n(rng);
  for (auto& v : itf) v = n(rng);
  std::bernoulli_distribution keep(0.3);
  for (int u = 0; u < users; ++u) a.user_ids.push_back(u);
  for (int i = 0; i < items; ++i) a.item_ids.push_back(i);
  for (int u = 0; u < users; ++u) {
    for (int i = 0; i < items; ++i)
      if (keep(rng)) {
        const float s = 3.0f + uf[2 * u] * itf[2 * i] + uf[2 * u + 1] * itf[2 * i + 1];
        a.item.push_back(i);
        if (half_stars)
          a.rating.push_back(std::round(std::clamp(s, 0.5f, 5.0f) * 2.0f) / 2.0f);
        else
          a.rating.push_back(integers ? std::round(std::clamp(s, 1.0f, 5.0f)) : std::clamp(s, 1.0f, 5.0f));
      }
    a.row_ptr.push_back(static_cast<int64_t>(a.item.size()));
  }
  DatasetInfo info;
  if (half_stars) info.rating_min = 0.5f;
  return Dataset::from_arrays(info, std::move(a));
}

// The RMSE of predicting the training mean for every test rating: the floor a model must beat.
inline double mean_baseline_rmse(const Dataset& r, const Split& s) {
  double se = 0.0;
  const double mean = mean_rating(r, s, Part::train);
  for (int64_t i : s.events(Part::test)) se += (r.rating(i) - mean) * (r.rating(i) - mean);
  return std::sqrt(se / static_cast<double>(s.count(Part::test)));
}

}  // namespace sr::test
