#include "engine/train/skip_gram_trainer.h"

#include <algorithm>
#include <cmath>

#include "engine/data/batchers.h"
#include "engine/data/rng.h"
#include "engine/train/epoch_loop.h"
#include "kernels/error.h"
#include "kernels/sparse_batch.h"

namespace sr {

namespace {
PopularitySampler negative_sampler(const Sessions& s, const SkipGram& sg) {
  if (s.size() == 0) throw error("training data has no session with two or more clicks");
  if (sg.window < 1) throw error("skip-gram: window must be >= 1, got ", sg.window);
  if (sg.negatives < 1) throw error("skip-gram: negatives must be >= 1, got ", sg.negatives);
  return PopularitySampler(item_counts(s), sg.alpha);
}
}  // namespace

SkipGramBatcher::SkipGramBatcher(const Sessions& s, const SkipGram& sg, int64_t batch, uint64_t seed)
    : s_(s), sg_(sg), batch_(batch), seed_(seed), negatives_(negative_sampler(s, sg)) {
  if (batch <= 0) throw error("skip-gram batches need a batch size > 0, got ", batch);
  const std::vector<int64_t> counts = item_counts(s);
  const double total = static_cast<double>(s.events()), t = sg.subsample;
  keep_.assign(counts.size(), 1.0);
  if (t > 0.0)
    for (size_t i = 0; i < counts.size(); ++i) {
      const double f = static_cast<double>(counts[i]) / total;  // word2vec's (and gensim's) rule
      if (f > 0.0) keep_[i] = std::min(1.0, (std::sqrt(f / t) + 1.0) * t / f);
    }
}

void SkipGramBatcher::start_epoch(int epoch) {
  if (epoch == epoch_) return;  // drawn already (the trainer counts the first epoch's pairs)
  epoch_ = epoch;
  center_.clear(), context_.clear();
  Rng rng(stream_seed(seed_, static_cast<uint64_t>(epoch), 1));
  std::vector<int32_t> kept;
  for (int64_t i = 0; i < s_.size(); ++i) {
    kept.clear();
    for (int32_t item : s_[i])
      if (keep_[static_cast<size_t>(item)] >= 1.0 || rng.uniform() < keep_[static_cast<size_t>(item)])
        kept.push_back(item);
    const auto n = static_cast<int64_t>(kept.size());
    for (int64_t c = 0; c < n; ++c) {
      const auto reach = static_cast<int64_t>(1 + rng.below(static_cast<uint64_t>(sg_.window)));
      for (int64_t j = std::max<int64_t>(0, c - reach); j <= std::min(n - 1, c + reach); ++j)
        if (j != c) center_.push_back(kept[c]), context_.push_back(kept[j]);
    }
  }
  // One permutation for both arrays: shuffle the pair indices, then gather.
  std::vector<int64_t> order(center_.size());
  for (size_t p = 0; p < order.size(); ++p) order[p] = static_cast<int64_t>(p);
  rng.shuffle(order);
  std::vector<int32_t> c(order.size()), x(order.size());
  for (size_t p = 0; p < order.size(); ++p) c[p] = center_[order[p]], x[p] = context_[order[p]];
  center_.swap(c), context_.swap(x);
}

bool SkipGramBatcher::fill(int64_t k, HostBatch& out) const {
  const int64_t b = k * batch_, e = std::min(b + batch_, examples());
  if (b >= e) return false;
  const std::vector<int32_t> centers(center_.begin() + b, center_.begin() + e);
  std::vector<int32_t> drawn;
  negatives_.draw(stream_seed(seed_, static_cast<uint64_t>(epoch_), 2 + static_cast<uint64_t>(k)),
                  static_cast<int>((e - b) * sg_.negatives), drawn);
  HostCsr context;
  context.rows = e - b, context.cols = s_.n_items;
  context.row_ptr.assign(1, 0);
  for (int64_t r = 0; r < e - b; ++r) {
    const int32_t positive = context_[static_cast<size_t>(b + r)];
    context.col_idx.push_back(positive), context.val.push_back(1.0f);
    for (int j = 0; j < sg_.negatives; ++j)
      if (const int32_t n = drawn[static_cast<size_t>(r * sg_.negatives + j)]; n != positive)
        context.col_idx.push_back(n), context.val.push_back(0.0f);
    context.row_ptr.push_back(static_cast<int32_t>(context.col_idx.size()));
  }
  encode_sparse_batch(one_hot_rows(centers, s_.n_items), out, 0);
  encode_sparse_batch(context, out, 1);
  return true;
}

void train_skip_gram(Exec& ex, const Sessions& train, const SkipGram& sg, const TrainConfig& config, TrainStep& step,
                     const std::function<void(const EpochReport&)>& on_epoch) {
  SkipGramBatcher batcher(train, sg, config.batch_rows > 0 ? config.batch_rows : 1024, config.seed);
  // The work of an epoch, for the rate: the pairs of the first epoch (later ones differ by their
  // draws only).
  batcher.start_epoch(1);
  const int64_t pairs = batcher.examples();
  train_batches(
      ex, step, config, batcher, [&](int64_t k, HostBatch& h) { return batcher.fill(k, h); },
      {ex.net().input("center"), ex.net().input("context")}, pairs, "pairs", on_epoch);
}

}  // namespace sr
