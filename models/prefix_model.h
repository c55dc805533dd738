// What the session models over prefixes (NARM, STAMP) share: sparse inputs "clicks" and "mask" (a
// prefix's last max_len clicks, left-padded), a tied decoder under a full softmax, every prefix of
// every training session an example.
#pragma once

#include <vector>

#include "models/options.h"
#include "models/registry.h"

namespace sr {

// A model's own options followed by those both declare: cosine_scale, output_bias, order, init_std
// (its default the model's), l2, repeat.
std::vector<OptionSpec> prefix_model_options(std::vector<OptionSpec> own, double init_std);

// The model around `net`: prefixes of `max_len` steps in time order (order=time) or shuffled,
// Adam 0.003 decayed 0.85 an epoch over 20 epochs, batch 128, the repeat weight when given.
BuiltModel prefix_model(Net net, const ModelOptions& o);

}  // namespace sr
