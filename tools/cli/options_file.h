// The options file `sparserec tune` writes and `train`, `topn` and `session --options-file` read:
// the command and model it was tuned for, the model options, and the training flags it settled on
// (learning rate, batch, epochs). Options and flags given on the command line win over the file's;
// a file of another command or model is refused.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace sr::cli {

struct ModelArgs;

struct OptionsFile {
  std::string command, model;
  std::map<std::string, std::string> options;
  std::optional<float> lr;
  std::optional<int64_t> batch;
  std::optional<int> epochs;
  nlohmann::json about;  // how it was found (metric, score, trial): kept, not read
};

// Written atomically (a killed tune never leaves half a file).
void write_options_file(const std::string& path, const OptionsFile& f);
// One line naming the file and what is wrong: missing, not JSON, a field missing or of a wrong type.
OptionsFile read_options_file(const std::string& path);
// Merges `args.options_file` (if given) into `args` for `command`: its options where the command
// line gives none of that key, its flags where the command line gives none.
void apply_options_file(ModelArgs& args, const std::string& command);

}  // namespace sr::cli
