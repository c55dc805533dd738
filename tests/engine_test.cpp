// The engine around the kernels: DSL wiring errors, model files (round trip, truncation, alteration), and training that
// learns and that stops on divergence.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>

#include "engine/checksum.h"
#include "engine/data/split.h"
#include "engine/data/synth.h"
#include "engine/eval/label_eval.h"
#include "engine/eval/rating_eval.h"
#include "engine/eval/recommend.h"
#include "engine/model_file.h"
#include "engine/net/scoring.h"
#include "engine/train/trainer.h"
#include "kernels/error.h"
#include "models/registry.h"
#include "tests/error_expect.h"
#include "tests/planted_ratings.h"
#include "tests/test_util.h"

namespace sr::test {
namespace {

TEST(Dsl, WiringErrorsNameTheLayer) {
  Net net("m");
  Var x = net.sparse_input("ratings", 10);
  Var h = net.dense(x, 4, Act::sigmoid, "hidden");
  expect_error([&] { net.sparse_output(h, 11, Act::identity, x, "out"); },
               {"model 'm'", "layer 'out'", "width 10", "width 11"});
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

// A dense layer or an embedding over a sparse var propagates no gradient into its values: over a
// var that trained layers compute (a sparse output, a shift of one) it is refused, naming both;
// over an input or a corruption of one (CDAE, Mult-DAE) it is what those models are.
TEST(Dsl, ALayerThatWouldStarveATrainedSparseVarIsRefused) {
  Net net("m");
  Var x = net.sparse_input("ratings", 10);
  Var xc = net.corrupt(x, 0.2f, "corrupt");
  Var h = net.dense(xc, 4, Act::sigmoid, "hidden");
  Var y = net.sparse_output(h, 10, Act::sigmoid, x, "out");
  for (Var v : {y, net.shift(y, net.sparse_input("offsets", 10), "shifted")}) {
    expect_error([&] { net.dense(v, 3, Act::relu, "over_scores"); },
                 {"layer 'over_scores'", "trained layer 'out'", "would get none through 'over_scores'"});
    expect_error([&] { net.embedding(v, 3, "lookup"); }, {"layer 'lookup'", "trained layer 'out'"});
  }
  net.embedding(xc, 3, "over_corruption");  // no parameter upstream: accepted
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
  expect_error([&] { build_model("autorek", {{"hiden", "10"}}, 5, 7); }, {"unknown model 'autorek'", "autorec"});
  expect_error([&] { build_model("autorec", {{"hiden", "10"}}, 5, 7); }, {"unknown option 'hiden'", "hidden"});
  expect_error([&] { build_model("autorec", {{"hidden", "ten"}}, 5, 7); }, {"hidden=ten", "not an integer"});
  expect_error([&] { parse_key_values({"hidden"}); }, {"key=value"});
}

// Users of the events of part p (event -> row).
std::vector<int32_t> event_users(const Dataset& d) {
  std::vector<int32_t> u(static_cast<size_t>(d.n_events()));
  for (int64_t r = 0; r < d.n_users(); ++r)
    for (int64_t e = d.row_begin(r); e < d.row_end(r); ++e) u[e] = static_cast<int32_t>(r);
  return u;
}

TEST(Training, AutoRecLearnsPlantedStructureAndRoundTripsThroughAModelFile) {
  std::mt19937_64 rng(test_seed());
  const Dataset r = planted_ratings(120, 80, rng);
  const Split s = random_holdout(r.n_events(), 0.1, 42);
  const std::map<std::string, std::string> options = {{"hidden", "32"}, {"l2", "1"}};
  BuiltModel m = build_model("autorec", options, r.n_users(), r.n_items());
  auto be = make_cpu_backend();
  Exec ex(m.net, *be, 3);
  TrainConfig cfg;
  cfg.epochs = 150;
  cfg.optimizer.kind = OptKind::rprop;
  cfg.optimizer.lr = 0.01f;
  BackpropStep step;
  train_rows(ex, m.net.input("ratings"), part_matrix(r, s, Part::train, m.rows), cfg, step, nullptr);
  const RatingMetrics got = evaluate_ratings(ex, m.net.input("ratings"), m.net.output(), r, s, Part::test, m.rows);
  const double mean_rmse = mean_baseline_rmse(r, s);
  EXPECT_LT(got.rmse, 0.75 * mean_rmse) << "AutoRec " << got.rmse << " vs global mean " << mean_rmse;

  const std::string path = temp_file("model.srm", "");
  ModelMeta meta;
  meta.model = "autorec", meta.task = "rating", meta.options = options;
  meta.n_users = r.n_users(), meta.n_items = r.n_items();
  ModelData data;
  data.user_ids.assign(r.user_ids().begin(), r.user_ids().end());
  data.item_ids.assign(r.item_ids().begin(), r.item_ids().end());
  data.train_by_user = part_matrix(r, s, Part::train, RowsAre::users);
  save_model(path, meta, data, ex.params());
  const ModelMeta back = read_model_meta(path);
  EXPECT_EQ(back.model, "autorec");
  EXPECT_EQ(back.options, options);
  BuiltModel m2 = build_model(back.model, back.options, back.n_users, back.n_items);
  Exec ex2(m2.net, *be, 99);
  const ModelData data2 = load_model(path, ex2.params());
  EXPECT_EQ(data2.user_ids, data.user_ids);
  EXPECT_EQ(data2.train_by_user.col_idx, data.train_by_user.col_idx);
  EXPECT_EQ(data2.train_by_user.val, data.train_by_user.val);
  const RatingMetrics again =
      evaluate_ratings(ex2, m2.net.input("ratings"), m2.net.output(), r, s, Part::test, m2.rows);
  EXPECT_EQ(got.rmse, again.rmse);

  // A truncated file and an altered byte are refused with a clear error.
  const auto size = std::filesystem::file_size(path);
  std::string bytes(size, '\0');
  std::ifstream(path, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(size));
  const std::string cut = temp_file("cut.srm", bytes.substr(0, size - 100));
  expect_error([&] { load_model(cut, ex2.params()); }, {"truncated", "data.values"});
  std::string altered = bytes;
  altered[size - 5] ^= 0x10;
  const std::string alt = temp_file("alt.srm", altered);
  expect_error([&] { load_model(alt, ex2.params()); }, {"checksum mismatch", "data.values"});
  for (const auto& p : {path, cut, alt}) std::remove(p.c_str());
}

// A model file's side-field tables round-trip; a table with checksums intact but a column past its
// width, rows out of order, a NaN value, or a user count other than the net's is refused naming the
// file, and so is a header whose field width is not a whole number in range (before any net is
// built from it).
TEST(ModelFile, SideFieldTablesRoundTripAndForgedOnesAreRefused) {
  auto be = make_backend("cpu");
  const std::map<std::string, std::string> options = {{"factors", "2"}, {"units", "3"}};
  const std::vector<FieldShape> shapes = {{"user:group", 2}, {"item:tags", 300}};
  BuiltModel m = build_model(find_model("deepfm", Task::topn), options, 3, 4, {}, shapes);
  Exec ex(m.net, *be, 1);
  ModelMeta meta;
  meta.model = "deepfm", meta.task = "top-N", meta.options = options, meta.n_users = 3, meta.n_items = 4;
  ModelData data;
  data.user_ids = {10, 11, 12}, data.item_ids = {1, 2, 3, 4};
  data.train_by_user.rows = 3, data.train_by_user.cols = 4;
  data.train_by_user.row_ptr = {0, 1, 2, 2}, data.train_by_user.col_idx = {0, 3};
  FieldTable group{"user:group", {}}, tags{"item:tags", {}};
  group.rows.rows = 3, group.rows.cols = 2, group.rows.row_ptr = {0, 1, 2, 2}, group.rows.col_idx = {1, 0};
  group.rows.val = {1.0f, 1.0f};
  tags.rows.rows = 4, tags.rows.cols = 300, tags.rows.row_ptr = {0, 2, 2, 3, 3}, tags.rows.col_idx = {0, 2, 1};
  tags.rows.val = {0.5f, 0.5f, 1.0f};
  data.fields = {group, tags};
  const std::string path = temp_file("fields.srm", "");
  save_model(path, meta, data, ex.params());
  const ModelMeta back = read_model_meta(path);
  ASSERT_EQ(back.fields.size(), 2u);
  EXPECT_EQ(back.fields[1].input, "item:tags");
  EXPECT_EQ(back.fields[1].width, 300);
  BuiltModel m2 =
      build_model(find_model("deepfm", Task::topn), back.options, back.n_users, back.n_items, {}, back.fields);
  Exec ex2(m2.net, *be, 2);
  const ModelData got = load_model(path, ex2.params());
  ASSERT_EQ(got.fields.size(), 2u);
  EXPECT_EQ(got.fields[1].rows.col_idx, tags.rows.col_idx);
  EXPECT_EQ(got.fields[1].rows.val, tags.rows.val);
  EXPECT_EQ(got.fields[0].rows.row_ptr, group.rows.row_ptr);

  auto forged = [&](const std::function<void(ModelData&)>& change, std::initializer_list<const char*> words) {
    ModelData d = data;
    change(d);
    const std::string p = temp_file("forged.srm", "");
    save_model(p, meta, d, ex.params());
    expect_error([&] { load_model(p, ex2.params()); }, words);
    std::remove(p.c_str());
  };
  forged([](ModelData& d) { d.fields[1].rows.col_idx[1] = 300; }, {"model file", "item:tags"});
  forged([](ModelData& d) { d.fields[1].rows.row_ptr = {0, 2, 1, 3, 3}; }, {"model file", "item:tags"});
  forged([](ModelData& d) { d.fields[0].rows.val[0] = std::nanf(""); }, {"model file", "user:group"});
  forged(
      [](ModelData& d) {
        d.user_ids = {10, 11};
        d.train_by_user.rows = 2, d.train_by_user.row_ptr = {0, 1, 2};
      },
      {"model file", "2 users for a model of 3"});

  // The header's width of a field a fraction or negative, or a name no field input has, with the
  // header's checksum made right again (the header follows the magic line and its u64 length).
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const size_t header_at = bytes.find('\n') + 1 + 8;
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data() + header_at - 8, 8);
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"\"width\":300", "\"width\":2.5"},
                                 {"\"width\":300", "\"width\":-30"},
                                 {"\"input\":\"item:tags\"", "\"input\":\"itemXtags\""}}) {
    std::string b = bytes;
    const size_t at = b.find(from, header_at);
    ASSERT_TRUE(at != std::string::npos && at < header_at + header_len) << from;
    b.replace(at, from.size(), to);  // the same length
    const uint64_t sum = checksum64(b.data() + header_at, header_len);
    std::memcpy(b.data() + header_at + header_len, &sum, 8);
    const std::string p = temp_file("header.srm", b);
    expect_error([&] { read_model_meta(p); }, {"model file", "side field"});
    std::remove(p.c_str());
  }
  std::remove(path.c_str());
}

// A training step that lets another executor score between its forward and its backward pass.
class StepWithScoringBetween final : public TrainStep {
 public:
  explicit StepWithScoringBetween(std::function<void()> score) : score_(std::move(score)) {}
  LossTicket gradients(Exec& ex, int64_t) override {
    const LossTicket loss = ex.forward_async(true);
    score_();
    ex.backward();
    return loss;
  }

 private:
  std::function<void()> score_;
};

// Several executors share one model's weights (a ParamStore): training on one while another scores
// — between epochs, and between the forward and the backward pass of every step — gives what one
// executor training alone gives, bit for bit; the scorer sees every update and never writes the
// store. Mult-VAE: dropout and sampling draws, and a KL annealed by the update count, each kept
// by the executor that drew them.
TEST(ParamStore, TwoExecutorsSharingOneStoreGiveWhatOneGives) {
  SynthOptions so;
  so.users = 60, so.items = 40, so.events = 900, so.seed = 7;
  const Dataset d = synthesize(so);
  HostCsr m = part_matrix(d, random_holdout(d.n_events(), 0.1, 1), Part::train, RowsAre::users);
  std::fill(m.val.begin(), m.val.end(), 1.0f);
  auto be = make_cpu_backend();
  const std::map<std::string, std::string> options = {{"hidden", "16"}, {"latent", "8"}, {"anneal_steps", "20"}};
  TrainConfig cfg;
  cfg.epochs = 3, cfg.batch_rows = 16, cfg.seed = 9, cfg.optimizer.kind = OptKind::adam, cfg.optimizer.lr = 0.01f;
  const SparseBatch everyone(*be, m);
  auto weights = [](Exec& ex) {
    std::vector<std::vector<float>> w;
    for (const Param* p : ex.net().params()) w.push_back(ex.params().weights(*p).to_host());
    return w;
  };

  // One executor trains, and scores every user after each epoch.
  BuiltModel one = build_model("multvae", options, d.n_users(), d.n_items());
  Exec solo(one.net, *be, 5);
  std::vector<std::vector<float>> solo_scores;
  BackpropStep step;
  train_rows(solo, one.net.input("ratings"), m, cfg, step, [&](const EpochReport&) {
    solo.bind(one.net.input("ratings"), &everyone);
    solo_scores.push_back(all_scores(solo, one.net.output()).to_host());
  });

  // Two: one trains, the other scores on the same store.
  BuiltModel two = build_model("multvae", options, d.n_users(), d.n_items());
  Exec trainer(two.net, *be, 5);
  Exec scorer(two.net, trainer.params(), 77);
  std::vector<std::vector<float>> shared_scores;
  const SparseBatch few(*be, select_rows(m, {0, 1, 2}));
  StepWithScoringBetween interleaved([&] {
    scorer.bind(two.net.input("ratings"), &few);
    scorer.forward(false);  // the scorer's own dropout, sample and loss, in evaluation mode
  });
  train_rows(trainer, two.net.input("ratings"), m, cfg, interleaved, [&](const EpochReport&) {
    const auto before = weights(trainer);
    scorer.bind(two.net.input("ratings"), &everyone);
    shared_scores.push_back(all_scores(scorer, two.net.output()).to_host());
    EXPECT_EQ(before, weights(trainer)) << "scoring wrote the shared weights";
  });

  ASSERT_EQ(solo_scores.size(), 3u);
  EXPECT_EQ(solo_scores, shared_scores);
  EXPECT_EQ(weights(solo), weights(trainer));
  EXPECT_NE(shared_scores.front(), shared_scores.back()) << "the scorer did not see the trainer's updates";
  expect_error([&] { Exec other(one.net, trainer.params(), 1); }, {"parameter store belongs to another net"});
}

TEST(Recommend, TopKExcludesTrainingItemsAndMatchesASortOfAllScores) {
  std::mt19937_64 rng(test_seed());
  const Dataset r = planted_ratings(30, 25, rng);
  const Split s = random_holdout(r.n_events(), 0.2, 42);
  const std::vector<int32_t> user_of = event_users(r);
  auto be = make_cpu_backend();
  for (const char* variant : {"item", "user"}) {
    BuiltModel m = build_model("autorec", {{"hidden", "6"}, {"variant", variant}}, r.n_users(), r.n_items());
    Exec ex(m.net, *be, 5);
    const HostCsr train = part_matrix(r, s, Part::train, m.rows);
    const HostCsr seen = part_matrix(r, s, Part::train, RowsAre::users);
    std::vector<int32_t> users = {0, 7, 29};
    for (int k : {1, 5, 25, 40}) {  // up to more than the item count
      const auto top = recommend_topk(ex, m.net.input("ratings"), m.net.output(), train, seen, m.rows, users, k);
      // Reference: score every (user, item) pair through the sparse output, sort, drop seen items.
      for (size_t ui = 0; ui < users.size(); ++ui) {
        std::set<int32_t> seen;
        for (int64_t i : s.events(Part::train))
          if (user_of[i] == users[ui]) seen.insert(r.items()[i]);
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
        const auto z = sparse_values(ex, m.net.output());
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

// AUC is the share of (positive, negative) pairs ranked right, ties counting half; the log loss the
// mean cross-entropy of σ(score); one class alone gives AUC 0.5.
TEST(LabelMetrics, AucCountsTiesHalfAndLogLossIsTheMeanCrossEntropy) {
  const std::vector<float> scores = {0.5f, 2.0f, -1.0f, 0.5f, 3.0f}, labels = {1, 1, 0, 0, 0};
  const LabelMetrics m = label_metrics(scores, labels);
  // Positives 0.5 and 2 against negatives -1, 0.5, 3: 1 + 0.5 + 0 + 1 + 1 + 0 of 6 pairs.
  EXPECT_NEAR(m.auc, 3.5 / 6.0, 1e-12);
  double loss = 0.0;
  for (size_t k = 0; k < scores.size(); ++k) {
    const double p = 1.0 / (1.0 + std::exp(-static_cast<double>(scores[k])));
    loss -= labels[k] > 0 ? std::log(p) : std::log(1.0 - p);
  }
  EXPECT_NEAR(m.logloss, loss / 5.0, 1e-9);
  EXPECT_NEAR(m.positive_rate, 0.4, 1e-12);
  EXPECT_EQ(m.n, 5);
  EXPECT_DOUBLE_EQ(label_metrics({1.0f, 2.0f}, {1, 1}).auc, 0.5);
  EXPECT_DOUBLE_EQ(label_metrics({3.0f, 1.0f, 2.0f}, {1, 0, 0}).auc, 1.0);
  EXPECT_EQ(label_metrics({}, {}).n, 0);
}

TEST(Training, DivergenceStopsWithAClearMessage) {
  std::mt19937_64 rng(test_seed());
  const Dataset r = planted_ratings(40, 30, rng);
  BuiltModel m = build_model("autorec", {{"hidden", "8"}, {"l2", "0"}}, r.n_users(), r.n_items());
  auto be = make_cpu_backend();
  Exec ex(m.net, *be, 3);
  TrainConfig cfg;
  cfg.epochs = 50;
  cfg.optimizer.kind = OptKind::sgd;
  cfg.optimizer.lr = 1e6f;  // far too large: the loss overflows
  BackpropStep step;
  std::vector<int64_t> all(static_cast<size_t>(r.n_events()));
  std::iota(all.begin(), all.end(), 0);
  expect_error([&] { train_rows(ex, m.net.input("ratings"), events_matrix(r, all, m.rows), cfg, step, nullptr); },
               {"training diverged", "epoch"});
}

}  // namespace
}  // namespace sr::test
