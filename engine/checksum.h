// The one checksum of every file the engine writes (model files, datasets, checkpoints): XXH3-64
// from Debian's libxxhash, used header-only so a bare machine needs only xxhash.h. It runs near
// memory bandwidth, which is what lets a 1.6 GB dataset be verified on every load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace sr {

inline uint64_t checksum64(const void* data, size_t bytes) { return XXH3_64bits(data, bytes); }

// The checksum of a whole file's bytes, read 4 MiB at a time (a model file can be gigabytes);
// false when it cannot be read.
inline bool checksum64_file(const std::string& path, uint64_t& out) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return false;
  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> st(XXH3_createState(), &XXH3_freeState);
  XXH3_64bits_reset(st.get());
  std::vector<char> buf(size_t{4} << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) XXH3_64bits_update(st.get(), buf.data(), n);
  if (std::ferror(f.get())) return false;
  out = XXH3_64bits_digest(st.get());
  return true;
}

}  // namespace sr
