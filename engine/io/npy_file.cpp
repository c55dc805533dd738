#include "engine/io/npy_file.h"

#include <cstring>
#include <fstream>
#include <regex>

#include "engine/io/atomic_file.h"
#include "kernels/error.h"

namespace sr {

NpyMatrix read_npy_f32(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error("cannot open '", path, "'");
  char pre[10];
  if (!in.read(pre, 10) || std::memcmp(pre, "\x93NUMPY", 6) != 0) throw error("'", path, "' is not a .npy file");
  const int major = static_cast<unsigned char>(pre[6]);
  size_t header_len =
      static_cast<unsigned char>(pre[8]) | (static_cast<size_t>(static_cast<unsigned char>(pre[9])) << 8);
  if (major == 2 || major == 3) {  // a 4-byte header length
    char more[2];
    if (!in.read(more, 2)) throw error("'", path, "': truncated .npy header");
    header_len |= (static_cast<size_t>(static_cast<unsigned char>(more[0])) << 16) |
                  (static_cast<size_t>(static_cast<unsigned char>(more[1])) << 24);
  } else if (major != 1) {
    throw error("'", path, "': .npy version ", major, " is not one this reader knows (1 to 3)");
  }
  if (header_len > (1u << 20)) throw error("'", path, "': a .npy header of ", header_len, " bytes");
  std::string header(header_len, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(header_len)))
    throw error("'", path, "': truncated .npy header");
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']*)'")) || (m[1] != "<f4" && m[1] != "|f4"))
    throw error("'", path, "' holds ", m.size() > 1 ? m[1].str() : std::string("an unknown dtype"),
                ", not float32 ('<f4'): save it with .astype('float32')");
  if (std::regex_search(header, std::regex("'fortran_order':\\s*True")))
    throw error("'", path, "' is in Fortran order: save it with numpy.ascontiguousarray");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    throw error("'", path, "': no shape in the .npy header");
  std::vector<int64_t> shape;
  const std::string dims = m[1];
  const std::regex number("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it)
    shape.push_back(std::stoll(it->str()));
  NpyMatrix out;
  if (shape.size() == 1) {
    out.rows = 1, out.cols = shape[0];
  } else if (shape.size() == 2) {
    out.rows = shape[0], out.cols = shape[1];
  } else {
    throw error("'", path, "' holds a ", shape.size(), "-D array; vectors are a 2-D array (rows x dimension)");
  }
  if (out.rows < 0 || out.cols < 0 || (out.cols > 0 && out.rows > (int64_t{1} << 40) / out.cols))
    throw error("'", path, "': shape ", out.rows, " x ", out.cols, " is too large");
  out.values.resize(static_cast<size_t>(out.rows * out.cols));
  const auto bytes = static_cast<std::streamsize>(out.values.size() * sizeof(float));
  if (!in.read(reinterpret_cast<char*>(out.values.data()), bytes))
    throw error("'", path, "' is truncated: ", out.rows, " x ", out.cols, " float32 need ", bytes, " bytes");
  return out;
}

namespace {
template <class T>
void write_npy_any(const std::string& path, const std::vector<int64_t>& shape, const T* values, const char* dtype) {
  AtomicFileWriter w(path);
  const std::string h = npy_header(dtype, shape);
  w.write(h.data(), h.size());
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  w.write(values, static_cast<size_t>(n) * sizeof(T));
  w.commit();
}
}  // namespace

void write_npy(const std::string& path, int64_t rows, int64_t cols, const int64_t* values) {
  write_npy_any(path, {rows, cols}, values, "<i8");
}
void write_npy(const std::string& path, int64_t rows, int64_t cols, const float* values) {
  write_npy_any(path, {rows, cols}, values, "<f4");
}
void write_npy(const std::string& path, const std::vector<int64_t>& values) {
  write_npy_any(path, {static_cast<int64_t>(values.size())}, values.data(), "<i8");
}
void write_npy(const std::string& path, const std::vector<float>& values) {
  write_npy_any(path, {static_cast<int64_t>(values.size())}, values.data(), "<f4");
}

}  // namespace sr
