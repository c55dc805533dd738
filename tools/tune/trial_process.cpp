#include "tools/tune/trial_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstring>

#include "kernels/error.h"

extern char** environ;

namespace sr::tune {

namespace {
std::string last_line_of(const std::string& text) {
  size_t end = text.size();
  while (end > 0 && text[end - 1] == '\n') --end;
  const size_t start = text.rfind('\n', end == 0 ? 0 : end - 1);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1));
}
}  // namespace

std::string self_program() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw error("cannot find this program's path (/proc/self/exe) to run trials");
  return std::string(buf, static_cast<size_t>(n));
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          const std::string& stderr_path) {
  // Everything the child needs is made before fork: after it only async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq && env.count(std::string(*e, static_cast<size_t>(eq - *e)))) continue;
    env_text.emplace_back(*e);
  }
  for (const auto& [k, v] : env) env_text.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  const int err_fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (err_fd < 0) throw error("cannot open '", stderr_path, "' for a trial's log: ", std::strerror(errno));
  const off_t log_start = ::lseek(err_fd, 0, SEEK_END);  // what this run writes starts here
  static const char kExecFailed[] = "sparserec tune: the run could not be started (execve failed)\n";
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(err_fd);
    throw error("pipe for a trial: ", std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(err_fd), ::close(out[0]), ::close(out[1]);
    throw error("fork for a trial: ", std::strerror(errno));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the tuner died before the line above
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execve(args[0], args.data(), envp.data());
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err_fd);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  ProcessResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  r.last_line = last_line_of(text);
  // The last line this run wrote to its log (read without a stream: nothing left open to inherit).
  const int log_fd = ::open(stderr_path.c_str(), O_RDONLY | O_CLOEXEC);
  std::string written;
  if (log_fd >= 0) {
    if (::lseek(log_fd, log_start, SEEK_SET) == log_start)
      for (ssize_t n; (n = ::read(log_fd, buf, sizeof buf)) > 0;) written.append(buf, static_cast<size_t>(n));
    ::close(log_fd);
  }
  r.last_error = last_line_of(written);
  return r;
}

}  // namespace sr::tune
