#include "engine/io/tensor_file.h"

#include <cerrno>
#include <cstring>

#include "engine/checksum.h"
#include "engine/error.h"

namespace sr {

TensorFileWriter::TensorFileWriter(const std::string& path, const std::string& magic, const std::string& header,
                                   uint64_t count)
    : out_(path), count_(count) {
  out_.write(magic.data(), magic.size());
  const uint64_t n = header.size();
  out_.write(&n, sizeof n);
  out_.write(header.data(), header.size());
  out_.write(&count, sizeof count);
}

void TensorFileWriter::put(const std::string& name, int64_t rows, int64_t cols, const float* values) {
  SR_CHECK(put_ < count_, "tensor file '", out_.path(), "': more than the ", count_, " tensors announced");
  const uint64_t len = name.size();
  out_.write(&len, sizeof len);
  out_.write(name.data(), name.size());
  const int64_t dims[2] = {rows, cols};
  out_.write(dims, sizeof dims);
  const size_t bytes = static_cast<size_t>(rows * cols) * sizeof(float);
  const uint64_t sum = checksum64(values, bytes);
  out_.write(&sum, sizeof sum);
  out_.write(values, bytes);
  ++put_;
}

void TensorFileWriter::commit() {
  SR_CHECK(put_ == count_, "tensor file '", out_.path(), "': ", put_, " tensors written of the ", count_, " announced");
  out_.commit();
}

TensorFileReader::TensorFileReader(const std::string& path, const std::string& magic, const std::string& what)
    : path_(path), what_(what), in_(path, std::ios::binary) {
  if (!in_) throw error("cannot open ", what, " '", path, "': ", std::strerror(errno));
  std::string m(magic.size(), '\0');
  read(m.data(), m.size(), "header");
  if (m != magic) throw error("'", path, "' is not a sparserec ", what, " (", magic.substr(0, magic.size() - 1), ")");
  const auto n = value<uint64_t>("header length");
  if (n > (1u << 30)) throw error(what, " '", path, "' is corrupt: header length ", n);
  header_.assign(n, '\0');
  read(header_.data(), n, "header");
  count_ = value<uint64_t>("tensor count");
}

void TensorFileReader::read(void* dst, size_t n, const std::string& what) {
  in_.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
  if (static_cast<size_t>(in_.gcount()) != n)
    throw error(what_, " '", path_, "' is truncated: ", what, " needs ", n, " bytes, ", in_.gcount(), " remain");
}

std::vector<float> TensorFileReader::get(const std::string& name, int64_t rows, int64_t cols) {
  if (got_ >= count_) throw error(what_, " '", path_, "' holds ", count_, " tensors; '", name, "' is not among them");
  const auto len = value<uint64_t>("tensor name length");
  if (len > 4096) throw error(what_, " '", path_, "' is corrupt: tensor name length ", len);
  std::string got(len, '\0');
  read(got.data(), len, "tensor name");
  if (got != name) throw error(what_, " '", path_, "': tensor '", got, "' where '", name, "' was expected");
  const auto r = value<int64_t>(name + " rows"), c = value<int64_t>(name + " cols");
  if (r != rows || c != cols)
    throw error(what_, " '", path_, "': tensor '", name, "' is ", r, "x", c, ", ", rows, "x", cols, " is needed");
  const auto sum = value<uint64_t>(name + " checksum");
  std::vector<float> v(static_cast<size_t>(rows * cols));
  read(v.data(), v.size() * sizeof(float), "tensor '" + name + "'");
  if (checksum64(v.data(), v.size() * sizeof(float)) != sum)
    throw error(what_, " '", path_, "': checksum mismatch in tensor '", name, "' (the file was altered or damaged)");
  ++got_;
  return v;
}

void TensorFileReader::finish() {
  if (got_ != count_) throw error(what_, " '", path_, "': ", count_ - got_, " tensors left unread");
  if (in_.peek() != std::char_traits<char>::eof()) throw error(what_, " '", path_, "' has bytes after its last tensor");
}

}  // namespace sr
