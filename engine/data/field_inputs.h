// Side features as the inputs of a pair net (DeepFM, DCN-v2): each categorical, multi-valued or
// numeric field of the users' or items' side features (side_features.h) becomes a sparse input
// named "user:FIELD" or "item:FIELD" whose row r is that field of pair r's user or item. A field is
// encoded once per entity (a FieldTable) and a batch's rows are rows of the table:
//   categorical: its value's column, 1;
//   multi-valued: each of its values' columns, 1/n, so that an embedding takes their mean (as
//     DeepFM's and DCN's implementations pool a multi-valued field);
//   numeric: one column carrying the number standardized over the entities that have it, so that
//     an age or a year weighs as much as a category; none where the entity lacks it.
// Text fields are for character-level models, not here. Model files keep the tables, so a saved
// model scores without the feature files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/csr.h"

namespace sr {

class Dataset;
struct SideFeatures;

struct FieldTable {
  std::string input;  // "user:age", "item:genres"
  HostCsr rows;       // one row per user (item), the field's values as its columns
  bool user_side() const { return input.rfind("user:", 0) == 0; }
};

// What a model is built for: each field input's name and width.
struct FieldShape {
  std::string input;
  int64_t width = 0;
};
std::vector<FieldShape> field_shapes(const std::vector<FieldTable>& tables);

// Every categorical, multi-valued and numeric field of the dataset's user and item features, users'
// first; none when it has none.
std::vector<FieldTable> field_tables(const Dataset& d);
// The same for one side's features ("user" or "item") over `entities` rows.
std::vector<FieldTable> field_tables(const SideFeatures& f, const std::string& side, int64_t entities);

// Whether a net input's name is a side field's ("user:..." or "item:...").
bool is_field_input(const std::string& name);

}  // namespace sr
