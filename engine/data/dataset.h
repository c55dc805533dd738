// A dataset of interactions: explicit ratings (MovieLens, Netflix) or implicit clicks (sessions of
// RSC15, DIGINETICA), with ids remapped to dense indices and the mapping kept, stored as CSR by
// user (a session is a "user"). Within a row, events are in time order, ties in the order of the
// input lines — so "the latest" of leave-one-out and the order of a session are the row order.
//
// The arrays are views: into vectors owned by the dataset (after an import) or into a read-only
// memory map of a binary dataset file (dataset_file.h). Copying a Dataset shares the storage.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sr {

struct SideFeatures;  // side_features.h

enum class Feedback : uint8_t { ratings = 0, clicks = 1 };  // explicit stars / implicit events
const char* feedback_name(Feedback f);

struct DatasetInfo {
  Feedback feedback = Feedback::ratings;
  std::string layout;  // the importer layout it came from ("movielens-100k", "synthetic", ...)
  std::string source;  // what it was imported from
  float rating_min = 1.0f, rating_max = 5.0f;
};

// Owned arrays, as the importer and the generator build them.
struct DatasetArrays {
  std::vector<int64_t> row_ptr{0};
  std::vector<int32_t> item;
  std::vector<float> rating;                // empty: every event counts 1 (clicks)
  std::vector<int64_t> time;                // milliseconds since the Unix epoch; empty: the input had no times
  std::vector<int64_t> user_ids, item_ids;  // dense index -> the id in the input
};

class Dataset {
 public:
  Dataset() = default;
  static Dataset from_arrays(DatasetInfo info, DatasetArrays&& a);
  // Views into storage that `keep_alive` owns (a file mapping).
  static Dataset from_views(DatasetInfo info, std::span<const int64_t> row_ptr, std::span<const int32_t> item,
                            std::span<const float> rating, std::span<const int64_t> time,
                            std::span<const int64_t> user_ids, std::span<const int64_t> item_ids,
                            std::shared_ptr<const void> keep_alive);

  const DatasetInfo& info() const { return info_; }
  int64_t n_users() const { return static_cast<int64_t>(user_ids_.size()); }
  int64_t n_items() const { return static_cast<int64_t>(item_ids_.size()); }
  int64_t n_events() const { return static_cast<int64_t>(item_.size()); }
  bool has_ratings() const { return !rating_.empty(); }
  bool has_time() const { return !time_.empty(); }

  std::span<const int64_t> row_ptr() const { return row_ptr_; }
  std::span<const int32_t> items() const { return item_; }
  std::span<const float> ratings() const { return rating_; }
  std::span<const int64_t> times() const { return time_; }
  std::span<const int64_t> user_ids() const { return user_ids_; }
  std::span<const int64_t> item_ids() const { return item_ids_; }

  int64_t row_begin(int64_t u) const { return row_ptr_[u]; }
  int64_t row_end(int64_t u) const { return row_ptr_[u + 1]; }
  float rating(int64_t e) const { return rating_.empty() ? 1.0f : rating_[e]; }
  int64_t time(int64_t e) const { return time_.empty() ? 0 : time_[e]; }

  // Every structural invariant (row_ptr from 0 to n_events and monotone, items in range, ratings
  // finite and in range, ids distinct and increasing); throws sr::Error naming `what` and the first
  // violation. Loaders call it on every file, so a damaged file can never index out of bounds.
  void validate(const std::string& what) const;

  // Index of an id from the input, or -1.
  int64_t user_index(int64_t id) const;
  int64_t item_index(int64_t id) const;

  // Side information about the users and items (side_features.h; rows by index), or null when
  // the dataset was imported without it. Not part of the fingerprint: the interactions are.
  const SideFeatures* user_features() const { return user_features_.get(); }
  const SideFeatures* item_features() const { return item_features_.get(); }
  // Rows must match n_users() / n_items(); checked.
  void set_features(std::shared_ptr<const SideFeatures> users, std::shared_ptr<const SideFeatures> items);

 private:
  DatasetInfo info_;
  std::span<const int64_t> row_ptr_, time_, user_ids_, item_ids_;
  std::span<const int32_t> item_;
  std::span<const float> rating_;
  std::shared_ptr<const void> storage_;
  std::shared_ptr<const SideFeatures> user_features_, item_features_;
};

// Shape, density and rating histogram, as `sparserec info` prints them.
std::string describe_dataset(const Dataset& d);

// The index of `id` in increasing `ids` (a dataset's or a model file's map), or -1.
int64_t index_of(std::span<const int64_t> ids, int64_t id);

// A checksum of what the dataset holds (ids, events, ratings, times), the same for the text and the
// binary file of one dataset: how a model file recognises the data it was trained on.
uint64_t dataset_fingerprint(const Dataset& d);

}  // namespace sr
