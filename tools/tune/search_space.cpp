#include "tools/tune/search_space.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "kernels/error.h"

namespace sr::tune {

namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

const OptionSpec* find_spec(const ModelEntry& e, const std::string& name) {
  for (const auto& s : e.options)
    if (s.name == name) return &s;
  return nullptr;
}

// The default's neighbourhood for a numeric option (see the header); nullopt when left alone.
std::optional<Dimension> around_default(const OptionSpec& s) {
  if (!s.derived.empty()) return std::nullopt;
  const double v = std::strtod(s.default_value.c_str(), nullptr);
  if (!(v > 0.0)) return std::nullopt;
  Dimension d;
  d.name = s.name;
  const double top = s.max_open ? s.max - 0.05 * (s.max - s.min) : s.max;
  if (s.type == OptionType::integer) {
    d.kind = Dimension::Kind::integer, d.log = true;
    d.lo = std::max(s.min, std::ceil(v / 4.0)), d.hi = std::min(s.max, v * 4.0);
  } else if (s.min >= 0.0 && s.max <= 1.0) {  // a share: dropout, corruption, momentum, an exponent
    d.lo = std::max(s.min, v - 0.3), d.hi = std::min(top, v + 0.3);
  } else {
    d.log = true;
    d.lo = std::max(s.min, v / 10.0), d.hi = std::min(top, v * 10.0);
  }
  if (!(d.hi > d.lo)) return std::nullopt;
  return d;
}

Dimension all_values(const OptionSpec& s) {
  Dimension d;
  d.name = s.name, d.kind = Dimension::Kind::choice;
  d.choices = s.type == OptionType::flag ? std::vector<std::string>{"0", "1"} : s.choices;
  if (!s.auto_fallback.empty())  // a trial reports its validation score: it is the choice among the values
    d.choices.erase(std::find(d.choices.begin(), d.choices.end(), "auto"));
  return d;
}

double parse_number(const std::string& text, const std::string& where) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v)) throw error(where, ": '", text, "' is not a finite number");
  return v;
}

}  // namespace

std::string Dimension::text() const {
  if (kind == Kind::choice) {
    std::string s;
    for (const auto& c : choices) s += (s.empty() ? "" : "|") + c;
    return name + " in " + s;
  }
  return name + " in [" + number(lo) + ", " + number(hi) + "]" + (log ? " log" : "") +
         (kind == Kind::integer ? " integer" : "");
}

std::string TrialConfig::text() const {
  std::string s;
  for (const auto& [k, v] : options) s += (s.empty() ? "" : " ") + k + "=" + v;
  if (lr) s += (s.empty() ? "" : " ") + std::string("lr=") + number(*lr);
  if (batch) s += (s.empty() ? "" : " ") + std::string("batch=") + std::to_string(*batch);
  return s.empty() ? "(defaults)" : s;
}

std::vector<Dimension> default_space(const ModelEntry& entry, const TrainDefaults& defaults,
                                     const std::set<std::string>& fixed) {
  std::vector<Dimension> space;
  for (const auto& s : entry.options) {
    if (fixed.count(s.name)) continue;
    if (s.type == OptionType::flag || s.type == OptionType::choice) {
      if (s.derived.empty()) space.push_back(all_values(s));
    } else if (auto d = around_default(s)) {
      space.push_back(*d);
    }
  }
  if (entry.baseline) return space;  // fitted, not trained: no learning rate or batch
  if (!fixed.count("lr") && defaults.lr > 0.0f) {
    Dimension d;
    d.name = "lr", d.log = true, d.lo = defaults.lr / 5.0, d.hi = defaults.lr * 5.0;
    space.push_back(d);
  }
  if (!fixed.count("batch") && defaults.batch_rows > 0) {
    Dimension d;
    d.name = "batch", d.kind = Dimension::Kind::choice;
    for (int64_t b : {defaults.batch_rows / 4, defaults.batch_rows / 2, defaults.batch_rows, defaults.batch_rows * 2,
                      defaults.batch_rows * 4})
      if (b >= 1 && std::find(d.choices.begin(), d.choices.end(), std::to_string(b)) == d.choices.end())
        d.choices.push_back(std::to_string(b));
    space.push_back(d);
  }
  return space;
}

Dimension parse_dimension(const std::string& text, const ModelEntry& entry) {
  const std::string where = "--space " + text;
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw error(where, ": expected name=lo:hi, name=lo:hi:log or name=a|b|c");
  Dimension d;
  d.name = text.substr(0, eq);
  const std::string range = text.substr(eq + 1);
  const OptionSpec* spec = find_spec(entry, d.name);
  const bool flag = d.name == "lr" || d.name == "batch";
  if (!spec && !(flag && !entry.baseline)) {
    std::string known;
    for (const auto& s : entry.options) known += (known.empty() ? "" : ", ") + s.name;
    if (!entry.baseline) known += std::string(known.empty() ? "" : ", ") + "lr, batch";
    throw error(where, ": model ", entry.name, " has no option '", d.name,
                "' to tune (it has: ", known.empty() ? "none" : known, ")");
  }
  if (range.find(':') == std::string::npos) {  // a list of values
    d.kind = Dimension::Kind::choice;
    std::stringstream in(range);
    for (std::string v; std::getline(in, v, '|');) {
      if (v.empty()) throw error(where, ": an empty value in the list");
      if (spec) {  // each value checked as the model would check it
        try {
          ModelOptions(entry.name, entry.options, {{d.name, v}}, 1, 1);
        } catch (const Error& e) {
          throw error(where, ": ", e.what());
        }
      }
      d.choices.push_back(v);
    }
    return d;
  }
  std::vector<std::string> parts;
  std::stringstream in(range);
  for (std::string p; std::getline(in, p, ':');) parts.push_back(p);
  if (parts.size() < 2 || parts.size() > 3 || (parts.size() == 3 && parts[2] != "log"))
    throw error(where, ": expected lo:hi or lo:hi:log");
  if (spec && spec->type != OptionType::integer && spec->type != OptionType::real)
    throw error(where, ": option ", d.name, " takes ", spec->range_text(), ", give its values as a|b");
  d.lo = parse_number(parts[0], where), d.hi = parse_number(parts[1], where), d.log = parts.size() == 3;
  d.kind = (spec && spec->type == OptionType::integer) || d.name == "batch" ? Dimension::Kind::integer
                                                                            : Dimension::Kind::real;
  if (!(d.lo < d.hi)) throw error(where, ": an empty range (lo must be below hi)");
  if (d.kind == Dimension::Kind::integer && std::ceil(d.lo) > std::floor(d.hi))
    throw error(where, ": no integer in the range");
  if (d.log && d.lo <= 0.0) throw error(where, ": a log range must start above 0");
  const double min = spec ? spec->min : (d.name == "batch" ? 1.0 : 0.0), max = spec ? spec->max : INFINITY;
  if (d.lo < min || d.hi > max || (spec && spec->max_open && d.hi >= max) || (!spec && d.lo <= 0.0 && d.name == "lr"))
    throw error(where, ": outside ", spec ? spec->range_text() : (d.name == "lr" ? "(0, ∞)" : "[1, ∞)"), ", the range ",
                spec ? "option " + d.name + " accepts" : d.name + " accepts");
  return d;
}

void set_dimension(std::vector<Dimension>& space, Dimension d) {
  for (auto& s : space)
    if (s.name == d.name) {
      s = std::move(d);
      return;
    }
  space.push_back(std::move(d));
}

std::vector<TrialConfig> sample_configs(const std::vector<Dimension>& space, int n, uint64_t seed,
                                        const ModelEntry* entry, const std::map<std::string, std::string>& fixed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  std::vector<TrialConfig> out;
  for (int t = 0; t < n; ++t) {
    TrialConfig c;
    for (const auto& d : space) {
      std::string value;
      if (d.kind == Dimension::Kind::choice) {
        value = d.choices[static_cast<size_t>(u01(rng) * static_cast<double>(d.choices.size())) % d.choices.size()];
      } else {
        const double x = u01(rng);
        double v = d.log ? std::exp(std::log(d.lo) + x * (std::log(d.hi) - std::log(d.lo))) : d.lo + x * (d.hi - d.lo);
        if (d.kind == Dimension::Kind::integer) {
          v = std::clamp(std::round(v), std::ceil(d.lo), std::floor(d.hi));
          value = std::to_string(static_cast<int64_t>(v));
        } else {
          value = number(v);
          if (std::strtod(value.c_str(), nullptr) < d.lo) value = number(d.lo);  // the rounding kept inside
          if (std::strtod(value.c_str(), nullptr) > d.hi) value = number(d.hi);
        }
      }
      if (d.name == "lr")
        c.lr = std::strtof(value.c_str(), nullptr);
      else if (d.name == "batch")
        c.batch = std::strtoll(value.c_str(), nullptr, 10);
      else
        c.options[d.name] = value;
    }
    if (entry) {  // the options that do not apply to what else was drawn
      std::map<std::string, std::string> all = fixed;
      all.insert(c.options.begin(), c.options.end());
      for (const auto& spec : entry->options)
        if (c.options.count(spec.name) && !applies(spec, entry->options, all)) c.options.erase(spec.name);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace sr::tune
