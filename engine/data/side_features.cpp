#include "engine/data/side_features.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "engine/data/dataset.h"
#include "engine/data/text_fields.h"
#include "kernels/error.h"

namespace sr {

namespace {

// One column after the id: the field it feeds and how.
struct Column {
  std::string field;  // "" to skip the column
  FieldKind kind = FieldKind::categorical;
  std::string flag_value;        // a 0/1 column: the value its 1 adds to a multi field (u.item's genres)
  bool year_from_title = false;  // a title: also the numeric field "year" from its trailing "(1995)"
};

struct Layout {
  std::string name;
  std::string delim;
  bool quotes = false, latin1 = false;
  std::vector<Column> columns;
};

const char* kMl100kGenres[] = {"unknown",     "Action", "Adventure", "Animation", "Children's", "Comedy",  "Crime",
                               "Documentary", "Drama",  "Fantasy",   "Film-Noir", "Horror",     "Musical", "Mystery",
                               "Romance",     "Sci-Fi", "Thriller",  "War",       "Western"};

Column col(std::string field, FieldKind kind) { return {std::move(field), kind, "", false}; }
Column skip() { return {}; }

Layout known_layout(const std::string& path) {
  const std::string name = std::filesystem::path(path).filename().string();
  using K = FieldKind;
  if (name == "u.item") {
    Layout l{name, "|", false, true, {col("title", K::text), col("year", K::numeric), skip(), skip()}};
    for (const char* g : kMl100kGenres) l.columns.push_back({"genre", K::multi, g, false});
    return l;
  }
  if (name == "u.user")
    return {name,
            "|",
            false,
            false,
            {col("age", K::numeric), col("gender", K::categorical), col("occupation", K::categorical),
             col("zip", K::categorical)}};
  if (name == "movies.dat") return {name, "::", false, true, {{"title", K::text, "", true}, col("genres", K::multi)}};
  if (name == "users.dat")
    return {name,
            "::",
            false,
            false,
            {col("gender", K::categorical), col("age", K::categorical), col("occupation", K::categorical),
             col("zip", K::categorical)}};
  if (name == "movies.csv") return {name, ",", true, false, {{"title", K::text, "", true}, col("genres", K::multi)}};
  throw error("side features '", path,
              "': not a layout this build knows by name (u.item, u.user, movies.dat, users.dat, movies.csv); "
              "give the columns with a field list, e.g. id,text:title,multi:genres,cat:studio,num:year,skip");
}

// "id,text:title,multi:genres,cat:studio,num:year,skip" for the file at `path`.
Layout fields_layout(const std::string& path, const std::string& spec, const std::string& first_line) {
  Layout l;
  l.name = "fields";
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".csv") {
    l.delim = ",", l.quotes = true;
  } else if (ext == ".dat" || first_line.find("::") != std::string::npos) {
    l.delim = "::";
  } else {
    l.delim = first_line.find('\t') != std::string::npos ? "\t" : first_line.find('|') != std::string::npos ? "|" : ",";
  }
  std::stringstream in(spec);
  std::string item;
  std::set<std::string> names;
  for (int k = 0; std::getline(in, item, ','); ++k) {
    if (k == 0) {
      if (item != "id") throw error("--fields '", spec, "': the first column must be 'id', got '", item, "'");
      continue;
    }
    if (item == "skip") {
      l.columns.push_back(skip());
      continue;
    }
    const size_t colon = item.find(':');
    const std::string kind = item.substr(0, colon), name = colon == std::string::npos ? "" : item.substr(colon + 1);
    FieldKind fk;
    if (kind == "cat" || kind == "categorical")
      fk = FieldKind::categorical;
    else if (kind == "multi")
      fk = FieldKind::multi;
    else if (kind == "num" || kind == "numeric")
      fk = FieldKind::numeric;
    else if (kind == "text")
      fk = FieldKind::text;
    else
      throw error("--fields '", spec, "': column ", k + 1, " '", item,
                  "' is not skip or KIND:NAME with KIND cat, multi, num or text");
    if (name.empty()) throw error("--fields '", spec, "': column ", k + 1, " '", item, "' has no name");
    if (!names.insert(name).second) throw error("--fields '", spec, "': field '", name, "' named twice");
    l.columns.push_back(col(name, fk));
  }
  if (l.columns.empty()) throw error("--fields '", spec, "': no column after the id");
  return l;
}

std::vector<std::string> split_cells(const std::string& line, const Layout& l) {
  if (l.quotes) return csv_fields(line);
  std::vector<std::string> cells;
  size_t at = 0;
  while (true) {
    const size_t next = line.find(l.delim, at);
    cells.push_back(line.substr(at, next == std::string::npos ? std::string::npos : next - at));
    if (next == std::string::npos) return cells;
    at = next + l.delim.size();
  }
}

bool parse_id(const std::string& s, int64_t& id) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

// The year of "01-Jan-1995" (u.item's release date) or of a title ending "(1995)".
bool year_of(std::string_view s, float& year) {
  while (!s.empty() && (s.back() == ' ' || s.back() == ')')) s.remove_suffix(1);
  if (s.size() < 4) return false;
  int y = 0;
  const std::string_view tail = s.substr(s.size() - 4);
  const auto [end, ec] = std::from_chars(tail.data(), tail.data() + 4, y);
  if (ec != std::errc() || end != tail.data() + 4 || y < 1000) return false;
  year = static_cast<float>(y);
  return true;
}

// What one line says about one entity, before the vocabularies are known.
struct RawRow {
  std::vector<std::pair<std::string, std::string>> categories;  // (field, value)
  std::vector<std::pair<std::string, float>> numbers;
  std::map<std::string, std::string> texts;
};

}  // namespace

const char* field_kind_name(FieldKind k) {
  switch (k) {
    case FieldKind::categorical:
      return "categorical";
    case FieldKind::multi:
      return "multi-valued";
    case FieldKind::numeric:
      return "numeric";
    case FieldKind::text:
      return "text";
  }
  return "?";
}

std::string_view SideFeatures::text_of(int64_t row, int k) const {
  SR_CHECK(row >= 0 && row < rows() && k >= 0 && k < n_text, "text ", k, " of row ", row, ": outside ", rows(),
           " rows of ", n_text, " text fields");
  const int64_t at = row * n_text + k;
  return std::string_view(text).substr(static_cast<size_t>(text_ptr[at]),
                                       static_cast<size_t>(text_ptr[at + 1] - text_ptr[at]));
}

void SideFeatures::validate(const std::string& what) const {
  const int64_t n = rows();
  if (n < 0 || row_ptr[0] != 0 || row_ptr.back() != static_cast<int64_t>(feature.size()) ||
      feature.size() != value.size())
    throw error(what, ": side features: row pointers do not span the ", feature.size(), " features");
  for (int64_t r = 0; r < n; ++r)  // every pointer in range before any feature is read through one
    if (row_ptr[r + 1] < row_ptr[r] || row_ptr[r + 1] > row_ptr.back())
      throw error(what, ": side features: row ", r, " ends before it starts or past the features");
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t k = row_ptr[r]; k < row_ptr[r + 1]; ++k) {
      if (feature[k] < 0 || feature[k] >= n_features || (k > row_ptr[r] && feature[k] <= feature[k - 1]))
        throw error(what, ": side features: row ", r, " holds feature ", feature[k], " out of order or range (",
                    n_features, " features)");
      if (!std::isfinite(value[k])) throw error(what, ": side features: row ", r, " holds a value that is not finite");
    }
  }
  if (static_cast<int64_t>(text_ptr.size()) != n * n_text + 1 || text_ptr[0] != 0 ||
      text_ptr.back() != static_cast<int64_t>(text.size()))
    throw error(what, ": side features: text pointers do not span the text");
  for (size_t k = 1; k < text_ptr.size(); ++k)
    if (text_ptr[k] < text_ptr[k - 1] || text_ptr[k] > text_ptr.back())
      throw error(what, ": side features: text ", k - 1, " ends before it starts or past the text");
  int32_t next = 0, texts = 0;  // the fields' ranges, in order, cover the features exactly
  for (const FieldInfo& f : fields) {
    if (f.kind == FieldKind::text) {
      if (f.first != texts++) throw error(what, ": side features: text field '", f.name, "' out of order");
      continue;
    }
    const int32_t width = f.kind == FieldKind::numeric ? 1 : static_cast<int32_t>(f.values.size());
    if (f.first != next) throw error(what, ": side features: field '", f.name, "' does not start at feature ", next);
    next += width;
  }
  if (next != n_features || texts != n_text)
    throw error(what, ": side features: the fields hold ", next, " features and ", texts, " text fields, not ",
                n_features, " and ", n_text);
}

SideFeatures read_side_features(const std::string& path, const std::string& fields, std::span<const int64_t> ids,
                                SideFeaturesReport* report) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error("cannot open side features '", path, "'");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  const Layout l = fields.empty() ? known_layout(path) : fields_layout(path, fields, lines.empty() ? "" : lines[0]);
  SideFeaturesReport rep;
  rep.layout = l.name;
  std::vector<RawRow> raw(ids.size());
  std::vector<bool> seen(ids.size(), false);
  std::unordered_map<int64_t, size_t> line_of;
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    if (line.empty()) continue;
    const std::string where = path + ":" + std::to_string(n + 1);
    std::vector<std::string> cells = split_cells(l.latin1 ? latin1_to_utf8(line) : line, l);
    int64_t id = 0;
    if (!parse_id(cells[0], id)) {
      if (n == 0) continue;  // a header
      throw error(where, ": '", cells[0].substr(0, 40), "' is not an integer id");
    }
    if (cells.size() != l.columns.size() + 1)
      throw error(where, ": ", cells.size(), " fields, the ", l.name, " layout has ", l.columns.size() + 1);
    if (const auto [it, fresh] = line_of.emplace(id, n + 1); !fresh)
      throw error(where, ": id ", id, " given twice (first on line ", it->second, ")");
    ++rep.lines;
    RawRow row;
    for (size_t c = 0; c < l.columns.size(); ++c) {
      const Column& col = l.columns[c];
      const std::string& cell = cells[c + 1];
      if (col.field.empty()) continue;
      if (!col.flag_value.empty()) {
        if (cell != "0" && cell != "1")
          throw error(where, ": field '", col.field, "' (", col.flag_value, "): '", cell, "' is not 0 or 1");
        if (cell == "1") row.categories.emplace_back(col.field, col.flag_value);
        continue;
      }
      switch (col.kind) {
        case FieldKind::categorical:
          if (!cell.empty()) row.categories.emplace_back(col.field, cell);
          break;
        case FieldKind::multi: {
          std::stringstream parts(cell);
          for (std::string v; std::getline(parts, v, '|');)
            if (!v.empty() && v != "(no genres listed)") row.categories.emplace_back(col.field, v);
          break;
        }
        case FieldKind::numeric: {
          if (cell.empty()) break;  // missing: the row lacks the feature
          float x = 0.0f;
          if (l.name == "u.item") {  // a release date, "01-Jan-1995"
            if (!year_of(cell, x)) throw error(where, ": field 'year': '", cell, "' is not a date ending in a year");
          } else {
            char* end = nullptr;
            x = std::strtof(cell.c_str(), &end);
            if (*end != '\0' || !std::isfinite(x))
              throw error(where, ": field '", col.field, "': '", cell, "' is not a finite number");
          }
          row.numbers.emplace_back(col.field, x);
          break;
        }
        case FieldKind::text:
          row.texts[col.field] = cell;
          if (float y = 0.0f; col.year_from_title && year_of(cell, y)) row.numbers.emplace_back("year", y);
          break;
      }
    }
    const int64_t index = index_of(ids, id);
    if (index < 0) {
      ++rep.unknown_ids;
      continue;
    }
    raw[static_cast<size_t>(index)] = std::move(row);
    seen[static_cast<size_t>(index)] = true;
  }
  if (rep.lines == 0) throw error("side features '", path, "': no line describes an entity");

  // The fields in column order (a title's year after the title), then each one's vocabulary.
  SideFeatures f;
  std::map<std::string, size_t> field_at;
  auto add_field = [&](const std::string& name, FieldKind kind) {
    if (field_at.count(name)) return;
    field_at[name] = f.fields.size();
    f.fields.push_back({name, kind, 0, {}});
  };
  for (const Column& c : l.columns) {
    if (c.field.empty()) continue;
    add_field(c.field, c.flag_value.empty() ? c.kind : FieldKind::multi);
    if (c.year_from_title) add_field("year", FieldKind::numeric);
  }
  std::vector<std::set<std::string>> vocab(f.fields.size());
  for (const RawRow& r : raw)
    for (const auto& [field, v] : r.categories) vocab[field_at[field]].insert(v);
  for (size_t k = 0; k < f.fields.size(); ++k) {
    FieldInfo& fi = f.fields[k];
    if (fi.kind == FieldKind::text) {
      fi.first = f.n_text++;
      continue;
    }
    fi.first = f.n_features;
    fi.values.assign(vocab[k].begin(), vocab[k].end());
    f.n_features += fi.kind == FieldKind::numeric ? 1 : static_cast<int32_t>(fi.values.size());
  }
  for (size_t i = 0; i < raw.size(); ++i) {
    rep.rows_without += seen[i] ? 0 : 1;
    std::vector<std::pair<int32_t, float>> row;
    for (const auto& [field, v] : raw[i].categories) {
      const FieldInfo& fi = f.fields[field_at[field]];
      const auto at = std::lower_bound(fi.values.begin(), fi.values.end(), v) - fi.values.begin();
      row.emplace_back(fi.first + static_cast<int32_t>(at), 1.0f);
    }
    for (const auto& [field, x] : raw[i].numbers) row.emplace_back(f.fields[field_at[field]].first, x);
    std::sort(row.begin(), row.end());
    row.erase(std::unique(row.begin(), row.end(), [](auto& a, auto& b) { return a.first == b.first; }), row.end());
    for (const auto& [feature, x] : row) f.feature.push_back(feature), f.value.push_back(x);
    f.row_ptr.push_back(static_cast<int64_t>(f.feature.size()));
    for (const FieldInfo& fi : f.fields) {
      if (fi.kind != FieldKind::text) continue;
      const auto it = raw[i].texts.find(fi.name);
      if (it != raw[i].texts.end()) f.text += it->second;
      f.text_ptr.push_back(static_cast<int64_t>(f.text.size()));
    }
  }
  f.validate(path);
  if (report) *report = rep;
  return f;
}

std::string describe_side_features(const SideFeatures& f, const std::string& side) {
  std::ostringstream os;
  os << side << " features: " << f.fields.size() << " fields, " << f.n_features << " features over " << f.rows()
     << " rows\n";
  for (const FieldInfo& fi : f.fields) {
    os << "  " << fi.name << " (" << field_kind_name(fi.kind) << ")";
    if (fi.kind == FieldKind::categorical || fi.kind == FieldKind::multi) {
      os << ": " << fi.values.size() << " values";
      for (size_t k = 0; k < std::min<size_t>(fi.values.size(), 6); ++k) os << (k ? ", " : " (") << fi.values[k];
      os << (fi.values.size() > 6 ? ", ...)" : fi.values.empty() ? "" : ")");
    }
    os << "\n";
  }
  return os.str();
}

}  // namespace sr
