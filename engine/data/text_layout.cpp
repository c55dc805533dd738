#include "engine/data/text_layout.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "kernels/error.h"

namespace sr {

namespace {

using R = Role;

TextLayout make(std::string name, Feedback fb, std::string sep, std::vector<Role> cols, TimeFormat tf, float lo,
                float hi) {
  TextLayout l;
  l.name = std::move(name);
  l.feedback = fb;
  l.separator = std::move(sep);
  l.columns = std::move(cols);
  l.time_format = tf;
  l.rating_min = lo, l.rating_max = hi;
  l.duplicates = fb == Feedback::clicks ? Duplicates::keep : Duplicates::error;
  return l;
}

const char* role_name(Role r) {
  switch (r) {
    case R::user:
      return "user";
    case R::item:
      return "item";
    case R::rating:
      return "rating";
    case R::time:
      return "time";
    case R::time_offset_ms:
      return "time offset (ms)";
    default:
      return "-";
  }
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(const char*& p, const char* end, int n, unsigned& v) {
  v = 0;
  for (int i = 0; i < n; ++i, ++p) {
    if (p >= end || *p < '0' || *p > '9') return false;
    v = v * 10 + static_cast<unsigned>(*p - '0');
  }
  return true;
}

// "YYYY-MM-DD" then, for ISO 8601, "THH:MM:SS[.fff][Z]" (or a space for the T).
bool parse_date_time(const char* p, const char* end, bool with_time, int64_t& ms) {
  unsigned y, mo, d, h = 0, mi = 0, s = 0, frac = 0;
  if (!digits(p, end, 4, y) || p >= end || *p++ != '-' || !digits(p, end, 2, mo) || p >= end || *p++ != '-' ||
      !digits(p, end, 2, d) || mo < 1 || mo > 12 || d < 1 || d > 31)
    return false;
  if (with_time && p < end) {
    if ((*p != 'T' && *p != ' ') || !digits(++p, end, 2, h) || p >= end || *p++ != ':' || !digits(p, end, 2, mi) ||
        p >= end || *p++ != ':' || !digits(p, end, 2, s) || h > 23 || mi > 59 || s > 60)
      return false;
    if (p < end && *p == '.') {
      ++p;
      int n = 0;
      for (; p < end && *p >= '0' && *p <= '9'; ++p, ++n)
        if (n < 3) frac = frac * 10 + static_cast<unsigned>(*p - '0');
      if (n == 0) return false;
      for (; n < 3; ++n) frac *= 10;
    }
    if (p < end && *p == 'Z') ++p;
  }
  if (p != end) return false;
  ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + int64_t{s} * 1000 + frac;
  return true;
}

// Unix seconds, integer or with a fraction ("1396860669.277"), to milliseconds (sub-ms truncated).
bool parse_unix_seconds(const char* p, const char* end, int64_t& ms) {
  bool neg = p < end && *p == '-';
  p += neg;
  int64_t s = 0;
  const char* start = p;
  for (; p < end && *p >= '0' && *p <= '9'; ++p) {
    if (s > (INT64_MAX / 1000 - 9) / 10) return false;
    s = s * 10 + (*p - '0');
  }
  if (p == start) return false;
  int64_t frac = 0;
  if (p < end && *p == '.') {
    ++p;
    int n = 0;
    for (; p < end && *p >= '0' && *p <= '9'; ++p, ++n)
      if (n < 3) frac = frac * 10 + (*p - '0');
    for (; n < 3; ++n) frac *= 10;
  }
  if (p != end) return false;
  ms = (s * 1000 + frac) * (neg ? -1 : 1);
  return true;
}

// A non-negative decimal id below 2^63.
const char* parse_id(const char* p, const char* end, int64_t& v) {
  if (p == end) return "is empty";
  if (*p == '-') return "is negative (ids must be non-negative integers)";
  uint64_t x = 0;
  for (const char* q = p; q < end; ++q) {
    if (*q < '0' || *q > '9') return "is not an integer id";
    const auto digit = static_cast<uint64_t>(*q - '0');
    if (x > (static_cast<uint64_t>(INT64_MAX) - digit) / 10) return "does not fit in 63 bits";
    x = x * 10 + digit;
  }
  v = static_cast<int64_t>(x);
  return nullptr;
}

// Fields in a line, for messages.
size_t count_fields(const TextLayout& l, const char* p, const char* end) {
  const std::string_view line(p, static_cast<size_t>(end - p));
  if (l.separator.empty()) {
    size_t n = 0;
    for (size_t i = 0; i < line.size();) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size()) ++n;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    }
    return n;
  }
  size_t n = 1;
  for (size_t i = line.find(l.separator); i != std::string_view::npos;
       i = line.find(l.separator, i + l.separator.size()))
    ++n;
  return n;
}

}  // namespace

// The common rating spellings ("4", "3.5", "4.25": up to 6 integer digits, up to 2 decimals) without
// from_chars: the decimal as an exact integer over 1, 10 or 100, divided in double and rounded
// once to float, which equals from_chars' correctly rounded result (a test checks every value up
// to 9999.99). Anything else returns false and goes to from_chars.
bool parse_short_decimal(const char* p, const char* end, float& out) {
  int64_t v = 0;
  int int_digits = 0, frac_digits = 0;
  for (; p < end && *p >= '0' && *p <= '9' && int_digits < 7; ++p, ++int_digits) v = v * 10 + (*p - '0');
  if (int_digits == 0 || int_digits > 6) return false;
  if (p < end && *p == '.') {
    for (++p; p < end && *p >= '0' && *p <= '9' && frac_digits < 3; ++p, ++frac_digits) v = v * 10 + (*p - '0');
    if (frac_digits == 0 || frac_digits > 2) return false;
  }
  if (p != end) return false;
  static constexpr double kScale[] = {1.0, 10.0, 100.0};
  out = static_cast<float>(static_cast<double>(v) / kScale[frac_digits]);
  return true;
}

bool TextLayout::has(Role r) const { return std::find(columns.begin(), columns.end(), r) != columns.end(); }

std::string TextLayout::describe_columns() const {
  std::string s;
  if (item_blocks) s = "item: lines, then ";
  for (size_t i = 0; i < columns.size(); ++i) s += (i ? "," : "") + std::string(role_name(columns[i]));
  return s;
}

std::vector<std::string> layout_names() {
  return {"movielens-100k", "movielens-dat", "movielens-csv", "netflix", "rsc15", "yoochoose", "diginetica", "csv"};
}

TextLayout layout_by_name(const std::string& name, const std::string& columns, const std::string& separator) {
  const auto C = Feedback::clicks, Rt = Feedback::ratings;
  const auto secs = TimeFormat::unix_seconds;
  if (name == "csv") {
    if (columns.empty() || separator.empty())
      throw error("layout 'csv' needs --columns (e.g. user,item,rating,time; '-' skips a field) and --separator");
    TextLayout l = make("csv", Rt,
                        separator == "tab"     ? "\t"
                        : separator == "space" ? ""
                                               : separator,
                        {}, secs, 0.0f, 1e9f);
    size_t i = 0;
    while (i <= columns.size()) {
      const size_t j = std::min(columns.find(',', i), columns.size());
      const std::string c = columns.substr(i, j - i);
      if (c == "user")
        l.columns.push_back(R::user);
      else if (c == "item")
        l.columns.push_back(R::item);
      else if (c == "rating")
        l.columns.push_back(R::rating);
      else if (c == "time")
        l.columns.push_back(R::time);
      else if (c == "-" || c.empty())
        l.columns.push_back(R::skip);
      else
        throw error("--columns: unknown column role '", c, "' (user, item, rating, time, or - to skip)");
      i = j + 1;
    }
    for (Role r : {R::user, R::item})
      if (std::count(l.columns.begin(), l.columns.end(), r) != 1)
        throw error("--columns '", columns, "' must name exactly one ", role_name(r), " column");
    if (!l.has(R::rating)) l.feedback = C, l.duplicates = Duplicates::keep;
    return l;
  }
  if (name == "movielens-100k") return make(name, Rt, "", {R::user, R::item, R::rating, R::time}, secs, 1, 5);
  if (name == "movielens-dat") return make(name, Rt, "::", {R::user, R::item, R::rating, R::time}, secs, 0.5f, 5);
  if (name == "movielens-csv") return make(name, Rt, ",", {R::user, R::item, R::rating, R::time}, secs, 0.5f, 5);
  if (name == "netflix") {
    TextLayout l = make(name, Rt, ",", {R::user, R::rating, R::time}, TimeFormat::date, 1, 5);
    l.item_blocks = true;
    return l;
  }
  if (name == "rsc15") return make(name, C, "\t", {R::user, R::item, R::time}, secs, 1, 1);
  if (name == "yoochoose") return make(name, C, ",", {R::user, R::time, R::item, R::skip}, TimeFormat::iso8601, 1, 1);
  if (name == "diginetica")
    return make(name, C, ";", {R::user, R::skip, R::item, R::time_offset_ms, R::time}, TimeFormat::date, 1, 1);
  std::string known;
  for (const auto& n : layout_names()) known += " " + n;
  throw error("unknown layout '", name, "'; known:", known);
}

std::string detect_layout(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  if (!fs::exists(p)) throw error("cannot open '", path, "': no such file or directory");
  const std::string base = p.filename().string();
  if (fs::is_directory(p)) {
    if (fs::is_directory(p / "training_set") || fs::exists(p / "mv_0000001.txt")) return "netflix";
    throw error("'", path, "' is a directory but not Netflix's training_set (no mv_*.txt); name a file");
  }
  if (base.ends_with("u.data") || base.ends_with(".inter")) return "movielens-100k";
  if (base.ends_with("ratings.dat")) return "movielens-dat";
  if (base.find("combined_data") != std::string::npos) return "netflix";
  if (base.find("yoochoose-clicks") != std::string::npos) return "yoochoose";
  if (base.find("train-item-views") != std::string::npos) return "diginetica";
  std::ifstream in(path);
  std::string first;
  if (!in || !std::getline(in, first)) throw error("cannot read '", path, "' to tell its layout");
  if (first.starts_with("\xEF\xBB\xBF")) first.erase(0, 3);
  if (!first.empty() && first.back() == '\r') first.pop_back();
  if (first.starts_with("userId,movieId,rating")) return "movielens-csv";
  if (first.starts_with("user_id:token\titem_id:token\trating")) return "movielens-100k";  // RecBole's .inter
  if (first.starts_with("SessionId\tItemId\tTime")) return "rsc15";
  if (first.starts_with("sessionId;userId;itemId")) return "diginetica";
  if (first.find("::") != std::string::npos) return "movielens-dat";
  {  // yoochoose-clicks.dat: session,YYYY-MM-DDTHH:MM:SS.sssZ,item,category
    const auto c = first.find(',');
    if (c != std::string::npos && first.size() > c + 11 && first[c + 5] == '-' && first[c + 11] == 'T')
      return "yoochoose";
  }
  if (!first.empty() && first.back() == ':' && first.find_first_not_of("0123456789") == first.size() - 1)
    return "netflix";
  if (first.find_first_not_of("0123456789.\t ") == std::string::npos &&
      count_fields(layout_by_name("movielens-100k"), first.data(), first.data() + first.size()) == 4)
    return "movielens-100k";  // four numbers separated by blanks: u.data
  throw error("cannot tell the layout of '", path, "' (first line '", first.substr(0, 80),
              "'); pass --layout (movielens-100k, movielens-dat, movielens-csv, netflix, rsc15, yoochoose, diginetica, "
              "or csv with --columns and --separator)");
}

bool parse_block_header(const char* begin, const char* end, int64_t& item) {
  if (end - begin < 2 || end[-1] != ':') return false;
  return parse_id(begin, end - 1, item) == nullptr;
}

const char* parse_line(const TextLayout& l, const char* begin, const char* end, int64_t block_item, TextRecord& out,
                       int& field, std::string& detail) {
  out.rating = 1.0f;
  out.time_ms = 0;
  int64_t offset_ms = 0;
  const char* p = begin;
  if (l.separator.empty())
    while (p < end && (*p == '\t' || *p == ' ')) ++p;
  const size_t n_cols = l.columns.size();
  const size_t sep_len = l.separator.size();
  const char sep0 = sep_len ? l.separator[0] : '\0';
  size_t col = 0;
  for (;; ++col) {
    // The field [p, q).
    const char* q = p;
    if (sep_len == 0) {
      while (q < end && *q != '\t' && *q != ' ') ++q;
    } else if (sep_len == 1) {  // fields are short: a plain loop beats a call to memchr
      while (q < end && *q != sep0) ++q;
    } else {
      while (q < end && !(*q == sep0 && end - q >= static_cast<ptrdiff_t>(sep_len) &&
                          std::equal(l.separator.begin(), l.separator.end(), q)))
        ++q;
    }
    if (col >= n_cols) {
      field = 0;
      detail = "expected " + std::to_string(n_cols) + " fields (" + l.describe_columns() + "), found " +
               std::to_string(count_fields(l, begin, end));
      return "wrong field count";
    }
    field = static_cast<int>(col) + 1;
    switch (l.columns[col]) {
      case R::user:
      case R::item: {
        int64_t v = 0;
        if (const char* why = parse_id(p, q, v)) {
          detail = std::string(role_name(l.columns[col])) + " '" + std::string(p, q) + "' " + why;
          return "bad id";
        }
        (l.columns[col] == R::user ? out.user : out.item) = v;
        break;
      }
      case R::rating: {
        if (!parse_short_decimal(p, q, out.rating)) {
          const auto [ptr, ec] = std::from_chars(p, q, out.rating);
          if (p == q || ec != std::errc() || ptr != q) out.rating = NAN;
        }
        if (!std::isfinite(out.rating)) {
          detail = "rating '" + std::string(p, q) + "' is not a finite number";
          return "bad rating";
        }
        if (out.rating < l.rating_min || out.rating > l.rating_max) {
          detail = "rating " + std::string(p, q) + " is outside [" + std::to_string(l.rating_min).substr(0, 3) + ", " +
                   std::to_string(l.rating_max).substr(0, 3) + "]";
          return "rating out of range";
        }
        break;
      }
      case R::time: {
        const bool ok = l.time_format == TimeFormat::unix_seconds
                            ? parse_unix_seconds(p, q, out.time_ms)
                            : parse_date_time(p, q, l.time_format == TimeFormat::iso8601, out.time_ms);
        if (!ok) {
          detail = "time '" + std::string(p, q) + "' is not " +
                   (l.time_format == TimeFormat::unix_seconds ? "Unix seconds"
                    : l.time_format == TimeFormat::date       ? "a YYYY-MM-DD date"
                                                              : "an ISO 8601 time");
          return "bad time";
        }
        break;
      }
      case R::time_offset_ms: {
        int64_t v = 0;
        if (parse_id(p, q, v) != nullptr) {
          detail = "time offset '" + std::string(p, q) + "' is not a non-negative integer";
          return "bad time";
        }
        offset_ms = v;
        break;
      }
      case R::skip:
        break;
    }
    if (q >= end) break;
    p = q + (sep_len ? sep_len : 1);
    if (sep_len == 0) {
      while (p < end && (*p == '\t' || *p == ' ')) ++p;
      if (p == end) break;  // trailing blanks
    }
  }
  if (col + 1 != n_cols) {
    field = 0;
    detail = "expected " + std::to_string(n_cols) + " fields (" + l.describe_columns() + "), found " +
             std::to_string(count_fields(l, begin, end));
    return "wrong field count";
  }
  if (l.item_blocks) {
    if (block_item < 0) {
      field = 0;
      detail = "a rating line before any 'item:' line";
      return "no item";
    }
    out.item = block_item;
  }
  out.time_ms += offset_ms;
  return nullptr;
}

}  // namespace sr
