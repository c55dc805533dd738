// The emulator's execution engine: runs a kernel's blocks one after another, each block's threads
// as fibers (user-level contexts, one stack each) on the launching host thread, switched only where
// CUDA threads can wait for one another: at a barrier, at a warp collective, and on exit. Every
// broken rule of the execution model (barrier divergence, a collective whose lanes never arrive, a
// deadlock, a block that never finishes) becomes a KernelError, or a report, that names the kernel,
// the block and the thread.
//
// Why fibers and not host threads: a block of 256 threads as host threads costs hundreds of futex
// wake-ups and context switches at every barrier and every block; as fibers a switch is a register
// swap. ThreadSanitizer still sees each CUDA thread as its own thread (each fiber has its own TSan
// context, switched without synchronization) and only the orderings CUDA promises within a block:
// a barrier, and a __syncwarp among its lanes, are declared to it as acquire/release pairs; nothing
// else orders two threads of a block (blocks of a launch follow one another). This file is compiled without TSan
// instrumentation (kernels/CMakeLists.txt): its own bookkeeping is sequential by construction, and only the kernels'
// accesses are of interest.
#include "kernels/emu/emu.h"

#include <sys/mman.h>
#include <unistd.h>
#if !defined(__x86_64__)
#include <ucontext.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
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

#if defined(__SANITIZE_ADDRESS__)
#define SR_EMU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SR_EMU_ASAN 1
#endif
#endif
#if defined(SR_EMU_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
// Set by kernels/CMakeLists.txt in a ThreadSanitizer build (this file itself is not instrumented).
#if defined(SPARSEREC_EMU_TSAN)
extern "C" {
void* __tsan_get_current_fiber(void);
void* __tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void* fiber);
void __tsan_switch_to_fiber(void* fiber, unsigned flags);
void __tsan_acquire(void* addr);
void __tsan_release(void* addr);
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
}
#endif

// ---- the context switch ---------------------------------------------------------------------------
// On x86-64, a switch saves the callee-saved registers and the FPU/SSE control words on the old
// stack and loads them from the new one: no system call (swapcontext makes one to save the signal
// mask, which here would double the emulator's time). Elsewhere, <ucontext.h>.
#if defined(__x86_64__)
extern "C" void sr_emu_switch_stack(void** save_sp, void* to_sp);
asm(R"(
  .text
  .globl sr_emu_switch_stack
  .type sr_emu_switch_stack, @function
sr_emu_switch_stack:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size sr_emu_switch_stack, .-sr_emu_switch_stack
)");
#endif

namespace emu {

namespace {

using Clock = std::chrono::steady_clock;

#if defined(__x86_64__)
struct Context {
  void* sp = nullptr;
};
#else
using Context = ucontext_t;
#endif

// The happens-before edges CUDA guarantees, declared to ThreadSanitizer; nothing elsewhere.
inline void hb_release([[maybe_unused]] void* sync) {
#if defined(SPARSEREC_EMU_TSAN)
  __tsan_release(sync);
#endif
}
inline void hb_acquire([[maybe_unused]] void* sync) {
#if defined(SPARSEREC_EMU_TSAN)
  __tsan_acquire(sync);
#endif
}

// The emulator's own bookkeeping on a fiber (rendezvous slots, error messages, the maps it
// allocates) is shared by the fibers of a block without any ordering TSan could see: they are one
// host thread. Its memory accesses, including those made through libc (memcpy, malloc), are hidden
// from TSan while a fiber is inside the emulator; the kernel's own accesses are not.
struct Untracked {
#if defined(SPARSEREC_EMU_TSAN)
  Untracked() { __tsan_ignore_thread_begin(); }
  ~Untracked() { __tsan_ignore_thread_end(); }
#else
  Untracked() {}  // user-provided: a guard variable that is never read is not "unused"
#endif
  Untracked(const Untracked&) = delete;
  Untracked& operator=(const Untracked&) = delete;
};

// Kernel errors raised inside a block: the first is kept, the rest only unwind their threads.
struct Aborted {};

struct Rendezvous {
  char sync[2] = {};  // TSan's synchronization address of even and odd generations (see block_barrier)
  unsigned arrived = 0;
  uint64_t generation = 0;
  uint64_t values[32] = {};
  uint64_t result[32] = {};
  const char* what = "";
};

struct Warp {
  unsigned lanes = 0;                      // lanes that exist in this warp (a partial last warp has fewer)
  unsigned exited = 0;                     // lanes that have returned from the kernel
  std::map<unsigned, Rendezvous> pending;  // one rendezvous per distinct mask
};

enum class State { Ready, Waiting, Exited };

// One CUDA thread: a stack and a saved context, reused from block to block and launch to launch.
struct Fiber {
  Context ctx{};
  void* map = nullptr;  // the mapping: a guard page, then the stack
  size_t map_size = 0;
  char* stack = nullptr;
  size_t stack_size = 0;
  void* tsan = nullptr;
  unsigned tid = 0;
  uint3 index{};
  State state = State::Exited;
  const char* where = "running";
  const char* file = "";
  int line = 0;
};

struct Block {
  unsigned nthreads = 0;
  uint3 index{};
  uint64_t linear = 0;
  // __syncthreads
  unsigned arrived = 0;
  uint64_t generation = 0;
  const char* site_file = nullptr;
  int site_line = 0;
  int accum = 0, result = 0;
  unsigned exited = 0;
  std::vector<Warp> warps;
  std::vector<unsigned char> dynamic_shared;
  bool failed = false;
  std::string error;
};

// The fibers of one launching host thread, and what they are running now.
struct Pool {
  Context home{};  // the launching thread's own context
  void* home_tsan = nullptr;
  const void* home_stack_bottom = nullptr;
  size_t home_stack_size = 0;
  std::vector<std::unique_ptr<Fiber>> fibers;
  Fiber* current = nullptr;  // the fiber running now, or null in the launcher
  // The launch in progress.
  const char* name = "";
  dim3 grid, block;
  const std::function<void()>* body = nullptr;
  Block* b = nullptr;
  // Addresses ThreadSanitizer keys its synchronization on (their contents are never used).
  char start_sync = 0, end_sync = 0, barrier_sync[2] = {};
  ~Pool();
};

constexpr size_t kStackBytes = 1 << 20;  // virtual; only the pages a kernel touches are ever backed

thread_local Pool* t_pool = nullptr;

// What the watchdog needs to report a thread that never yields (one that spins forever cannot be
// switched away from): the launch in progress, and a count of switches that stops moving.
std::mutex g_launch_mutex;  // the emulated device runs one kernel at a time
std::atomic<Pool*> g_running{nullptr};
std::atomic<uint64_t> g_switches{0};
uint64_t g_block_order_seed = 0;
double g_timeout_s = 20.0;  // 0: no watchdog
bool g_env_read = false;
std::set<std::string> g_launched;  // kernel names, for the coverage test

void read_env_once() {
  if (g_env_read) return;
  g_env_read = true;
  if (const char* t = std::getenv("SPARSEREC_EMU_TIMEOUT_S")) set_timeout_seconds(std::atof(t));
  if (const char* o = std::getenv("SPARSEREC_EMU_BLOCK_ORDER")) {
    const std::string s(o);
    if (s.rfind("shuffle:", 0) == 0) g_block_order_seed = std::strtoull(s.c_str() + 8, nullptr, 10);
  }
}

std::string describe_thread(const Pool& p, unsigned tid) {
  std::ostringstream os;
  os << "kernel '" << p.name << "' block (" << p.b->index.x << "," << p.b->index.y << "," << p.b->index.z
     << ") thread (" << tid % p.block.x << "," << (tid / p.block.x) % p.block.y << "," << tid / (p.block.x * p.block.y)
     << ")";
  return os.str();
}

std::string site(const char* file, int line) { return std::string(file) + ":" + std::to_string(line); }

std::string lanes_of(unsigned mask) {
  std::ostringstream os;
  os << "0x" << std::hex << mask;
  return os.str();
}

// ---- switching -----------------------------------------------------------------------------------
// Every switch tells AddressSanitizer which stack is about to run (so that an exception thrown on a
// fiber unwinds the right one) and ThreadSanitizer which context, without synchronizing the two.
void switch_context(Context* save, Context* to, [[maybe_unused]] const void* to_stack,
                    [[maybe_unused]] size_t to_stack_size, [[maybe_unused]] void* to_tsan) {
#if defined(SR_EMU_ASAN)
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, to_stack, to_stack_size);
#endif
#if defined(SPARSEREC_EMU_TSAN)
  __tsan_switch_to_fiber(to_tsan, 1 /* __tsan_switch_to_fiber_no_sync */);
#endif
#if defined(__x86_64__)
  sr_emu_switch_stack(&save->sp, to->sp);
#else
  swapcontext(save, to);
#endif
#if defined(SR_EMU_ASAN)
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

// From a fiber back to the launcher, which resumes it when it may go on.
void yield_to_launcher(Pool& p, Fiber& f) {
  p.current = nullptr;
  switch_context(&f.ctx, &p.home, p.home_stack_bottom, p.home_stack_size, p.home_tsan);
}

// From the launcher into fiber f: the CUDA built-ins are this host thread's thread-locals, so they
// are set to f's before it runs.
void resume(Pool& p, Fiber& f) {
  g_switches.fetch_add(1, std::memory_order_relaxed);
  p.current = &f;
  threadIdx = f.index;
  blockIdx = p.b->index;
  blockDim = p.block;
  gridDim = p.grid;
  switch_context(&p.home, &f.ctx, f.stack, f.stack_size, f.tsan);
}

Fiber& current_fiber() {
  if (!t_pool || !t_pool->current) throw KernelError("a CUDA device function was called outside a kernel launch");
  return *t_pool->current;
}

// Records the first error of the block and unwinds this thread; the launcher then resumes every
// other thread of the block so that each unwinds too.
[[noreturn]] void fail(Pool& p, Fiber& f, const std::string& msg) {
  Block& b = *p.b;
  if (!b.failed) {
    b.failed = true;
    b.error = describe_thread(p, f.tid) + ": " + msg;
  }
  throw Aborted{};
}

// Parks the calling thread until `done()`; the launcher resumes it when another thread made that so.
template <class Pred>
void wait_until(Pool& p, Fiber& f, Pred done, const char* where, const char* file, int line) {
  f.where = where;
  f.file = file;
  f.line = line;
  while (!done()) {
    if (p.b->failed) throw Aborted{};
    f.state = State::Waiting;
    yield_to_launcher(p, f);
  }
  if (p.b->failed) throw Aborted{};
  f.where = "running";
  f.file = "";
  f.line = 0;
}

void wake(Pool& p, unsigned tid) {
  Fiber& f = *p.fibers[tid];
  if (f.state == State::Waiting) f.state = State::Ready;
}

int block_barrier(int pred, const char* file, int line) {
  const Untracked untracked;
  Fiber& f = current_fiber();
  Pool& p = *t_pool;
  Block& b = *p.b;
  if (b.failed) throw Aborted{};
  if (b.exited > 0)
    fail(p, f,
         "__syncthreads at " + site(file, line) + " after " + std::to_string(b.exited) +
             " thread(s) of the block exited (barrier divergence)");
  if (b.arrived == 0) {
    b.site_file = file;
    b.site_line = line;
  } else if (b.site_line != line || std::strcmp(b.site_file, file) != 0) {
    fail(p, f,
         "waits at __syncthreads " + site(file, line) + " while other threads wait at " +
             site(b.site_file, b.site_line) + " (barrier divergence)");
  }
  // One synchronization address per parity of the generation: a thread acquires generation g's
  // releases only, never those of threads already past it and arriving at g + 1 (which would order
  // sections that no barrier orders). g + 2 cannot begin before every thread acquired g.
  const uint64_t gen = b.generation;
  hb_release(&p.barrier_sync[gen & 1]);
  b.accum += pred;
  if (++b.arrived == b.nthreads) {
    b.arrived = 0;
    b.result = b.accum;
    b.accum = 0;
    ++b.generation;
    for (unsigned t = 0; t < b.nthreads; ++t) wake(p, t);
  } else {
    wait_until(
        p, f, [&] { return b.generation != gen; }, "at __syncthreads", file, line);
  }
  hb_acquire(&p.barrier_sync[gen & 1]);
  return b.result;
}

}  // namespace

void syncthreads(const char* file, int line) { block_barrier(0, file, line); }
int syncthreads_count(int pred, const char* file, int line) { return block_barrier(pred != 0, file, line); }
int syncthreads_and(int pred, const char* file, int line) {
  return block_barrier(pred != 0, file, line) == static_cast<int>(t_pool->b->nthreads);
}
int syncthreads_or(int pred, const char* file, int line) { return block_barrier(pred != 0, file, line) > 0; }

void* dynamic_shared() {
  current_fiber();
  Block& b = *t_pool->b;
  return b.dynamic_shared.empty() ? nullptr : b.dynamic_shared.data();
}

unsigned lane_id() { return current_fiber().tid % 32; }

void warp_exchange(unsigned mask, uint64_t mine, uint64_t out[32], const char* what, bool orders_memory) {
  const Untracked untracked;
  Fiber& f = current_fiber();
  Pool& p = *t_pool;
  Block& b = *p.b;
  if (b.failed) throw Aborted{};
  const unsigned lane = f.tid % 32;
  Warp& w = b.warps[f.tid / 32];
  if (!((mask >> lane) & 1u))
    fail(p, f, std::string(what) + " with mask " + lanes_of(mask) + " that omits the calling lane");
  if (mask & ~w.lanes)
    fail(p, f,
         std::string(what) + " with mask " + lanes_of(mask) + " names lanes that do not exist in this warp (" +
             lanes_of(w.lanes) + ")");
  if (mask & w.exited)
    fail(p, f,
         std::string(what) + " with mask " + lanes_of(mask) + " names lanes that have exited (" +
             lanes_of(mask & w.exited) + ")");
  Rendezvous& r = w.pending[mask];
  if (r.arrived != 0 && std::strcmp(r.what, what) != 0)
    fail(p, f,
         std::string(what) + " meets " + r.what + " with the same mask " + lanes_of(mask) + " (divergent collectives)");
  const uint64_t gen = r.generation;
  if (orders_memory) hb_release(&r.sync[gen & 1]);  // as a barrier's, per parity of the generation
  r.what = what;
  r.values[lane] = mine;
  r.arrived |= 1u << lane;
  if (r.arrived == mask) {
    std::copy(std::begin(r.values), std::end(r.values), std::begin(r.result));
    r.arrived = 0;
    ++r.generation;
    const unsigned warp_base = f.tid & ~31u;
    for (unsigned l = 0; l < 32; ++l)
      if ((mask >> l) & 1u) wake(p, warp_base + l);
  } else {
    wait_until(
        p, f, [&] { return r.generation != gen; }, what, "", 0);
  }
  if (orders_memory) hb_acquire(&r.sync[gen & 1]);
  std::copy(std::begin(r.result), std::end(r.result), out);
}

void syncwarp(const char*, int, unsigned mask) {
  uint64_t all[32];
  warp_exchange(mask, 0, all, "__syncwarp", true);
}

unsigned __ballot_sync(unsigned mask, int pred) {
  uint64_t all[32];
  warp_exchange(mask, pred != 0, all, "__ballot_sync", false);
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
  read_env_once();  // first, so that an explicit setting wins over the environment
  g_timeout_s = std::isfinite(s) && s > 0.0 ? std::min(s, 1e6) : 0.0;
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

// A thread leaving the kernel: a barrier or collective still waiting for it can never complete.
void on_thread_exit(Pool& p, Fiber& f) {
  Block& b = *p.b;
  f.state = State::Exited;
  f.where = "exited";
  ++b.exited;
  Warp& w = b.warps[f.tid / 32];
  w.exited |= 1u << (f.tid % 32);
  if (!b.failed && b.arrived > 0) {
    b.failed = true;
    b.error = describe_thread(p, f.tid) + ": exited while " + std::to_string(b.arrived) +
              " thread(s) wait at __syncthreads " + site(b.site_file, b.site_line) + " (barrier divergence)";
  }
  for (auto& [mask, r] : w.pending) {
    if (!b.failed && r.arrived != 0 && ((mask >> (f.tid % 32)) & 1u)) {
      b.failed = true;
      b.error = describe_thread(p, f.tid) + ": exited while lanes " + lanes_of(r.arrived) + " wait for it in " +
                r.what + " with mask " + lanes_of(mask);
    }
  }
  // Last: everything this thread did (its writes, the error it may have just recorded) happens
  // before the launcher reads the block's results.
  hb_release(&p.end_sync);
}

// A fiber's whole life: run the body for each block it is started in, then park.
void fiber_main() {
  Pool& p = *t_pool;
  Fiber& f = *p.current;
#if defined(SR_EMU_ASAN)
  // The first entry also learns the launching thread's stack, to switch back to it.
  __sanitizer_finish_switch_fiber(nullptr, &p.home_stack_bottom, &p.home_stack_size);
#endif
  for (;;) {
    Block& b = *p.b;
    hb_acquire(&p.start_sync);
    if (!b.failed) {
      try {
        (*p.body)();
      } catch (const Aborted&) {
      } catch (const std::exception& e) {
        const Untracked untracked;
        if (!b.failed) {
          b.failed = true;
          b.error = describe_thread(p, f.tid) + ": " + e.what();
        }
      }
    }
    {
      const Untracked untracked;
      on_thread_exit(p, f);
    }
    yield_to_launcher(p, f);  // resumed when the next block that needs this thread starts
  }
}

// A new fiber's first switch lands in fiber_main with an aligned stack.
void start_context(Fiber& f) {
#if defined(__x86_64__)
  // The stack a switch expects to pop: control words, six registers, then the return address. The
  // entry is reached by `ret`, so the stack sits as just after a call: rsp + 8 aligned to 16.
  auto* top = reinterpret_cast<uint64_t*>((reinterpret_cast<uintptr_t>(f.stack + f.stack_size) & ~uintptr_t{15}) - 16);
  top[1] = 0;                                        // no return address above fiber_main
  top[0] = reinterpret_cast<uint64_t>(&fiber_main);  // `ret` of the first switch goes here
  uint64_t* sp = top - 7;
  for (int i = 1; i < 7; ++i) sp[i] = 0;  // rbp, rbx, r12..r15
  uint32_t mxcsr = 0;
  uint16_t fcw = 0;
  asm volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(fcw));
  std::memcpy(&sp[0], &mxcsr, 4);
  std::memcpy(reinterpret_cast<char*>(&sp[0]) + 4, &fcw, 2);
  f.ctx.sp = sp;
#else
  getcontext(&f.ctx);
  f.ctx.uc_stack.ss_sp = f.stack;
  f.ctx.uc_stack.ss_size = f.stack_size;
  f.ctx.uc_link = nullptr;  // fiber_main never returns
  makecontext(&f.ctx, fiber_main, 0);
#endif
}

Fiber& fiber(Pool& p, unsigned tid) {
  while (p.fibers.size() <= tid) {
    auto f = std::make_unique<Fiber>();
    f->tid = static_cast<unsigned>(p.fibers.size());
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    f->map_size = kStackBytes + page;
    f->map = mmap(nullptr, f->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (f->map == MAP_FAILED) throw KernelError("kernel emulator: cannot map a thread's stack");
    mprotect(f->map, page, PROT_NONE);  // an overflowing stack faults instead of corrupting a neighbour
    f->stack = static_cast<char*>(f->map) + page;
    f->stack_size = kStackBytes;
    start_context(*f);
#if defined(SPARSEREC_EMU_TSAN)
    f->tsan = __tsan_create_fiber(0);
#endif
    p.fibers.push_back(std::move(f));
  }
  return *p.fibers[tid];
}

Pool::~Pool() {
  for (auto& f : fibers) {
#if defined(SPARSEREC_EMU_TSAN)
    __tsan_destroy_fiber(f->tsan);
#endif
#if defined(SR_EMU_ASAN)
    // The parked frames' redzones stay poisoned in the shadow, and munmap does not clear it: a
    // later mapping at this address would inherit them.
    __asan_unpoison_memory_region(f->stack, f->stack_size);
#endif
    munmap(f->map, f->map_size);
  }
  t_pool = nullptr;
}

Pool& this_threads_pool() {
  thread_local Pool pool;
  if (!t_pool) {
    t_pool = &pool;
#if defined(SPARSEREC_EMU_TSAN)
    pool.home_tsan = __tsan_get_current_fiber();
#endif
  }
  return pool;
}

// Resumes ready threads until every thread of the block has exited. A pass that finds none ready
// while some have not exited is a deadlock (threads wait for ones that wait elsewhere): it fails
// the block with where each thread waits. After a failure every thread is resumed to unwind.
void run_block(Pool& p, Block& b) {
  for (;;) {
    bool ran = false;
    for (unsigned t = 0; t < b.nthreads; ++t) {
      Fiber& f = *p.fibers[t];
      if (f.state != State::Ready) continue;
      resume(p, f);
      ran = true;
    }
    if (b.exited == b.nthreads) return;
    if (!ran && !b.failed) {
      std::ostringstream os;
      os << "kernel '" << p.name << "' block (" << b.index.x << "," << b.index.y << "," << b.index.z
         << "): deadlock, no thread can go on:";
      for (unsigned t = 0; t < b.nthreads; ++t) {
        const Fiber& f = *p.fibers[t];
        if (f.state == State::Exited) continue;
        os << "\n  thread " << t << " waits " << f.where;
        if (f.line) os << " " << site(f.file, f.line);
      }
      if (b.arrived) os << "\n  (" << b.arrived << " of " << b.nthreads << " threads at the barrier)";
      b.failed = true;
      b.error = os.str();
    }
    if (b.failed)
      for (unsigned t = 0; t < b.nthreads; ++t) wake(p, t);
  }
}

// A thread spinning forever cannot be switched away from: a watchdog thread reports it and ends the
// process once no switch happened for the timeout (the launching thread is then inside that one
// thread, and nothing else writes what the report reads).
[[noreturn]] void report_hang(Pool& p) {
  std::ostringstream os;
  os << "sparserec kernel emulator: kernel '" << p.name << "' never finished (block " << p.b->linear << "):";
  unsigned ready = 0;
  for (unsigned t = 0; t < p.b->nthreads && t < p.fibers.size(); ++t) {
    const Fiber& f = *p.fibers[t];
    if (f.state == State::Exited) continue;
    if (p.current == &f) {
      os << "\n  thread " << t << " is running and never reaches a barrier, a collective or the end";
    } else if (f.state == State::Ready) {
      ++ready;
    } else {
      os << "\n  thread " << t << " waits " << f.where;
      if (f.line) os << " " << site(f.file, f.line);
    }
  }
  if (ready) os << "\n  " << ready << " other thread(s) wait for it to yield";
  std::fprintf(stderr, "%s\n", os.str().c_str());
  std::fflush(stderr);
  std::_Exit(124);
}

void start_watchdog_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::thread([] {
      uint64_t seen = 0;
      auto since = Clock::now();
      for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const uint64_t now_switches = g_switches.load(std::memory_order_relaxed);
        Pool* p = g_running.load(std::memory_order_acquire);
        if (!p || now_switches != seen || g_timeout_s <= 0.0) {
          seen = now_switches;
          since = Clock::now();
          continue;
        }
        if (std::chrono::duration<double>(Clock::now() - since).count() > g_timeout_s && p->current) report_hang(*p);
      }
    }).detach();
  });
}

// Marks a launch in progress for the watchdog, until the launch returns or throws.
struct Running {
  explicit Running(Pool& p) { g_running.store(&p, std::memory_order_release); }
  ~Running() { g_running.store(nullptr, std::memory_order_release); }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
};

// SPARSEREC_EMU_COVERAGE_FILE: append the names of the kernels this process ran (one per line).
struct CoverageWriter {
  ~CoverageWriter() {
    const char* path = std::getenv("SPARSEREC_EMU_COVERAGE_FILE");
    if (!path) return;
    if (FILE* f = std::fopen(path, "a")) {
      for (const auto& n : g_launched) std::fprintf(f, "%s\n", n.c_str());
      std::fclose(f);
    }
  }
} g_coverage_writer;

}  // namespace

namespace {
thread_local std::unique_ptr<Graph> t_capture;  // the capture open on this thread, if any

void run_kernel(const char* kernel_name, dim3 grid, dim3 block, size_t dynamic_shared_bytes,
                const std::function<void()>& body);
}  // namespace

void begin_capture() {
  if (t_capture) throw KernelError("begin_capture: a capture is already open on this thread");
  t_capture = std::make_unique<Graph>();
}

std::unique_ptr<Graph> end_capture() {
  if (!t_capture) throw KernelError("end_capture: no capture is open on this thread");
  return std::move(t_capture);
}

void Graph::replay() const {
  if (t_capture)
    throw KernelError("a graph replayed while a capture is open (CUDA cannot capture a graph launch here)");
  for (const Work& w : work_) {
    if (w.kernel)
      run_kernel(w.name.c_str(), w.grid, w.block, w.dynamic_shared, w.body);
    else
      w.body();
  }
}

void enqueue(const char* what, std::function<void()> work) {
  if (t_pool && t_pool->current) throw KernelError(std::string(what) + " issued from a kernel");
  if (t_capture) {
    t_capture->work_.push_back({what, dim3(), dim3(), 0, false, std::move(work)});
    return;
  }
  work();
}

void launch(const char* kernel_name, dim3 grid, dim3 block, size_t dynamic_shared_bytes, std::function<void()> body) {
  if (t_pool && t_pool->current) throw KernelError("kernel '" + std::string(kernel_name) + "' launched from a kernel");
  if (t_capture) {
    read_env_once();
    check_limits(kernel_name, grid, block, dynamic_shared_bytes);  // CUDA refuses a bad launch at capture too
    t_capture->work_.push_back({kernel_name, grid, block, dynamic_shared_bytes, true, std::move(body)});
    return;
  }
  run_kernel(kernel_name, grid, block, dynamic_shared_bytes, body);
}

namespace {
void run_kernel(const char* kernel_name, dim3 grid, dim3 block, size_t dynamic_shared_bytes,
                const std::function<void()>& body) {
  // Before the lock, which the launch running this kernel holds.
  if (t_pool && t_pool->current) throw KernelError("kernel '" + std::string(kernel_name) + "' launched from a kernel");
  std::lock_guard<std::mutex> serial(g_launch_mutex);
  read_env_once();
  check_limits(kernel_name, grid, block, dynamic_shared_bytes);
  start_watchdog_once();

  const unsigned nthreads = block.x * block.y * block.z;
  const uint64_t nblocks = 1ull * grid.x * grid.y * grid.z;
  std::vector<uint64_t> order(nblocks);
  std::iota(order.begin(), order.end(), 0);
  if (g_block_order_seed != 0) std::shuffle(order.begin(), order.end(), std::mt19937_64(g_block_order_seed));
  g_launched.insert(kernel_name);

  Pool& p = this_threads_pool();
  for (unsigned t = 0; t < nthreads; ++t) fiber(p, t);
  p.name = kernel_name;
  p.grid = grid;
  p.block = block;
  p.body = &body;
  const Running running(p);

  std::string error;
  for (uint64_t linear : order) {
    Block b;
    b.nthreads = nthreads;
    b.linear = linear;
    b.index = {static_cast<unsigned>(linear % grid.x), static_cast<unsigned>((linear / grid.x) % grid.y),
               static_cast<unsigned>(linear / (1ull * grid.x * grid.y))};
    b.warps.resize((nthreads + 31) / 32);
    for (unsigned w = 0; w < b.warps.size(); ++w) {
      const unsigned n = std::min(32u, nthreads - 32 * w);
      b.warps[w].lanes = n == 32 ? 0xffffffffu : ((1u << n) - 1);
    }
    b.dynamic_shared.assign(dynamic_shared_bytes, 0xFF);  // poison: NaN as float, -1 as int
    p.b = &b;
    for (unsigned t = 0; t < nthreads; ++t) {
      Fiber& f = *p.fibers[t];
      f.state = State::Ready;
      f.where = "running";
      f.file = "";
      f.line = 0;
      f.index = {t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
    }
    // Blocks follow one another (as they may on a GPU): each starts after the previous one ended.
    hb_release(&p.start_sync);
    try {
      run_block(p, b);
    } catch (...) {  // the emulator itself failed (out of memory): unwind every thread, then report
      b.failed = true;
      if (b.error.empty()) b.error = "the emulator failed while running the block";
      run_block(p, b);
      p.b = nullptr;
      throw;
    }
    hb_acquire(&p.end_sync);
    p.b = nullptr;
    if (b.failed) {
      error = b.error;
      break;
    }
  }
  p.body = nullptr;
  if (!error.empty()) throw KernelError(error);
}
}  // namespace

}  // namespace emu
