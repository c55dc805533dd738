#include "engine/data/split.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/data/rng.h"
#include "kernels/error.h"

namespace sr {

namespace {

// Selection sampling (Knuth's Algorithm S): marks exactly k of the n candidates, each k-subset
// equally likely, in one sequential pass without memory for a permutation.
template <class Candidate, class Mark>
void select_exactly(int64_t n, int64_t k, Rng& rng, Candidate&& candidate, Mark&& mark) {
  int64_t seen = 0;
  for (int64_t i = 0; seen < n && k > 0; ++i) {
    if (!candidate(i)) continue;
    if (static_cast<int64_t>(rng.below(static_cast<uint64_t>(n - seen))) < k) {
      mark(i);
      --k;
    }
    ++seen;
  }
}

uint64_t mix(uint64_t seed, uint64_t salt) { return splitmix64(seed ^ splitmix64(salt + 0x9e3779b97f4a7c15ull)); }

}  // namespace

const char* part_name(Part p) {
  switch (p) {
    case Part::train:
      return "train";
    case Part::test:
      return "test";
    case Part::valid:
      return "valid";
    case Part::test_foldin:
      return "test fold-in";
    case Part::valid_foldin:
      return "valid fold-in";
    default:
      return "dropped";
  }
}

int64_t Split::count(Part p) const { return std::count(part.begin(), part.end(), static_cast<uint8_t>(p)); }

std::vector<int64_t> Split::events(Part p) const {
  std::vector<int64_t> out;
  for (size_t i = 0; i < part.size(); ++i)
    if (part[i] == static_cast<uint8_t>(p)) out.push_back(static_cast<int64_t>(i));
  return out;
}

Split random_holdout(int64_t n, double test_fraction, uint64_t seed) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    throw error("test fraction must be in (0, 1), got ", test_fraction);
  Split s;
  s.part.assign(static_cast<size_t>(n), static_cast<uint8_t>(Part::train));
  Rng rng(seed);
  const auto k = static_cast<int64_t>(std::llround(test_fraction * static_cast<double>(n)));
  select_exactly(
      n, k, rng, [](int64_t) { return true; }, [&](int64_t i) { s.part[i] = static_cast<uint8_t>(Part::test); });
  return s;
}

void merge_validation(Split& s) {
  for (uint8_t& p : s.part)
    if (p == static_cast<uint8_t>(Part::valid)) p = static_cast<uint8_t>(Part::train);
}

void carve_validation(Split& s, double fraction, uint64_t seed) {
  if (!(fraction > 0.0 && fraction < 1.0)) throw error("validation fraction must be in (0, 1), got ", fraction);
  const int64_t n = s.count(Part::train);
  Rng rng(mix(seed, 1));
  const auto k = static_cast<int64_t>(std::llround(fraction * static_cast<double>(n)));
  select_exactly(
      n, k, rng, [&](int64_t i) { return s.part[i] == static_cast<uint8_t>(Part::train); },
      [&](int64_t i) { s.part[i] = static_cast<uint8_t>(Part::valid); });
}

Split leave_one_out(const Dataset& d, bool validation) {
  Split s;
  s.part.assign(static_cast<size_t>(d.n_events()), static_cast<uint8_t>(Part::train));
  for (int64_t u = 0; u < d.n_users(); ++u) {
    const int64_t b = d.row_begin(u), e = d.row_end(u);
    if (e - b < 2) continue;
    s.part[e - 1] = static_cast<uint8_t>(Part::test);  // rows are in (time, input line) order
    if (validation && e - b >= 3) s.part[e - 2] = static_cast<uint8_t>(Part::valid);
  }
  return s;
}

void carve_latest_validation(const Dataset& d, Split& s) {
  SR_CHECK(static_cast<int64_t>(s.part.size()) == d.n_events(), "a split of ", s.part.size(), " events for ",
           d.n_events());
  for (int64_t u = 0; u < d.n_users(); ++u) {
    int64_t latest = -1, n_train = 0;
    for (int64_t e = d.row_begin(u); e < d.row_end(u); ++e)
      if (s.part[static_cast<size_t>(e)] == static_cast<uint8_t>(Part::train)) latest = e, ++n_train;
    if (n_train >= 2) s.part[static_cast<size_t>(latest)] = static_cast<uint8_t>(Part::valid);
  }
}

Split heldout_users(const Dataset& d, int64_t n_heldout, double target_fraction, uint64_t seed, bool validation) {
  const int64_t groups = validation ? 2 : 1;
  if (n_heldout <= 0 || n_heldout * groups >= d.n_users())
    throw error("held-out users: ", n_heldout, groups == 2 ? " test and as many validation" : "", " users of ",
                d.n_users(), " leave none for training");
  if (!(target_fraction > 0.0 && target_fraction < 1.0))
    throw error("target fraction must be in (0, 1), got ", target_fraction);
  std::vector<int32_t> users(static_cast<size_t>(d.n_users()));
  std::iota(users.begin(), users.end(), 0);
  Rng rng(seed);
  rng.shuffle(users);
  std::vector<uint8_t> role(static_cast<size_t>(d.n_users()), 0);  // 0 train, 1 test, 2 valid
  for (int64_t i = 0; i < n_heldout * groups; ++i) role[static_cast<size_t>(users[i])] = i < n_heldout ? 1 : 2;

  Split s;
  s.part.assign(static_cast<size_t>(d.n_events()), static_cast<uint8_t>(Part::train));
  std::vector<bool> train_item(static_cast<size_t>(d.n_items()), false);
  for (int64_t u = 0; u < d.n_users(); ++u)
    if (role[static_cast<size_t>(u)] == 0)
      for (int64_t e = d.row_begin(u); e < d.row_end(u); ++e) train_item[static_cast<size_t>(d.items()[e])] = true;
  for (int64_t u = 0; u < d.n_users(); ++u) {
    const uint8_t r = role[static_cast<size_t>(u)];
    if (r == 0) continue;
    const Part foldin = r == 1 ? Part::test_foldin : Part::valid_foldin, target = r == 1 ? Part::test : Part::valid;
    const int64_t b = d.row_begin(u), e = d.row_end(u);
    for (int64_t k = b; k < e; ++k)
      s.part[k] = static_cast<uint8_t>(train_item[static_cast<size_t>(d.items()[k])] ? foldin : Part::dropped);
    const int64_t kept = std::count(s.part.begin() + b, s.part.begin() + e, static_cast<uint8_t>(foldin));
    if (kept < 5) continue;
    Rng user_rng(mix(seed, static_cast<uint64_t>(u)));
    select_exactly(
        kept, static_cast<int64_t>(target_fraction * static_cast<double>(kept)), user_rng,
        [&](int64_t i) { return s.part[b + i] == static_cast<uint8_t>(foldin); },
        [&](int64_t i) { s.part[b + i] = static_cast<uint8_t>(target); });
  }
  return s;
}

Split session_time_split(const Dataset& d, double test_days) {
  if (!d.has_time()) throw error("the session time split needs timestamps; '", d.info().source, "' has none");
  if (d.n_events() == 0) throw error("the session time split of an empty dataset");
  const int64_t t_max = *std::max_element(d.times().begin(), d.times().end());
  const auto cut = t_max - static_cast<int64_t>(test_days * 86400000.0);
  Split s;
  s.part.assign(static_cast<size_t>(d.n_events()), static_cast<uint8_t>(Part::train));
  std::vector<bool> test_session(static_cast<size_t>(d.n_users()), false),
      train_item(static_cast<size_t>(d.n_items()), false);
  for (int64_t u = 0; u < d.n_users(); ++u) {
    if (d.row_end(u) == d.row_begin(u)) continue;
    test_session[static_cast<size_t>(u)] = d.time(d.row_end(u) - 1) > cut;  // rows end with their latest click
    if (!test_session[static_cast<size_t>(u)])
      for (int64_t e = d.row_begin(u); e < d.row_end(u); ++e) train_item[static_cast<size_t>(d.items()[e])] = true;
  }
  for (int64_t u = 0; u < d.n_users(); ++u) {
    if (!test_session[static_cast<size_t>(u)]) continue;
    int64_t kept = 0;
    for (int64_t e = d.row_begin(u); e < d.row_end(u); ++e) {
      const bool known = train_item[static_cast<size_t>(d.items()[e])];
      s.part[e] = static_cast<uint8_t>(known ? Part::test : Part::dropped);
      kept += known;
    }
    if (kept < 2)
      for (int64_t e = d.row_begin(u); e < d.row_end(u); ++e) s.part[e] = static_cast<uint8_t>(Part::dropped);
  }
  return s;
}

std::vector<int32_t> sample_negatives(const Dataset& d, int per_user, uint64_t seed) {
  if (per_user <= 0) throw error("negatives per user must be positive, got ", per_user);
  std::vector<int32_t> out(static_cast<size_t>(d.n_users()) * static_cast<size_t>(per_user));
  std::vector<int64_t> stamp(static_cast<size_t>(d.n_items()), -1);  // stamp[i] == u: u has i (or drew it)
  for (int64_t u = 0; u < d.n_users(); ++u) {
    int64_t distinct = 0;
    for (int64_t e = d.row_begin(u); e < d.row_end(u); ++e) {
      int64_t& st = stamp[static_cast<size_t>(d.items()[e])];
      distinct += st != u;
      st = u;
    }
    const int64_t free_items = d.n_items() - distinct;
    if (free_items < per_user)
      throw error("user ", d.user_ids()[u], " has interacted with ", d.n_items() - free_items, " of ", d.n_items(),
                  " items: fewer than ", per_user, " remain to sample as negatives");
    Rng rng(mix(seed, static_cast<uint64_t>(u)));
    for (int k = 0; k < per_user;) {
      const auto i = static_cast<int32_t>(rng.below(static_cast<uint64_t>(d.n_items())));
      if (stamp[static_cast<size_t>(i)] == u) continue;
      stamp[static_cast<size_t>(i)] = u;
      out[static_cast<size_t>(u) * static_cast<size_t>(per_user) + static_cast<size_t>(k++)] = i;
    }
  }
  return out;
}

HostCsr events_matrix(const Dataset& d, const std::vector<int64_t>& events, RowsAre rows) {
  // Counting sort by row; events are visited in increasing order, so user rows list items in time
  // order and item rows list users in increasing order. Columns are then sorted within each row.
  const bool by_user = rows == RowsAre::users;
  HostCsr m;
  m.rows = by_user ? d.n_users() : d.n_items();
  m.cols = by_user ? d.n_items() : d.n_users();
  if (events.size() > static_cast<size_t>(INT32_MAX))
    throw error("a training matrix of ", events.size(), " entries exceeds the 2^31 - 1 of a CSR batch");
  std::vector<int32_t> event_user(events.size());
  {
    int64_t u = 0;
    for (size_t k = 0; k < events.size(); ++k) {
      while (d.row_end(u) <= events[k]) ++u;
      event_user[k] = static_cast<int32_t>(u);
    }
  }
  m.row_ptr.assign(static_cast<size_t>(m.rows) + 1, 0);
  for (size_t k = 0; k < events.size(); ++k) ++m.row_ptr[(by_user ? event_user[k] : d.items()[events[k]]) + 1];
  for (int64_t r = 0; r < m.rows; ++r) m.row_ptr[r + 1] += m.row_ptr[r];
  m.col_idx.resize(events.size());
  m.val.resize(events.size());
  std::vector<int32_t> fill(m.row_ptr.begin(), m.row_ptr.end() - 1);
  for (size_t k = 0; k < events.size(); ++k) {
    const int32_t r = by_user ? event_user[k] : d.items()[events[k]];
    const int32_t pos = fill[r]++;
    m.col_idx[pos] = by_user ? d.items()[events[k]] : event_user[k];
    m.val[pos] = d.rating(events[k]);
  }
  if (by_user) {
    std::vector<std::pair<int32_t, float>> e;
    for (int64_t r = 0; r < m.rows; ++r) {
      e.clear();
      for (int32_t k = m.row_ptr[r]; k < m.row_ptr[r + 1]; ++k) e.emplace_back(m.col_idx[k], m.val[k]);
      std::stable_sort(e.begin(), e.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      for (size_t j = 0; j < e.size(); ++j)
        m.col_idx[m.row_ptr[r] + j] = e[j].first, m.val[m.row_ptr[r] + j] = e[j].second;
    }
  }
  return m;
}

HostCsr part_matrix(const Dataset& d, const Split& s, Part p, RowsAre rows) {
  return events_matrix(d, s.events(p), rows);
}

double mean_rating(const Dataset& d, const Split& s, Part p) {
  double sum = 0.0;
  int64_t n = 0;
  for (size_t e = 0; e < s.part.size(); ++e)
    if (s.part[e] == static_cast<uint8_t>(p)) sum += d.rating(static_cast<int64_t>(e)), ++n;
  return n ? sum / static_cast<double>(n) : 0.0;
}

}  // namespace sr
