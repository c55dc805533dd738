// Side information about users or items (a movie's genres, year and title; a user's age, gender and
// occupation), one sparse row per entity in the layout libFM, DeepFM and DCN read: (feature, value)
// pairs over the vocabulary of the side's fields — a categorical field contributes one feature per
// distinct value (value 1), a multi-valued field one per value present, a numeric field one feature
// carrying the number — and text fields (titles) kept as UTF-8 for character-level models. Rows
// follow the dataset's user or item indices; an entity the file does not describe has an empty row.
//
// Readers: MovieLens 100K's u.item (title, year of release, 19 genre flags) and u.user (age, gender,
// occupation, zip), ML-1M's movies.dat (title, year from the title, genres) and users.dat (gender,
// age group, occupation, zip), ml-latest's movies.csv (title, year, genres), and any delimited file
// with a field list: `id,text:title,multi:genres,cat:studio,num:year,skip` (the id column first;
// multi-valued cells split at '|').
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sr {

enum class FieldKind { categorical, multi, numeric, text };
const char* field_kind_name(FieldKind k);

struct FieldInfo {
  std::string name;
  FieldKind kind = FieldKind::categorical;
  // categorical, multi: the features first .. first + values.size() - 1, one per value (sorted);
  // numeric: the one feature `first`; text: the k-th text field of a row (first = k).
  int32_t first = 0;
  std::vector<std::string> values;
};

struct SideFeatures {
  std::vector<FieldInfo> fields;
  int32_t n_features = 0;            // over the categorical, multi and numeric fields
  int32_t n_text = 0;                // text fields
  std::vector<int64_t> row_ptr{0};   // rows + 1
  std::vector<int32_t> feature;      // increasing within a row
  std::vector<float> value;          // 1 for a category, the number for a numeric field
  std::vector<int64_t> text_ptr{0};  // rows * n_text + 1, into `text`
  std::string text;

  int64_t rows() const { return static_cast<int64_t>(row_ptr.size()) - 1; }
  bool empty() const { return fields.empty(); }
  std::string_view text_of(int64_t row, int k) const;
  // Every structural invariant (pointers monotone and in range, features in range and increasing,
  // values finite, the fields' feature ranges disjoint); throws sr::Error naming `what`.
  void validate(const std::string& what) const;
};

struct SideFeaturesReport {
  std::string layout;        // "u.item", "movies.csv", "fields", ...
  int64_t lines = 0;         // entities the file describes
  int64_t unknown_ids = 0;   // of those, not in the dataset (skipped)
  int64_t rows_without = 0;  // dataset entities the file does not describe
};

// The features of `ids` (a dataset's users or items, index -> id, increasing) from `path`. `fields`
// empty: the layout named by the file (u.item, u.user, movies.dat, users.dat, movies.csv; another
// name is refused, asking for a field list); else the field list above for a file delimited by
// ',' (.csv, with quotes), '::' (.dat), '|' or tabs (the first of these the first line holds). A
// malformed line, an id given twice or a number that does not parse is refused naming file:line.
SideFeatures read_side_features(const std::string& path, const std::string& fields, std::span<const int64_t> ids,
                                SideFeaturesReport* report = nullptr);

// One line per field, as `sparserec info` prints them.
std::string describe_side_features(const SideFeatures& f, const std::string& side);

}  // namespace sr
