// An item and its score: one entry of a top-K list (recommendations, neighbours).
#pragma once

#include <cstdint>

namespace sr {

struct Scored {
  int32_t item;
  float score;
};

}  // namespace sr
