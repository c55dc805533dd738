// sparserec plot LOG... --out FIG.png: the curves of --log files (loss, and the validation score
// of early stopping, by epoch; several runs on one figure), drawn by matplotlib — what users plot
// with — through the script tools/plot/plot_logs.py, which this binary carries, run by python3.
// The script prints its JSON line on stdout and any error as one line on stderr; both come back
// through a pipe, so that the result goes through print_result (a dict in the Python package) and
// an error is thrown, not an exit of the whole process.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "kernels/error.h"
#include "plot_script.h"
#include "tools/cli/commands.h"
#include "tools/cli/output.h"

namespace sr::cli {

namespace {
struct PlotArgs {
  std::vector<std::string> logs;
  std::string out, title;
};

// Runs argv (argv[0] looked up on PATH) and returns its exit status (127: not found); `quiet`
// sends its output to /dev/null, `output` (when given) receives its stdout and stderr together.
int run(std::vector<std::string> args, bool quiet, std::string* output = nullptr) {
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  int pipe_fds[2] = {-1, -1};
  if (output && pipe(pipe_fds) != 0) throw error("plot: cannot start ", args[0], " (pipe failed)");
  const pid_t pid = fork();
  if (pid < 0) throw error("plot: cannot start ", args[0], " (fork failed)");
  if (pid == 0) {
    if (quiet) {
      const int null = open("/dev/null", O_WRONLY);
      dup2(null, 1), dup2(null, 2);
    } else if (output) {
      close(pipe_fds[0]);
      dup2(pipe_fds[1], 1), dup2(pipe_fds[1], 2);
    }
    execvp(argv[0], argv.data());
    _exit(127);
  }
  if (output) {
    close(pipe_fds[1]);
    char buf[4096];
    for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      output->append(buf, static_cast<size_t>(n));
    }
    close(pipe_fds[0]);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) throw error("plot: lost ", args[0], " (waitpid failed)");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// The first Python that has matplotlib: $SPARSEREC_PYTHON, python3 on PATH, then the system's
// (Debian's python3-matplotlib lives there when a pyenv or venv python3 comes first on PATH).
std::string python_with_matplotlib() {
  std::vector<std::string> candidates = {"python3", "/usr/bin/python3"};
  if (const char* p = std::getenv("SPARSEREC_PYTHON"); p && *p) candidates.insert(candidates.begin(), p);
  for (const std::string& py : candidates)
    if (run({py, "-c", "import matplotlib"}, true) == 0) return py;
  throw error("plot draws with matplotlib, and no python3 here has it (apt-get install python3-matplotlib, or set ",
              "SPARSEREC_PYTHON to a python that has it)");
}

void run_plot(const PlotArgs& a) {
  std::vector<std::string> args = {python_with_matplotlib(), "-c", kPlotScript, "--out", a.out};
  if (!a.title.empty()) args.insert(args.end(), {"--title", a.title});
  args.insert(args.end(), a.logs.begin(), a.logs.end());
  std::string output;
  const int status = run(args, false, &output);
  // Its lines: the JSON result, or one "sparserec: error: ..." line; anything else (a library's
  // warning) goes to stderr as it came.
  std::string result, failure;
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    const std::string line = output.substr(start, end - start);
    start = end + 1;
    const std::string prefix = "sparserec: error: ";
    if (line.rfind(prefix, 0) == 0)
      failure = line.substr(prefix.size());
    else if (!line.empty() && line[0] == '{')
      result = line;
    else if (!line.empty())
      std::fprintf(stderr, "%s\n", line.c_str());
  }
  if (status != 0 || result.empty())
    throw error(failure.empty() ? "plot: the matplotlib script failed (exit status " + std::to_string(status) + ")"
                                : failure);
  const nlohmann::json j = nlohmann::json::parse(result, nullptr, false);
  if (j.is_discarded()) throw error("plot: the matplotlib script's result is not JSON: ", result);
  print_result(j);
}
}  // namespace

void add_plot_command(CLI::App& app) {
  auto a = std::make_shared<PlotArgs>();
  CLI::App* sub = app.add_subcommand("plot", "draw the curves of --log files (loss and validation score by epoch)");
  sub->add_option("logs", a->logs, "files written by a training command's --log")->required();
  sub->add_option("--out", a->out, "the figure to write (.png, .svg, .pdf)")->required();
  sub->add_option("--title", a->title, "the figure's title");
  sub->callback([a] { run_plot(*a); });
}

}  // namespace sr::cli
