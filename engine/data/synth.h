// The scale generator: interactions with planted structure, at any size, for time, memory and
// scaling work (never for quality claims). Ratings: user and item biases plus a rank-r factor
// model plus noise, rounded to 1..5 stars; item popularity is Zipf-distributed over a shuffled
// catalogue, and half of each user's items come from one favourite genre (a group of items);
// activity per user is log-normal; timestamps increase within each user. Clicks: sessions
// of geometric length whose next item often follows the last one's neighbours (learnable order).
// Each user is generated from its own seed, so output does not depend on the thread count.
#pragma once

#include <cstdint>
#include <string>

#include "engine/data/dataset.h"

namespace sr {

struct SynthOptions {
  int64_t users = 480189, items = 17770, events = 100480507;  // Netflix Prize's shape
  int rank = 8;
  double zipf = 0.9;    // popularity exponent
  bool clicks = false;  // session click stream instead of ratings
  uint64_t seed = 42;
  int threads = 0;
};

struct SynthReport {
  uint64_t bytes = 0;
  int64_t events = 0;
  double seconds = 0.0;
};

// Text in the movielens-csv layout (ratings.csv) or, for clicks, the rsc15 layout; written to a
// temporary name and renamed when complete.
SynthReport write_synthetic_text(const std::string& path, const SynthOptions& o);
// The same data in memory (tests).
Dataset synthesize(const SynthOptions& o);

}  // namespace sr
