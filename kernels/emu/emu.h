// The CUDA kernel-language emulator: the part of CUDA C++ the project's kernels use, on the host.
// Files under kernels/cuda/ are compiled by the host compiler with this header instead of
// <cuda_runtime.h> (see kernels/cuda/runtime.h) so that every kernel runs, under ASan/UBSan and
// TSan, on machines without a GPU. The threads of a block are fibers on the launching host thread,
// switched at barriers, warp collectives and exits (ThreadSanitizer sees each as its own thread);
// blocks run one after another. It says nothing about the memory model or speed.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

// ---- qualifiers -------------------------------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) alignas(n)
// Static shared memory is one object per kernel instantiation: blocks run one after another and
// launches are serialized, so a function-local static is exactly one block's shared memory.
#define __shared__ static
#define __syncthreads() ::emu::syncthreads(__FILE__, __LINE__)
#define __syncthreads_count(p) ::emu::syncthreads_count((p), __FILE__, __LINE__)
#define __syncthreads_and(p) ::emu::syncthreads_and((p), __FILE__, __LINE__)
#define __syncthreads_or(p) ::emu::syncthreads_or((p), __FILE__, __LINE__)
#define __syncwarp(...) ::emu::syncwarp(__FILE__, __LINE__ __VA_OPT__(, ) __VA_ARGS__)

namespace emu {

// ---- built-in vector types and indices ----------------------------------------------------------
struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
};
struct float2 {
  float x, y;
};
struct float4 {
  float x, y, z, w;
};
struct int2 {
  int x, y;
};

// Inline (not extern) thread-locals: an extern thread_local of another file is reached through a
// TLS wrapper that UBSan misreads as a null pointer.
inline thread_local uint3 threadIdx;
inline thread_local uint3 blockIdx;
inline thread_local dim3 blockDim;
inline thread_local dim3 gridDim;
constexpr int warpSize = 32;

// ---- errors -------------------------------------------------------------------------------------
// Thrown to the launching thread when a kernel breaks a rule of the CUDA execution model.
struct KernelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- block-level synchronization --------------------------------------------------------------
void syncthreads(const char* file, int line);
int syncthreads_count(int pred, const char* file, int line);
int syncthreads_and(int pred, const char* file, int line);
int syncthreads_or(int pred, const char* file, int line);
void* dynamic_shared();  // this block's dynamic shared memory, poisoned with 0xFF bytes

// ---- warp-level collectives ---------------------------------------------------------------------
// Every lane named in `mask` must reach the same collective with the same mask; a lane that has
// exited or never arrives is reported, not waited for forever.
void syncwarp(const char* file, int line, unsigned mask = 0xffffffffu);
// Deposits this lane's 8-byte value and returns all lanes' values once every lane in mask arrived.
// Only __syncwarp orders memory among its lanes; shuffles and votes exchange values and nothing else
// (`orders_memory`), so ThreadSanitizer still sees a shuffle standing in for a __syncwarp.
void warp_exchange(unsigned mask, uint64_t mine, uint64_t out[32], const char* what, bool orders_memory = false);
unsigned lane_id();

template <class T>
uint64_t to_bits(T v) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "shuffle of a type wider than 8 bytes");
  uint64_t b = 0;
  std::memcpy(&b, &v, sizeof(T));
  return b;
}
template <class T>
T from_bits(uint64_t b) {
  T v;
  std::memcpy(&v, &b, sizeof(T));
  return v;
}

template <class T>
T shfl_from(unsigned mask, T var, int src, const char* what) {
  uint64_t all[32];
  warp_exchange(mask, to_bits(var), all, what);
  if (!((mask >> src) & 1u)) throw KernelError(std::string(what) + ": source lane not in mask");
  return from_bits<T>(all[src]);
}
template <class T>
T __shfl_sync(unsigned mask, T var, int src, int width = 32) {
  const int lane = static_cast<int>(lane_id());
  const int base = lane & ~(width - 1);
  return shfl_from(mask, var, base + (src & (width - 1)), "__shfl_sync");
}
template <class T>
T __shfl_xor_sync(unsigned mask, T var, int lane_mask, int width = 32) {
  const int lane = static_cast<int>(lane_id());
  int src = lane ^ lane_mask;
  if ((src & ~(width - 1)) != (lane & ~(width - 1))) src = lane;
  return shfl_from(mask, var, src, "__shfl_xor_sync");
}
template <class T>
T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = 32) {
  const int lane = static_cast<int>(lane_id());
  int src = lane + static_cast<int>(delta);
  if ((src & ~(width - 1)) != (lane & ~(width - 1))) src = lane;
  return shfl_from(mask, var, src, "__shfl_down_sync");
}
template <class T>
T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = 32) {
  const int lane = static_cast<int>(lane_id());
  int src = lane - static_cast<int>(delta);
  if (src < (lane & ~(width - 1))) src = lane;
  return shfl_from(mask, var, src, "__shfl_up_sync");
}
unsigned __ballot_sync(unsigned mask, int pred);
int __any_sync(unsigned mask, int pred);
int __all_sync(unsigned mask, int pred);

// ---- atomics (global and shared memory are both host memory here) -----------------------------
template <class T>
T atomic_cas_loop_add(T* addr, T v) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  Bits* p = reinterpret_cast<Bits*>(addr);
  Bits old_bits = __atomic_load_n(p, __ATOMIC_RELAXED);
  for (;;) {
    T old_v;
    std::memcpy(&old_v, &old_bits, sizeof(T));
    const T new_v = old_v + v;
    Bits new_bits;
    std::memcpy(&new_bits, &new_v, sizeof(T));
    if (__atomic_compare_exchange_n(p, &old_bits, new_bits, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) return old_v;
  }
}
inline float atomicAdd(float* a, float v) { return atomic_cas_loop_add(a, v); }
inline double atomicAdd(double* a, double v) { return atomic_cas_loop_add(a, v); }
inline int atomicAdd(int* a, int v) { return __atomic_fetch_add(a, v, __ATOMIC_RELAXED); }
inline unsigned atomicAdd(unsigned* a, unsigned v) { return __atomic_fetch_add(a, v, __ATOMIC_RELAXED); }
inline unsigned long long atomicAdd(unsigned long long* a, unsigned long long v) {
  return __atomic_fetch_add(a, v, __ATOMIC_RELAXED);
}
inline int atomicSub(int* a, int v) { return __atomic_fetch_sub(a, v, __ATOMIC_RELAXED); }
template <class T>
T atomicExch(T* a, T v) {
  return __atomic_exchange_n(a, v, __ATOMIC_RELAXED);
}
inline float atomicExch(float* a, float v) {
  uint32_t b = __atomic_exchange_n(reinterpret_cast<uint32_t*>(a), to_bits(v) & 0xffffffffu, __ATOMIC_RELAXED);
  return from_bits<float>(b);
}
template <class T>
T atomicCAS(T* a, T compare, T v) {
  __atomic_compare_exchange_n(a, &compare, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
  return compare;  // holds the old value whether or not the exchange happened
}
template <class T>
T atomicMax(T* a, T v) {
  T old = __atomic_load_n(a, __ATOMIC_RELAXED);
  while (old < v && !__atomic_compare_exchange_n(a, &old, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
  return old;
}
template <class T>
T atomicMin(T* a, T v) {
  T old = __atomic_load_n(a, __ATOMIC_RELAXED);
  while (old > v && !__atomic_compare_exchange_n(a, &old, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
  return old;
}
inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

// ---- loads and fast-math intrinsics ----------------------------------------------------------------
template <class T>
T __ldg(const T* p) {
  return *p;
}
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __fsqrt_rn(float x) { return std::sqrt(x); }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __saturatef(float x) { return x < 0.f ? 0.f : (x > 1.f ? 1.f : x); }
inline float __tanhf(float x) { return std::tanh(x); }
inline int __float_as_int(float x) { return static_cast<int>(to_bits(x) & 0xffffffffu); }
inline float __int_as_float(int x) { return from_bits<float>(static_cast<uint32_t>(x)); }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }

// ---- the host side of the runtime ------------------------------------------------------------
enum cudaError_t { cudaSuccess = 0, cudaErrorInvalidConfiguration = 9, cudaErrorLaunchFailure = 719 };
using cudaStream_t = struct emu_stream*;
const char* cudaGetErrorString(cudaError_t e);

struct LaunchLimits {
  unsigned max_threads_per_block = 1024;
  unsigned max_block_dim[3] = {1024, 1024, 64};
  unsigned max_grid_dim[3] = {2147483647u, 65535u, 65535u};
  size_t max_dynamic_shared_default = 48 * 1024;  // without cudaFuncAttributeMaxDynamicSharedMemorySize
  size_t max_shared_optin = 227 * 1024;           // sm_90 opt-in limit per block
};

// How blocks are ordered: in index order, or shuffled by a seed so that a kernel whose result
// depends on block order shows it. Set by tests, or by SPARSEREC_EMU_BLOCK_ORDER=shuffle:<seed>.
void set_block_order_seed(uint64_t seed);  // 0 = in order
// Seconds a thread may run without reaching a barrier, a collective or its end before it is
// reported as hung and the process ended (SPARSEREC_EMU_TIMEOUT_S, default 20; 0 turns the
// watchdog off). A deadlock at barriers or collectives is found at once, without waiting.
void set_timeout_seconds(double s);

// Runs `body` as a kernel on grid x block emulated threads; throws KernelError on any broken rule.
// While a capture is open on this thread, records it instead (its limits are checked now).
void launch(const char* kernel_name, dim3 grid, dim3 block, size_t dynamic_shared_bytes, std::function<void()> body);

// ---- graph capture (cudaStreamBeginCapture, cudaGraphLaunch) --------------------------------------
// Between begin_capture() and end_capture() on a thread, launch() and enqueue() record the work —
// each kernel with its configuration and a copy of its arguments — instead of running it; a replay
// runs the recorded work again, in order, as it was launched. Anything the host computed to make
// a launch (a grid, a seed, a pointer) is therefore fixed at capture, as in a CUDA graph.
class Graph {
 public:
  void replay() const;

 private:
  friend void launch(const char*, dim3, dim3, size_t, std::function<void()>);
  friend void enqueue(const char*, std::function<void()>);
  struct Work {
    std::string name;
    dim3 grid, block;
    size_t dynamic_shared = 0;
    bool kernel = true;  // else host work (enqueue)
    std::function<void()> body;
  };
  std::vector<Work> work_;
};
void begin_capture();                  // throws KernelError when one is open on this thread
std::unique_ptr<Graph> end_capture();  // throws KernelError when none is open
// Host work that stands for a stream operation (a library call answered on the host, such as GEMM
// by the CPU BLAS; a device-to-device copy): run now, or recorded when capturing.
void enqueue(const char* what, std::function<void()> work);

}  // namespace emu
