#include "engine/data/item_titles.h"

#include <charconv>
#include <filesystem>
#include <fstream>

#include "engine/data/text_fields.h"
#include "kernels/error.h"

namespace sr {

std::unordered_map<int64_t, std::string> read_item_titles(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error("cannot open item titles '", path, "'");
  const std::string name = std::filesystem::path(path).filename().string();
  const bool csv = name.ends_with(".csv");
  const std::string sep = name.ends_with(".dat") ? "::" : "|";
  std::unordered_map<int64_t, std::string> titles;
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (csv && n == 1 && line.starts_with("movieId"))) continue;
    std::string id_text, title;
    if (csv) {
      const std::vector<std::string> f = csv_fields(line);
      if (f.size() >= 2) id_text = f[0], title = f[1];
    } else {
      const size_t a = line.find(sep);
      if (a != std::string::npos) {
        const size_t b = line.find(sep, a + sep.size());
        id_text = line.substr(0, a);
        title = latin1_to_utf8(
            line.substr(a + sep.size(), b == std::string::npos ? std::string::npos : b - a - sep.size()));
      }
    }
    int64_t id = 0;
    const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (id_text.empty() || ec != std::errc() || end != id_text.data() + id_text.size() || title.empty())
      throw error(path, ":", n, ": not an item id and its title ('", line.substr(0, 60), "')");
    titles[id] = title;
  }
  return titles;
}

std::string find_item_titles(const std::vector<std::string>& data_paths) {
  if (data_paths.empty()) return "";
  const std::filesystem::path dir = std::filesystem::path(data_paths.front()).parent_path();
  for (const char* name : {"u.item", "movies.dat", "movies.csv"}) {
    std::error_code ec;
    const std::filesystem::path p = dir / name;
    if (std::filesystem::is_regular_file(p, ec)) return p.string();
  }
  return "";
}

std::vector<std::string> titles_by_index(const std::unordered_map<int64_t, std::string>& titles,
                                         const std::vector<int64_t>& item_ids) {
  std::vector<std::string> out(item_ids.size());
  for (size_t i = 0; i < item_ids.size(); ++i)
    if (const auto it = titles.find(item_ids[i]); it != titles.end()) out[i] = it->second;
  return out;
}

}  // namespace sr
