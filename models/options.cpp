#include "models/options.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "kernels/error.h"

namespace sr {

namespace {

// The shortest text that reads back as the same double (a default is kept as text and parsed
// like a given value, so it must round-trip exactly).
std::string number_text(double v) {
  if (std::isinf(v)) return v > 0 ? "∞" : "-∞";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

bool parse_integer(const std::string& s, int64_t& v) {
  char* end = nullptr;
  v = std::strtoll(s.c_str(), &end, 10);
  return !s.empty() && *end == '\0';
}

bool parse_real(const std::string& s, double& v) {
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return !s.empty() && *end == '\0' && std::isfinite(v);
}

}  // namespace

std::string OptionSpec::range_text() const {
  switch (type) {
    case OptionType::flag:
      return "0|1";
    case OptionType::choice: {
      std::string s;
      for (const auto& c : choices) s += (s.empty() ? "" : "|") + c;
      return s;
    }
    default:
      return "[" + number_text(min) + ", " + number_text(max) + (max_open || std::isinf(max) ? ")" : "]");
  }
}

OptionSpec integer(std::string name, int64_t value, int64_t min, std::string help, int64_t max) {
  OptionSpec s;
  s.name = std::move(name), s.type = OptionType::integer, s.default_value = std::to_string(value);
  s.min = static_cast<double>(min);
  s.max =
      max == std::numeric_limits<int64_t>::max() ? std::numeric_limits<double>::infinity() : static_cast<double>(max);
  s.help = std::move(help);
  return s;
}

OptionSpec real(std::string name, double value, double min, double max, std::string help, bool max_open) {
  OptionSpec s;
  s.name = std::move(name), s.type = OptionType::real, s.default_value = number_text(value);
  s.min = min, s.max = max, s.max_open = max_open, s.help = std::move(help);
  return s;
}

OptionSpec flag(std::string name, bool value, std::string help) {
  OptionSpec s;
  s.name = std::move(name), s.type = OptionType::flag, s.default_value = value ? "1" : "0", s.help = std::move(help);
  return s;
}

OptionSpec choice(std::string name, std::string value, std::vector<std::string> choices, std::string help) {
  OptionSpec s;
  s.name = std::move(name), s.type = OptionType::choice, s.default_value = std::move(value);
  s.choices = std::move(choices), s.help = std::move(help);
  return s;
}

OptionSpec chosen_on_validation(std::string name, std::vector<std::string> values, std::string fallback,
                                std::string help) {
  SR_CHECK(std::find(values.begin(), values.end(), fallback) != values.end(), "the fallback is one of the values");
  values.insert(values.begin(), "auto");
  OptionSpec s = choice(std::move(name), "auto", std::move(values), std::move(help));
  s.auto_fallback = std::move(fallback);
  return s;
}

const OptionSpec* auto_option(const std::vector<OptionSpec>& specs, const std::map<std::string, std::string>& given) {
  for (const OptionSpec& s : specs) {
    if (s.auto_fallback.empty()) continue;
    const auto it = given.find(s.name);
    if ((it == given.end() ? s.default_value : it->second) == "auto") return &s;
  }
  return nullptr;
}

OptionSpec derived(OptionSpec spec, std::string how) {
  spec.default_value.clear();
  spec.derived = std::move(how);
  return spec;
}

OptionSpec repeat_option() {
  return derived(real("repeat", 0.0, 0.0, 1.0, "weight of the session's own items mixed into the scores", true),
                 "chosen on the validation sessions after training (0 without early stopping)");
}

OptionSpec only_when(OptionSpec spec, std::string option, std::vector<std::string> values) {
  spec.when = std::move(option);
  spec.when_values = std::move(values);
  return spec;
}

bool applies(const OptionSpec& spec, const std::vector<OptionSpec>& specs,
             const std::map<std::string, std::string>& given) {
  if (spec.when.empty()) return true;
  std::string value;
  if (const auto it = given.find(spec.when); it != given.end()) {
    value = it->second;
  } else {
    for (const auto& s : specs)
      if (s.name == spec.when) value = s.default_value;
  }
  return std::find(spec.when_values.begin(), spec.when_values.end(), value) != spec.when_values.end();
}

ModelOptions::ModelOptions(const std::string& model, const std::vector<OptionSpec>& specs,
                           std::map<std::string, std::string> given, int64_t n_users, int64_t n_items,
                           std::vector<float> rating_values, std::vector<FieldShape> fields)
    : model_(model),
      specs_(specs),
      given_(std::move(given)),
      n_users_(n_users),
      n_items_(n_items),
      rating_values_(std::move(rating_values)),
      fields_(std::move(fields)) {
  for (const auto& [key, value] : given_) {
    const OptionSpec* s = nullptr;
    for (const auto& spec : specs_)
      if (spec.name == key) s = &spec;
    if (!s) {
      std::string known;
      for (const auto& spec : specs_) known += (known.empty() ? "" : ", ") + spec.name;
      throw error("unknown option '", key, "' for model ", model_, " (its options: ", known.empty() ? "none" : known,
                  ")");
    }
    const std::string where = "option " + key + "=" + value + " of model " + model_;
    switch (s->type) {
      case OptionType::integer: {
        int64_t v = 0;
        if (!parse_integer(value, v)) throw error(where, ": not an integer");
        if (static_cast<double>(v) < s->min || static_cast<double>(v) > s->max)
          throw error(where, ": outside ", s->range_text());
        break;
      }
      case OptionType::real: {
        double v = 0;
        if (!parse_real(value, v)) throw error(where, ": not a finite number");
        if (v < s->min || v > s->max || (s->max_open && v >= s->max)) throw error(where, ": outside ", s->range_text());
        break;
      }
      case OptionType::flag:
        if (value != "0" && value != "1") throw error(where, ": expected 0 or 1");
        break;
      case OptionType::choice: {
        bool ok = false;
        for (const auto& c : s->choices) ok = ok || c == value;
        if (!ok) throw error(where, ": expected one of ", s->range_text());
        break;
      }
    }
    if (!applies(*s, specs_, given_)) {
      std::string values;
      for (const auto& v : s->when_values) values += (values.empty() ? "" : "|") + v;
      std::string now;
      for (const auto& c : specs_)
        if (c.name == s->when) now = given_.count(c.name) ? given_.at(c.name) : c.default_value;
      throw error("option ", key, " of model ", model_, " applies to ", s->when, "=", values, ", not to ", s->when, "=",
                  now);
    }
  }
}

const OptionSpec& ModelOptions::spec(const std::string& name, OptionType type) const {
  const auto it = std::find_if(specs_.begin(), specs_.end(), [&](const OptionSpec& s) { return s.name == name; });
  SR_CHECK(it != specs_.end(), "model ", model_, " reads option '", name, "', which it does not declare");
  SR_CHECK(it->type == type, "model ", model_, " reads option '", name, "' as another type than it declares");
  return *it;
}

const std::string& ModelOptions::text(const OptionSpec& s) const {
  const auto it = given_.find(s.name);
  if (it != given_.end()) return it->second;
  SR_CHECK(!s.default_value.empty(), "model ", model_, ": option '", s.name,
           "' has a derived default: read it with a fallback");
  return s.default_value;
}

int64_t ModelOptions::integer(const std::string& name) const {
  return std::strtoll(text(spec(name, OptionType::integer)).c_str(), nullptr, 10);
}

int64_t ModelOptions::integer_or(const std::string& name, int64_t fallback) const {
  spec(name, OptionType::integer);
  return given(name) ? std::strtoll(given_.at(name).c_str(), nullptr, 10) : fallback;
}

double ModelOptions::real(const std::string& name) const {
  return std::strtod(text(spec(name, OptionType::real)).c_str(), nullptr);
}

double ModelOptions::real_or(const std::string& name, double fallback) const {
  spec(name, OptionType::real);
  return given(name) ? std::strtod(given_.at(name).c_str(), nullptr) : fallback;
}

bool ModelOptions::flag(const std::string& name) const { return text(spec(name, OptionType::flag)) == "1"; }

const std::string& ModelOptions::choice(const std::string& name) const {
  const OptionSpec& s = spec(name, OptionType::choice);
  const std::string& value = text(s);
  return value == "auto" && !s.auto_fallback.empty() ? s.auto_fallback : value;
}

std::map<std::string, std::string> parse_key_values(const std::vector<std::string>& args) {
  std::map<std::string, std::string> kv;
  for (const auto& a : args) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == a.size())
      throw error("model option '", a, "' is not of the form key=value");
    if (!kv.emplace(a.substr(0, eq), a.substr(eq + 1)).second)
      throw error("model option '", a.substr(0, eq), "' given twice");
  }
  return kv;
}

}  // namespace sr
