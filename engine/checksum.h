// The one checksum of every file the engine writes (model files, datasets, checkpoints): XXH3-64
// from Debian's libxxhash, used header-only so a bare machine needs only xxhash.h. It runs near
// memory bandwidth, which is what lets a 1.6 GB dataset be verified on every load.
#pragma once

#include <cstddef>
#include <cstdint>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace sr {

inline uint64_t checksum64(const void* data, size_t bytes) { return XXH3_64bits(data, bytes); }

}  // namespace sr
