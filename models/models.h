// The model builders, one per file in models/; listed by name in registry.cpp.
#pragma once

#include "models/registry.h"

namespace sr {
BuiltModel build_autorec(ModelOptions& o);
BuiltModel build_cdae(ModelOptions& o);
BuiltModel build_multdae(ModelOptions& o);
BuiltModel build_multvae(ModelOptions& o);
BuiltModel build_gmf(ModelOptions& o);
BuiltModel build_mlp(ModelOptions& o);
BuiltModel build_neumf(ModelOptions& o);
// Copies a trained GMF and MLP of the same factors into NeuMF (its prediction layer: [α·h_GMF | (1-α)·h_MLP]).
void init_neumf_from(Net& neumf, const Net& gmf, const Net& mlp, float alpha);
BuiltModel build_biased_mf(ModelOptions& o);
BuiltModel build_rbm(ModelOptions& o);
BuiltModel build_gru4rec(ModelOptions& o);
BuiltModel build_narm(ModelOptions& o);
}
