// Small text helpers shared by the readers of metadata files (item titles, side features).
#pragma once

#include <string>
#include <vector>

namespace sr {

// Latin-1 bytes (MovieLens 100K and 1M files) as UTF-8.
std::string latin1_to_utf8(const std::string& s);

// The fields of a CSV line (RFC 4180 quoting: "a, b" and "" for a quote inside).
std::vector<std::string> csv_fields(const std::string& line);

}  // namespace sr
