// sparserec plot LOG... --out FIG.png: the curves of --log files (loss, and the validation score
// of early stopping, by epoch; several runs on one figure), drawn by matplotlib — what users plot
// with — through the script tools/plot/plot_logs.py, which this binary carries, run by python3.
// The script prints the JSON line and any error (one line) itself.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "kernels/error.h"
#include "plot_script.h"
#include "tools/cli/commands.h"

namespace sr::cli {

namespace {
struct PlotArgs {
  std::vector<std::string> logs;
  std::string out, title;
};

// Runs argv (argv[0] looked up on PATH) and returns its exit status (127: not found); `quiet`
// sends its output to /dev/null.
int run(std::vector<std::string> args, bool quiet) {
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) throw error("plot: cannot start ", args[0], " (fork failed)");
  if (pid == 0) {
    if (quiet) {
      const int null = open("/dev/null", O_WRONLY);
      dup2(null, 1), dup2(null, 2);
    }
    execvp(argv[0], argv.data());
    _exit(127);
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
  if (run(args, false) != 0) std::exit(1);  // the script said why, in one line
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
