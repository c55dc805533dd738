// Importing interactions from text (text_layout.h) into a Dataset, fast enough for Netflix-sized
// files: the input is cut at line (or Netflix block) boundaries into one range per thread, and read
// twice. Pass one validates every field and counts each user and item id; pass two writes each
// event straight to its final place in the CSR. The CSR is therefore the only large allocation
// (peak memory ≈ the binary file), and each row's events come out in input order, which the final
// stable sort by time turns into (time, input line) order.
//
// Any bad line stops the import with one sr::Error naming the file, line, field and what was
// wrong; nothing is written (the caller writes the binary file only after a complete import).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/data/dataset.h"
#include "engine/data/text_layout.h"

namespace sr {

struct ImportOptions {
  std::string layout = "auto";                  // a name from layout_names(), or detected from the first path
  std::string columns, separator;               // for layout "csv"
  std::optional<Duplicates> duplicates;         // default: error for ratings, keep for clicks
  std::optional<float> rating_min, rating_max;  // default: the layout's range
  int threads = 0;                              // 0: every core
};

struct ImportReport {
  std::string layout;
  uint64_t bytes = 0;
  int64_t lines = 0, events = 0, duplicates_dropped = 0;
  double seconds = 0.0;
  double pass1_seconds = 0.0, pass2_seconds = 0.0, order_seconds = 0.0;  // validate+count, place, sort rows
};

// `paths`: one or more files of the same layout, read in order (Netflix's combined_data_1..4.txt),
// or a Netflix training_set directory.
Dataset import_text(const std::vector<std::string>& paths, const ImportOptions& opt, ImportReport* report = nullptr);

Duplicates parse_duplicates(const std::string& s);  // "error", "last", "keep"

// A binary dataset file is loaded; anything else is imported as text.
Dataset open_dataset(const std::vector<std::string>& paths, const ImportOptions& opt, ImportReport* report = nullptr);

}  // namespace sr
