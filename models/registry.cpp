#include "models/registry.h"

#include <cstdlib>

#include "engine/error.h"
#include "engine/train/cd_step.h"
#include "models/models.h"

namespace sr {

const std::string* ModelOptions::take(const std::string& key) {
  known_.insert(key);
  const auto it = kv_.find(key);
  if (it == kv_.end()) return nullptr;
  used_.insert(key);
  return &it->second;
}

int64_t ModelOptions::get_int(const std::string& key, int64_t fallback) {
  const std::string* value = take(key);
  if (!value) return fallback;
  const std::string& s = *value;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0') throw error("option ", key, "=", s, ": not an integer");
  return v;
}

double ModelOptions::get_double(const std::string& key, double fallback) {
  const std::string* value = take(key);
  if (!value) return fallback;
  const std::string& s = *value;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') throw error("option ", key, "=", s, ": not a number");
  return v;
}

std::string ModelOptions::get_string(const std::string& key, const std::string& fallback,
                                     const std::vector<std::string>& allowed) {
  const std::string* value = take(key);
  if (!value) return fallback;
  const std::string& s = *value;
  for (const auto& a : allowed)
    if (a == s) return s;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  throw error("option ", key, "=", s, ": expected one of ", list);
}

void ModelOptions::check_all_used(const std::string& model) const {
  for (const auto& [key, value] : kv_) {
    if (used_.count(key)) continue;
    std::string list;
    for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
    throw error("unknown option '", key, "' for model ", model, " (its options: ", list, ")");
  }
}

const std::vector<ModelEntry>& model_registry() {
  static const std::vector<ModelEntry> models = {
      {"autorec", "AutoRec (Sedhain et al. 2015): item-based by default (variant=item|user); options hidden, l2",
       build_autorec},
      {"cdae", "CDAE (Wu et al. 2016), top-N on implicit feedback: options hidden, corruption, negatives, l2, user_node",
       build_cdae},
      {"multdae", "Mult-DAE (Liang et al. 2018), top-N with a full softmax: options hidden, dropout, l2", build_multdae},
      {"multvae", "Mult-VAE (Liang et al. 2018), top-N with a full softmax: options hidden, latent, dropout, beta, anneal_steps, l2",
       build_multvae},
      {"gmf", "NCF's GMF (He et al. 2017), top-N on (user, item) pairs: options factors, negatives, l2", build_gmf},
      {"mlp", "NCF's MLP (He et al. 2017), top-N on (user, item) pairs: options factors, negatives, l2", build_mlp},
      {"neumf", "NCF's NeuMF (He et al. 2017), GMF and MLP fused: options factors, negatives, l2, pretrain (0|1: from trained GMF and MLP)", build_neumf},
      {"rbm", "RBM-CF (Salakhutdinov et al. 2007), ratings, trained by CD-k: options variant (item|user), hidden, levels, cd_k, momentum, l2", build_rbm},
      {"biased_mf", "biased matrix factorization (Koren et al. 2009), ratings: options factors, l2, init", build_biased_mf},
      {"gru4rec", "GRU4Rec (Hidasi et al. 2016, 2018), next click in sessions: options hidden, tied (0|1), embedding, loss "
                  "(xent|xent-sampled|bpr-max|top1-max|bpr|top1), n_sample, sample_alpha, bpreg, dropout, l2", build_gru4rec},
      {"narm", "NARM (Li et al. 2017), next click in sessions, attention over a GRU: options embedding, hidden, max_len, "
               "dropout_embedding, dropout, output_bias, order (time|shuffled), init_std (of the embedding), l2", build_narm},
  };
  return models;
}

BuiltModel build_model(const std::string& name, ModelOptions& options) {
  std::string known;
  for (const auto& m : model_registry()) {
    if (m.name == name) {
      BuiltModel built = m.build(options);
      options.check_all_used(name);
      return built;
    }
    known += (known.empty() ? "" : ", ") + m.name;
  }
  throw error("unknown model '", name, "' (known: ", known, ")");
}

std::map<std::string, std::string> parse_key_values(const std::vector<std::string>& args) {
  std::map<std::string, std::string> kv;
  for (const auto& a : args) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == a.size())
      throw error("model option '", a, "' is not of the form key=value");
    if (!kv.emplace(a.substr(0, eq), a.substr(eq + 1)).second) throw error("model option '", a.substr(0, eq), "' given twice");
  }
  return kv;
}

}  // namespace sr
