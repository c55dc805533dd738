#include "engine/data/file_split.h"

#include <algorithm>

#include "kernels/error.h"

namespace sr {

namespace {
// The sorted union of two increasing id lists, and where each list's ids went in it.
std::vector<int64_t> union_ids(std::span<const int64_t> a, std::span<const int64_t> b, std::vector<int32_t>& a_to,
                               std::vector<int32_t>& b_to) {
  std::vector<int64_t> u;
  u.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(u));
  auto place = [&u](std::span<const int64_t> ids, std::vector<int32_t>& to) {
    to.resize(ids.size());
    for (size_t k = 0; k < ids.size(); ++k)
      to[k] = static_cast<int32_t>(std::lower_bound(u.begin(), u.end(), ids[k]) - u.begin());
  };
  place(a, a_to), place(b, b_to);
  return u;
}
}  // namespace

JoinedSplit join_split_files(const Dataset& train, const Dataset& test, const std::string& train_name,
                             const std::string& test_name) {
  if (train.info().feedback != test.info().feedback)
    throw error("--train '", train_name, "' holds ", feedback_name(train.info().feedback), " and --test '", test_name,
                "' holds ", feedback_name(test.info().feedback), ": a split's parts are of one kind");
  if (train.n_events() == 0) throw error("--train '", train_name, "' holds no events");
  if (test.n_events() == 0) throw error("--test '", test_name, "' holds no events");
  std::vector<int32_t> train_user, test_user, train_item, test_item;
  DatasetArrays a;
  a.user_ids = union_ids(train.user_ids(), test.user_ids(), train_user, test_user);
  a.item_ids = union_ids(train.item_ids(), test.item_ids(), train_item, test_item);
  const bool ratings = train.has_ratings() && test.has_ratings();
  const bool times = train.has_time() && test.has_time();  // without times in both, none is kept
  // The rows of each file by the user's place in the union (-1: the user is not in that file).
  std::vector<int64_t> train_row(a.user_ids.size(), -1), test_row(a.user_ids.size(), -1);
  for (size_t r = 0; r < train_user.size(); ++r)
    train_row[static_cast<size_t>(train_user[r])] = static_cast<int64_t>(r);
  for (size_t r = 0; r < test_user.size(); ++r) test_row[static_cast<size_t>(test_user[r])] = static_cast<int64_t>(r);
  JoinedSplit out;
  const int64_t n = train.n_events() + test.n_events();
  a.item.reserve(static_cast<size_t>(n)), out.split.part.reserve(static_cast<size_t>(n));
  if (ratings) a.rating.reserve(static_cast<size_t>(n));
  if (times) a.time.reserve(static_cast<size_t>(n));
  auto take = [&](const Dataset& d, const std::vector<int32_t>& item_to, int64_t e, Part p) {
    a.item.push_back(item_to[static_cast<size_t>(d.items()[static_cast<size_t>(e)])]);
    if (ratings) a.rating.push_back(d.rating(e));
    if (times) a.time.push_back(d.time(e));
    out.split.part.push_back(static_cast<uint8_t>(p));
  };
  std::vector<int32_t> pairs;  // a user's training items, sorted, to find a pair in both files
  for (size_t u = 0; u < a.user_ids.size(); ++u) {
    int64_t i = 0, i_end = 0, j = 0, j_end = 0;
    if (train_row[u] >= 0) i = train.row_begin(train_row[u]), i_end = train.row_end(train_row[u]);
    if (test_row[u] >= 0) j = test.row_begin(test_row[u]), j_end = test.row_end(test_row[u]);
    if (ratings && i < i_end && j < j_end) {
      pairs.clear();
      for (int64_t e = i; e < i_end; ++e) pairs.push_back(train_item[static_cast<size_t>(train.items()[e])]);
      std::sort(pairs.begin(), pairs.end());
      for (int64_t e = j; e < j_end; ++e) {
        const int32_t item = test_item[static_cast<size_t>(test.items()[e])];
        if (std::binary_search(pairs.begin(), pairs.end(), item))
          throw error("user ", a.user_ids[u], " rated item ", a.item_ids[static_cast<size_t>(item)],
                      " in both --train '", train_name, "' and --test '", test_name,
                      "': a test rating must not be trained on");
      }
    }
    while (i < i_end || j < j_end) {  // by time, a training event first at equal times
      const bool from_train = j >= j_end || (i < i_end && (!times || train.time(i) <= test.time(j)));
      if (from_train)
        take(train, train_item, i++, Part::train);
      else
        take(test, test_item, j++, Part::test);
    }
    a.row_ptr.push_back(static_cast<int64_t>(a.item.size()));
  }
  DatasetInfo info = train.info();
  info.source = train_name + " + " + test_name;
  info.rating_min = std::min(train.info().rating_min, test.info().rating_min);
  info.rating_max = std::max(train.info().rating_max, test.info().rating_max);
  out.data = Dataset::from_arrays(info, std::move(a));
  out.data.validate("the split of '" + train_name + "' and '" + test_name + "'");
  return out;
}

}  // namespace sr
