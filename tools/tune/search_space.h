// What `sparserec tune` searches: each dimension a model option or a training flag (lr, batch),
// with a range to draw from. By default every declared option of the model that the command line
// does not fix, around its default: integers and positive reals over [d/4, 4d] (reals [d/10, 10d])
// log-uniformly, shares in [0, 1] within ±0.3 of the default, flags and choices over every value;
// the learning rate over [lr/5, 5·lr] log-uniformly; the batch among d/4 .. 4d. Options whose default
// is derived from the data or is 0 are left at their default unless --space names them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/train/built_model.h"
#include "models/registry.h"

namespace sr::tune {

struct Dimension {
  enum class Kind { real, integer, choice };
  std::string name;  // a model option, or "lr" / "batch"
  Kind kind = Kind::real;
  double lo = 0.0, hi = 0.0;
  bool log = false;
  std::vector<std::string> choices;
  std::string text() const;  // "l2 in [20, 2000] log", "variant in item|user"
};

// One trial's settings: model options as text, and the flags it sets.
struct TrialConfig {
  std::map<std::string, std::string> options;
  std::optional<float> lr;
  std::optional<int64_t> batch;
  std::string text() const;  // "hidden=312 l2=81.2 lr=0.0021 batch=64"
};

// The default space of `entry` trained with `defaults`, leaving out the names in `fixed` (options
// and flags the command line gives).
std::vector<Dimension> default_space(const ModelEntry& entry, const TrainDefaults& defaults,
                                     const std::set<std::string>& fixed);

// "name=lo:hi", "name=lo:hi:log" or "name=a|b|c" for `entry` (an option it declares, or lr/batch
// for a trained model): refused with one line when the name is unknown, the range malformed,
// empty, or outside the option's declared range.
Dimension parse_dimension(const std::string& text, const ModelEntry& entry);

// Replaces or adds `d` in `space` by name.
void set_dimension(std::vector<Dimension>& space, Dimension d);

// `n` configurations drawn in order from `seed`: the same seed, the same trials. With `entry`, an
// option drawn that does not apply to the rest of its configuration (GRU4Rec's n_sample with
// loss=xent), given the run's `fixed` options, is left out of it.
std::vector<TrialConfig> sample_configs(const std::vector<Dimension>& space, int n, uint64_t seed,
                                        const ModelEntry* entry = nullptr,
                                        const std::map<std::string, std::string>& fixed = {});

}  // namespace sr::tune
