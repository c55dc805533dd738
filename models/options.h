// A model's options, declared once: name, type, default, the values it accepts and a line of help.
// From the declaration follow the option check (an unknown option, a value of the wrong type or out
// of range is refused before any data is read), `sparserec models` (the help) and the builder's
// reading of each value. `sparserec train --model autorec hidden=500 l2=200`.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/data/field_inputs.h"

namespace sr {

enum class OptionType { integer, real, flag, choice };
constexpr double kInf = std::numeric_limits<double>::infinity();

struct OptionSpec {
  std::string name;
  OptionType type = OptionType::integer;
  // The default as text ("500", "0.2", "1", "item"); empty when the builder derives it from other
  // options, which `derived` then describes ("hidden when tied=1, else 0").
  std::string default_value;
  double min = -std::numeric_limits<double>::infinity(), max = std::numeric_limits<double>::infinity();
  bool max_open = false;             // the range excludes max ([min, max) for probabilities)
  std::vector<std::string> choices;  // OptionType::choice
  std::string help;
  std::string derived;
  // Set: the option applies only when option `when` has one of `when_values` (GRU4Rec's n_sample
  // with its sampled losses); given otherwise, it is refused.
  std::string when;
  std::vector<std::string> when_values;
  // Set: a choice whose value `auto` (its default) is decided by training each other value with
  // early stopping and keeping the best on the validation part (engine/train/option_choice.h);
  // this value stands for `auto` where nothing is chosen (no validation part, a probe build).
  std::string auto_fallback;

  std::string range_text() const;  // "[1, ∞)", "[0, 1)", "0|1", "item|user"
};

// Declarations, read as the option lists of models/*.cpp are written:
//   integer("hidden", 500, 1, "units of the hidden layer")
OptionSpec integer(std::string name, int64_t value, int64_t min, std::string help,
                   int64_t max = std::numeric_limits<int64_t>::max());
OptionSpec real(std::string name, double value, double min, double max, std::string help, bool max_open = false);
OptionSpec flag(std::string name, bool value, std::string help);
OptionSpec choice(std::string name, std::string value, std::vector<std::string> choices, std::string help);
// A choice decided on the validation part: `auto` (the default) or one of `values`, `fallback`
// (one of them) when there is nothing to decide on.
OptionSpec chosen_on_validation(std::string name, std::vector<std::string> values, std::string fallback,
                                std::string help);
// The option of `specs` whose value among `given` (else its default) is `auto`, if any.
const OptionSpec* auto_option(const std::vector<OptionSpec>& specs, const std::map<std::string, std::string>& given);
// An option whose default depends on others: the spec's default is left to the builder.
OptionSpec derived(OptionSpec spec, std::string how);
// An option that applies only when `option` takes one of `values`.
OptionSpec only_when(OptionSpec spec, std::string option, std::vector<std::string> values);
// Session nets' `repeat` (engine/eval/repeat_mix.h): the weight of the session's own items in the
// scores, in [0, 1); derived: chosen on the validation sessions unless given.
OptionSpec repeat_option();
// Whether `spec` applies when the options are `given` (the others at their defaults).
bool applies(const OptionSpec& spec, const std::vector<OptionSpec>& specs,
             const std::map<std::string, std::string>& given);

// The options given to one model (key=value), checked against its declarations, with the shape of
// the data it is built for.
class ModelOptions {
 public:
  // Throws one line naming the model and the option when a key is not declared (listing those that
  // are), or a value does not parse as its type or lies outside its range.
  // `rating_values`: the distinct training ratings when the data is ratings (a builder may take its
  // rating scale from them), else empty. `fields`: the side fields the data offers as inputs
  // (engine/data/field_inputs.h), for the models that read them.
  ModelOptions(const std::string& model, const std::vector<OptionSpec>& specs, std::map<std::string, std::string> given,
               int64_t n_users, int64_t n_items, std::vector<float> rating_values = {},
               std::vector<FieldShape> fields = {});
  int64_t n_users() const { return n_users_; }
  int64_t n_items() const { return n_items_; }
  const std::vector<float>& rating_values() const { return rating_values_; }
  const std::vector<FieldShape>& fields() const { return fields_; }

  // The value given, else the declared default. A derived option's default comes from the
  // builder: integer_or(name, fallback).
  int64_t integer(const std::string& name) const;
  int64_t integer_or(const std::string& name, int64_t fallback) const;
  double real(const std::string& name) const;
  double real_or(const std::string& name, double fallback) const;
  bool flag(const std::string& name) const;
  // A choice decided on the validation part reads as its fallback while it is `auto`.
  const std::string& choice(const std::string& name) const;
  bool given(const std::string& name) const { return given_.count(name) > 0; }

 private:
  const OptionSpec& spec(const std::string& name, OptionType type) const;
  const std::string& text(const OptionSpec& s) const;
  std::string model_;
  std::vector<OptionSpec> specs_;
  std::map<std::string, std::string> given_;
  int64_t n_users_, n_items_;
  std::vector<float> rating_values_;
  std::vector<FieldShape> fields_;
};

// "key=value" arguments into a map; throws on a malformed one or a key given twice.
std::map<std::string, std::string> parse_key_values(const std::vector<std::string>& args);

}  // namespace sr
