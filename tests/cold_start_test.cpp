// The cold-start protocol's pieces (engine/data/cold_start.h, engine/eval/cold_start_eval.h,
// models/cold_start_hybrid.h): the split's parts are disjoint and cover every pair, cold items have
// no training pair, and a seed repeats it; titles as time-major characters; Recall@k by hand, with
// ties broken by the priority and training items excluded; genre popularity by hand; the blend's
// weights.
#include <gtest/gtest.h>

#include <set>

#include "engine/data/cold_start.h"
#include "engine/eval/cold_start_eval.h"
#include "models/cold_start_hybrid.h"
#include "tests/error_expect.h"

namespace sr::test {
namespace {

HostCsr csr(int64_t cols, const std::vector<std::vector<int32_t>>& rows) {
  HostCsr m;
  m.rows = static_cast<int64_t>(rows.size()), m.cols = cols;
  for (const auto& r : rows) {
    for (int32_t c : r) m.col_idx.push_back(c), m.val.push_back(1.0f);
    m.row_ptr.push_back(static_cast<int32_t>(m.col_idx.size()));
  }
  return m;
}

std::set<std::pair<int64_t, int32_t>> pairs_of(const HostCsr& m) {
  std::set<std::pair<int64_t, int32_t>> s;
  for (int64_t r = 0; r < m.rows; ++r)
    for (int32_t e = m.row_ptr[r]; e < m.row_ptr[r + 1]; ++e) s.insert({r, m.col_idx[e]});
  return s;
}

TEST(ColdStartSplit, PartsAreDisjointCoverEveryPairAndColdItemsAreNeverTrainedOn) {
  std::vector<std::vector<int32_t>> rows;
  for (int32_t u = 0; u < 30; ++u) {
    rows.emplace_back();
    for (int32_t i = u % 3; i < 50; i += 1 + u % 4) rows.back().push_back(i);
  }
  const HostCsr all = csr(53, rows);  // items 50..52 have no pair: never cold
  const ColdStartSplit s = cold_start_split(all, 0.2, 0.25, 9);
  EXPECT_EQ(s.n_cold(), 10);  // 20 % of the 50 items with a pair
  for (int32_t i = 50; i < 53; ++i) EXPECT_EQ(s.cold[i], 0) << "item " << i << " has no pair";
  const auto train = pairs_of(s.train), warm = pairs_of(s.warm_test), cold = pairs_of(s.cold_test);
  std::set<std::pair<int64_t, int32_t>> joined = train;
  for (const auto& p : warm) EXPECT_TRUE(joined.insert(p).second) << "warm test pair also in training";
  for (const auto& p : cold) EXPECT_TRUE(joined.insert(p).second) << "cold test pair also elsewhere";
  EXPECT_EQ(joined, pairs_of(all));
  for (const auto& [u, i] : train) EXPECT_EQ(s.cold[i], 0) << "cold item " << i << " trained on";
  for (const auto& [u, i] : warm) EXPECT_EQ(s.cold[i], 0);
  for (const auto& [u, i] : cold) EXPECT_EQ(s.cold[i], 1);
  for (int64_t u = 0; u < all.rows; ++u) {  // a quarter of each user's warm items, rounded down
    const int64_t kept = s.train.row_ptr[u + 1] - s.train.row_ptr[u],
                  held = s.warm_test.row_ptr[u + 1] - s.warm_test.row_ptr[u];
    EXPECT_EQ(held, (kept + held) / 4) << "user " << u;
  }
  const ColdStartSplit again = cold_start_split(all, 0.2, 0.25, 9), other = cold_start_split(all, 0.2, 0.25, 10);
  EXPECT_EQ(again.cold, s.cold);
  EXPECT_EQ(pairs_of(again.warm_test), warm);
  EXPECT_NE(other.cold, s.cold);
  // Splitting the training part again: its cold items are among those trained on.
  const ColdStartSplit v = cold_start_split(s.train, 0.2, 0.25, 11);
  for (size_t i = 0; i < v.cold.size(); ++i) {
    if (v.cold[i]) {
      EXPECT_EQ(s.cold[i], 0) << "validation cold item " << i << " was a test cold item";
    }
  }
}

TEST(ColdStartSplit, ImpossibleSharesAreRefused) {
  const HostCsr all = csr(3, {{0, 1, 2}});
  expect_error([&] { cold_start_split(all, 0.0, 0.2, 1); }, {"share of cold items must be in (0, 1)"});
  expect_error([&] { cold_start_split(all, 0.1, 1.0, 1); }, {"held out must be in [0, 1)"});
  expect_error([&] { cold_start_split(csr(3, {{1}}), 0.5, 0.2, 1); }, {"1 items have interactions"});
}

TEST(TitleCharacters, AreTimeMajorLowerCasedPaddedAndCut) {
  const std::vector<std::string> titles = {"Ab", "", "xYz!"};
  const std::vector<int32_t> items = {2, 0, 1};
  const HostCsr m = title_characters(titles, items, 3);
  ASSERT_EQ(m.rows, 9);
  EXPECT_EQ(m.cols, kTitleAlphabet);
  // Row t·3 + b: character t of titles[items[b]]; one nonzero per row, padding 0.
  const std::vector<int32_t> want = {'x', 'a', 0, 'y', 'b', 0, 'z', 0, 0};
  EXPECT_EQ(m.col_idx, want);
  for (int64_t r = 0; r < m.rows; ++r) EXPECT_EQ(m.row_ptr[r + 1] - m.row_ptr[r], 1);
}

TEST(RecallAt, CountsHitsInTheTopKOfTheCandidatesOverMinOfKAndRelevant) {
  // 2 users x 5 items. Candidates: items 0..3 (4 is not one); user 0's training item 1 excluded.
  const std::vector<float> scores = {0.9f, 0.8f, 0.1f, 0.5f, 1.0f,   // user 0
                                     0.2f, 0.2f, 0.2f, 0.2f, 0.2f};  // user 1: all tied
  const HostCsr relevant = csr(5, {{2, 3, 4}, {0, 3}}), exclude = csr(5, {{1}, {}});
  const std::vector<uint8_t> candidate = {1, 1, 1, 1, 0};
  const std::vector<uint32_t> priority = {1, 2, 3, 4, 5};  // ties: item 3 first, then 2, 1, 0
  // User 0: candidates 0, 2, 3 ranked 0 (0.9), 3 (0.5), 2 (0.1); relevant among them 2 and 3; top 2
  // holds 3: 1 / min(2, 2). User 1: ties by priority: 3, 2; relevant 0 and 3: 1 / 2.
  RecallAt r = recall_at(scores, relevant, candidate, &exclude, 2, priority);
  EXPECT_EQ(r.users, 2);
  EXPECT_DOUBLE_EQ(r.recall, 0.5);
  // k = 1: user 0's top is item 0 (no hit, 0 / 1); user 1's is item 3 (1 / 1).
  r = recall_at(scores, relevant, candidate, &exclude, 1, priority);
  EXPECT_DOUBLE_EQ(r.recall, 0.5);
  // A user whose relevant items are all excluded or not candidates is not counted.
  r = recall_at(scores, csr(5, {{1, 4}, {0}}), candidate, &exclude, 2, priority);
  EXPECT_EQ(r.users, 1);
  expect_error([&] { recall_at(scores, relevant, candidate, nullptr, 0, priority); }, {"k must be positive"});
}

TEST(GenrePopularity, IsTheUsersShareOfTheItemsGenresTimesPopularityPlusOne) {
  // 3 items: genres {0}, {0, 1}, {1}; user 0 trained on items 0 and 1, user 1 on item 1.
  HostCsr side = csr(2, {{0}, {0, 1}, {1}});
  side.val = {1.0f, 0.5f, 0.5f, 1.0f};  // a multi-valued field's 1/n: not read
  const HostCsr train = csr(3, {{0, 1}, {1}});
  const std::vector<float> s = genre_popularity_scores(train, side);
  // Popularity: item 0 once, item 1 twice, item 2 never. User 0's shares: genre 0 2/2, genre 1 1/2.
  EXPECT_FLOAT_EQ(s[0], 1.0f * 2);
  EXPECT_FLOAT_EQ(s[1], 1.5f * 3);
  EXPECT_FLOAT_EQ(s[2], 0.5f * 1);
  // User 1's shares: genre 0 1, genre 1 1.
  EXPECT_FLOAT_EQ(s[3], 1.0f * 2);
  EXPECT_FLOAT_EQ(s[4], 2.0f * 3);
  EXPECT_FLOAT_EQ(s[5], 1.0f * 1);
}

TEST(HybridScores, BlendEvenlyForAColdItemAndTowardTheDaeWithInteractions) {
  const std::vector<float> dae = {1.0f, 1.0f, 1.0f, 1.0f}, cnn = {0.0f, 0.0f, 0.0f, 0.0f};
  const std::vector<int64_t> count = {0, 15};  // 2 items x 2 users
  const std::vector<float> h = hybrid_scores(dae, cnn, count, 5.0);
  EXPECT_FLOAT_EQ(h[0], 0.5f);
  EXPECT_FLOAT_EQ(h[1], 0.5f);
  EXPECT_FLOAT_EQ(h[2], 20.0f / 25.0f);
  expect_error([&] { hybrid_scores(dae, cnn, count, 0.0); }, {"blend constant must be positive"});
}

}  // namespace
}  // namespace sr::test
