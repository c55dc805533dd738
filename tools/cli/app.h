// The sparserec command line as one CLI11 app: what the program's main() parses, and what the
// Python package (python/) runs in-process with the same options, checks and results.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>

namespace sr::cli {

// Every subcommand, ready to parse; its callback runs the command.
std::unique_ptr<CLI::App> make_app();

}  // namespace sr::cli
