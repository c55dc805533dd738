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
BuiltModel build_biased_mf(ModelOptions& o);
BuiltModel build_rbm(ModelOptions& o);
}
