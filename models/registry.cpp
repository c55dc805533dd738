#include "models/registry.h"

#include <sstream>

#include "kernels/error.h"
#include "models/models.h"

namespace sr {

const std::vector<ModelEntry>& model_registry() {
  static const std::vector<ModelEntry> models = {
      autorec_model(),     biased_mf_model(),
      rbm_model(),         mean_rating_model(),
      bias_rating_model(), cdae_model(),
      multdae_model(),     multvae_model(),
      cfgan_model(),       gmf_model(),
      mlp_model(),         neumf_model(),
      deepfm_model(),      dcnv2_model(),
      two_tower_model(),   popularity_model(),
      itemknn_model(),     gru4rec_model(),
      narm_model(),        stamp_model(),
      prod2vec_model(),    session_popularity_model(),
      spop_model(),        session_itemknn_model(),
  };
  return models;
}

namespace {
std::string names_of(Task task) {
  std::string s;
  for (const auto& m : model_registry())
    if (m.task == task) s += (s.empty() ? "" : ", ") + m.name;
  return s;
}

// What a model of `task` is, for the error that sends it to its command.
const char* what_it_does(Task task) {
  switch (task) {
    case Task::ratings:
      return "predicts ratings: use `sparserec train`";
    case Task::topn:
      return "learns top-N from implicit feedback: use `sparserec topn`";
    default:
      return "predicts the next click in sessions: use `sparserec session`";
  }
}
}  // namespace

const ModelEntry& find_model(const std::string& name, Task task) {
  const ModelEntry* other = nullptr;
  for (const auto& m : model_registry()) {
    if (m.name == name && m.task == task) return m;
    if (m.name == name && !other) other = &m;
  }
  if (other)
    throw error("model '", name, "' ", what_it_does(other->task), " (", task_name(task), " models: ", names_of(task),
                ")");
  throw error("unknown model '", name, "' (", task_name(task), " models: ", names_of(task),
              "; see `sparserec models`)");
}

BuiltModel build_model(const ModelEntry& entry, const std::map<std::string, std::string>& options, int64_t n_users,
                       int64_t n_items, std::vector<float> rating_values, std::vector<FieldShape> fields) {
  const ModelOptions o(entry.name, entry.options, options, n_users, n_items, std::move(rating_values),
                       std::move(fields));
  BuiltModel m = entry.build(o);
  SR_CHECK(m.task == entry.task, "model ", entry.name, " was built for another task than it declares");
  return m;
}

BuiltModel build_model(const std::string& name, const std::map<std::string, std::string>& options, int64_t n_users,
                       int64_t n_items, std::vector<float> rating_values) {
  std::string known;
  for (const auto& m : model_registry()) {
    if (m.baseline) continue;
    if (m.name == name) return build_model(m, options, n_users, n_items, std::move(rating_values));
    known += (known.empty() ? "" : ", ") + m.name;
  }
  throw error("unknown model '", name, "' (known: ", known, ")");
}

std::string describe_models() {
  std::ostringstream os;
  for (Task task : {Task::ratings, Task::topn, Task::sessions}) {
    os << task_name(task) << " models (sparserec " << task_command(task) << "):\n";
    for (const auto& m : model_registry()) {
      if (m.task != task) continue;
      os << "  " << m.name << "\t" << m.summary << "\n";
      for (const auto& o : m.options) {
        os << "      " << o.name << "=" << (o.derived.empty() ? o.default_value : "(" + o.derived + ")") << "  "
           << o.range_text() << "  " << o.help;
        if (!o.when.empty()) {
          os << " (only with " << o.when << "=";
          for (size_t v = 0; v < o.when_values.size(); ++v) os << (v ? "|" : "") << o.when_values[v];
          os << ")";
        }
        os << "\n";
      }
    }
  }
  return os.str();
}

}  // namespace sr
