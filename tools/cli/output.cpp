#include "tools/cli/output.h"

#include <sys/resource.h>

#include <cstdio>
#include <iostream>

namespace sr::cli {

std::unique_ptr<Backend> open_device(const Device& device) {
  auto be = make_backend(device);
  announce_device(*be);
  return be;
}

void announce_device(const Backend& be) { std::fprintf(stderr, "device: %s\n", be.describe().c_str()); }

namespace {
std::function<void(const nlohmann::json&)>& result_sink() {
  static std::function<void(const nlohmann::json&)> sink;
  return sink;
}
}  // namespace

void print_result(const nlohmann::json& j) {
  if (result_sink())
    result_sink()(j);
  else
    std::cout << j.dump() << std::endl;
}

void set_result_sink(std::function<void(const nlohmann::json&)> sink) { result_sink() = std::move(sink); }

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace sr::cli
