// Layout: "SPARSEREC-MODEL v2\n", u64 metadata length, metadata JSON, u64 tensor count, then per
// tensor: u64 name length, name, i64 rows, i64 cols, u64 checksum, rows·cols float32 values.
#include "engine/model_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/checksum.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"

namespace sr {

namespace {
const char kMagic[] = "SPARSEREC-MODEL v2\n";

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
  if (std::memcmp(magic, kMagic, sizeof magic) != 0) throw error("'", r.path(), "' is not a sparserec model file (v2)");
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
  AtomicFileWriter out(path);
  auto put_u64 = [&](uint64_t v) { out.write(&v, sizeof v); };
  out.write(kMagic, sizeof kMagic - 1);
  put_u64(text.size());
  out.write(text.data(), text.size());
  const auto params = net.params();
  put_u64(params.size());
  for (const Param* p : params) {
    const std::vector<float> w = p->w.to_host();
    put_u64(p->name.size());
    out.write(p->name.data(), p->name.size());
    const int64_t dims[2] = {p->rows, p->cols};
    out.write(dims, sizeof dims);
    put_u64(checksum64(w.data(), w.size() * sizeof(float)));
    out.write(w.data(), w.size() * sizeof(float));
  }
  out.commit();
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
