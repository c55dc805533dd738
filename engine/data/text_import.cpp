#include "engine/data/text_import.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <filesystem>
#include <numeric>
#include <thread>

#include "engine/data/dataset_file.h"
#include "engine/data/id_map.h"
#include "kernels/error.h"

namespace sr {

namespace {

constexpr size_t kReadBlock = size_t{8} << 20;  // bytes per pread: large enough to amortize the call

struct InputFile {
  std::string path;
  uint64_t size = 0;
  int fd = -1;
};

class Inputs {
 public:
  explicit Inputs(const std::vector<std::string>& paths) {
    for (const auto& p : paths) {
      InputFile f;
      f.path = p;
      f.fd = ::open(p.c_str(), O_RDONLY);
      if (f.fd < 0) throw error("cannot open '", p, "': ", std::strerror(errno));
      struct stat st {};
      ::fstat(f.fd, &st);
      f.size = static_cast<uint64_t>(st.st_size);
      files_.push_back(f);
    }
  }
  ~Inputs() {
    for (auto& f : files_) ::close(f.fd);
  }
  Inputs(const Inputs&) = delete;
  const std::vector<InputFile>& files() const { return files_; }
  size_t read(size_t file, uint64_t offset, char* dst, size_t n) const {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(files_[file].fd, dst + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) throw error("reading '", files_[file].path, "' failed: ", std::strerror(errno));
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }
  uint64_t total() const {
    uint64_t t = 0;
    for (const auto& f : files_) t += f.size;
    return t;
  }

 private:
  std::vector<InputFile> files_;
};

struct Pos {
  size_t file = 0;
  uint64_t offset = 0;
  bool operator<(const Pos& o) const { return file != o.file ? file < o.file : offset < o.offset; }
};

// The first line start at or after `p` where a thread may begin: any line start, or for Netflix
// the start of an "item:" line (a thread must know the item of its first rating line).
Pos next_boundary(const Inputs& in, const TextLayout& l, Pos p) {
  const auto& files = in.files();
  if (p.offset == 0) return p;
  std::vector<char> buf(1 << 16);
  uint64_t at = p.offset - 1;  // a line starts after the '\n' at or after offset - 1
  bool seen_newline = false;
  uint64_t line_start = 0;
  std::string line;
  while (at < files[p.file].size) {
    const size_t n = in.read(p.file, at, buf.data(), buf.size());
    if (n == 0) break;
    for (size_t i = 0; i < n; ++i) {
      if (!seen_newline) {
        if (buf[i] == '\n') seen_newline = true, line_start = at + i + 1;
        continue;
      }
      if (!l.item_blocks) return {p.file, line_start};
      if (buf[i] != '\n') {
        line.push_back(buf[i]);
        continue;
      }
      if (!line.empty() && line.back() == '\r') line.pop_back();
      int64_t item;
      if (parse_block_header(line.data(), line.data() + line.size(), item)) return {p.file, line_start};
      line.clear();
      line_start = at + i + 1;
    }
    at += n;
  }
  return {p.file + 1, 0};
}

struct Failure {
  bool failed = false;
  size_t file = 0;
  uint64_t line_offset = 0;
  int field = 0;
  std::string problem, detail;
};

// Reads the range [from, to) line by line, calling sink(record, file, line_offset) for each event.
// Stops at the first bad line and describes it in `fail`.
template <class Sink>
void scan_range(const Inputs& in, const TextLayout& l, Pos from, Pos to, Sink&& sink, Failure& fail, int64_t& lines) {
  const auto& files = in.files();
  uint64_t range_bytes = 0;  // small ranges get small buffers (tests, fuzzing)
  for (size_t f = from.file; f < files.size() && f <= to.file; ++f) range_bytes += files[f].size;
  const size_t block = static_cast<size_t>(std::min<uint64_t>(kReadBlock, range_bytes + 1));
  std::vector<char> buf(2 * block);
  TextRecord rec;
  std::string detail;
  for (size_t f = from.file; f < files.size() && (f < to.file || (f == to.file && to.offset > 0)); ++f) {
    const uint64_t begin = f == from.file ? from.offset : 0;
    const uint64_t end = f == to.file ? to.offset : files[f].size;
    int64_t block_item = -1;
    size_t have = 0;          // bytes in buf not yet consumed
    uint64_t buf_at = begin;  // file offset of buf[0]
    uint64_t pos = begin;
    while (true) {
      if (buf.size() - have < block) buf.resize(buf.size() * 2);  // a line longer than a block
      const size_t want = static_cast<size_t>(std::min<uint64_t>(block, end - pos));
      const size_t got = want ? in.read(f, pos, buf.data() + have, want) : 0;
      pos += got;
      have += got;
      const bool last = pos >= end || got == 0;
      size_t ls = 0;
      while (ls < have) {
        const char* nl = static_cast<const char*>(std::memchr(buf.data() + ls, '\n', have - ls));
        if (!nl && !last) break;
        const char* b = buf.data() + ls;
        const char* e = nl ? nl : buf.data() + have;
        const uint64_t line_offset = buf_at + ls;
        ls = static_cast<size_t>(e - buf.data()) + 1;
        if (e > b && e[-1] == '\r') --e;
        ++lines;
        if (line_offset == 0) {
          if (e - b >= 3 && std::memcmp(b, "\xEF\xBB\xBF", 3) == 0) b += 3;                    // UTF-8 byte-order mark
          if (b < e && (std::isalpha(static_cast<unsigned char>(*b)) || *b == '"')) continue;  // a header line
        }
        const char* s = b;
        while (s < e && (*s == ' ' || *s == '\t')) ++s;
        if (s == e) continue;  // blank
        if (l.item_blocks && parse_block_header(b, e, block_item)) continue;
        int field = 0;
        if (const char* problem = parse_line(l, b, e, block_item, rec, field, detail)) {
          fail = {true, f, line_offset, field, problem, detail};
          return;
        }
        sink(rec, f, line_offset);
      }
      if (ls > have) ls = have;
      std::memmove(buf.data(), buf.data() + ls, have - ls);
      have -= ls;
      buf_at += ls;
      if (last) break;
    }
  }
}

int64_t line_number(const Inputs& in, size_t file, uint64_t offset) {
  std::vector<char> buf(1 << 20);
  int64_t line = 1;
  for (uint64_t at = 0; at < offset;) {
    const size_t n = in.read(file, at, buf.data(), static_cast<size_t>(std::min<uint64_t>(buf.size(), offset - at)));
    if (n == 0) break;
    line += std::count(buf.data(), buf.data() + n, '\n');
    at += n;
  }
  return line;
}

[[noreturn]] void throw_failure(const Inputs& in, const TextLayout& l, const Failure& f) {
  const std::string where = in.files()[f.file].path + ":" + std::to_string(line_number(in, f.file, f.line_offset));
  std::string field;
  if (f.field > 0) field = " field " + std::to_string(f.field) + ":";
  throw error(where, ":", field, " ", f.detail, " (layout ", l.name, ": ", l.describe_columns(),
              "); the import stopped and wrote nothing");
}

// Runs `work(t)` on `n` threads and rethrows the first exception.
template <class F>
void parallel(int n, F&& work) {
  std::vector<std::exception_ptr> errors(static_cast<size_t>(n));
  std::vector<std::thread> threads;
  for (int t = 1; t < n; ++t)
    threads.emplace_back([&, t] {
      try {
        work(t);
      } catch (...) {
        errors[static_cast<size_t>(t)] = std::current_exception();
      }
    });
  try {
    work(0);
  } catch (...) {
    errors[0] = std::current_exception();
  }
  for (auto& th : threads) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

std::vector<std::string> expand_paths(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& p : paths) {
    if (!fs::is_directory(p)) {
      out.push_back(p);
      continue;
    }
    const fs::path dir = fs::is_directory(fs::path(p) / "training_set") ? fs::path(p) / "training_set" : fs::path(p);
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && e.path().filename().string().starts_with("mv_")) files.push_back(e.path().string());
    if (files.empty()) throw error("directory '", p, "' holds no Netflix mv_*.txt files");
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
  }
  return out;
}

// Where the duplicate (user, item) pair occurs in the input: the first two lines. Error path only.
std::string locate_pair(const Inputs& in, const TextLayout& l, int64_t user, int64_t item) {
  std::vector<std::string> where;
  Failure fail;
  int64_t lines = 0;
  const Pos end{in.files().size(), 0};
  scan_range(
      in, l, Pos{0, 0}, end,
      [&](const TextRecord& r, size_t f, uint64_t off) {
        if (r.user == user && r.item == item && where.size() < 2)
          where.push_back(in.files()[f].path + ":" + std::to_string(line_number(in, f, off)));
      },
      fail, lines);
  while (where.size() < 2) where.push_back("?");
  return where[1] + ": user " + std::to_string(user) + " and item " + std::to_string(item) + " again (first at " +
         where[0] + ")";
}

}  // namespace

Duplicates parse_duplicates(const std::string& s) {
  if (s == "error") return Duplicates::error;
  if (s == "last") return Duplicates::last;
  if (s == "keep") return Duplicates::keep;
  throw error("--duplicates must be error, last or keep, got '", s, "'");
}

Dataset import_text(const std::vector<std::string>& raw_paths, const ImportOptions& opt, ImportReport* report) {
  const auto t0 = std::chrono::steady_clock::now();
  if (raw_paths.empty()) throw error("no input file given");
  if (opt.threads < 0) throw error("import threads must be >= 0 (0: every core), got ", opt.threads);
  const std::string layout_name = opt.layout == "auto" ? detect_layout(raw_paths[0]) : opt.layout;
  TextLayout l = layout_by_name(layout_name, opt.columns, opt.separator);
  if (opt.duplicates) l.duplicates = *opt.duplicates;
  if (opt.rating_min) l.rating_min = *opt.rating_min;
  if (opt.rating_max) l.rating_max = *opt.rating_max;
  const Inputs in(expand_paths(raw_paths));
  const auto& files = in.files();
  const int threads =
      std::max(1, opt.threads > 0 ? opt.threads : static_cast<int>(std::thread::hardware_concurrency()));

  // Thread ranges: equal shares of the bytes, moved forward to the next boundary.
  const uint64_t total = in.total();
  std::vector<Pos> cut(static_cast<size_t>(threads) + 1);
  cut[0] = {0, 0};
  cut[static_cast<size_t>(threads)] = {files.size(), 0};
  for (int t = 1; t < threads; ++t) {
    uint64_t target = total * static_cast<uint64_t>(t) / static_cast<uint64_t>(threads);
    size_t f = 0;
    while (f < files.size() && target >= files[f].size) target -= files[f++].size;
    Pos p = f < files.size() ? next_boundary(in, l, Pos{f, target}) : Pos{files.size(), 0};
    if (p.file < files.size() && p.offset >= files[p.file].size) p = {p.file + 1, 0};
    cut[static_cast<size_t>(t)] = std::max(p, cut[static_cast<size_t>(t) - 1]);
  }

  // Pass one: validate and count.
  std::vector<IdCounter> users(static_cast<size_t>(threads)), items(static_cast<size_t>(threads));
  std::vector<Failure> fails(static_cast<size_t>(threads));
  std::vector<int64_t> lines(static_cast<size_t>(threads), 0);
  parallel(threads, [&](int t) {
    auto& u = users[static_cast<size_t>(t)];
    auto& it = items[static_cast<size_t>(t)];
    scan_range(
        in, l, cut[static_cast<size_t>(t)], cut[static_cast<size_t>(t) + 1],
        [&](const TextRecord& r, size_t, uint64_t) {
          u.add(r.user);
          it.add(r.item);
        },
        fails[static_cast<size_t>(t)], lines[static_cast<size_t>(t)]);
  });
  const auto t1 = std::chrono::steady_clock::now();
  for (const Failure& f : fails)  // ranges are in input order: the first failing range has the first bad line
    if (f.failed) throw_failure(in, l, f);

  DatasetArrays a;
  a.user_ids = merge_ids(users, "users");
  a.item_ids = merge_ids(items, "items");
  const int64_t n_users = static_cast<int64_t>(a.user_ids.size());
  if (n_users == 0) {
    std::string names;
    for (const auto& f : files) names += (names.empty() ? "'" : ", '") + f.path + "'";
    throw error(names, " holds no events (", std::accumulate(lines.begin(), lines.end(), int64_t{0}),
                " line(s), all blank or a header); nothing was written");
  }
  // Row sizes, and where each thread writes its events of each user (in input order), as offsets
  // within the row: 4 bytes per thread and user (sessions make users as many as a third of events).
  std::vector<std::vector<uint32_t>> cursor(static_cast<size_t>(threads),
                                            std::vector<uint32_t>(static_cast<size_t>(n_users)));
  a.row_ptr.assign(static_cast<size_t>(n_users) + 1, 0);
  for (int64_t u = 0; u < n_users; ++u) {
    uint64_t in_row = 0;
    for (int t = 0; t < threads; ++t) {
      cursor[static_cast<size_t>(t)][static_cast<size_t>(u)] = static_cast<uint32_t>(in_row);
      in_row += users[static_cast<size_t>(t)].count(a.user_ids[static_cast<size_t>(u)]);
    }
    if (in_row > UINT32_MAX)
      throw error("user ", a.user_ids[static_cast<size_t>(u)], " has ", in_row, " events; at most 2^32 - 1 per user");
    a.row_ptr[static_cast<size_t>(u) + 1] = a.row_ptr[static_cast<size_t>(u)] + static_cast<int64_t>(in_row);
  }
  users.clear(), users.shrink_to_fit();
  items.clear(), items.shrink_to_fit();
  const int64_t n = a.row_ptr.back();
  const bool with_time = l.has(Role::time), with_rating = l.feedback == Feedback::ratings && l.has(Role::rating);
  a.item.resize(static_cast<size_t>(n));
  if (with_rating) a.rating.resize(static_cast<size_t>(n));
  if (with_time) a.time.resize(static_cast<size_t>(n));

  // Pass two: place every event.
  const IdIndex user_index(a.user_ids), item_index(a.item_ids);
  parallel(threads, [&](int t) {
    auto& cur = cursor[static_cast<size_t>(t)];
    int64_t ignored = 0;
    Failure fail;
    scan_range(
        in, l, cut[static_cast<size_t>(t)], cut[static_cast<size_t>(t) + 1],
        [&](const TextRecord& r, size_t, uint64_t) {
          // Both checks only fail if the input changed between the passes; they keep a
          // changed file from writing out of bounds.
          const int32_t u = user_index[r.user], i = item_index[r.item];
          const int64_t row = u < 0 ? 0 : a.row_ptr[static_cast<size_t>(u)];
          if (u < 0 || i < 0 || row + cur[static_cast<size_t>(u)] >= a.row_ptr[static_cast<size_t>(u) + 1])
            throw error("the input changed while it was being imported (user ", r.user, ", item ", r.item,
                        " differ between the two passes)");
          const auto pos = static_cast<size_t>(row + cur[static_cast<size_t>(u)]++);
          a.item[pos] = i;
          if (with_rating) a.rating[pos] = r.rating;
          if (with_time) a.time[pos] = r.time_ms;
        },
        fail, ignored);
    SR_CHECK(!fail.failed, "the second pass over the input found a bad line the first did not: the file changed");
  });
  cursor.clear();
  const auto t2 = std::chrono::steady_clock::now();

  // Each row in time order (stable: ties keep the input order), then the duplicate policy.
  std::vector<int64_t> first_duplicate(static_cast<size_t>(threads), -1);
  std::vector<int64_t> dropped(static_cast<size_t>(threads), 0);
  parallel(threads, [&](int t) {
    const int64_t u0 = n_users * t / threads, u1 = n_users * (t + 1) / threads;
    std::vector<int64_t> order;
    std::vector<int32_t> it_tmp;
    std::vector<float> r_tmp;
    std::vector<int64_t> t_tmp;
    std::vector<int32_t> seen(l.duplicates == Duplicates::keep ? 0 : a.item_ids.size(), -1);
    for (int64_t u = u0; u < u1; ++u) {
      const auto b = static_cast<size_t>(a.row_ptr[static_cast<size_t>(u)]);
      const auto e = static_cast<size_t>(a.row_ptr[static_cast<size_t>(u) + 1]);
      if (with_time && !std::is_sorted(a.time.begin() + b, a.time.begin() + e)) {
        order.resize(e - b);
        std::iota(order.begin(), order.end(), static_cast<int64_t>(b));
        std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return a.time[x] < a.time[y]; });
        it_tmp.resize(e - b), t_tmp.resize(e - b), r_tmp.resize(e - b);
        for (size_t k = 0; k < e - b; ++k) {
          it_tmp[k] = a.item[order[k]];
          t_tmp[k] = a.time[order[k]];
          if (with_rating) r_tmp[k] = a.rating[order[k]];
        }
        std::copy(it_tmp.begin(), it_tmp.end(), a.item.begin() + b);
        std::copy(t_tmp.begin(), t_tmp.end(), a.time.begin() + b);
        if (with_rating) std::copy(r_tmp.begin(), r_tmp.end(), a.rating.begin() + b);
      }
      if (l.duplicates == Duplicates::keep) continue;
      // Walk from the latest event back: a repeated item is an earlier duplicate.
      for (size_t k = e; k-- > b;) {
        int32_t& s = seen[static_cast<size_t>(a.item[k])];
        if (s != static_cast<int32_t>(u)) {
          s = static_cast<int32_t>(u);
          continue;
        }
        if (l.duplicates == Duplicates::error) {
          first_duplicate[static_cast<size_t>(t)] = u;
          return;
        }
        a.item[k] = -1;  // dropped below
        ++dropped[static_cast<size_t>(t)];
      }
    }
  });
  for (int t = 0; t < threads; ++t) {
    const int64_t u = first_duplicate[static_cast<size_t>(t)];
    if (u < 0) continue;
    // The item repeated in row u: find it again, then its lines in the input.
    const auto b = a.row_ptr[static_cast<size_t>(u)], e = a.row_ptr[static_cast<size_t>(u) + 1];
    std::vector<int32_t> row(a.item.begin() + b, a.item.begin() + e);
    std::sort(row.begin(), row.end());
    const int32_t item = *std::adjacent_find(row.begin(), row.end());
    throw error(locate_pair(in, l, a.user_ids[static_cast<size_t>(u)], a.item_ids[static_cast<size_t>(item)]),
                "; duplicates are refused (--duplicates last keeps the latest, keep keeps all); the import stopped "
                "and wrote nothing");
  }
  const auto t3 = std::chrono::steady_clock::now();
  int64_t n_dropped = std::accumulate(dropped.begin(), dropped.end(), int64_t{0});
  if (n_dropped > 0) {  // compact away the dropped duplicates
    size_t w = 0;
    for (int64_t u = 0; u < n_users; ++u) {
      const auto b = static_cast<size_t>(a.row_ptr[static_cast<size_t>(u)]);
      const auto e = static_cast<size_t>(a.row_ptr[static_cast<size_t>(u) + 1]);
      a.row_ptr[static_cast<size_t>(u)] = static_cast<int64_t>(w);
      for (size_t k = b; k < e; ++k) {
        if (a.item[k] < 0) continue;
        a.item[w] = a.item[k];
        if (with_rating) a.rating[w] = a.rating[k];
        if (with_time) a.time[w] = a.time[k];
        ++w;
      }
    }
    a.row_ptr[static_cast<size_t>(n_users)] = static_cast<int64_t>(w);
    a.item.resize(w), a.item.shrink_to_fit();
    if (with_rating) a.rating.resize(w), a.rating.shrink_to_fit();
    if (with_time) a.time.resize(w), a.time.shrink_to_fit();
  }

  DatasetInfo info;
  info.feedback = l.feedback;
  info.layout = l.name;
  info.source =
      raw_paths.size() == 1 ? raw_paths[0] : raw_paths[0] + " (+" + std::to_string(raw_paths.size() - 1) + ")";
  info.rating_min = with_rating ? l.rating_min : 1.0f;
  info.rating_max = with_rating ? l.rating_max : 1.0f;
  Dataset d = Dataset::from_arrays(info, std::move(a));
  if (report) {
    report->layout = l.name;
    report->bytes = total;
    report->lines = std::accumulate(lines.begin(), lines.end(), int64_t{0});
    report->events = d.n_events();
    report->duplicates_dropped = n_dropped;
    report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    report->pass1_seconds = std::chrono::duration<double>(t1 - t0).count();
    report->pass2_seconds = std::chrono::duration<double>(t2 - t1).count();
    report->order_seconds = std::chrono::duration<double>(t3 - t2).count();
  }
  return d;
}

Dataset open_dataset(const std::vector<std::string>& paths, const ImportOptions& opt, ImportReport* report) {
  if (paths.size() == 1 && !std::filesystem::is_directory(paths[0]) && looks_like_dataset_file(paths[0]))
    return load_dataset(paths[0]);
  return import_text(paths, opt, report);
}

}  // namespace sr
