// What the pair nets trained on implicit feedback share (NCF's GMF, MLP and NeuMF; DeepFM and
// DCN-v2): a score per (user, item) pair, its logistic loss against the "label" input, sampled
// unseen items as negatives.
#pragma once

#include "models/options.h"
#include "models/registry.h"

namespace sr {

// The model around `net`, whose `logit` scores each pair: the logistic loss against `label` with the
// `l2` option's weight decay, Adam at `lr`, at most 20 epochs of 256 positives a batch, each with the
// `negatives` option's number of sampled unseen items (NCF's training).
BuiltModel implicit_pair_model(Net net, Var logit, Var label, const ModelOptions& o, float lr);

}  // namespace sr
