// The interface between the engine and a compute device. The engine (tensors, the model DSL,
// trainers) calls only this; it never sees CUDA. Implementations: the CPU reference backend
// (kernels/cpu/), the CUDA backend (kernels/cuda/) and the same CUDA backend built over the kernel
// emulator ("emu"). The ops are the table of kernels/ops.h: one method each, taking its argument
// struct.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

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

  // Memory. allocate throws sr::Error naming the size and what is free when the device is full.
  virtual void* allocate(size_t bytes) = 0;
  virtual void release(void* p, size_t bytes) = 0;
  virtual void upload(void* device_dst, const void* host_src, size_t bytes) = 0;
  virtual void download(void* host_dst, const void* device_src, size_t bytes) = 0;
  virtual void copy(void* device_dst, const void* device_src, size_t bytes) = 0;
  virtual void synchronize() = 0;
  // The device's compute stream as an opaque handle (a cudaStream_t), for a transport that runs on
  // it (the NCCL communicator); null on host backends.
  virtual void* native_stream() { return nullptr; }

  // Streaming batches to the device (DESIGN.md §2): pinned host memory, uploads on a copy lane
  // beside the compute lane, and markers that order the two. A marker stands for everything issued
  // on its lane so far; wait() makes a lane wait for it on the device, host_wait() blocks the
  // caller. These may be called from a loader thread while another thread computes. The defaults
  // are for backends whose memory is host memory (cpu, emu): copies are immediate, markers reached.
  enum class Lane { compute, copy };
  using Marker = uint64_t;
  virtual void* allocate_pinned(size_t bytes) { return allocate_host(bytes); }
  virtual void release_pinned(void* p, size_t) { std::free(p); }
  virtual void upload_async(void* device_dst, const void* pinned_src, size_t bytes) { upload(device_dst, pinned_src, bytes); }
  virtual Marker record(Lane) { return 0; }
  virtual void wait(Lane, Marker) {}
  virtual void host_wait(Marker) {}

  // The ops (kernels/ops.h), e.g. gather(const GatherArgs&).
#define SR_BACKEND_OP(name, Args) virtual void name(const Args& a) = 0;
  SR_FOR_EACH_OP(SR_BACKEND_OP)
#undef SR_BACKEND_OP

 protected:
  void* allocate_host(size_t bytes) const;  // malloc, or sr::Error naming the backend and size
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
