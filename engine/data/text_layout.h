// The text layouts the importer reads, and the parser of one line of them. A layout names the
// role of each field, the separator, the time format and the quirks of the public dataset it
// comes from; `csv` is the generic one whose columns the user names (--columns user,item,rating).
//
//   movielens-100k  u.data: user item rating time, tab (or space) separated; RecBole's header
//   movielens-dat   ML-1M / ML-10M ratings.dat: user::item::rating::time
//   movielens-csv   ML-20M / 25M / latest ratings.csv: userId,movieId,rating,timestamp + header
//   netflix         Netflix Prize: "item:" lines, each heading "user,rating,YYYY-MM-DD" lines;
//                   combined_data_*.txt files or the training_set/ directory of mv_*.txt
//   rsc15           session-rec's RSC15 files: SessionId<TAB>ItemId<TAB>Time (Unix seconds) + header
//   yoochoose       yoochoose-clicks.dat as published: session,ISO-8601 time,item,category
//   diginetica      train-item-views.csv: sessionId;userId;itemId;timeframe;eventdate + header
//   csv             generic: --separator, --columns, --time-format, --feedback
//
// Every layout: a UTF-8 byte-order mark and Windows line endings are accepted, empty lines are
// skipped, a first line that starts with a letter (or a quote) is a header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/data/dataset.h"

namespace sr {

enum class Role : uint8_t { skip, user, item, rating, time, time_offset_ms };
enum class TimeFormat : uint8_t { unix_seconds, date, iso8601 };
enum class Duplicates : uint8_t { error, last, keep };  // a (user, item) pair seen again

struct TextLayout {
  std::string name;
  Feedback feedback = Feedback::ratings;
  std::string separator;  // empty: runs of tabs and spaces
  std::vector<Role> columns;
  TimeFormat time_format = TimeFormat::unix_seconds;
  bool item_blocks = false;  // Netflix: "item:" lines head the lines of that item
  float rating_min = 1.0f, rating_max = 5.0f;
  Duplicates duplicates = Duplicates::error;

  bool has(Role r) const;
  std::string describe_columns() const;
};

// The named layout ("movielens-100k", ...). For "csv", `columns` ("user,item,rating,time", "-" to
// skip a field) and `separator` ("," "\t" ";" "::" "space") are required.
TextLayout layout_by_name(const std::string& name, const std::string& columns = "", const std::string& separator = "");
std::vector<std::string> layout_names();

// Tells the layout from the file name and its first line; throws sr::Error asking for --layout
// when it cannot tell.
std::string detect_layout(const std::string& path);

// One parsed line.
struct TextRecord {
  int64_t user = 0, item = 0;
  float rating = 1.0f;
  int64_t time_ms = 0;
};

// Parses the line [begin, end) (no line terminator). Returns nullptr on success; otherwise the
// problem, with `field` set to the 1-based field at fault (0: the line as a whole). `block_item`
// is the item of the current Netflix block (-1 before the first).
const char* parse_line(const TextLayout& l, const char* begin, const char* end, int64_t block_item, TextRecord& out,
                       int& field, std::string& detail);

// "4", "3.5", "4.25" (at most 6 + 2 digits) parsed exactly as std::from_chars would; false for
// anything else.
bool parse_short_decimal(const char* p, const char* end, float& out);

// For item_blocks layouts: is the line an "item:" header, and which item.
bool parse_block_header(const char* begin, const char* end, int64_t& item);

}  // namespace sr
