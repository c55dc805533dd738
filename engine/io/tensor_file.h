// A file of named float32 tensors behind a JSON header, each tensor with its own checksum: the
// container of model files and training checkpoints. Written atomically (AtomicFileWriter): a
// crash never leaves a half-written file under the real name. Reading refuses, naming the file
// and the tensor, a file that is truncated, altered (checksum), or not of the expected kind.
// Layout: magic line, u64 header length, header JSON, u64 tensor count, then per tensor:
// u64 name length, name, i64 rows, i64 cols, u64 checksum (XXH3-64 of the values), the values.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "engine/io/atomic_file.h"

namespace sr {

class TensorFileWriter {
 public:
  // `magic` ends with '\n'; `count` tensors follow.
  TensorFileWriter(const std::string& path, const std::string& magic, const std::string& header, uint64_t count);
  void put(const std::string& name, int64_t rows, int64_t cols, const float* values);
  void commit();  // throws unless exactly `count` tensors were put

 private:
  AtomicFileWriter out_;
  uint64_t count_, put_ = 0;
};

class TensorFileReader {
 public:
  // `what` names the kind in errors ("model file", "checkpoint").
  TensorFileReader(const std::string& path, const std::string& magic, const std::string& what);
  const std::string& header() const { return header_; }
  uint64_t count() const { return count_; }
  // The next tensor, which must be `name` of rows x cols; checksum verified.
  std::vector<float> get(const std::string& name, int64_t rows, int64_t cols);
  // Fails unless every tensor was read and nothing follows.
  void finish();
  const std::string& path() const { return path_; }

 private:
  void read(void* dst, size_t n, const std::string& what);
  template <class T>
  T value(const std::string& what) {
    T v;
    read(&v, sizeof v, what);
    return v;
  }
  std::string path_, what_, header_;
  std::ifstream in_;
  uint64_t count_ = 0, got_ = 0;
};

}  // namespace sr
