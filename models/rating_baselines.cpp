#include "models/rating_baselines.h"

#include "kernels/error.h"
#include "models/models.h"

namespace sr {

namespace {
double mean_of(const HostCsr& m) {
  if (m.nnz() == 0) throw error("a rating baseline needs training ratings, and there are none");
  double sum = 0.0;
  for (float v : m.val) sum += v;
  return sum / static_cast<double>(m.nnz());
}
}  // namespace

MeanRating::MeanRating(const HostCsr& m) : mean_(static_cast<float>(mean_of(m))) {}

BiasRating::BiasRating(const HostCsr& m, double lambda_user, double lambda_item)
    : user_(static_cast<size_t>(m.rows), 0.0f), item_(static_cast<size_t>(m.cols), 0.0f) {
  const double mu = mean_of(m);
  mean_ = static_cast<float>(mu);
  std::vector<double> sum(static_cast<size_t>(m.cols), 0.0), count(static_cast<size_t>(m.cols), 0.0);
  for (int32_t k = 0; k < m.row_ptr[m.rows]; ++k) {
    sum[m.col_idx[k]] += m.val[k] - mu;
    count[m.col_idx[k]] += 1.0;
  }
  for (size_t i = 0; i < item_.size(); ++i) item_[i] = static_cast<float>(sum[i] / (lambda_item + count[i]));
  for (int64_t u = 0; u < m.rows; ++u) {
    double s = 0.0;
    for (int32_t k = m.row_ptr[u]; k < m.row_ptr[u + 1]; ++k) s += m.val[k] - mu - item_[m.col_idx[k]];
    user_[u] = static_cast<float>(s / (lambda_user + (m.row_ptr[u + 1] - m.row_ptr[u])));
  }
}

ModelEntry mean_rating_model() {
  return {"mean",
          Task::ratings,
          "baseline: every rating predicted as the training ratings' mean",
          {},
          [](const ModelOptions&) {
            BuiltModel m;
            m.task = Task::ratings;
            m.fit_ratings = [](const HostCsr& train) { return std::make_unique<MeanRating>(train); };
            return m;
          },
          true};
}

ModelEntry bias_rating_model() {
  return {"biases",
          Task::ratings,
          "baseline: the mean plus damped user and item biases (Koren 2008)",
          {real("lambda_user", 10, 0, kInf, "damping of a user's bias: as many ratings at the mean added"),
           real("lambda_item", 25, 0, kInf, "damping of an item's bias: as many ratings at the mean added")},
          [](const ModelOptions& o) {
            BuiltModel m;
            m.task = Task::ratings;
            const double lu = o.real("lambda_user"), li = o.real("lambda_item");
            m.fit_ratings = [lu, li](const HostCsr& train) { return std::make_unique<BiasRating>(train, lu, li); };
            return m;
          },
          true};
}

}  // namespace sr
