#include "engine/batch/topk_job.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "engine/checksum.h"
#include "engine/io/atomic_file.h"
#include "engine/io/file_lock.h"
#include "engine/io/npy_file.h"
#include "kernels/error.h"

namespace sr {

namespace fs = std::filesystem;

namespace {

// part-00000 ...: at least five digits, more when the job has more shards, so that the names sort
// in shard order.
std::string shard_name(int64_t s, int64_t shards) {
  const int width = std::max<int>(5, static_cast<int>(std::to_string(std::max<int64_t>(shards - 1, 0)).size()));
  char b[48];
  std::snprintf(b, sizeof b, "part-%0*lld", width, static_cast<long long>(s));
  return b;
}

std::vector<std::string> shard_files(const std::string& dir, int64_t s, int64_t shards, const TopKJobOptions& o) {
  const std::string base = (fs::path(dir) / shard_name(s, shards)).string();
  std::vector<std::string> f;
  if (o.tsv) f.push_back(base + ".tsv");
  if (o.npy) {
    f.push_back(base + ".users.npy");
    f.push_back(base + ".items.npy");
    f.push_back(base + ".scores.npy");
  }
  return f;
}

bool shard_finished(const std::string& dir, int64_t s, int64_t shards, const TopKJobOptions& o) {
  for (const std::string& f : shard_files(dir, s, shards, o))
    if (!fs::exists(f)) return false;
  return true;
}

// Whether a directory entry is one a job writes (its description, shards, their temporaries).
bool job_file(const std::string& name) {
  return name == "job.json" || name == "job.lock" || name.rfind("job.json.tmp.", 0) == 0 || name.rfind("part-", 0) == 0;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error("cannot read '", path, "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// What differs between two job descriptions, named by key ("k (10 there, 11 now)").
std::string differences(const std::string& old_text, const std::string& now_text) {
  const auto old = nlohmann::json::parse(old_text, nullptr, false), now = nlohmann::json::parse(now_text);
  if (old.is_discarded() || !old.is_object()) return " its job.json is not a job description";
  std::string diff;
  for (auto it = now.begin(); it != now.end(); ++it)
    if (!old.contains(it.key()) || old[it.key()] != it.value())
      diff += " " + it.key() + " (" + (old.contains(it.key()) ? old[it.key()].dump() : "missing") + " there, " +
              it.value().dump() + " now)";
  for (auto it = old.begin(); it != old.end(); ++it)
    if (!now.contains(it.key())) diff += " " + it.key() + " (" + it.value().dump() + " there, missing now)";
  return diff;
}

// Creates the directory, or checks that it holds this very job (resume) or nothing; takes the
// job's lock (held until the returned lock is destroyed), so that a second process on the same
// directory stops at once instead of writing the same shards or deleting the other's temporaries.
FileLock prepare_directory(const std::string& dir, const std::string& description, bool resume) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw error("cannot create output directory '", dir, "': ", ec.message());
  if (!fs::is_directory(dir)) throw error("'", dir, "' is not a directory");
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!job_file(name))
      throw error("output directory '", dir, "' holds '", name,
                  "', which no top-K job writes: give an empty or new directory");
  }
  FileLock lock((fs::path(dir) / "job.lock").string(), "another top-K job");
  const std::string job = (fs::path(dir) / "job.json").string();
  if (fs::exists(job)) {
    if (!resume)
      throw error("output directory '", dir,
                  "' holds a top-K job already: --resume to finish it, or another directory");
    const std::string old = read_file(job);
    if (old != description)
      throw error("--resume: the job in '", dir, "' was started with other parameters:", differences(old, description));
    // Temporaries of the killed run (AtomicFileWriter's <name>.tmp.<pid>): never finished.
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().filename().string().find(".tmp.") != std::string::npos) fs::remove(e.path());
    return lock;
  }
  // job.json is written before any shard: shards without it are of no job this one can trust.
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("part-", 0) == 0)
      throw error("output directory '", dir, "' holds shards but no job.json: give an empty or new directory");
  write_file_atomically(job, description);
  return lock;
}

// One shard's files, streamed a block at a time (memory stays a block's worth) and committed
// together: the npy files first, the TSV last.
class ShardWriter {
 public:
  ShardWriter(const std::string& dir, int64_t s, int64_t shards, int64_t n_users, const TopKJobOptions& o) : k_(o.k) {
    const std::string base = (fs::path(dir) / shard_name(s, shards)).string();
    if (o.npy) {
      users_ = std::make_unique<AtomicFileWriter>(base + ".users.npy");
      items_ = std::make_unique<AtomicFileWriter>(base + ".items.npy");
      scores_ = std::make_unique<AtomicFileWriter>(base + ".scores.npy");
      put(*users_, npy_header("<i8", {n_users}));
      put(*items_, npy_header("<i8", {n_users, k_}));
      put(*scores_, npy_header("<f4", {n_users, k_}));
    }
    if (o.tsv) {
      tsv_ = std::make_unique<AtomicFileWriter>(base + ".tsv");
      put(*tsv_, o.row_name + "\trank\titem\tscore\n");
    }
  }

  void add(const std::vector<int32_t>& users, const std::vector<std::vector<Scored>>& top,
           const std::vector<int64_t>& user_ids, const std::vector<int64_t>& item_ids) {
    if (users_) {
      std::vector<int64_t> ids(users.size()), items(users.size() * static_cast<size_t>(k_), -1);
      std::vector<float> scores(items.size(), std::numeric_limits<float>::quiet_NaN());
      for (size_t u = 0; u < users.size(); ++u) {
        ids[u] = user_ids[static_cast<size_t>(users[u])];
        for (size_t j = 0; j < top[u].size(); ++j) {
          items[u * static_cast<size_t>(k_) + j] = item_ids[static_cast<size_t>(top[u][j].item)];
          scores[u * static_cast<size_t>(k_) + j] = top[u][j].score;
        }
      }
      users_->write(ids.data(), ids.size() * sizeof(int64_t));
      items_->write(items.data(), items.size() * sizeof(int64_t));
      scores_->write(scores.data(), scores.size() * sizeof(float));
    }
    if (tsv_) {
      std::string text;
      for (size_t u = 0; u < users.size(); ++u)
        append_topk_tsv(text, user_ids[static_cast<size_t>(users[u])], top[u], item_ids);
      put(*tsv_, text);
    }
  }

  void commit() {
    for (auto* w : {users_.get(), items_.get(), scores_.get(), tsv_.get()})
      if (w) w->commit();
  }

 private:
  static void put(AtomicFileWriter& w, const std::string& s) { w.write(s.data(), s.size()); }
  int64_t k_;
  std::unique_ptr<AtomicFileWriter> users_, items_, scores_, tsv_;
};

}  // namespace

void append_topk_tsv(std::string& out, int64_t user_id, const std::vector<Scored>& top,
                     const std::vector<int64_t>& item_ids) {
  append_topk_tsv(out, std::to_string(user_id), top, item_ids);
}

void append_topk_tsv(std::string& out, const std::string& name, const std::vector<Scored>& top,
                     const std::vector<int64_t>& item_ids, const std::vector<std::string>* titles) {
  char line[96];
  for (size_t r = 0; r < top.size(); ++r) {
    const int n = std::snprintf(line, sizeof line, "\t%zu\t%lld\t%.9g", r + 1,
                                static_cast<long long>(item_ids[static_cast<size_t>(top[r].item)]), top[r].score);
    out += name;
    out.append(line, static_cast<size_t>(n));
    if (titles) {
      out += '\t';
      for (char c : (*titles)[static_cast<size_t>(top[r].item)]) out += c == '\t' || c == '\n' || c == '\r' ? ' ' : c;
    }
    out += '\n';
  }
}

void score_in_blocks(const std::vector<int32_t>& users, int64_t begin, int64_t end, int64_t users_per_block, int k,
                     const RecommendBlock& recommend, const TopKSink& sink, TopKJobProgress& p,
                     std::chrono::steady_clock::time_point start, const TopKProgressFn& on_progress) {
  if (users_per_block < 1) throw error("users per block must be >= 1, got ", users_per_block);
  for (int64_t b = begin; b < end; b += users_per_block) {
    const std::vector<int32_t> block(users.begin() + b, users.begin() + std::min(end, b + users_per_block));
    sink(block, recommend(block, k));
    p.users_done += static_cast<int64_t>(block.size());
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (on_progress) on_progress(p);
  }
}

std::string topk_job_description(const std::vector<int32_t>& users, const TopKJobOptions& o) {
  nlohmann::ordered_json j;
  j["format"] = "sparserec top-K job";
  j["version"] = 1;
  j["model"] = o.model;
  j["k"] = o.k;
  j["users"] = users.size();
  j["users_checksum"] = checksum64(users.data(), users.size() * sizeof(int32_t));
  j["rows_are"] = o.row_name;
  j["users_per_shard"] = o.users_per_shard;  // not the block size: a resumed job may take another budget
  j["tsv"] = o.tsv;
  j["npy"] = o.npy;
  return j.dump(2) + "\n";
}

TopKJobReport run_topk_job(const std::string& dir, const std::vector<int32_t>& users,
                           const std::vector<int64_t>& user_ids, const std::vector<int64_t>& item_ids,
                           const RecommendBlock& recommend, const TopKJobOptions& o, Communicator& comm,
                           const TopKProgressFn& on_progress) {
  if (o.k < 1) throw error("top-K needs k >= 1, got ", o.k);
  if (o.users_per_shard < 1) throw error("users per shard must be >= 1, got ", o.users_per_shard);
  if (o.users_per_block < 1) throw error("users per block must be >= 1, got ", o.users_per_block);
  if (!o.tsv && !o.npy) throw error("a top-K job needs an output format (TSV, npy or both)");
  const auto t0 = std::chrono::steady_clock::now();
  const std::string description = topk_job_description(users, o);
  // Rank 0 prepares the directory (and holds its lock for the job); the others then find the same
  // job there.
  FileLock lock;
  if (comm.rank() == 0) lock = prepare_directory(dir, description, o.resume);
  comm.barrier();
  if (comm.rank() != 0 && read_file((fs::path(dir) / "job.json").string()) != description)
    comm.abort("the job in '" + dir + "' differs from this rank's parameters");

  TopKJobReport r;
  const auto n = static_cast<int64_t>(users.size());
  r.shards = (n + o.users_per_shard - 1) / o.users_per_shard;
  std::vector<int64_t> mine;
  int64_t users_total = 0;
  for (int64_t s = comm.rank(); s < r.shards; s += comm.size()) {
    ++r.shards_here;
    if (shard_finished(dir, s, r.shards, o)) {
      ++r.shards_resumed;
      continue;
    }
    mine.push_back(s);
    users_total += std::min(n, (s + 1) * o.users_per_shard) - s * o.users_per_shard;
  }
  TopKJobProgress p;
  p.users_total = users_total;
  for (int64_t s : mine) {
    const int64_t begin = s * o.users_per_shard, end = std::min(n, begin + o.users_per_shard);
    ShardWriter out(dir, s, r.shards, end - begin, o);
    score_in_blocks(
        users, begin, end, o.users_per_block, o.k, recommend,
        [&](const std::vector<int32_t>& block, const std::vector<std::vector<Scored>>& top) {
          out.add(block, top, user_ids, item_ids);
        },
        p, t0, on_progress);
    out.commit();
  }
  r.users = p.users_done;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  comm.barrier();  // the job is whole when every rank returns
  return r;
}

}  // namespace sr
