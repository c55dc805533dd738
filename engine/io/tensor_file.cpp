#include "engine/io/tensor_file.h"

#include <cerrno>
#include <cstring>

#include "engine/checksum.h"
#include "kernels/error.h"

namespace sr {

TensorFileWriter::TensorFileWriter(const std::string& path, const std::string& magic, const std::string& header,
                                   uint64_t count)
    : out_(path), count_(count) {
  out_.write(magic.data(), magic.size());
  const uint64_t n = header.size();
  out_.write(&n, sizeof n);
  out_.write(header.data(), header.size());
  const uint64_t header_sum = checksum64(header.data(), header.size());
  out_.write(&header_sum, sizeof header_sum);
  out_.write(&count, sizeof count);
}

namespace {
const char* type_name(uint32_t t) {
  switch (t) {
    case 0:
      return "float32";
    case 1:
      return "int32";
    case 2:
      return "int64";
    default:
      return "unknown";
  }
}
}  // namespace

void TensorFileWriter::put_bytes(const std::string& name, ElementType type, int64_t rows, int64_t cols,
                                 const void* values, size_t size) {
  SR_CHECK(put_ < count_, "tensor file '", out_.path(), "': more than the ", count_, " tensors announced");
  const uint64_t len = name.size();
  out_.write(&len, sizeof len);
  out_.write(name.data(), name.size());
  const uint32_t t = static_cast<uint32_t>(type);
  out_.write(&t, sizeof t);
  const int64_t dims[2] = {rows, cols};
  out_.write(dims, sizeof dims);
  const size_t bytes = static_cast<size_t>(rows * cols) * size;
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
  if (m != magic) {
    // "SPARSEREC-MODEL v" before the version: another version of the same kind of file.
    const std::string kind = magic.substr(0, magic.rfind('v') + 1);
    if (m.compare(0, kind.size(), kind) == 0)
      throw error(what, " '", path, "' is of another format version (", m.substr(0, m.find('\n')),
                  "); this sparserec reads ", magic.substr(0, magic.size() - 1), ": write it again with this version");
    throw error("'", path, "' is not a sparserec ", what, " (", magic.substr(0, magic.size() - 1), ")");
  }
  const auto n = value<uint64_t>("header length");
  if (n > (1u << 30)) throw error(what, " '", path, "' is corrupt: header length ", n);
  header_.assign(n, '\0');
  read(header_.data(), n, "header");
  if (value<uint64_t>("header checksum") != checksum64(header_.data(), header_.size()))
    throw error(what, " '", path, "': checksum mismatch in its header (the file was altered or damaged)");
  count_ = value<uint64_t>("tensor count");
}

void TensorFileReader::read(void* dst, size_t n, const std::string& what) {
  in_.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
  if (static_cast<size_t>(in_.gcount()) != n)
    throw error(what_, " '", path_, "' is truncated: ", what, " needs ", n, " bytes, ", in_.gcount(), " remain");
}

uint64_t TensorFileReader::expect(const std::string& name, ElementType type, int64_t rows, int64_t cols) {
  if (rows < 0 || cols < 0)
    throw error(what_, " '", path_, "': tensor '", name, "' would be ", rows, "x", cols, " (the file is corrupt)");
  if (got_ >= count_) throw error(what_, " '", path_, "' holds ", count_, " tensors; '", name, "' is not among them");
  const auto len = value<uint64_t>("tensor name length");
  if (len > 4096) throw error(what_, " '", path_, "' is corrupt: tensor name length ", len);
  std::string got(len, '\0');
  read(got.data(), len, "tensor name");
  if (got != name) throw error(what_, " '", path_, "': tensor '", got, "' where '", name, "' was expected");
  const auto t = value<uint32_t>(name + " element type");
  if (t != static_cast<uint32_t>(type))
    throw error(what_, " '", path_, "': tensor '", name, "' holds ", type_name(t), ", ",
                type_name(static_cast<uint32_t>(type)), " is needed");
  const auto r = value<int64_t>(name + " rows"), c = value<int64_t>(name + " cols");
  if (r != rows || c != cols)
    throw error(what_, " '", path_, "': tensor '", name, "' is ", r, "x", c, ", ", rows, "x", cols, " is needed");
  return value<uint64_t>(name + " checksum");
}

void TensorFileReader::read_values(const std::string& name, void* values, size_t bytes, uint64_t sum) {
  read(values, bytes, "tensor '" + name + "'");
  if (checksum64(values, bytes) != sum)
    throw error(what_, " '", path_, "': checksum mismatch in tensor '", name, "' (the file was altered or damaged)");
  ++got_;
}

void TensorFileReader::finish() {
  if (got_ != count_) throw error(what_, " '", path_, "': ", count_ - got_, " tensors left unread");
  if (in_.peek() != std::char_traits<char>::eof()) throw error(what_, " '", path_, "' has bytes after its last tensor");
}

}  // namespace sr
