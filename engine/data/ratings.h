// Explicit ratings (user, item, rating, time) with ids remapped to dense indices, read from the
// MovieLens 100K layout (`u.data`: user, item, rating, timestamp; tab or space separated; a header
// line such as RecBole's `user_id:token ...` is skipped). The full importers come with the data
// layer; this reader already refuses bad input with file, line and field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/csr.h"

namespace sr {

struct Ratings {
  std::vector<int32_t> user, item;  // dense indices
  std::vector<float> rating;
  std::vector<int64_t> time;
  std::vector<int64_t> user_ids, item_ids;  // dense index -> id in the file
  float min_rating = 1.0f, max_rating = 5.0f;
  int64_t size() const { return static_cast<int64_t>(user.size()); }
  int64_t n_users() const { return static_cast<int64_t>(user_ids.size()); }
  int64_t n_items() const { return static_cast<int64_t>(item_ids.size()); }
};

// Reads ratings; throws sr::Error naming the file, line and field of the first bad line, a
// duplicate (user, item) pair with both lines, or an empty file.
Ratings read_ratings(const std::string& path, float min_rating = 1.0f, float max_rating = 5.0f);

// Which dimension a model takes as rows: users (U-AutoRec, CDAE, ...) or items (I-AutoRec).
enum class RowsAre { users, items };

// The ratings listed in `subset` as a CSR matrix with rows = users or items.
HostCsr ratings_matrix(const Ratings& r, const std::vector<int64_t>& subset, RowsAre rows);

}  // namespace sr
