// A batch as plain arrays, the unit that batch_stream.h moves to a device: what a batch
// builder fills on the host (HostBatch) and what the consumer sees on the device (DeviceBatch).
#pragma once

#include <cstdint>
#include <vector>

namespace sr {

// A batch as arrays: int32 fields (indices, offsets) and float fields (values), plus shapes that
// travel with it untouched.
struct HostBatch {
  std::vector<std::vector<int32_t>> ints;
  std::vector<std::vector<float>> floats;
  std::vector<int64_t> shape;
};

struct DeviceBatch {
  std::vector<const int32_t*> ints;
  std::vector<int64_t> int_sizes;
  std::vector<const float*> floats;
  std::vector<int64_t> float_sizes;
  std::vector<int64_t> shape;
  int64_t index = 0;  // which batch (k)
};

}  // namespace sr
