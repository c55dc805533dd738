// Named arrays written for other tools to read unchanged: NumPy's .npz (`numpy.load`) and
// Hugging Face's safetensors (`safetensors.torch.load_file`, or any reader of its simple layout).
// What `sparserec export` writes a model's weights as. Both are written atomically (AtomicFileWriter).
//  - .npz: a zip archive of one .npy per array (npy_header), stored without compression, so the
//    bytes are the arrays' own; zip's 32-bit sizes bound the archive to 4 GiB (refused beyond:
//    safetensors has no such bound).
//  - safetensors: an 8-byte little-endian header length, a JSON header naming each array's dtype
//    ("F32", "I64"), shape and [begin, end) byte offsets into the data that follows, padded with
//    spaces to 8 bytes, then the arrays back to back in the header's order.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sr {

struct NamedArray {
  std::string name;
  bool is_int64 = false;       // int64 values, else float32
  std::vector<int64_t> shape;  // C order
  std::vector<char> bytes;     // little-endian values, prod(shape) of them

  static NamedArray f32(std::string name, std::vector<int64_t> shape, const std::vector<float>& values);
  static NamedArray i64(std::string name, std::vector<int64_t> shape, const std::vector<int64_t>& values);
};

// Throws sr::Error naming the file (a duplicate or empty name, a size that does not match the
// shape, an archive over 4 GiB); nothing is left under `path` then.
void write_npz(const std::string& path, const std::vector<NamedArray>& arrays);
void write_safetensors(const std::string& path, const std::vector<NamedArray>& arrays,
                       const std::map<std::string, std::string>& metadata);

// CRC-32 (ISO-HDLC, zip's), continued from `crc` (0 to start).
uint32_t crc32(const void* data, size_t bytes, uint32_t crc = 0);

}  // namespace sr
