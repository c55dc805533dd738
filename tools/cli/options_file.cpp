#include "tools/cli/options_file.h"

#include <fstream>
#include <sstream>

#include "engine/io/atomic_file.h"
#include "kernels/error.h"
#include "models/options.h"
#include "tools/cli/training_command.h"

namespace sr::cli {

void write_options_file(const std::string& path, const OptionsFile& f) {
  nlohmann::json j;
  j["sparserec_options"] = 1;
  j["command"] = f.command, j["model"] = f.model, j["options"] = f.options;
  nlohmann::json flags = nlohmann::json::object();
  if (f.lr) flags["lr"] = *f.lr;
  if (f.batch) flags["batch"] = *f.batch;
  if (f.epochs) flags["epochs"] = *f.epochs;
  j["flags"] = flags;
  if (!f.about.is_null()) j["about"] = f.about;
  write_file_atomically(path, j.dump(2) + "\n");
}

OptionsFile read_options_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw error("--options-file '", path, "': cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("sparserec_options"))
    throw error("--options-file '", path, "': not an options file of `sparserec tune` (JSON with sparserec_options)");
  OptionsFile f;
  try {
    f.command = j.at("command").get<std::string>();
    f.model = j.at("model").get<std::string>();
    for (const auto& [k, v] : j.at("options").items()) f.options[k] = v.get<std::string>();
    const nlohmann::json& flags = j.at("flags");
    if (flags.contains("lr")) f.lr = flags["lr"].get<float>();
    if (flags.contains("batch")) f.batch = flags["batch"].get<int64_t>();
    if (flags.contains("epochs")) f.epochs = flags["epochs"].get<int>();
    if (j.contains("about")) f.about = j["about"];
  } catch (const nlohmann::json::exception& e) {
    throw error("--options-file '", path, "': ", e.what());
  }
  return f;
}

void apply_options_file(ModelArgs& args, const std::string& command) {
  if (args.options_file.empty()) return;
  const OptionsFile f = read_options_file(args.options_file);
  if (f.command != command || f.model != args.model)
    throw error("--options-file '", args.options_file, "' was tuned for `", f.command, " --model ", f.model, "`, not `",
                command, " --model ", args.model, "`");
  std::map<std::string, std::string> given = parse_key_values(args.options);
  for (const auto& [k, v] : f.options)
    if (!given.count(k)) args.options.push_back(k + "=" + v);
  if (!args.flags.lr) args.flags.lr = f.lr;
  if (!args.flags.batch) args.flags.batch = f.batch;
  if (!args.flags.epochs) args.flags.epochs = f.epochs;
}

}  // namespace sr::cli
