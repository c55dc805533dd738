#include "engine/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <sstream>

#include "engine/checksum.h"
#include "engine/data/side_features.h"
#include "kernels/error.h"

namespace sr {

const char* feedback_name(Feedback f) { return f == Feedback::ratings ? "ratings" : "clicks"; }

Dataset Dataset::from_arrays(DatasetInfo info, DatasetArrays&& a) {
  auto owned = std::make_shared<DatasetArrays>(std::move(a));
  return from_views(std::move(info), owned->row_ptr, owned->item, owned->rating, owned->time, owned->user_ids,
                    owned->item_ids, owned);
}

Dataset Dataset::from_views(DatasetInfo info, std::span<const int64_t> row_ptr, std::span<const int32_t> item,
                            std::span<const float> rating, std::span<const int64_t> time,
                            std::span<const int64_t> user_ids, std::span<const int64_t> item_ids,
                            std::shared_ptr<const void> keep_alive) {
  Dataset d;
  d.info_ = std::move(info);
  d.row_ptr_ = row_ptr, d.item_ = item, d.rating_ = rating, d.time_ = time;
  d.user_ids_ = user_ids, d.item_ids_ = item_ids;
  d.storage_ = std::move(keep_alive);
  return d;
}

void Dataset::set_features(std::shared_ptr<const SideFeatures> users, std::shared_ptr<const SideFeatures> items) {
  if (users && users->rows() != n_users())
    throw error("user features: ", users->rows(), " rows for ", n_users(), " users");
  if (items && items->rows() != n_items())
    throw error("item features: ", items->rows(), " rows for ", n_items(), " items");
  user_features_ = std::move(users), item_features_ = std::move(items);
}

void Dataset::validate(const std::string& what) const {
  const int64_t n = n_events();
  if (static_cast<int64_t>(row_ptr_.size()) != n_users() + 1)
    throw error(what, ": row_ptr has ", row_ptr_.size(), " entries for ", n_users(), " users");
  if (row_ptr_[0] != 0 || row_ptr_[n_users()] != n)
    throw error(what, ": row_ptr runs from ", row_ptr_[0], " to ", row_ptr_[n_users()], ", not from 0 to ", n);
  for (int64_t u = 0; u < n_users(); ++u)
    if (row_ptr_[u + 1] < row_ptr_[u]) throw error(what, ": row_ptr decreases at user ", u);
  if (!rating_.empty() && static_cast<int64_t>(rating_.size()) != n)
    throw error(what, ": ", rating_.size(), " ratings for ", n, " events");
  if (!time_.empty() && static_cast<int64_t>(time_.size()) != n)
    throw error(what, ": ", time_.size(), " timestamps for ", n, " events");
  const int64_t items = n_items();
  int64_t bad = -1;
  for (int64_t e = 0; e < n; ++e)
    bad = (static_cast<uint64_t>(item_[e]) >= static_cast<uint64_t>(items) && bad < 0) ? e : bad;
  if (bad >= 0) throw error(what, ": event ", bad, " names item ", item_[bad], " of ", items);
  for (int64_t e = 0; e < static_cast<int64_t>(rating_.size()); ++e)
    if (!(rating_[e] >= info_.rating_min && rating_[e] <= info_.rating_max))
      throw error(what, ": event ", e, " has rating ", rating_[e], " outside [", info_.rating_min, ", ",
                  info_.rating_max, "]");
  for (int64_t u = 0; u < n_users(); ++u)  // time order within each row is what splits rely on
    for (int64_t e = row_ptr_[u] + 1; !time_.empty() && e < row_ptr_[u + 1]; ++e)
      if (time_[e] < time_[e - 1]) throw error(what, ": events of user ", u, " are not in time order at event ", e);
  auto increasing = [&](std::span<const int64_t> ids, const char* name) {
    for (size_t i = 1; i < ids.size(); ++i)
      if (ids[i] <= ids[i - 1]) throw error(what, ": ", name, " ids are not distinct and increasing at index ", i);
  };
  increasing(user_ids_, "user");
  increasing(item_ids_, "item");
}

int64_t index_of(std::span<const int64_t> ids, int64_t id) {
  const auto it = std::lower_bound(ids.begin(), ids.end(), id);
  return it != ids.end() && *it == id ? it - ids.begin() : -1;
}

int64_t Dataset::user_index(int64_t id) const { return index_of(user_ids_, id); }
int64_t Dataset::item_index(int64_t id) const { return index_of(item_ids_, id); }

uint64_t dataset_fingerprint(const Dataset& d) {
  XXH3_state_t* state = XXH3_createState();
  SR_CHECK(state, "out of memory for a checksum");
  XXH3_64bits_reset(state);
  auto add = [&](auto span) { XXH3_64bits_update(state, span.data(), span.size_bytes()); };
  add(d.user_ids()), add(d.item_ids()), add(d.row_ptr()), add(d.items()), add(d.ratings()), add(d.times());
  const uint64_t sum = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return sum;
}

std::string describe_dataset(const Dataset& d) {
  std::ostringstream os;
  const double cells = static_cast<double>(d.n_users()) * static_cast<double>(d.n_items());
  os << feedback_name(d.info().feedback) << " from " << d.info().source << " (" << d.info().layout << ")\n";
  os << (d.info().feedback == Feedback::clicks ? "sessions " : "users    ") << d.n_users() << "\nitems    "
     << d.n_items() << "\nevents   " << d.n_events() << "\ndensity  " << (cells > 0 ? d.n_events() / cells : 0.0)
     << "\n";
  std::vector<int64_t> per_row(static_cast<size_t>(d.n_users()));
  for (int64_t u = 0; u < d.n_users(); ++u) per_row[u] = d.row_end(u) - d.row_begin(u);
  std::sort(per_row.begin(), per_row.end());
  if (!per_row.empty())
    os << "events per " << (d.info().feedback == Feedback::clicks ? "session" : "user") << ": min " << per_row.front()
       << ", median " << per_row[per_row.size() / 2] << ", max " << per_row.back() << "\n";
  if (d.has_time() && d.n_events() > 0) {
    const auto [lo, hi] = std::minmax_element(d.times().begin(), d.times().end());
    auto day = [](int64_t ms) {
      const std::time_t s = static_cast<std::time_t>(ms / 1000);
      char buf[32];
      std::tm tm{};
      gmtime_r(&s, &tm);
      std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
      return std::string(buf);
    };
    os << "time     " << day(*lo) << " to " << day(*hi) << "\n";
  }
  if (d.has_ratings()) {
    std::map<float, int64_t> hist;
    for (float r : d.ratings()) {
      if (hist.size() > 20 && !hist.count(r)) break;
      ++hist[r];
    }
    if (hist.size() <= 20) {
      os << "ratings:";
      for (const auto& [value, count] : hist) os << "  " << value << ": " << count;
      os << "\n";
    } else {  // continuous values: ten equal bins over the rating range
      std::vector<int64_t> bins(10, 0);
      const double lo = d.info().rating_min, w = (d.info().rating_max - lo) / 10.0;
      for (float r : d.ratings()) ++bins[std::clamp(static_cast<int>((r - lo) / w), 0, 9)];
      os << "ratings (10 bins over [" << lo << ", " << d.info().rating_max << "]):";
      for (int64_t b : bins) os << " " << b;
      os << "\n";
    }
  }
  if (d.user_features()) os << describe_side_features(*d.user_features(), "user");
  if (d.item_features()) os << describe_side_features(*d.item_features(), "item");
  return os.str();
}

}  // namespace sr
