// One error type for the whole engine: a message that says what failed and where. Every check
// that can fail on user input or on a library call throws sr::Error; tools print its what() as
// one line and exit non-zero.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace sr {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}
}  // namespace detail

// Builds a message from any streamable parts: throw sr::error("file ", path, " line ", n, ": ...").
template <class... Parts>
Error error(const Parts&... parts) {
  return Error(detail::cat(parts...));
}

}  // namespace sr

// SR_CHECK(cond, parts...): throws sr::Error naming the source location when cond is false. For
// internal invariants; user-facing checks throw sr::error(...) with their own context.
#define SR_CHECK(cond, ...)                                                                                   \
  do {                                                                                                        \
    if (!(cond)) throw ::sr::error(__FILE__, ":", __LINE__, ": check '", #cond, "' failed: ", ##__VA_ARGS__); \
  } while (0)
