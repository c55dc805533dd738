// One run of a trial as a child process of the same program (`sparserec train|topn|session ...`):
// its own address space and device context, so that runs side by side share nothing and a crash
// or a diverging run fails that trial alone. The child dies with the tuner (PR_SET_PDEATHSIG).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace sr::tune {

struct ProcessResult {
  int exit_code = -1;      // -1: ended by a signal
  int signal = 0;          // the signal that ended it
  std::string last_line;   // the last line of its stdout (the command's JSON result)
  std::string last_error;  // the last line it wrote to stderr (what failed)
  double seconds = 0.0;
};

// Runs `argv` (argv[0] a path to the program) with `env` added to this process's environment;
// stderr is appended to `stderr_path`. The child has its own process group: a Ctrl-C reaches the
// tuner alone, and the children end with it.
ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          const std::string& stderr_path);

// The path of this program, for running it again.
std::string self_program();

}  // namespace sr::tune
