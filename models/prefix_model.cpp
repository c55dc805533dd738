#include "models/prefix_model.h"

namespace sr {

std::vector<OptionSpec> prefix_model_options(std::vector<OptionSpec> own, double init_std) {
  own.insert(own.end(), {real("cosine_scale", 10.0, 0.0, kInf,
                              "score by this times cosines (NISER); 0: plain products, as the papers score"),
                         flag("output_bias", false, "a learned bias per item in the decoder"),
                         choice("order", "time", {"time", "shuffled"},
                                "prefixes session after session in time order, or shuffled"),
                         real("init_std", init_std, 0.0, kInf, "standard deviation of the embedding's initial values"),
                         real("l2", 0.0, 0.0, kInf, "weight decay of the weight matrices"), repeat_option()});
  return own;
}

BuiltModel prefix_model(Net net, const ModelOptions& o) {
  BuiltModel m;
  m.task = Task::sessions;
  m.net = std::move(net);
  m.prefix_steps = o.integer("max_len");
  m.prefixes_in_time_order = o.choice("order") == "time";
  m.defaults.optimizer = "adam";
  m.defaults.lr = 0.003f;
  m.defaults.lr_decay = 0.85f;
  m.defaults.epochs = 20;
  m.defaults.batch_rows = 128;
  if (o.given("repeat")) m.repeat_weight = static_cast<float>(o.real_or("repeat", 0.0));
  return m;
}

}  // namespace sr
