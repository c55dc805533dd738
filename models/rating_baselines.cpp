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
          {real("lambda_user", RatingOffsets::kLambdaUser, 0, kInf,
                "damping of a user's bias: as many ratings at the mean added"),
           real("lambda_item", RatingOffsets::kLambdaItem, 0, kInf,
                "damping of an item's bias: as many ratings at the mean added")},
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
