// For tests of bad input: expect a call to throw sr::Error whose message says every given part,
// and write small temporary files in an exact layout.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include "kernels/error.h"

namespace sr::test {

template <class F>
void expect_error(F f, std::initializer_list<const char*> parts) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    for (const char* p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << "message: " << e.what();
  }
}

// A fresh path under the temporary directory, unique to this process.
inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("sparserec_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

inline std::string temp_file(const std::string& name, const std::string& content) {
  const auto path = temp_path(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace sr::test
