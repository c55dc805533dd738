#include "engine/train/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "engine/io/tensor_file.h"
#include "kernels/error.h"

namespace sr {

namespace {
const char kMagic[] = "SPARSEREC-CHECKPOINT v2\n";
constexpr const char* kWhat = "checkpoint";
constexpr const char* kPrefix = "checkpoint-e";
constexpr const char* kSuffix = ".srck";

// Zero-padded, so that names sort as (epoch, step) do.
std::string file_name(const TrainPosition& at) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%06d-s%012lld%s", kPrefix, at.epoch, static_cast<long long>(at.step), kSuffix);
  return buf;
}

std::vector<std::string> checkpoint_files(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    // Only finished files: a temporary one (".tmp.<pid>" after the suffix) was never renamed.
    if (n.rfind(kPrefix, 0) == 0 && n.size() > 5 && n.compare(n.size() - 5, 5, kSuffix) == 0) names.push_back(n);
  }
  if (ec) throw error("cannot list checkpoint directory '", dir, "': ", ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

// What a checkpoint holds of each parameter, in order: its weights, the optimizer's state, and the
// weights' moving average when the optimizer keeps one.
struct Part {
  const char* suffix;
  Tensor& (*of)(Exec& ex, Optimizer& opt, const Param& p);
};
std::vector<Part> saved_parts(const Optimizer& opt) {
  std::vector<Part> parts = {
      {"", [](Exec& ex, Optimizer&, const Param& p) -> Tensor& { return ex.params().weights(p); }},
      {"#s1", [](Exec& ex, Optimizer& o, const Param& p) -> Tensor& { return o.state(ex.params(), p).s1; }},
      {"#s2", [](Exec& ex, Optimizer& o, const Param& p) -> Tensor& { return o.state(ex.params(), p).s2; }}};
  if (opt.config().average > 0.0f)
    parts.push_back(
        {"#avg", [](Exec& ex, Optimizer& o, const Param& p) -> Tensor& { return o.state(ex.params(), p).avg; }});
  return parts;
}

}  // namespace

void save_checkpoint(const Checkpointing& c, const TrainPosition& at, Exec& ex, Optimizer& opt) {
  if (c.dir.empty() || !c.writer) return;
  std::error_code ec;
  std::filesystem::create_directories(c.dir, ec);
  if (ec) throw error("cannot create checkpoint directory '", c.dir, "': ", ec.message());
  const auto& params = ex.net().params();
  nlohmann::json j;
  j["run"] = c.run;
  j["model"] = ex.net().name();
  j["epoch"] = at.epoch;
  j["step"] = at.step;
  j["epoch_loss"] = at.epoch_loss;
  j["optimizer_steps"] = opt.steps();
  j["updates"] = ex.updates();
  j["draws"] = ex.draws().count();
  const auto parts = saved_parts(opt);
  TensorFileWriter out((std::filesystem::path(c.dir) / file_name(at)).string(), kMagic, j.dump(),
                       parts.size() * params.size());
  for (const Param* p : params)
    for (const Part& part : parts)
      out.put(p->name + part.suffix, p->rows, p->cols, part.of(ex, opt, *p).to_host().data());
  out.commit();
  const auto names = checkpoint_files(c.dir);
  for (size_t i = 0; i + static_cast<size_t>(std::max(c.keep, 1)) < names.size(); ++i)
    std::filesystem::remove(std::filesystem::path(c.dir) / names[i], ec);  // best effort: an old file left is harmless
}

std::string newest_checkpoint(const std::string& dir) {
  if (!std::filesystem::exists(dir)) return "";
  const auto names = checkpoint_files(dir);
  return names.empty() ? "" : (std::filesystem::path(dir) / names.back()).string();
}

TrainPosition load_checkpoint(const std::string& path, const std::string& run, Exec& ex, Optimizer& opt) {
  TensorFileReader r(path, kMagic, kWhat);
  TrainPosition at;
  int64_t steps = 0, updates = 0;
  uint64_t draws = 0;
  try {
    const auto j = nlohmann::json::parse(r.header());
    if (j.at("run").get<std::string>() != run)
      throw error("checkpoint '", path, "' belongs to another run (it: ", j.at("run").get<std::string>(),
                  "; this one: ", run, ")");
    if (j.at("model").get<std::string>() != ex.net().name())
      throw error("checkpoint '", path, "' is of model '", j.at("model").get<std::string>(), "', not '",
                  ex.net().name(), "'");
    at.epoch = j.at("epoch"), at.step = j.at("step"), at.epoch_loss = j.at("epoch_loss");
    steps = j.at("optimizer_steps"), updates = j.at("updates"), draws = j.at("draws");
  } catch (const nlohmann::json::exception& e) {
    throw error("checkpoint '", path, "': bad header: ", e.what());
  }
  const auto& params = ex.net().params();
  const auto parts = saved_parts(opt);
  if (r.count() != parts.size() * params.size())
    throw error("checkpoint '", path, "' holds ", r.count(), " tensors, model '", ex.net().name(), "' needs ",
                parts.size() * params.size());
  // Everything is read and verified before anything is changed: a bad file leaves the run as it was.
  std::vector<std::vector<float>> values;
  for (const Param* p : params)
    for (const Part& part : parts) values.push_back(r.get<float>(p->name + part.suffix, p->rows, p->cols));
  r.finish();
  size_t i = 0;
  for (const Param* p : params)
    for (const Part& part : parts) part.of(ex, opt, *p).upload(values[i++]);
  opt.set_steps(steps);
  ex.set_updates(updates);
  ex.draws().set_count(draws);
  return at;
}

}  // namespace sr
