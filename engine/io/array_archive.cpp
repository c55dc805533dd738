#include "engine/io/array_archive.h"

#include <array>
#include <cstring>
#include <numeric>
#include <set>

#include <nlohmann/json.hpp>

#include "engine/io/atomic_file.h"
#include "engine/io/npy_file.h"
#include "kernels/error.h"

namespace sr {

namespace {

int64_t element_count(const std::vector<int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, [](int64_t a, int64_t b) { return a * b; });
}

template <class T>
NamedArray make_array(std::string name, bool is_int64, std::vector<int64_t> shape, const std::vector<T>& values) {
  NamedArray a;
  a.name = std::move(name), a.is_int64 = is_int64, a.shape = std::move(shape);
  a.bytes.resize(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(a.bytes.data(), values.data(), a.bytes.size());  // this machine is little-endian
  return a;
}

// The checks both formats share: names unique and non-empty, sizes that match the shapes.
void check_arrays(const std::string& path, const std::vector<NamedArray>& arrays) {
  std::set<std::string> names;
  for (const NamedArray& a : arrays) {
    if (a.name.empty()) throw error("'", path, "': an array without a name");
    if (!names.insert(a.name).second) throw error("'", path, "': two arrays named '", a.name, "'");
    for (int64_t d : a.shape)
      if (d < 0) throw error("'", path, "': array '", a.name, "' has a negative dimension");
    const int64_t want = element_count(a.shape) * (a.is_int64 ? 8 : 4);
    if (static_cast<int64_t>(a.bytes.size()) != want)
      throw error("'", path, "': array '", a.name, "' holds ", a.bytes.size(), " bytes, its shape needs ", want);
  }
}

void put16(std::string& s, uint32_t v) { s += static_cast<char>(v & 0xff), s += static_cast<char>((v >> 8) & 0xff); }
void put32(std::string& s, uint32_t v) { put16(s, v & 0xffff), put16(s, v >> 16); }

}  // namespace

NamedArray NamedArray::f32(std::string name, std::vector<int64_t> shape, const std::vector<float>& values) {
  return make_array(std::move(name), false, std::move(shape), values);
}

NamedArray NamedArray::i64(std::string name, std::vector<int64_t> shape, const std::vector<int64_t>& values) {
  return make_array(std::move(name), true, std::move(shape), values);
}

uint32_t crc32(const void* data, size_t bytes, uint32_t crc) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  const auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  for (size_t i = 0; i < bytes; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

void write_npz(const std::string& path, const std::vector<NamedArray>& arrays) {
  check_arrays(path, arrays);
  AtomicFileWriter out(path);
  std::string central;
  constexpr uint64_t kZip32 = 0xffffffffull;
  for (const NamedArray& a : arrays) {
    const std::string name = a.name + ".npy";
    const std::string header = npy_header(a.is_int64 ? "<i8" : "<f4", a.shape);
    const uint64_t size = header.size() + a.bytes.size();
    const uint64_t offset = out.position();
    if (size >= kZip32 || offset + size + 30 + name.size() >= kZip32)
      throw error("'", path, "': over 4 GiB, more than a .npz (zip32) holds; export as --format safetensors");
    const uint32_t crc = crc32(a.bytes.data(), a.bytes.size(), crc32(header.data(), header.size()));
    // The fields a local header and its central directory entry share: version 2.0, no flags,
    // stored, 1980-01-01 00:00, CRC, sizes, name length.
    std::string common;
    put16(common, 20), put16(common, 0), put16(common, 0), put16(common, 0), put16(common, 0x21);
    put32(common, crc), put32(common, static_cast<uint32_t>(size)), put32(common, static_cast<uint32_t>(size));
    put16(common, static_cast<uint32_t>(name.size()));
    std::string local;
    put32(local, 0x04034b50);
    local += common;
    put16(local, 0);  // no extra field
    local += name;
    out.write(local.data(), local.size());
    out.write(header.data(), header.size());
    out.write(a.bytes.data(), a.bytes.size());
    put32(central, 0x02014b50);
    put16(central, 20);  // made by: version 2.0
    central += common;
    put16(central, 0), put16(central, 0), put16(central, 0), put16(central, 0);  // extra, comment, disk, attributes
    put32(central, 0), put32(central, static_cast<uint32_t>(offset));            // external attributes, offset
    central += name;
  }
  const uint64_t cd_offset = out.position();
  if (cd_offset + central.size() >= kZip32 || arrays.size() >= 0xffff)
    throw error("'", path,
                "': over 4 GiB or 65,535 arrays, more than a .npz (zip32) holds; export as --format safetensors");
  std::string end;
  put32(end, 0x06054b50);
  put16(end, 0), put16(end, 0);  // this disk, the directory's disk
  put16(end, static_cast<uint32_t>(arrays.size())), put16(end, static_cast<uint32_t>(arrays.size()));
  put32(end, static_cast<uint32_t>(central.size())), put32(end, static_cast<uint32_t>(cd_offset));
  put16(end, 0);  // no comment
  out.write(central.data(), central.size());
  out.write(end.data(), end.size());
  out.commit();
}

void write_safetensors(const std::string& path, const std::vector<NamedArray>& arrays,
                       const std::map<std::string, std::string>& metadata) {
  check_arrays(path, arrays);
  nlohmann::ordered_json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const NamedArray& a : arrays) {
    if (a.name == "__metadata__") throw error("'", path, "': '__metadata__' is not a name an array can have");
    header[a.name] = {
        {"dtype", a.is_int64 ? "I64" : "F32"}, {"shape", a.shape}, {"data_offsets", {offset, offset + a.bytes.size()}}};
    offset += a.bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  AtomicFileWriter out(path);
  char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((static_cast<uint64_t>(text.size()) >> (8 * i)) & 0xff);
  out.write(len, 8);
  out.write(text.data(), text.size());
  for (const NamedArray& a : arrays) out.write(a.bytes.data(), a.bytes.size());
  out.commit();
}

}  // namespace sr
