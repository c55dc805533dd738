// NumPy's .npy format (version 1.0) for the arrays batch jobs write, so that `numpy.load` reads
// them without any reader of ours: a magic string, a header dict (dtype, order, shape) padded to 64
// bytes, then the values, little-endian, C order (the writer streams them after the header).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sr {

// The header of a .npy file of this dtype ("<i8", "<f4") and shape.
inline std::string npy_header(const std::string& dtype, const std::vector<int64_t>& shape) {
  std::string dict = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) dict += (i ? ", " : "") + std::to_string(shape[i]);
  dict += shape.size() == 1 ? ",), }" : "), }";
  // magic (6) + version (2) + header length (2) + dict + padding + '\n': a multiple of 64 bytes.
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  const auto len = static_cast<uint16_t>(dict.size());
  std::string h = "\x93NUMPY";
  h += static_cast<char>(1);  // version 1.0
  h += static_cast<char>(0);
  h += static_cast<char>(len & 0xff);
  h += static_cast<char>(len >> 8);
  return h + dict;
}

}  // namespace sr

namespace sr {

// A 2-D float32 .npy (a 1-D one reads as one row), C order: what `sparserec index` takes as
// vectors and queries. Anything else (another dtype, Fortran order, a truncated file) is refused
// naming the file and what it holds.
struct NpyMatrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> values;
};
NpyMatrix read_npy_f32(const std::string& path);

// Writes a 2-D .npy of int64 or float32 (rows x cols), atomically.
void write_npy(const std::string& path, int64_t rows, int64_t cols, const int64_t* values);
void write_npy(const std::string& path, int64_t rows, int64_t cols, const float* values);
// A 1-D int64 (ids) or float32 .npy, atomically.
void write_npy(const std::string& path, const std::vector<int64_t>& values);
void write_npy(const std::string& path, const std::vector<float>& values);

}  // namespace sr
