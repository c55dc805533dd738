#include "engine/data/dataset_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>
#include <vector>

#include "engine/checksum.h"
#include "engine/data/side_features.h"
#include "engine/io/atomic_file.h"
#include "kernels/error.h"

namespace sr {

namespace {

constexpr char kMagic[8] = {'S', 'R', 'D', 'A', 'T', 'A', '\r', '\n'};
constexpr uint32_t kVersion = 1;
constexpr uint64_t kAlign = 4096;
constexpr uint32_t kMaxSections = 32;

struct SectionEntry {
  char name[16];
  uint64_t offset, bytes, checksum;
};
static_assert(sizeof(SectionEntry) == 40);

struct FixedHeader {
  char magic[8];
  uint32_t version, count;
  uint64_t meta_offset, meta_bytes, meta_checksum;
};
static_assert(sizeof(FixedHeader) == 40);

uint64_t align_up(uint64_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

// Checksums of large sections on two threads at once: each half separately, then combined, so a
// 1.6 GB file verifies in a fraction of a second on this 2-core machine.
uint64_t section_checksum(const void* data, uint64_t bytes) {
  constexpr uint64_t kSplit = 64ull << 20;
  if (bytes < kSplit) return checksum64(data, bytes);
  const uint64_t half = bytes / 2;
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t a = 0;
  std::thread t([&] { a = checksum64(p, half); });
  const uint64_t b = checksum64(p + half, bytes - half);
  t.join();
  const uint64_t both[2] = {a, b};
  return checksum64(both, sizeof both);
}

struct Mapping {
  void* p = MAP_FAILED;
  size_t bytes = 0;
  ~Mapping() {
    if (p != MAP_FAILED) ::munmap(p, bytes);
  }
};

const char* const kSides[2] = {"user", "item"};

nlohmann::json fields_json(const SideFeatures& f) {
  nlohmann::json fields = nlohmann::json::array();
  for (const FieldInfo& fi : f.fields)
    fields.push_back(
        {{"name", fi.name}, {"kind", field_kind_name(fi.kind)}, {"first", fi.first}, {"values", fi.values}});
  return {{"fields", fields}, {"n_features", f.n_features}, {"n_text", f.n_text},
          {"rows", f.rows()}, {"nnz", f.feature.size()},    {"text_bytes", f.text.size()}};
}

FieldKind field_kind_of(const std::string& name) {
  for (FieldKind k : {FieldKind::categorical, FieldKind::multi, FieldKind::numeric, FieldKind::text})
    if (name == field_kind_name(k)) return k;
  throw error("field kind '", name, "'");
}

// An integer of the metadata in [0, max]: a float, a string or a number out of range (forged
// metadata) is refused here, never converted.
int64_t count_of(const nlohmann::json& j, const char* key, int64_t max) {
  const nlohmann::json& v = j.at(key);
  const bool fits = v.is_number_unsigned() ? v.get<uint64_t>() <= static_cast<uint64_t>(max)
                                           : v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() <= max;
  if (!fits) throw error("'", key, "' is ", v.dump(), ", not an integer in [0, ", max, "]");
  return v.get<int64_t>();
}

// A side's features as the metadata describes them, their arrays sized (filled from the sections).
struct FeatureCounts {
  int64_t rows = 0, nnz = 0, text_bytes = 0;
};
std::shared_ptr<SideFeatures> side_features_of(const nlohmann::json& j, FeatureCounts& c) {
  auto f = std::make_shared<SideFeatures>();
  for (const auto& fj : j.at("fields"))
    f->fields.push_back({fj.at("name").get<std::string>(), field_kind_of(fj.at("kind").get<std::string>()),
                         static_cast<int32_t>(count_of(fj, "first", INT32_MAX)),
                         fj.at("values").get<std::vector<std::string>>()});
  f->n_features = static_cast<int32_t>(count_of(j, "n_features", INT32_MAX));
  f->n_text = static_cast<int32_t>(count_of(j, "n_text", INT32_MAX));
  c.rows = count_of(j, "rows", INT64_MAX), c.nnz = count_of(j, "nnz", INT64_MAX);
  c.text_bytes = count_of(j, "text_bytes", INT64_MAX);
  return f;
}

}  // namespace

void save_dataset(const std::string& path, const Dataset& d) {
  struct Out {
    std::string name;
    const void* data;
    uint64_t bytes;
  };
  std::vector<Out> sections = {
      {"row_ptr", d.row_ptr().data(), d.row_ptr().size_bytes()},
      {"item", d.items().data(), d.items().size_bytes()},
  };
  if (d.has_ratings()) sections.push_back({"rating", d.ratings().data(), d.ratings().size_bytes()});
  if (d.has_time()) sections.push_back({"time", d.times().data(), d.times().size_bytes()});
  sections.push_back({"user_ids", d.user_ids().data(), d.user_ids().size_bytes()});
  sections.push_back({"item_ids", d.item_ids().data(), d.item_ids().size_bytes()});
  nlohmann::json features = nlohmann::json::object();
  for (const char* side : kSides) {
    const SideFeatures* f = side == std::string("user") ? d.user_features() : d.item_features();
    if (!f) continue;
    features[side] = fields_json(*f);
    const std::string s = side;  // sections without bytes are left out
    sections.push_back({s + "_feat_ptr", f->row_ptr.data(), f->row_ptr.size() * sizeof(int64_t)});
    if (!f->feature.empty()) {
      sections.push_back({s + "_feat_idx", f->feature.data(), f->feature.size() * sizeof(int32_t)});
      sections.push_back({s + "_feat_val", f->value.data(), f->value.size() * sizeof(float)});
    }
    sections.push_back({s + "_text_ptr", f->text_ptr.data(), f->text_ptr.size() * sizeof(int64_t)});
    if (!f->text.empty()) sections.push_back({s + "_text", f->text.data(), f->text.size()});
  }

  nlohmann::json meta;
  meta["feedback"] = feedback_name(d.info().feedback);
  meta["layout"] = d.info().layout;
  meta["source"] = d.info().source;
  meta["rating_min"] = d.info().rating_min;
  meta["rating_max"] = d.info().rating_max;
  meta["n_users"] = d.n_users();
  meta["n_items"] = d.n_items();
  meta["n_events"] = d.n_events();
  if (!features.empty()) meta["features"] = features;
  const std::string meta_text = meta.dump();

  FixedHeader h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.count = static_cast<uint32_t>(sections.size());
  const uint64_t header_bytes = sizeof h + sections.size() * sizeof(SectionEntry) + 8;
  h.meta_offset = header_bytes;
  h.meta_bytes = meta_text.size();
  h.meta_checksum = checksum64(meta_text.data(), meta_text.size());
  std::vector<SectionEntry> table(sections.size());
  uint64_t at = align_up(h.meta_offset + h.meta_bytes);
  for (size_t i = 0; i < sections.size(); ++i) {
    std::memset(table[i].name, 0, sizeof table[i].name);
    std::strncpy(table[i].name, sections[i].name.c_str(), sizeof table[i].name - 1);
    table[i].offset = at;
    table[i].bytes = sections[i].bytes;
    table[i].checksum = section_checksum(sections[i].data, sections[i].bytes);
    at = align_up(at + sections[i].bytes);
  }
  std::vector<unsigned char> header(sizeof h + table.size() * sizeof(SectionEntry));
  std::memcpy(header.data(), &h, sizeof h);
  std::memcpy(header.data() + sizeof h, table.data(), table.size() * sizeof(SectionEntry));
  const uint64_t header_sum = checksum64(header.data(), header.size());

  AtomicFileWriter out(path);
  out.write(header.data(), header.size());
  out.write(&header_sum, sizeof header_sum);
  out.write(meta_text.data(), meta_text.size());
  for (size_t i = 0; i < sections.size(); ++i) {
    out.pad_to(table[i].offset);
    out.write(sections[i].data, sections[i].bytes);
  }
  out.commit();  // the file ends with its last section: a loader can tell a truncated one
}

Dataset load_dataset_from_memory(const void* data, size_t bytes, const std::string& what, const LoadOptions& opt) {
  const auto* base = static_cast<const unsigned char*>(data);
  FixedHeader h;
  if (bytes < sizeof h || std::memcmp(base, kMagic, sizeof kMagic) != 0)
    throw error(what, ": not a sparserec dataset file (no SRDATA header)");
  std::memcpy(&h, base, sizeof h);
  if (h.version != kVersion)
    throw error(what, ": dataset file version ", h.version, "; this build reads version ", kVersion,
                " (import the data again)");
  if (h.count == 0 || h.count > kMaxSections) throw error(what, ": corrupt header (", h.count, " sections)");
  const uint64_t table_end = sizeof h + uint64_t{h.count} * sizeof(SectionEntry);
  if (bytes < table_end + 8)
    throw error(what, ": truncated: ", bytes, " bytes, the header alone needs ", table_end + 8);
  uint64_t header_sum;
  std::memcpy(&header_sum, base + table_end, 8);
  if (opt.verify_checksums && checksum64(base, table_end) != header_sum)
    throw error(what, ": header checksum mismatch (the file was altered or damaged)");
  std::vector<SectionEntry> table(h.count);
  std::memcpy(table.data(), base + sizeof h, table.size() * sizeof(SectionEntry));

  if (h.meta_offset > bytes || h.meta_bytes > bytes - h.meta_offset)
    throw error(what, ": truncated: metadata needs bytes up to ", h.meta_offset + h.meta_bytes, ", the file has ",
                bytes);
  const std::string meta_text(reinterpret_cast<const char*>(base + h.meta_offset), h.meta_bytes);
  if (opt.verify_checksums && checksum64(meta_text.data(), meta_text.size()) != h.meta_checksum)
    throw error(what, ": metadata checksum mismatch (the file was altered or damaged)");
  DatasetInfo info;
  int64_t n_users = 0, n_items = 0, n_events = 0;
  std::shared_ptr<SideFeatures> side[2];
  FeatureCounts counts[2];
  try {
    const auto j = nlohmann::json::parse(meta_text);
    const std::string fb = j.at("feedback");
    if (fb != "ratings" && fb != "clicks") throw error("feedback '", fb, "'");
    info.feedback = fb == "ratings" ? Feedback::ratings : Feedback::clicks;
    info.layout = j.at("layout");
    info.source = j.at("source");
    info.rating_min = j.at("rating_min");
    info.rating_max = j.at("rating_max");
    n_users = j.at("n_users");
    n_items = j.at("n_items");
    n_events = j.at("n_events");
    if (j.contains("features"))
      for (int k = 0; k < 2; ++k)
        if (j["features"].contains(kSides[k])) side[k] = side_features_of(j["features"][kSides[k]], counts[k]);
  } catch (const std::exception& e) {
    throw error(what, ": bad metadata: ", e.what());
  }
  if (n_users < 0 || n_items < 0 || n_events < 0 || n_items > INT32_MAX)
    throw error(what, ": bad metadata: ", n_users, " users, ", n_items, " items, ", n_events, " events");

  // Each section: present once, inside the file, of the size the metadata implies, checksum right.
  struct Want {
    const char* name;
    uint64_t elem;
    int64_t count;
    bool required;
    const void* ptr = nullptr;
  };
  std::vector<Want> want = {{"row_ptr", 8, n_users + 1, true}, {"item", 4, n_events, true},
                            {"rating", 4, n_events, false},    {"time", 8, n_events, false},
                            {"user_ids", 8, n_users, true},    {"item_ids", 8, n_items, true}};
  for (int k = 0; k < 2; ++k)  // no count beyond what the file could hold (nor an overflow below)
    if (side[k] &&
        (counts[k].rows >= static_cast<int64_t>(bytes / 8) || counts[k].nnz > static_cast<int64_t>(bytes / 4) ||
         counts[k].text_bytes > static_cast<int64_t>(bytes) ||
         (side[k]->n_text > 0 && counts[k].rows > static_cast<int64_t>(bytes / 8) / side[k]->n_text)))
      throw error(what, ": bad metadata: ", kSides[k], " feature counts beyond the file's ", bytes, " bytes");
  std::vector<std::string> names;  // the side feature sections' (Want holds their c_str)
  names.reserve(10);
  for (int k = 0; k < 2; ++k) {
    if (!side[k]) continue;
    const FeatureCounts& c = counts[k];
    const std::string s = kSides[k];
    for (const auto& [suffix, elem, count] : {std::tuple<const char*, uint64_t, int64_t>{"_feat_ptr", 8, c.rows + 1},
                                              {"_feat_idx", 4, c.nnz},
                                              {"_feat_val", 4, c.nnz},
                                              {"_text_ptr", 8, c.rows * side[k]->n_text + 1},
                                              {"_text", 1, c.text_bytes}}) {
      names.push_back(s + suffix);
      want.push_back({names.back().c_str(), elem, count, count > 0});
    }
  }
  for (const SectionEntry& s : table) {
    const std::string name(s.name, strnlen(s.name, sizeof s.name));
    Want* w = nullptr;
    for (Want& c : want) w = name == c.name ? &c : w;
    if (!w) throw error(what, ": unknown section '", name, "'");
    if (w->ptr) throw error(what, ": section '", name, "' appears twice");
    if (s.offset % kAlign != 0 || s.offset > bytes || s.bytes > bytes - s.offset)
      throw error(what, ": truncated or corrupt: section '", name, "' needs bytes ", s.offset, " to ",
                  s.offset + s.bytes, ", the file has ", bytes);
    if (s.bytes != w->elem * static_cast<uint64_t>(w->count))
      throw error(what, ": section '", name, "' holds ", s.bytes, " bytes, the metadata implies ",
                  w->elem * static_cast<uint64_t>(w->count));
    if (opt.verify_checksums && section_checksum(base + s.offset, s.bytes) != s.checksum)
      throw error(what, ": checksum mismatch in section '", name, "' (the file was altered or damaged)");
    w->ptr = base + s.offset;
  }
  for (const Want& w : want)
    if (w.required && !w.ptr) throw error(what, ": section '", w.name, "' is missing");
  uint64_t end = 0;
  for (const SectionEntry& s : table) end = std::max(end, s.offset + s.bytes);
  if (bytes != end) throw error(what, ": ", bytes - end, " bytes after the last section (a damaged or appended file)");
  if (info.feedback == Feedback::ratings && !want[2].ptr) throw error(what, ": a ratings dataset without ratings");

  auto span_of = [](const Want& w, auto* type) {
    using T = std::remove_pointer_t<decltype(type)>;
    return std::span<const T>(static_cast<const T*>(w.ptr), w.ptr ? static_cast<size_t>(w.count) : 0);
  };
  Dataset d = Dataset::from_views(info, span_of(want[0], (int64_t*)nullptr), span_of(want[1], (int32_t*)nullptr),
                                  span_of(want[2], (float*)nullptr), span_of(want[3], (int64_t*)nullptr),
                                  span_of(want[4], (int64_t*)nullptr), span_of(want[5], (int64_t*)nullptr), nullptr);
  d.validate(what);
  std::shared_ptr<const SideFeatures> loaded[2];
  for (int k = 0; k < 2; ++k) {
    if (!side[k]) continue;
    SideFeatures& f = *side[k];
    const Want* w = &want[6 + 5 * static_cast<size_t>(k == 1 && side[0] ? 1 : 0)];
    auto take = [](const Want& x, auto& v) {
      using T = typename std::remove_reference_t<decltype(v)>::value_type;
      const T* p = static_cast<const T*>(x.ptr);
      v.assign(p, p + (x.ptr ? x.count : 0));
    };
    take(w[0], f.row_ptr), take(w[1], f.feature), take(w[2], f.value), take(w[3], f.text_ptr);
    f.text.assign(static_cast<const char*>(w[4].ptr ? w[4].ptr : ""), static_cast<size_t>(w[4].ptr ? w[4].count : 0));
    f.validate(what + " (" + kSides[k] + " features)");
    loaded[k] = side[k];
  }
  d.set_features(loaded[0], loaded[1]);
  return d;
}

Dataset load_dataset(const std::string& path, const LoadOptions& opt) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw error("cannot open dataset '", path, "': ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw error("cannot stat dataset '", path, "': ", std::strerror(errno));
  }
  auto map = std::make_shared<Mapping>();
  map->bytes = static_cast<size_t>(st.st_size);
  if (map->bytes == 0) {
    ::close(fd);
    throw error(path, ": empty file, not a sparserec dataset");
  }
  map->p = ::mmap(nullptr, map->bytes, PROT_READ, MAP_PRIVATE | (opt.populate ? MAP_POPULATE : 0), fd, 0);
  const int mmap_errno = errno;
  ::close(fd);
  if (map->p == MAP_FAILED) throw error("cannot map dataset '", path, "': ", std::strerror(mmap_errno));
  Dataset views = load_dataset_from_memory(map->p, map->bytes, path, opt);
  Dataset d = Dataset::from_views(views.info(), views.row_ptr(), views.items(), views.ratings(), views.times(),
                                  views.user_ids(), views.item_ids(), map);
  auto copy = [](const SideFeatures* f) { return f ? std::make_shared<const SideFeatures>(*f) : nullptr; };
  d.set_features(copy(views.user_features()), copy(views.item_features()));  // owned: nothing maps them
  return d;
}

bool looks_like_dataset_file(const std::string& path) {
  char m[sizeof kMagic] = {};
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  const bool ok = std::fread(m, 1, sizeof m, f) == sizeof m && std::memcmp(m, kMagic, sizeof m) == 0;
  std::fclose(f);
  return ok;
}

}  // namespace sr
