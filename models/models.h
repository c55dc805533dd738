// The models' declarations, one per file of models/ (registry.cpp lists them): each returns its
// name, task, summary, options and builder.
#pragma once

#include "models/registry.h"

namespace sr {
// Rating prediction, and its baselines.
ModelEntry autorec_model();
ModelEntry biased_mf_model();
ModelEntry rbm_model();
ModelEntry mean_rating_model();
ModelEntry bias_rating_model();
// Top-N from implicit feedback, and its baselines.
ModelEntry cdae_model();
ModelEntry multdae_model();
ModelEntry multvae_model();
ModelEntry cfgan_model();
ModelEntry gmf_model();
ModelEntry mlp_model();
ModelEntry neumf_model();
ModelEntry deepfm_model();  // over ids and side fields (feature_rankers.cpp)
ModelEntry dcnv2_model();
ModelEntry two_tower_model();
ModelEntry popularity_model();
ModelEntry itemknn_model();
// The next click in sessions, and its baselines.
ModelEntry gru4rec_model();
ModelEntry narm_model();
ModelEntry stamp_model();
ModelEntry prod2vec_model();
ModelEntry session_popularity_model();
ModelEntry spop_model();
ModelEntry session_itemknn_model();

// Copies a trained GMF and MLP of the same factors into NeuMF (its prediction layer: [α·h_GMF | (1-α)·h_MLP]).
void init_neumf_from(ParamStore& neumf, const ParamStore& gmf, const ParamStore& mlp, float alpha);
}  // namespace sr
