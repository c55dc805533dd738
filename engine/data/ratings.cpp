#include "engine/data/ratings.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <cctype>
#include <tuple>
#include <unordered_map>

#include "engine/error.h"

namespace sr {

namespace {

const char* kFields[] = {"user", "item", "rating", "timestamp"};

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == '\t' || line[i] == ' ')) ++i;
    if (i >= line.size()) break;
    size_t j = i;
    while (j < line.size() && line[j] != '\t' && line[j] != ' ') ++j;
    out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

int64_t parse_int(const std::string& s, const std::string& where, int field) {
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno == ERANGE)
    throw error(where, ": field ", field + 1, " (", kFields[field], ") '", s, "' is not an integer");
  return v;
}

}  // namespace

Ratings read_ratings(const std::string& path, float min_rating, float max_rating) {
  std::ifstream in(path);
  if (!in) throw error("cannot open ratings file '", path, "': ", std::strerror(errno));
  Ratings r;
  r.min_rating = min_rating;
  r.max_rating = max_rating;
  std::unordered_map<int64_t, int32_t> users, items;
  std::string line;
  int64_t line_no = 0;
  std::vector<int64_t> line_of;  // for naming both lines of a duplicate
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // Windows line endings
    const auto f = split_fields(line);
    if (f.empty()) continue;
    if (line_no == 1 && !f[0].empty() && !(std::isdigit(static_cast<unsigned char>(f[0][0])) || f[0][0] == '-'))
      continue;  // a header line
    const std::string where = path + ":" + std::to_string(line_no);
    if (f.size() < 3 || f.size() > 4)
      throw error(where, ": expected 3 or 4 fields (user, item, rating[, timestamp]), found ", f.size());
    const int64_t uid = parse_int(f[0], where, 0), iid = parse_int(f[1], where, 1);
    char* end = nullptr;
    const float rating = std::strtof(f[2].c_str(), &end);
    if (*end != '\0' || !std::isfinite(rating))
      throw error(where, ": field 3 (rating) '", f[2], "' is not a finite number");
    if (rating < min_rating || rating > max_rating)
      throw error(where, ": field 3 (rating) ", rating, " is outside [", min_rating, ", ", max_rating, "]");
    const int64_t t = f.size() == 4 ? parse_int(f[3], where, 3) : 0;
    auto [ui, unew] = users.try_emplace(uid, static_cast<int32_t>(users.size()));
    if (unew) r.user_ids.push_back(uid);
    auto [ii, inew] = items.try_emplace(iid, static_cast<int32_t>(items.size()));
    if (inew) r.item_ids.push_back(iid);
    r.user.push_back(ui->second);
    r.item.push_back(ii->second);
    r.rating.push_back(rating);
    r.time.push_back(t);
    line_of.push_back(line_no);
  }
  if (in.bad()) throw error("error reading '", path, "'");
  if (r.size() == 0) throw error("ratings file '", path, "' holds no ratings");
  // Duplicates: sort the pairs and look at neighbours.
  std::vector<int64_t> order(static_cast<size_t>(r.size()));
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return std::tie(r.user[a], r.item[a], a) < std::tie(r.user[b], r.item[b], b);
  });
  for (size_t i = 1; i < order.size(); ++i) {
    const int64_t a = order[i - 1], b = order[i];
    if (r.user[a] == r.user[b] && r.item[a] == r.item[b])
      throw error(path, ":", line_of[b], ": user ", r.user_ids[r.user[b]], " rated item ", r.item_ids[r.item[b]],
                  " again (first at line ", line_of[a], "); duplicates are refused");
  }
  return r;
}

HostCsr ratings_matrix(const Ratings& r, const std::vector<int64_t>& subset, RowsAre rows) {
  HostCsr m;
  const bool by_user = rows == RowsAre::users;
  m.rows = by_user ? r.n_users() : r.n_items();
  m.cols = by_user ? r.n_items() : r.n_users();
  std::vector<int32_t> count(static_cast<size_t>(m.rows) + 1, 0);
  for (int64_t i : subset) ++count[(by_user ? r.user[i] : r.item[i]) + 1];
  for (int64_t i = 0; i < m.rows; ++i) count[i + 1] += count[i];
  m.row_ptr = count;
  m.col_idx.resize(subset.size());
  m.val.resize(subset.size());
  std::vector<int32_t> fill(count.begin(), count.end() - 1);
  for (int64_t i : subset) {
    const int32_t row = by_user ? r.user[i] : r.item[i];
    const int32_t pos = fill[row]++;
    m.col_idx[pos] = by_user ? r.item[i] : r.user[i];
    m.val[pos] = r.rating[i];
  }
  // Columns in increasing order within each row (the kernels do not need it; readers and tests do).
  for (int64_t row = 0; row < m.rows; ++row) {
    std::vector<std::pair<int32_t, float>> e;
    for (int32_t k = m.row_ptr[row]; k < m.row_ptr[row + 1]; ++k) e.emplace_back(m.col_idx[k], m.val[k]);
    std::sort(e.begin(), e.end());
    for (size_t j = 0; j < e.size(); ++j) {
      m.col_idx[m.row_ptr[row] + j] = e[j].first;
      m.val[m.row_ptr[row] + j] = e[j].second;
    }
  }
  return m;
}

}  // namespace sr
