// Layout: "SPARSEREC-MODEL v1\n", u64 metadata length, metadata JSON, u64 tensor count, then per
// tensor: u64 name length, name, i64 rows, i64 cols, u64 checksum, rows·cols float32 values.
#include "engine/model_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/error.h"

namespace sr {

namespace {
const char kMagic[] = "SPARSEREC-MODEL v1\n";

class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) throw error("cannot open model file '", path, "': ", std::strerror(errno));
  }
  void read(void* dst, size_t n, const std::string& what) {
    in_.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
    if (static_cast<size_t>(in_.gcount()) != n)
      throw error("model file '", path_, "' is truncated: ", what, " needs ", n, " bytes, ", in_.gcount(), " remain");
  }
  template <class T>
  T value(const std::string& what) {
    T v;
    read(&v, sizeof v, what);
    return v;
  }
  std::string string(const std::string& what, uint64_t max) {
    const auto n = value<uint64_t>(what + " length");
    if (n > max) throw error("model file '", path_, "' is corrupt: ", what, " length ", n, " exceeds ", max);
    std::string s(n, '\0');
    read(s.data(), n, what);
    return s;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ifstream in_;
};

ModelMeta parse_meta(Reader& r) {
  char magic[sizeof kMagic - 1];
  r.read(magic, sizeof magic, "header");
  if (std::memcmp(magic, kMagic, sizeof magic) != 0) throw error("'", r.path(), "' is not a sparserec model file (v1)");
  const std::string text = r.string("metadata", 1u << 30);
  ModelMeta m;
  try {
    const auto j = nlohmann::json::parse(text);
    m.model = j.at("model");
    m.options = j.at("options").get<std::map<std::string, std::string>>();
    m.data_path = j.at("data_path");
    m.n_users = j.at("n_users");
    m.n_items = j.at("n_items");
    m.n_ratings = j.at("n_ratings");
    m.test_fraction = j.at("test_fraction");
    m.split_seed = j.at("split_seed");
  } catch (const nlohmann::json::exception& e) {
    throw error("model file '", r.path(), "': bad metadata: ", e.what());
  }
  return m;
}
}  // namespace

uint64_t checksum64(const void* data, size_t bytes) {
  // FNV-1a over 8-byte words then the tail: fast, and any changed byte changes it.
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = 1469598103934665603ull;
  size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 1099511628211ull;
    h ^= h >> 29;
  }
  for (; i < bytes; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

void save_model(const std::string& path, const ModelMeta& meta, const Net& net) {
  nlohmann::json j;
  j["model"] = meta.model;
  j["options"] = meta.options;
  j["data_path"] = meta.data_path;
  j["n_users"] = meta.n_users;
  j["n_items"] = meta.n_items;
  j["n_ratings"] = meta.n_ratings;
  j["test_fraction"] = meta.test_fraction;
  j["split_seed"] = meta.split_seed;
  const std::string text = j.dump();
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw error("cannot write model file '", tmp, "': ", std::strerror(errno));
  bool ok = true;
  auto put = [&](const void* d, size_t n) { ok = ok && std::fwrite(d, 1, n, f) == n; };
  auto put_u64 = [&](uint64_t v) { put(&v, sizeof v); };
  put(kMagic, sizeof kMagic - 1);
  put_u64(text.size());
  put(text.data(), text.size());
  const auto params = net.params();
  put_u64(params.size());
  for (const Param* p : params) {
    const std::vector<float> w = p->w.to_host();
    put_u64(p->name.size());
    put(p->name.data(), p->name.size());
    const int64_t dims[2] = {p->rows, p->cols};
    put(dims, sizeof dims);
    put_u64(checksum64(w.data(), w.size() * sizeof(float)));
    put(w.data(), w.size() * sizeof(float));
  }
  ok = ok && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw error("writing model file '", path, "' failed: ", why);
  }
}

ModelMeta read_model_meta(const std::string& path) {
  Reader r(path);
  return parse_meta(r);
}

void load_model_params(const std::string& path, Net& net) {
  Reader r(path);
  parse_meta(r);
  const auto count = r.value<uint64_t>("tensor count");
  const auto params = net.params();
  if (count != params.size())
    throw error("model file '", path, "' holds ", count, " tensors, model '", net.name(), "' has ", params.size());
  for (Param* p : params) {
    const std::string name = r.string("tensor name", 4096);
    if (name != p->name) throw error("model file '", path, "': tensor '", name, "' where '", p->name, "' was expected");
    const auto rows = r.value<int64_t>(name + " rows"), cols = r.value<int64_t>(name + " cols");
    if (rows != p->rows || cols != p->cols)
      throw error("model file '", path, "': tensor '", name, "' is ", rows, "x", cols, ", the model needs ", p->rows, "x",
                  p->cols);
    const auto sum = r.value<uint64_t>(name + " checksum");
    std::vector<float> w(static_cast<size_t>(rows * cols));
    r.read(w.data(), w.size() * sizeof(float), "tensor '" + name + "'");
    if (checksum64(w.data(), w.size() * sizeof(float)) != sum)
      throw error("model file '", path, "': checksum mismatch in tensor '", name, "' (the file was altered or damaged)");
    p->w.upload(w);
  }
}

}  // namespace sr
