// The interface between the engine and a compute device. The engine (tensors, the model DSL,
// trainers) calls only this; it never sees CUDA. Implementations: the CPU reference backend
// (kernels/cpu/), the CUDA backend (kernels/cuda/) and the same CUDA backend built over the kernel
// emulator ("emu"). The ops are the table of kernels/ops.h: one method each, taking its argument
// struct.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kernels/error.h"
#include "kernels/ops.h"

namespace sr {

enum class DeviceKind { cpu, cuda, emu };

struct Device {
  DeviceKind kind = DeviceKind::cpu;
  int index = 0;
  std::string str() const;
  // "auto" (a working GPU, else the CPU), "cpu", "emu" (the CUDA kernels on the emulator), "cuda",
  // "cuda:N". Throws sr::Error naming the text on anything else.
  static Device parse(const std::string& text);
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Device device() const = 0;
  virtual std::string describe() const = 0;  // e.g. "cuda:0 (NVIDIA H100 80GB HBM3, sm_90)"

  // What the backend was asked to do, counted since the last reset: ops, kernel launches (CUDA
  // kernels, on a GPU or the emulator; library calls count one), host syncs — the calls that block
  // the calling thread until the device is done (synchronize, the blocking transfers upload and
  // download, host_wait on the compute thread) — and bytes moved each way. The training step is
  // meant to need no host sync (tests/step_counters_test.cpp counts them per step).
  struct Counters {
    int64_t ops = 0, launches = 0, host_syncs = 0, loader_waits = 0, bytes_up = 0, bytes_down = 0;
  };
  Counters counters() const;
  void reset_counters();

  // Memory. allocate throws sr::Error naming the size and what is free when the device is full.
  virtual void* allocate(size_t bytes) = 0;
  void release(void* p, size_t bytes);  // while capturing, held by the graph instead
  // Blocking transfers (host syncs): when they return, the data is there.
  void upload(void* device_dst, const void* host_src, size_t bytes);
  void download(void* host_dst, const void* device_src, size_t bytes);
  // Device to device, ordered with the ops on the compute lane; not a sync.
  void copy(void* device_dst, const void* device_src, size_t bytes);
  void synchronize();  // waits for everything issued (a host sync)
  // The device's compute stream as an opaque handle (a cudaStream_t), for a transport that runs on
  // it (the NCCL communicator); null on host backends.
  virtual void* native_stream() { return nullptr; }
  // Binds the calling thread to this backend's device: for a thread other than the one that opened
  // it (a server's device thread), whose CUDA calls would otherwise go to device 0.
  virtual void make_current() {}

  // Streaming to and from the device (DESIGN.md §2): pinned host memory, uploads on a copy lane
  // beside the compute lane, downloads on the compute lane, and markers that order the two. A
  // marker stands for everything issued on its lane so far; wait() makes a lane wait for it on the
  // device, host_wait() blocks the caller until it is reached, reached() asks without blocking.
  // These may be called from a loader thread while another thread computes; a loader thread's
  // waits count as loader_waits, not host syncs. The defaults are for backends whose memory is
  // host memory (cpu, emu): copies are immediate, markers reached.
  enum class Lane { compute, copy };
  enum class Waiter { compute, loader };
  using Marker = uint64_t;
  virtual void* allocate_pinned(size_t bytes) { return allocate_host(bytes); }
  virtual void release_pinned(void* p, size_t) { std::free(p); }
  void upload_async(void* device_dst, const void* pinned_src, size_t bytes);
  // Into pinned host memory, after the ops issued so far on the compute lane; valid once a marker
  // recorded on the compute lane after it is reached.
  void download_async(void* pinned_dst, const void* device_src, size_t bytes);
  Marker record(Lane lane);
  void wait(Lane lane, Marker m);
  void host_wait(Marker m, Waiter who = Waiter::compute);
  virtual bool reached(Marker) { return true; }

  // Graph capture (CUDA graphs): between begin_capture() and end_capture() the ops and device
  // copies issued on the compute lane are recorded instead of run, and the Graph replays them with
  // the arguments they had at capture — device pointers, sizes, seeds, scalars such as a learning
  // rate. A GPU captures its stream into a CUDA graph; the emulator records its kernel launches and
  // library calls (kernels/emu/emu.h), so capture is tested without a GPU; the CPU records its op
  // calls. While capturing, whatever waits for the device or leaves the compute lane (blocking
  // transfers, synchronize, markers, streaming copies) is refused with an error, and memory
  // released is held by the graph, whose work still uses it, until the graph is destroyed. Every
  // other buffer the work touches the caller keeps alive, refreshing inputs in place before a replay.
  class Graph {
   public:
    Graph(const Graph&) = delete;
    Graph& operator=(const Graph&) = delete;
    ~Graph();
    void replay();  // counted as the ops it holds and one kernel launch (none on the CPU)
    int64_t ops() const { return ops_; }
    int64_t launches() const { return launches_; }  // the kernel launches (and library calls) it holds

   private:
    friend class Backend;
    Graph() = default;
    Backend* be_ = nullptr;
    std::function<void()> run_;
    std::vector<std::pair<void*, size_t>> held_;
    int64_t ops_ = 0, launches_ = 0;
  };
  void begin_capture();  // throws when a capture is open already
  // Closes the capture; on an error inside it, closing it still (and dropping the graph) is the
  // caller's part, so that the backend runs ops again.
  std::unique_ptr<Graph> end_capture();
  bool capturing() const { return capture_thread_.load() != std::thread::id(); }

  // The ops (kernels/ops.h), e.g. gather(const GatherArgs&): counted, then run by the backend (or
  // recorded by a capture on a backend that records op calls).
#define SR_BACKEND_OP(name, Args)                            \
  void name(const Args& a) {                                 \
    count_op();                                              \
    if (op_recording_)                                       \
      op_recording_->push_back([this, a] { this->run(a); }); \
    else                                                     \
      run(a);                                                \
  }
  SR_FOR_EACH_OP(SR_BACKEND_OP)
#undef SR_BACKEND_OP

 protected:
  // What each backend implements.
#define SR_BACKEND_RUN(name, Args) virtual void run(const Args& a) = 0;
  SR_FOR_EACH_OP(SR_BACKEND_RUN)
#undef SR_BACKEND_RUN
  virtual void do_upload(void* device_dst, const void* host_src, size_t bytes) = 0;
  virtual void do_download(void* host_dst, const void* device_src, size_t bytes) = 0;
  virtual void do_synchronize() = 0;
  virtual void do_upload_async(void* device_dst, const void* pinned_src, size_t bytes) {
    do_upload(device_dst, pinned_src, bytes);
  }
  virtual void do_download_async(void* pinned_dst, const void* device_src, size_t bytes) {
    do_download(pinned_dst, device_src, bytes);
  }
  virtual void do_host_wait(Marker) {}
  virtual void do_release(void* p, size_t bytes) = 0;
  virtual void do_copy(void* device_dst, const void* device_src, size_t bytes) = 0;
  virtual Marker do_record(Lane) { return 0; }
  virtual void do_wait(Lane, Marker) {}
  // Capture. The default records op calls and device copies, for a backend whose ops run on the
  // calling thread; the CUDA backend captures its stream. do_end_capture returns the replay.
  virtual void do_begin_capture();
  virtual std::function<void()> do_end_capture();
  // Kernel launches are counted where they happen (kernels/cuda/launch.h) into this.
  std::atomic<int64_t>* launch_counter() { return &launches_; }
  void* allocate_host(size_t bytes) const;  // malloc, or sr::Error naming the backend and size

 private:
  void count_op() { ops_.fetch_add(1, std::memory_order_relaxed); }
  void refuse_while_capturing(const char* what) const;
  // The thread capturing, if any: a capture is of that thread's work (CUDA's thread-local mode), so
  // a batch loader's transfers and releases on another thread go on as usual.
  std::atomic<std::thread::id> capture_thread_{};
  bool capturing_here() const { return capture_thread_.load() == std::this_thread::get_id(); }
  std::unique_ptr<std::vector<std::function<void()>>> op_recording_;  // the default capture's record
  std::vector<std::pair<void*, size_t>> held_;                        // released while capturing
  int64_t capture_ops_ = 0, capture_launches_ = 0;                    // the counters when it began
  std::atomic<int64_t> ops_{0}, launches_{0}, host_syncs_{0}, loader_waits_{0}, bytes_up_{0}, bytes_down_{0};
};

// Number of usable CUDA devices; 0 when built without CUDA or when no GPU or driver works.
int cuda_device_count();
bool built_with_cuda();

inline void* Backend::allocate_host(size_t bytes) const {
  void* p = std::malloc(bytes == 0 ? 1 : bytes);
  if (!p) throw error(describe(), ": out of host memory allocating ", bytes, " bytes of staging");
  return p;
}

std::unique_ptr<Backend> make_backend(const Device& d);
std::unique_ptr<Backend> make_backend(const std::string& spec);

// Implementations (defined in kernels/); make_backend is the way in.
std::unique_ptr<Backend> make_cpu_backend();
std::unique_ptr<Backend> make_emu_backend();
std::unique_ptr<Backend> make_cuda_backend(int device_index);

}  // namespace sr
