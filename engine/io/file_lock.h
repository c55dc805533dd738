// An exclusive flock on a file, held until destroyed (or until the process dies, so a killed job
// never leaves a stale lock): one job at a time on a directory.
#pragma once

#include <string>

namespace sr {

class FileLock {
 public:
  FileLock() = default;
  // Throws one line when another process holds it: "'path' is locked: `who_holds` is running".
  FileLock(const std::string& path, const std::string& who_holds);
  FileLock(FileLock&& o) noexcept;
  FileLock& operator=(FileLock&& o) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  int fd_ = -1;
};

}  // namespace sr
