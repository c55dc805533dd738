// A file of named tensors (float32, int32 or int64) behind a JSON header, each tensor with its own
// checksum: the container of model files and training checkpoints. Written atomically
// (AtomicFileWriter): a crash never leaves a half-written file under the real name. Reading
// refuses, naming the file and the tensor, a file that is truncated, altered (checksum), or not of
// the expected kind or version.
// Layout: magic line, u64 header length, header JSON, u64 checksum of the header, u64 tensor count,
// then per tensor: u64 name length, name, u32 element type, i64 rows, i64 cols, u64 checksum
// (XXH3-64 of the values), the values.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "engine/io/atomic_file.h"

namespace sr {

enum class ElementType : uint32_t { f32 = 0, i32 = 1, i64 = 2 };
template <class T>
constexpr ElementType element_type_of();
template <>
constexpr ElementType element_type_of<float>() {
  return ElementType::f32;
}
template <>
constexpr ElementType element_type_of<int32_t>() {
  return ElementType::i32;
}
template <>
constexpr ElementType element_type_of<int64_t>() {
  return ElementType::i64;
}

class TensorFileWriter {
 public:
  // `magic` ends with '\n'; `count` tensors follow.
  TensorFileWriter(const std::string& path, const std::string& magic, const std::string& header, uint64_t count);
  template <class T>
  void put(const std::string& name, int64_t rows, int64_t cols, const T* values) {
    put_bytes(name, element_type_of<T>(), rows, cols, values, sizeof(T));
  }
  void commit();  // throws unless exactly `count` tensors were put

 private:
  void put_bytes(const std::string& name, ElementType type, int64_t rows, int64_t cols, const void* values,
                 size_t size);
  AtomicFileWriter out_;
  uint64_t count_, put_ = 0;
};

class TensorFileReader {
 public:
  // `what` names the kind in errors ("model file", "checkpoint"). A file of the same kind but
  // another version (an earlier magic line) is refused as such.
  TensorFileReader(const std::string& path, const std::string& magic, const std::string& what);
  const std::string& header() const { return header_; }
  uint64_t count() const { return count_; }
  // The next tensor, which must be `name`, of T, rows x cols; checksum verified.
  template <class T>
  std::vector<T> get(const std::string& name, int64_t rows, int64_t cols) {
    const uint64_t sum = expect(name, element_type_of<T>(), rows, cols);  // before anything is allocated
    std::vector<T> v(static_cast<size_t>(rows * cols));
    read_values(name, v.data(), v.size() * sizeof(T), sum);
    return v;
  }
  // Fails unless every tensor was read and nothing follows.
  void finish();
  const std::string& path() const { return path_; }

 private:
  // The next tensor's record up to its values, checked to be `name` of `type`, rows x cols; returns
  // the values' checksum.
  uint64_t expect(const std::string& name, ElementType type, int64_t rows, int64_t cols);
  void read_values(const std::string& name, void* values, size_t bytes, uint64_t sum);
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
