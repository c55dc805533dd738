// What every sparserec command shares in how it reports: the device it opened (on stderr), the one
// JSON line of results that ends stdout, and the process's peak memory.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "kernels/backend.h"

namespace sr::cli {

// The backend for --device, announced on stderr.
std::unique_ptr<Backend> open_device(const Device& device);
// The "device: ..." line alone (a command that checks its inputs on the device before saying so).
void announce_device(const Backend& be);

void print_result(const nlohmann::json& j);  // one line, last on stdout (or to the sink below)
// Where print_result sends results instead of stdout while set (the Python package collects them
// as dicts); an empty function restores stdout. One caller at a time.
void set_result_sink(std::function<void(const nlohmann::json&)> sink);
double peak_rss_mb();  // the process's peak resident memory so far
// Seconds of wall time since t0 (the timings each result reports).
double seconds_since(std::chrono::steady_clock::time_point t0);

}  // namespace sr::cli
