// The batch top-K job: every listed user's top-K items, computed a block of users at a time and
// written as shards of a fixed number of users into a directory, each shard file written
// atomically, so that a job killed at any moment keeps its finished shards and `resume` does only
// the rest. Several processes (the ranks of an mpirun) share a job by shard: rank r takes shards
// r, r + ranks, ... . What the directory holds:
//   job.json              the job's parameters, written first; a resumed job must match them
//   job.lock              flock'ed by the job's rank 0 while it runs: one job at a time
//   part-NNNNN.tsv        user, rank, item, score (the data's ids), a header line first
//   part-NNNNN.users.npy  int64 [n]      the shard's user ids          } with npy output
// (For a session model the rows are sessions: their ids in the first column and in users.npy.)
//   part-NNNNN.items.npy  int64 [n, k]   item ids, best first, -1 pad  }
//   part-NNNNN.scores.npy float32 [n, k] their scores, NaN pad         }
// A shard is finished when all of its files exist (each appears under its name only when whole).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/dist/communicator.h"
#include "engine/eval/recommend.h"

namespace sr {

struct TopKJobOptions {
  int k = 10;
  int64_t users_per_shard = 100000;
  int64_t users_per_block = 1024;  // users scored together (the caller sizes it to its memory budget)
  bool tsv = true, npy = false;
  bool resume = false;            // finish the job already in the directory (its job.json must match)
  std::string model;              // recorded in job.json: what the scores come from (the model file's checksum)
  std::string row_name = "user";  // what a row is: "user", or "session" (the TSV's first column)
};

struct TopKJobProgress {
  int64_t users_done = 0, users_total = 0;  // of this rank's shards
  double seconds = 0.0;
};

struct TopKJobReport {
  int64_t shards = 0, shards_here = 0, shards_resumed = 0;  // all; this rank's; of those, found finished
  int64_t users = 0;                                        // users this rank scored now
  double seconds = 0.0;
};

// The top-K of dense user indices, best first (TrainedModel::recommend).
using RecommendBlock = std::function<std::vector<std::vector<Scored>>(const std::vector<int32_t>& users, int k)>;

using TopKProgressFn = std::function<void(const TopKJobProgress&)>;
using TopKSink = std::function<void(const std::vector<int32_t>& users, const std::vector<std::vector<Scored>>& top)>;

// Scores users[begin, end) a block of `users_per_block` at a time, handing each block's top-K to
// `sink`; after each block, advances p.users_done and p.seconds (since `start`) and reports `p`.
// The one block loop of the job's shards and of a single streamed TSV.
void score_in_blocks(const std::vector<int32_t>& users, int64_t begin, int64_t end, int64_t users_per_block, int k,
                     const RecommendBlock& recommend, const TopKSink& sink, TopKJobProgress& p,
                     std::chrono::steady_clock::time_point start, const TopKProgressFn& on_progress);

// Runs the job for `users` (dense indices; ids from `user_ids`/`item_ids`) into `dir`, as this
// rank of `comm` (every rank calls it with the same arguments). The directory is created if
// missing; one that holds another job, or files that are not a job's, is refused. `on_progress`
// is called after each block.
TopKJobReport run_topk_job(const std::string& dir, const std::vector<int32_t>& users,
                           const std::vector<int64_t>& user_ids, const std::vector<int64_t>& item_ids,
                           const RecommendBlock& recommend, const TopKJobOptions& o, Communicator& comm,
                           const TopKProgressFn& on_progress = {});

// The job.json a job with these parameters writes (what a resumed job compares).
std::string topk_job_description(const std::vector<int32_t>& users, const TopKJobOptions& o);

// Appends one user's rows to a TSV (user, rank, item, score): the format of shards and of --out.
void append_topk_tsv(std::string& out, int64_t user_id, const std::vector<Scored>& top,
                     const std::vector<int64_t>& item_ids);
// With `titles` (one per item index, engine/data/item_titles.h), a fifth column: the item's title
// (tabs and line breaks in it turned to spaces).
void append_topk_tsv(std::string& out, const std::string& name, const std::vector<Scored>& top,
                     const std::vector<int64_t>& item_ids, const std::vector<std::string>* titles = nullptr);

}  // namespace sr
