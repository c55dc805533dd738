#include "engine/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "kernels/error.h"

namespace sr {

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  tmp_ = path_ + ".tmp." + std::to_string(::getpid());
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) throw error("cannot write '", tmp_, "': ", std::strerror(errno));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (f_) std::fclose(f_);
  if (!committed_) std::remove(tmp_.c_str());
}

void AtomicFileWriter::write(const void* data, size_t bytes) {
  if (bytes && std::fwrite(data, 1, bytes, f_) != bytes)
    throw error("writing '", path_, "' failed at byte ", pos_, ": ", std::strerror(errno),
                " (nothing was written under that name)");
  pos_ += bytes;
}

void AtomicFileWriter::write_at(uint64_t offset, const void* data, size_t bytes) {
  const uint64_t end = pos_;
  if (std::fseek(f_, static_cast<long>(offset), SEEK_SET) != 0)
    throw error("seeking in '", tmp_, "' failed: ", std::strerror(errno));
  pos_ = offset;
  write(data, bytes);
  if (std::fseek(f_, static_cast<long>(end), SEEK_SET) != 0)
    throw error("seeking in '", tmp_, "' failed: ", std::strerror(errno));
  pos_ = end;
}

void AtomicFileWriter::pad_to(uint64_t offset) {
  static const std::vector<char> zeros(4096, 0);
  while (pos_ < offset) write(zeros.data(), static_cast<size_t>(std::min<uint64_t>(zeros.size(), offset - pos_)));
}

void AtomicFileWriter::commit() {
  bool ok = std::fflush(f_) == 0 && ::fsync(::fileno(f_)) == 0;
  ok = std::fclose(f_) == 0 && ok;
  f_ = nullptr;
  if (!ok || std::rename(tmp_.c_str(), path_.c_str()) != 0)
    throw error("writing '", path_, "' failed: ", std::strerror(errno), " (nothing was written under that name)");
  committed_ = true;
  // Make the rename durable: fsync the directory that holds the file.
  const auto slash = path_.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

void write_file_atomically(const std::string& path, const std::string& text) {
  AtomicFileWriter w(path);
  w.write(text.data(), text.size());
  w.commit();
}

}  // namespace sr
