// The emulator's execution engine: runs a kernel's blocks one after another, each block's threads
// as real host threads that meet at real barriers, and turns every broken rule of the execution
// model (barrier divergence, a collective whose lanes never arrive, a hang) into a KernelError that
// names the kernel, the block and the thread.
#include "kernels/emu/emu.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace emu {

namespace {

using Clock = std::chrono::steady_clock;

// Kernel errors raised inside a block: the first is kept, the rest only unwind their threads.
struct Aborted {};

struct Rendezvous {
  unsigned arrived = 0;
  uint64_t generation = 0;
  uint64_t values[32] = {};
  uint64_t result[32] = {};
  const char* what = "";
};

struct Warp {
  std::condition_variable cv;              // lanes waiting in a collective wait here, not on the block's cv
  unsigned lanes = 0;                      // lanes that exist in this warp (a partial last warp has fewer)
  unsigned exited = 0;                     // lanes that have returned from the kernel
  std::map<unsigned, Rendezvous> pending;  // one rendezvous per distinct mask
};

struct ThreadState {
  const char* where = "running";
  const char* file = "";
  int line = 0;
};

struct Block {
  std::mutex m;
  std::condition_variable cv;
  unsigned nthreads = 0;
  // __syncthreads
  unsigned arrived = 0;
  uint64_t generation = 0;
  const char* site_file = nullptr;
  int site_line = 0;
  int accum = 0, result = 0;
  unsigned exited = 0;
  std::unique_ptr<Warp[]> warps;  // condition variables do not move: a fixed array
  unsigned nwarps = 0;
  std::vector<ThreadState> threads;
  std::vector<unsigned char> dynamic_shared;
  bool failed = false;
  std::string error;
};

// The emulated device: one kernel at a time, run by a pool of host threads that lives across
// launches (creating a block's worth of threads per launch would dominate every test's time).
struct Launch {
  const char* name = "";
  dim3 grid, block;
  unsigned active = 0;  // threads taking part in the current block: tids [0, active)
  const std::function<void()>* body = nullptr;
  Block* current = nullptr;
  uint3 current_index{};
  uint64_t epoch = 0;  // bumped to start each block
  bool shutdown = false;
  std::mutex m;
  // One start signal per pool thread, so a block wakes only its own threads.
  std::unique_ptr<std::condition_variable[]> start_cv{new std::condition_variable[1024]};
  std::vector<std::thread> pool;
  std::set<std::string> launched;  // kernel names, for the coverage test
  ~Launch();
};

Launch::~Launch() {
  // SPARSEREC_EMU_COVERAGE_FILE: append the names of the kernels this process ran (one per line).
  if (const char* path = std::getenv("SPARSEREC_EMU_COVERAGE_FILE")) {
    if (FILE* f = std::fopen(path, "a")) {
      for (const auto& n : launched) std::fprintf(f, "%s\n", n.c_str());
      std::fclose(f);
    }
  }
  {
    std::lock_guard<std::mutex> lk(m);
    shutdown = true;
  }
  for (size_t t = 0; t < pool.size(); ++t) start_cv[t].notify_all();
  for (auto& t : pool) t.join();
}

Launch g_device;
thread_local Launch* t_launch = nullptr;
thread_local unsigned t_tid = 0;

std::mutex g_launch_mutex;  // the emulated device runs one kernel at a time
uint64_t g_block_order_seed = 0;
double g_timeout_s = 20.0;
bool g_env_read = false;

void read_env_once() {
  if (g_env_read) return;
  g_env_read = true;
  if (const char* t = std::getenv("SPARSEREC_EMU_TIMEOUT_S")) g_timeout_s = std::atof(t);
  if (const char* o = std::getenv("SPARSEREC_EMU_BLOCK_ORDER")) {
    const std::string s(o);
    if (s.rfind("shuffle:", 0) == 0) g_block_order_seed = std::strtoull(s.c_str() + 8, nullptr, 10);
  }
}

std::string describe_thread(const Launch& l, unsigned tid) {
  std::ostringstream os;
  os << "kernel '" << l.name << "' block (" << l.current_index.x << "," << l.current_index.y << "," << l.current_index.z
     << ") thread (" << tid % l.block.x << "," << (tid / l.block.x) % l.block.y << "," << tid / (l.block.x * l.block.y)
     << ")";
  return os.str();
}

// Records the first error of the block and wakes everyone so that all threads unwind.
void wake_everyone(Block& b) {
  b.cv.notify_all();
  for (unsigned i = 0; i < b.nwarps; ++i) b.warps[i].cv.notify_all();
}

[[noreturn]] void fail(Block& b, std::unique_lock<std::mutex>&, const std::string& msg) {
  if (!b.failed) {
    b.failed = true;
    b.error = describe_thread(*t_launch, t_tid) + ": " + msg;
  }
  wake_everyone(b);
  throw Aborted{};
}

Block& current_block() {
  if (!t_launch) throw KernelError("a CUDA device function was called outside a kernel launch");
  return *t_launch->current;
}

template <class Pred, class What>
void wait_or_fail(Block& b, std::condition_variable& cv, std::unique_lock<std::mutex>& lk, Pred done, What what) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(g_timeout_s);
  while (!done()) {
    if (b.failed) throw Aborted{};
    if (cv.wait_until(lk, deadline) == std::cv_status::timeout && !done() && !b.failed)
      fail(b, lk, "hung for " + std::to_string(g_timeout_s) + " s " + what());
  }
}

std::string site(const char* file, int line) { return std::string(file) + ":" + std::to_string(line); }

int block_barrier(int pred, const char* file, int line) {
  Block& b = current_block();
  std::unique_lock<std::mutex> lk(b.m);
  if (b.failed) throw Aborted{};
  if (b.exited > 0)
    fail(b, lk,
         "__syncthreads at " + site(file, line) + " after " + std::to_string(b.exited) +
             " thread(s) of the block exited (barrier divergence)");
  if (b.arrived == 0) {
    b.site_file = file;
    b.site_line = line;
  } else if (b.site_line != line || std::strcmp(b.site_file, file) != 0) {
    fail(b, lk,
         "waits at __syncthreads " + site(file, line) + " while other threads wait at " +
             site(b.site_file, b.site_line) + " (barrier divergence)");
  }
  b.threads[t_tid] = {"at __syncthreads", file, line};
  b.accum += pred;
  const uint64_t gen = b.generation;
  if (++b.arrived == b.nthreads) {
    b.arrived = 0;
    b.result = b.accum;
    b.accum = 0;
    ++b.generation;
    b.cv.notify_all();
  } else {
    wait_or_fail(
        b, b.cv, lk, [&] { return b.generation != gen; },
        [&] {
          return "at __syncthreads " + site(file, line) + ": " + std::to_string(b.arrived) + " of " +
                 std::to_string(b.nthreads) + " threads arrived";
        });
  }
  b.threads[t_tid] = {"running", "", 0};
  return b.result;
}

std::string lanes_of(unsigned mask) {
  std::ostringstream os;
  os << "0x" << std::hex << mask;
  return os.str();
}

}  // namespace

void syncthreads(const char* file, int line) { block_barrier(0, file, line); }
int syncthreads_count(int pred, const char* file, int line) { return block_barrier(pred != 0, file, line); }
int syncthreads_and(int pred, const char* file, int line) {
  return block_barrier(pred != 0, file, line) == static_cast<int>(current_block().nthreads);
}
int syncthreads_or(int pred, const char* file, int line) { return block_barrier(pred != 0, file, line) > 0; }

void* dynamic_shared() {
  Block& b = current_block();
  return b.dynamic_shared.empty() ? nullptr : b.dynamic_shared.data();
}

unsigned lane_id() { return t_tid % 32; }

void warp_exchange(unsigned mask, uint64_t mine, uint64_t out[32], const char* what) {
  Block& b = current_block();
  std::unique_lock<std::mutex> lk(b.m);
  if (b.failed) throw Aborted{};
  const unsigned lane = t_tid % 32;
  Warp& w = b.warps[t_tid / 32];
  if (!((mask >> lane) & 1u))
    fail(b, lk, std::string(what) + " with mask " + lanes_of(mask) + " that omits the calling lane");
  if (mask & ~w.lanes)
    fail(b, lk,
         std::string(what) + " with mask " + lanes_of(mask) + " names lanes that do not exist in this warp (" +
             lanes_of(w.lanes) + ")");
  if (mask & w.exited)
    fail(b, lk,
         std::string(what) + " with mask " + lanes_of(mask) + " names lanes that have exited (" +
             lanes_of(mask & w.exited) + ")");
  Rendezvous& r = w.pending[mask];
  if (r.arrived != 0 && std::strcmp(r.what, what) != 0)
    fail(b, lk,
         std::string(what) + " meets " + r.what + " with the same mask " + lanes_of(mask) + " (divergent collectives)");
  r.what = what;
  r.values[lane] = mine;
  r.arrived |= 1u << lane;
  b.threads[t_tid] = {what, "", 0};
  const uint64_t gen = r.generation;
  if (r.arrived == mask) {
    std::copy(std::begin(r.values), std::end(r.values), std::begin(r.result));
    r.arrived = 0;
    ++r.generation;
    w.cv.notify_all();
  } else {
    wait_or_fail(
        b, w.cv, lk, [&] { return r.generation != gen; },
        [&] {
          return std::string("in ") + what + " with mask " + lanes_of(mask) + ": lanes " + lanes_of(r.arrived) +
                 " arrived";
        });
  }
  std::copy(std::begin(r.result), std::end(r.result), out);
  b.threads[t_tid] = {"running", "", 0};
}

void syncwarp(const char*, int, unsigned mask) {
  uint64_t all[32];
  warp_exchange(mask, 0, all, "__syncwarp");
}

unsigned __ballot_sync(unsigned mask, int pred) {
  uint64_t all[32];
  warp_exchange(mask, pred != 0, all, "__ballot_sync");
  unsigned bits = 0;
  for (unsigned l = 0; l < 32; ++l)
    if (((mask >> l) & 1u) && all[l]) bits |= 1u << l;
  return bits;
}
int __any_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred) != 0; }
int __all_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred) == mask; }

const char* cudaGetErrorString(cudaError_t e) { return e == cudaSuccess ? "no error" : "emulated kernel failure"; }

void set_block_order_seed(uint64_t seed) {
  read_env_once();
  g_block_order_seed = seed;
}
void set_timeout_seconds(double s) {
  read_env_once();
  g_timeout_s = s;
}

namespace {

void check_limits(const char* name, dim3 grid, dim3 block, size_t smem) {
  const LaunchLimits lim;
  std::ostringstream err;
  const unsigned long long threads = 1ull * block.x * block.y * block.z;
  const unsigned bd[3] = {block.x, block.y, block.z}, gd[3] = {grid.x, grid.y, grid.z};
  for (int i = 0; i < 3; ++i) {
    if (bd[i] == 0 || bd[i] > lim.max_block_dim[i]) err << " block dimension " << i << " is " << bd[i] << ";";
    if (gd[i] == 0 || gd[i] > lim.max_grid_dim[i]) err << " grid dimension " << i << " is " << gd[i] << ";";
  }
  if (threads > lim.max_threads_per_block)
    err << " " << threads << " threads per block (max " << lim.max_threads_per_block << ");";
  if (smem > lim.max_dynamic_shared_default)
    err << " " << smem << " bytes of dynamic shared memory (max " << lim.max_dynamic_shared_default
        << " without opt-in);";
  if (!err.str().empty())
    throw KernelError(std::string("kernel '") + name + "': invalid launch configuration:" + err.str());
}

void on_thread_exit(Block& b) {
  std::unique_lock<std::mutex> lk(b.m);
  b.threads[t_tid] = {"exited", "", 0};
  ++b.exited;
  Warp& w = b.warps[t_tid / 32];
  w.exited |= 1u << (t_tid % 32);
  if (!b.failed) {
    if (b.arrived > 0) {
      b.failed = true;
      b.error = describe_thread(*t_launch, t_tid) + ": exited while " + std::to_string(b.arrived) +
                " thread(s) wait at __syncthreads " + site(b.site_file, b.site_line) + " (barrier divergence)";
    }
    for (auto& [mask, r] : w.pending) {
      if (r.arrived != 0 && ((mask >> (t_tid % 32)) & 1u) && !b.failed) {
        b.failed = true;
        b.error = describe_thread(*t_launch, t_tid) + ": exited while lanes " + lanes_of(r.arrived) +
                  " wait for it in " + r.what + " with mask " + lanes_of(mask);
      }
    }
  }
  wake_everyone(b);
}

void worker(Launch* l, unsigned tid) {
  t_launch = l;
  t_tid = tid;
  uint64_t seen = 0;
  for (;;) {
    Block* b;
    {
      std::unique_lock<std::mutex> lk(l->m);
      l->start_cv[tid].wait(lk, [&] { return l->shutdown || (l->epoch != seen && tid < l->active); });
      if (l->shutdown) return;
      seen = l->epoch;
      b = l->current;
      blockIdx = l->current_index;
    }
    blockDim = l->block;
    gridDim = l->grid;
    threadIdx = {tid % l->block.x, (tid / l->block.x) % l->block.y, tid / (l->block.x * l->block.y)};
    try {
      (*l->body)();
    } catch (const Aborted&) {
    } catch (const std::exception& e) {
      std::unique_lock<std::mutex> lk(b->m);
      if (!b->failed) {
        b->failed = true;
        b->error = describe_thread(*l, tid) + ": " + e.what();
      }
    }
    on_thread_exit(*b);  // wakes the launcher, which waits on the block's condition variable
  }
}

}  // namespace

void launch(const char* kernel_name, dim3 grid, dim3 block, size_t dynamic_shared_bytes,
            const std::function<void()>& body) {
  std::lock_guard<std::mutex> serial(g_launch_mutex);
  read_env_once();
  check_limits(kernel_name, grid, block, dynamic_shared_bytes);

  const unsigned nthreads = block.x * block.y * block.z;
  const uint64_t nblocks = 1ull * grid.x * grid.y * grid.z;
  std::vector<uint64_t> order(nblocks);
  std::iota(order.begin(), order.end(), 0);
  if (g_block_order_seed != 0) std::shuffle(order.begin(), order.end(), std::mt19937_64(g_block_order_seed));

  Launch& l = g_device;
  {
    std::lock_guard<std::mutex> lk(l.m);
    l.name = kernel_name;
    l.grid = grid;
    l.block = block;
    l.body = &body;
    l.launched.insert(kernel_name);
  }
  while (l.pool.size() < nthreads) l.pool.emplace_back(worker, &l, static_cast<unsigned>(l.pool.size()));

  std::string error;
  for (uint64_t linear : order) {
    Block b;
    b.nthreads = nthreads;
    b.threads.resize(nthreads);
    b.nwarps = (nthreads + 31) / 32;
    b.warps = std::make_unique<Warp[]>(b.nwarps);
    for (unsigned w = 0; w < b.nwarps; ++w) {
      const unsigned n = std::min(32u, nthreads - 32 * w);
      b.warps[w].lanes = n == 32 ? 0xffffffffu : ((1u << n) - 1);
    }
    b.dynamic_shared.assign(dynamic_shared_bytes, 0xFF);  // poison: NaN as float, -1 as int
    {
      std::lock_guard<std::mutex> lk(l.m);
      l.current = &b;
      l.active = nthreads;  // set with the epoch: a thread wakes for a block only if it is in it
      l.current_index = {static_cast<unsigned>(linear % grid.x), static_cast<unsigned>((linear / grid.x) % grid.y),
                         static_cast<unsigned>(linear / (1ull * grid.x * grid.y))};
      ++l.epoch;
    }
    for (unsigned t = 0; t < nthreads; ++t) l.start_cv[t].notify_one();
    // A block that runs past the barrier timeout and a margin has a thread that never finishes;
    // that thread cannot be stopped, so the process stops with the report.
    const auto deadline = Clock::now() + std::chrono::duration<double>(g_timeout_s * 1.5 + 1.0);
    {
      // Waits on the block's own lock: a thread's exit must not pass through the launch lock that
      // the next thread takes to start, or ThreadSanitizer would see a happens-before edge between
      // threads that the hardware never orders, and miss their races.
      std::unique_lock<std::mutex> bl(b.m);
      while (b.exited != nthreads) {
        if (b.cv.wait_until(bl, deadline) == std::cv_status::timeout && b.exited != nthreads) {
          std::ostringstream os;
          os << "sparserec kernel emulator: kernel '" << kernel_name << "' never finished (block " << linear << "):";
          for (unsigned t = 0; t < nthreads; ++t)
            if (std::strcmp(b.threads[t].where, "exited") != 0) {
              os << "\n  thread " << t << " is " << b.threads[t].where;
              if (b.threads[t].line) os << " " << site(b.threads[t].file, b.threads[t].line);
            }
          // The stuck thread cannot be stopped or joined: report and end the process at once.
          std::fprintf(stderr, "%s\n", os.str().c_str());
          std::fflush(stderr);
          std::_Exit(124);
        }
      }
    }
    if (b.failed) {
      error = b.error;
      break;
    }
  }
  {
    std::lock_guard<std::mutex> lk(l.m);
    l.body = nullptr;
    l.current = nullptr;
  }
  if (!error.empty()) throw KernelError(error);
}

}  // namespace emu
