// Item titles from a dataset's metadata file, for `recommend` and `serve` to show beside the ids:
// MovieLens 100K's u.item ("id|title|..."), ML-1M's movies.dat ("id::title::genres"), both
// Latin-1, and ml-latest's movies.csv ("movieId,title,genres", UTF-8, titles quoted when they hold
// a comma). Titles come back as UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace sr {

// id -> title. Throws naming the file and line for a line without an id and a title.
std::unordered_map<int64_t, std::string> read_item_titles(const std::string& path);

// The metadata file beside the first data file (u.item, movies.dat or movies.csv in its
// directory), or "" when there is none.
std::string find_item_titles(const std::vector<std::string>& data_paths);

// A title per item index (`item_ids`: index -> id), "" for an item the file does not name.
std::vector<std::string> titles_by_index(const std::unordered_map<int64_t, std::string>& titles,
                                         const std::vector<int64_t>& item_ids);

}  // namespace sr
