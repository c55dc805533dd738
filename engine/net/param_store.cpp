#include "engine/net/param_store.h"

#include <cmath>

#include "engine/net/net.h"

namespace sr {

namespace {
// Host-side initial values, from a counter-based stream so every backend starts identical.
std::vector<float> initial_values(const Param& p, uint64_t seed) {
  std::vector<float> v(static_cast<size_t>(p.rows * p.cols), 0.0f);
  if (p.init == ParamInit::glorot_uniform) {
    const float limit = std::sqrt(6.0f / static_cast<float>(p.rows + p.cols));
    for (size_t i = 0; i < v.size(); ++i) v[i] = (2.0f * uniform01(seed, i) - 1.0f) * limit;
  } else if (p.init == ParamInit::uniform) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = (2.0f * uniform01(seed, i) - 1.0f) * p.init_std;
  } else if (p.init == ParamInit::normal) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = p.init_std * normal01(seed, i);
  }
  return v;
}

uint64_t name_hash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a: stable across runs and platforms
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}
}  // namespace

std::unique_ptr<ParamStore> ParamStore::for_loading(const Net& net, Backend& be) {
  std::unique_ptr<ParamStore> s(new ParamStore(net, be));
  for (const Param* p : net.params()) s->w_.emplace_back(be, p->rows, p->cols);
  return s;
}

ParamStore::ParamStore(const Net& net, Backend& be, uint64_t seed) : net_(&net), be_(&be) {
  for (const Param* p : net.params())
    w_.push_back(Tensor::from_host(be, initial_values(*p, splitmix64(seed ^ name_hash(p->name))), p->rows, p->cols));
}

}  // namespace sr
