// Writing a file so that a crash or an error never leaves a half-written file under its real name:
// everything goes to `<path>.tmp.<pid>`, which commit() flushes, fsyncs and renames over `path`
// (then fsyncs the directory, so the rename itself survives a power loss). Destroying the writer
// without commit() removes the temporary file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace sr {

class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t bytes);                      // throws sr::Error naming the file (disk full, ...)
  void write_at(uint64_t offset, const void* data, size_t bytes);  // rewrite an earlier part (headers)
  void pad_to(uint64_t offset);                                    // zeros up to `offset`
  uint64_t position() const { return pos_; }
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
  uint64_t pos_ = 0;
  bool committed_ = false;
};

// A whole small file (JSON, a description) written that way in one call.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace sr
