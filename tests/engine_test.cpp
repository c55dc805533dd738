// The engine around the kernels: DSL wiring errors, the ratings reader on good and bad files,
// split reproducibility, model files (round trip, truncation, alteration), and training that
// learns and that stops on divergence.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "engine/data/ratings.h"
#include "engine/data/split.h"
#include "engine/error.h"
#include "engine/eval/rating_eval.h"
#include "engine/eval/recommend.h"
#include "engine/model_file.h"
#include "engine/train/trainer.h"
#include "models/registry.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

// Expects `f` to throw sr::Error whose message contains every one of `parts`.
template <class F>
void expect_error(F f, std::initializer_list<const char*> parts) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    for (const char* p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << "message: " << e.what();
  }
}

std::string temp_file(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / ("sparserec_test_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

TEST(Dsl, WiringErrorsNameTheLayer) {
  Net net("m");
  Var x = net.sparse_input("ratings", 10);
  Var h = net.dense(x, 4, Act::sigmoid, "hidden");
  expect_error([&] { net.sparse_output(h, 11, Act::identity, x, "out"); }, {"model 'm'", "layer 'out'", "width 10", "width 11"});
  expect_error([&] { net.dropout(x, 0.5f, "drop"); }, {"layer 'drop'", "dense input"});
  expect_error([&] { net.dense(h, 0, Act::relu, "zero"); }, {"layer 'zero'", "positive number of units"});
  expect_error([&] { net.dense(h, 3, Act::relu, "hidden"); }, {"layer 'hidden'", "already exists"});
  expect_error([&] { net.dropout(h, 1.5f, "p"); }, {"layer 'p'", "[0, 1)"});
  expect_error([&] { net.minimize(masked_mse(h, x)); }, {"loss", "dense"});
  Var y = net.sparse_output(h, 10, Act::identity, x, "out");
  net.minimize(masked_mse(y, x));
  expect_error([&] { net.minimize(masked_mse(y, x)); }, {"already called"});
  expect_error([&] { net.input("nope"); }, {"no input 'nope'", "ratings"});
}

TEST(Dsl, UnboundInputIsAnError) {
  Net net("m");
  Var x = net.sparse_input("ratings", 5);
  Var y = net.sparse_output(net.dense(x, 2, Act::tanh), 5, Act::identity, x);
  net.minimize(masked_mse(y, x));
  auto be = make_cpu_backend();
  Exec ex(net, *be, 1);
  expect_error([&] { ex.forward(false); }, {"input 'ratings' is not bound"});
}

TEST(Registry, UnknownModelAndOptionAreRefused) {
  ModelOptions o({{"hiden", "10"}}, 5, 7);
  expect_error([&] { build_model("autorek", o); }, {"unknown model 'autorek'", "autorec"});
  expect_error([&] { build_model("autorec", o); }, {"unknown option 'hiden'", "hidden"});
  ModelOptions bad({{"hidden", "ten"}}, 5, 7);
  expect_error([&] { build_model("autorec", bad); }, {"hidden=ten", "not an integer"});
  expect_error([&] { parse_key_values({"hidden"}); }, {"key=value"});
}

TEST(Ratings, ReadsMovieLensLayoutWithHeaderAndCrlf) {
  const auto path = temp_file("ok.tsv", "user_id:token\titem_id:token\trating:float\ttimestamp:float\r\n"
                                        "196\t242\t3\t881250949\r\n186 302 4 891717742\r\n196\t302\t5\t1\r\n");
  const Ratings r = read_ratings(path);
  ASSERT_EQ(r.size(), 3);
  EXPECT_EQ(r.n_users(), 2);
  EXPECT_EQ(r.n_items(), 2);
  EXPECT_EQ(r.user_ids[r.user[1]], 186);
  EXPECT_EQ(r.item_ids[r.item[2]], 302);
  EXPECT_EQ(r.rating[1], 4.0f);
  EXPECT_EQ(r.time[0], 881250949);
  std::remove(path.c_str());
}

TEST(Ratings, BadInputNamesFileLineAndField) {
  struct Case {
    const char* name;
    const char* content;
    std::initializer_list<const char*> parts;
  };
  const Case cases[] = {
      {"fields.tsv", "1\t2\t3\t4\n1\t2\n", {":2:", "expected 3 or 4 fields"}},
      {"nonnumeric.tsv", "1\tx2\t3\t4\n", {":1:", "field 2 (item)", "'x2'"}},
      {"nan.tsv", "1\t2\tnan\t4\n", {":1:", "field 3 (rating)", "not a finite number"}},
      {"range.tsv", "1\t2\t7\t4\n", {":1:", "outside [1, 5]"}},
      {"dup.tsv", "1\t2\t3\t4\n5\t6\t1\t0\n1\t2\t4\t9\n", {":3:", "user 1 rated item 2 again", "line 1"}},
      {"empty.tsv", "", {"holds no ratings"}},
  };
  for (const Case& c : cases) {
    const auto path = temp_file(c.name, c.content);
    SCOPED_TRACE(c.name);
    expect_error([&] { read_ratings(path); }, c.parts);
    std::remove(path.c_str());
  }
  expect_error([&] { read_ratings("/nonexistent/u.data"); }, {"cannot open", "/nonexistent/u.data"});
}

TEST(Split, RandomHoldoutIsReproducibleAndExact) {
  const Split a = random_holdout(1000, 0.1, 42), b = random_holdout(1000, 0.1, 42), c = random_holdout(1000, 0.1, 43);
  EXPECT_EQ(a.test, b.test);
  EXPECT_EQ(a.train, b.train);
  EXPECT_NE(a.test, c.test);
  EXPECT_EQ(a.test.size(), 100u);
  EXPECT_EQ(a.train.size() + a.test.size(), 1000u);
}

// Ratings with a planted rank-2 structure: AutoRec must beat the global mean by a wide margin.
Ratings planted(int users, int items, std::mt19937_64& rng) {
  Ratings r;
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::vector<float> uf(users * 2), itf(items * 2);
  for (auto& v : uf) v = n(rng);
  for (auto& v : itf) v = n(rng);
  std::bernoulli_distribution keep(0.3);
  for (int u = 0; u < users; ++u) r.user_ids.push_back(u);
  for (int i = 0; i < items; ++i) r.item_ids.push_back(i);
  for (int u = 0; u < users; ++u)
    for (int i = 0; i < items; ++i)
      if (keep(rng)) {
        const float s = 3.0f + uf[2 * u] * itf[2 * i] + uf[2 * u + 1] * itf[2 * i + 1];
        r.user.push_back(u), r.item.push_back(i), r.rating.push_back(std::clamp(s, 1.0f, 5.0f)), r.time.push_back(0);
      }
  return r;
}

TEST(Training, AutoRecLearnsPlantedStructureAndRoundTripsThroughAModelFile) {
  std::mt19937_64 rng(test_seed());
  const Ratings r = planted(120, 80, rng);
  const Split s = random_holdout(r.size(), 0.1, 42);
  ModelOptions o({{"hidden", "32"}, {"l2", "1"}}, r.n_users(), r.n_items());
  BuiltModel m = build_model("autorec", o);
  auto be = make_cpu_backend();
  Exec ex(m.net, *be, 3);
  TrainConfig cfg;
  cfg.epochs = 150;
  cfg.optimizer.kind = OptKind::rprop;
  cfg.optimizer.lr = 0.01f;
  BackpropStep step;
  train_rows(ex, m.net.input("ratings"), ratings_matrix(r, s.train, m.rows), cfg, step, nullptr);
  const RatingMetrics got = evaluate_ratings(ex, m.net.input("ratings"), m.net.output(), r, s.train, s.test, m.rows);
  double mean_se = 0.0;
  const double mean = mean_rating(r, s.train);
  for (int64_t i : s.test) mean_se += (r.rating[i] - mean) * (r.rating[i] - mean);
  const double mean_rmse = std::sqrt(mean_se / static_cast<double>(s.test.size()));
  EXPECT_LT(got.rmse, 0.75 * mean_rmse) << "AutoRec " << got.rmse << " vs global mean " << mean_rmse;

  const std::string path = temp_file("model.srm", "");
  save_model(path, {"autorec", o.values(), "synthetic", r.n_users(), r.n_items(), r.size(), 0.1, 42}, m.net);
  const ModelMeta meta = read_model_meta(path);
  EXPECT_EQ(meta.model, "autorec");
  ModelOptions o2(meta.options, meta.n_users, meta.n_items);
  BuiltModel m2 = build_model(meta.model, o2);
  Exec ex2(m2.net, *be, 99);
  load_model_params(path, m2.net);
  const RatingMetrics again = evaluate_ratings(ex2, m2.net.input("ratings"), m2.net.output(), r, s.train, s.test, m2.rows);
  EXPECT_EQ(got.rmse, again.rmse);

  // A truncated file and an altered byte are refused with a clear error.
  const auto size = std::filesystem::file_size(path);
  std::string bytes(size, '\0');
  std::ifstream(path, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(size));
  const std::string cut = temp_file("cut.srm", bytes.substr(0, size - 100));
  expect_error([&] { load_model_params(cut, m2.net); }, {"truncated", "output.bias"});
  std::string altered = bytes;
  altered[size - 5] ^= 0x10;
  const std::string alt = temp_file("alt.srm", altered);
  expect_error([&] { load_model_params(alt, m2.net); }, {"checksum mismatch", "output.bias"});
  for (const auto& p : {path, cut, alt}) std::remove(p.c_str());
}

TEST(Recommend, TopKExcludesTrainingItemsAndMatchesASortOfAllScores) {
  std::mt19937_64 rng(test_seed());
  const Ratings r = planted(30, 25, rng);
  const Split s = random_holdout(r.size(), 0.2, 42);
  auto be = make_cpu_backend();
  for (const char* variant : {"item", "user"}) {
    ModelOptions o({{"hidden", "6"}, {"variant", variant}}, r.n_users(), r.n_items());
    BuiltModel m = build_model("autorec", o);
    Exec ex(m.net, *be, 5);
    const HostCsr train = ratings_matrix(r, s.train, m.rows);
    std::vector<int32_t> users = {0, 7, 29};
    for (int k : {1, 5, 25, 40}) {  // up to more than the item count
      const auto top = recommend_topk(ex, m.net.input("ratings"), m.net.output(), train, m.rows, users, k);
      // Reference: score every (user, item) pair through the sparse output, sort, drop seen items.
      for (size_t ui = 0; ui < users.size(); ++ui) {
        std::set<int32_t> seen;
        for (int64_t i : s.train)
          if (r.user[i] == users[ui]) seen.insert(r.item[i]);
        HostCsr all;  // query: the user's row (or every item row at that user's column)
        const SparseBatch in(*be, train);
        all.rows = train.rows;
        all.cols = train.cols;
        for (int64_t row = 0; row < train.rows; ++row) {
          if (m.rows == RowsAre::users) {
            if (row == users[ui])
              for (int32_t c = 0; c < train.cols; ++c) all.col_idx.push_back(c);
          } else {
            all.col_idx.push_back(users[ui]);
          }
          all.row_ptr.push_back(static_cast<int32_t>(all.col_idx.size()));
        }
        const SparseBatch q(*be, all);
        ex.bind(m.net.input("ratings"), &in);
        ex.query(m.net.output(), &q);
        ex.forward(false);
        const auto z = ex.sparse_values(m.net.output());
        ex.clear_queries();
        std::vector<Scored> ref;
        for (int32_t i = 0; i < r.n_items(); ++i)
          if (!seen.count(i)) ref.push_back({i, z[i]});
        std::sort(ref.begin(), ref.end(), [](const Scored& a, const Scored& b) {
          return a.score > b.score || (a.score == b.score && a.item < b.item);
        });
        ref.resize(std::min<size_t>(ref.size(), static_cast<size_t>(k)));
        ASSERT_EQ(top[ui].size(), ref.size()) << variant << " k " << k;
        for (size_t j = 0; j < ref.size(); ++j) {
          // The same item, or (GEMM and sampled-dot sums round differently) one of equal score.
          const int32_t got = top[ui][j].item;
          EXPECT_TRUE(got == ref[j].item || std::fabs(z[got] - ref[j].score) < 1e-5f)
              << variant << " k " << k << " rank " << j << ": item " << got << " vs " << ref[j].item;
          EXPECT_FALSE(seen.count(top[ui][j].item)) << "recommended a training item";
        }
      }
    }
  }
}

TEST(Training, DivergenceStopsWithAClearMessage) {
  std::mt19937_64 rng(test_seed());
  const Ratings r = planted(40, 30, rng);
  ModelOptions o({{"hidden", "8"}, {"l2", "0"}}, r.n_users(), r.n_items());
  BuiltModel m = build_model("autorec", o);
  auto be = make_cpu_backend();
  Exec ex(m.net, *be, 3);
  TrainConfig cfg;
  cfg.epochs = 50;
  cfg.optimizer.kind = OptKind::sgd;
  cfg.optimizer.lr = 1e6f;  // far too large: the loss overflows
  BackpropStep step;
  std::vector<int64_t> all(r.size());
  std::iota(all.begin(), all.end(), 0);
  expect_error([&] { train_rows(ex, m.net.input("ratings"), ratings_matrix(r, all, m.rows), cfg, step, nullptr); },
               {"training diverged", "epoch"});
}

}  // namespace
}  // namespace sr::test
