// The CUDA backend: a per-device context (streams, caching allocator, cuBLAS handle) owned by the
// backend object and passed to nobody else: there is no global GPU state. Built
// twice (runtime.h): for the GPU, and over the kernel emulator, where memory is plain host memory
// (so AddressSanitizer sees every access) and GEMM is answered by the CPU BLAS.
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "kernels/backend.h"
#include "kernels/cuda/kernels.h"

#if !defined(SPARSEREC_EMU)
#include "kernels/cuda/library_check.h"
#endif

namespace sr::SR_KERNEL_NS {
namespace {

#if !defined(SPARSEREC_EMU)
// Keeps freed device blocks by size class and hands them out again: cudaMalloc/cudaFree synchronize
// the device and cost far more than a training step's kernels. A batch's sparse buffers change size
// with its nonzero count, so sizes round up to classes (512-byte steps up to 64 KiB, then eight
// classes per power of two, at most 12.5 % waste) for a freed block to fit the next batch.
class CachingAllocator {
 public:
  explicit CachingAllocator(int device) : device_(device) {}
  ~CachingAllocator() { release_cached(); }
  void* allocate(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);  // a batch loader thread allocates too
    const size_t size = round(bytes);
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      return p;
    }
    void* p = nullptr;
    if (cudaMalloc(&p, size) != cudaSuccess) {
      (void)cudaGetLastError();  // clear the sticky-free error, drop the cache and try once more
      release_cached();
      if (cudaMalloc(&p, size) != cudaSuccess) {
        (void)cudaGetLastError();
        size_t free_b = 0, total_b = 0;
        cudaMemGetInfo(&free_b, &total_b);
        throw error("cuda:", device_, ": out of device memory allocating ", bytes, " bytes (", free_b >> 20,
                    " MiB free of ", total_b >> 20, " MiB)");
      }
    }
    return p;
  }
  void release(void* p, size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (p) free_[round(bytes)].push_back(p);
  }

 private:
  static size_t round(size_t b) {
    if (b <= (size_t(64) << 10)) return b == 0 ? 512 : (b + 511) / 512 * 512;
    size_t step = 1;
    while ((step << 4) <= b) step <<= 1;  // step = 2^(floor(log2 b) - 3): eight classes per octave
    return (b + step - 1) / step * step;
  }
  void release_cached() {
    for (auto& [size, list] : free_)
      for (void* p : list) cudaFree(p);
    free_.clear();
  }
  int device_;
  std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;
};

// Events behind the backend's markers: a ring, each slot remembering which marker it holds, so a
// marker that has been recycled is an error rather than a silent wait on the wrong work.
class EventRing {
 public:
  static constexpr size_t kSize = 64;
  EventRing() {
    for (auto& e : events_) SR_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  }
  ~EventRing() {
    for (auto& e : events_) cudaEventDestroy(e);
  }
  uint64_t record(cudaStream_t s) {
    std::lock_guard<std::mutex> lock(mutex_);
    const uint64_t m = ++next_;
    SR_CUDA_CHECK(cudaEventRecord(events_[m % kSize], s));
    holds_[m % kSize] = m;
    return m;
  }
  cudaEvent_t event(uint64_t m) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (holds_[m % kSize] != m) throw error("cuda: marker ", m, " has expired (more than ", kSize, " newer markers)");
    return events_[m % kSize];
  }

 private:
  std::mutex mutex_;
  cudaEvent_t events_[kSize];
  uint64_t holds_[kSize] = {};
  uint64_t next_ = 0;
};
#endif

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int device) : device_(device) {
#if !defined(SPARSEREC_EMU)
    SR_CUDA_CHECK(cudaSetDevice(device_));
    SR_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    SR_CUDA_CHECK(cudaStreamCreateWithFlags(&copy_stream_, cudaStreamNonBlocking));
    events_ = std::make_unique<EventRing>();
    SR_CUBLAS_CHECK(cublasCreate(&cublas_));
    SR_CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
    cudaDeviceProp prop{};
    SR_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
    description_ = "cuda:" + std::to_string(device_) + " (" + prop.name + ", sm_" + std::to_string(prop.major) +
                   std::to_string(prop.minor) + ")";
    allocator_ = std::make_unique<CachingAllocator>(device_);
#else
    description_ = "emu (CUDA kernels on the kernel emulator)";
#endif
    loss_scratch_ = static_cast<float*>(allocate(loss_scratch_floats() * sizeof(float)));
    ctx_.stream = stream_, ctx_.loss_scratch = loss_scratch_, ctx_.launches = launch_counter();
#if !defined(SPARSEREC_EMU)
    ctx_.cublas = cublas_;
#endif
  }

  ~CudaBackend() override {
    release(loss_scratch_, loss_scratch_floats() * sizeof(float));
#if !defined(SPARSEREC_EMU)
    // Destructors must not throw: errors here are ignored, the process is tearing the context down.
    cudaSetDevice(device_);
    cudaStreamSynchronize(stream_);
    cudaStreamSynchronize(copy_stream_);
    events_.reset();
    allocator_.reset();
    cublasDestroy(cublas_);
    cudaStreamDestroy(copy_stream_);
    cudaStreamDestroy(stream_);
#endif
  }

  void* native_stream() override { return stream_; }
  Device device() const override {
#if defined(SPARSEREC_EMU)
    return {DeviceKind::emu, 0};
#else
    return {DeviceKind::cuda, device_};
#endif
  }
  std::string describe() const override { return description_; }
  void make_current() override {
#if !defined(SPARSEREC_EMU)
    SR_CUDA_CHECK(cudaSetDevice(device_));
#endif
  }

  void* allocate(size_t bytes) override {
#if defined(SPARSEREC_EMU)
    void* p = std::malloc(bytes == 0 ? 1 : bytes);
    if (!p) throw error("emu: out of memory allocating ", bytes, " bytes");
    return p;
#else
    return allocator_->allocate(bytes);
#endif
  }

#if !defined(SPARSEREC_EMU)  // over the emulator memory is host memory: the Backend defaults apply
  void* allocate_pinned(size_t bytes) override {
    SR_CUDA_CHECK(cudaSetDevice(device_));
    void* p = nullptr;
    if (cudaHostAlloc(&p, bytes == 0 ? 1 : bytes, cudaHostAllocDefault) != cudaSuccess) {
      (void)cudaGetLastError();
      throw error(description_, ": cannot pin ", bytes, " bytes of host memory for staging");
    }
    return p;
  }
  void release_pinned(void* p, size_t) override { cudaFreeHost(p); }

 protected:
  Marker do_record(Lane lane) override {
    SR_CUDA_CHECK(cudaSetDevice(device_));
    return events_->record(lane == Lane::copy ? copy_stream_ : stream_);
  }
  void do_wait(Lane lane, Marker m) override {
    if (m == 0) return;
    SR_CUDA_CHECK(cudaSetDevice(device_));
    SR_CUDA_CHECK(cudaStreamWaitEvent(lane == Lane::copy ? copy_stream_ : stream_, events_->event(m), 0));
  }

 public:
  bool reached(Marker m) override {
    if (m == 0) return true;
    const cudaError_t e = cudaEventQuery(events_->event(m));
    if (e == cudaErrorNotReady) {
      (void)cudaGetLastError();
      return false;
    }
    SR_CUDA_CHECK(e);
    return true;
  }
#endif

 protected:
  void do_release(void* p, size_t bytes) override {
#if defined(SPARSEREC_EMU)
    (void)bytes;
    std::free(p);
#else
    allocator_->release(p, bytes);
#endif
  }
  void do_copy(void* dst, const void* src, size_t n) override { copy_kind(dst, src, n, 3); }

  // Capture: on a GPU, of the compute stream into a CUDA graph (thread-local mode: other threads,
  // such as a batch loader, go on using the runtime); over the emulator, of its launches.
  void do_begin_capture() override {
#if defined(SPARSEREC_EMU)
    ::emu::begin_capture();
#else
    SR_CUDA_CHECK(cudaSetDevice(device_));
    SR_CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
#endif
  }
  std::function<void()> do_end_capture() override {
#if defined(SPARSEREC_EMU)
    std::shared_ptr<::emu::Graph> graph = ::emu::end_capture();
    return [graph] { graph->replay(); };
#else
    cudaGraph_t graph = nullptr;
    SR_CUDA_CHECK(cudaStreamEndCapture(stream_, &graph));
    cudaGraphExec_t exec = nullptr;
    const cudaError_t made = cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    SR_CUDA_CHECK(made);
    const std::shared_ptr<CUgraphExec_st> owned(exec, [](cudaGraphExec_t x) { cudaGraphExecDestroy(x); });
    return [owned, stream = stream_, device = device_] {
      SR_CUDA_CHECK(cudaSetDevice(device));
      SR_CUDA_CHECK(cudaGraphLaunch(owned.get(), stream));
    };
#endif
  }

  void do_upload(void* dst, const void* src, size_t n) override { copy_kind(dst, src, n, 1); }
  void do_download(void* dst, const void* src, size_t n) override { copy_kind(dst, src, n, 2); }
  void do_synchronize() override {
#if !defined(SPARSEREC_EMU)
    SR_CUDA_CHECK(cudaStreamSynchronize(stream_));
#endif
  }
#if !defined(SPARSEREC_EMU)
  void do_upload_async(void* dst, const void* src, size_t n) override {
    if (n == 0) return;
    SR_CUDA_CHECK(cudaSetDevice(device_));  // callers include a loader thread
    SR_CUDA_CHECK(cudaMemcpyAsync(dst, src, n, cudaMemcpyHostToDevice, copy_stream_));
  }
  void do_download_async(void* dst, const void* src, size_t n) override {
    if (n == 0) return;
    SR_CUDA_CHECK(cudaMemcpyAsync(dst, src, n, cudaMemcpyDeviceToHost, stream_));
  }
  void do_host_wait(Marker m) override {
    if (m == 0) return;
    SR_CUDA_CHECK(cudaEventSynchronize(events_->event(m)));
  }
#endif

#define SR_CUDA_BACKEND_OP(name, Args) \
  void run(const Args& a) override { SR_KERNEL_NS::name(a, ctx_); }
  SR_FOR_EACH_OP(SR_CUDA_BACKEND_OP)
#undef SR_CUDA_BACKEND_OP

 private:
  // direction: 1 host→device, 2 device→host, 3 device→device. Downloads wait for the stream so the
  // host sees the result.
  void copy_kind(void* dst, const void* src, size_t n, int direction) {
    if (n == 0) return;
#if defined(SPARSEREC_EMU)
    if (direction == 3)
      ::emu::enqueue("cudaMemcpyAsync", [dst, src, n] { std::memmove(dst, src, n); });  // a graph records it
    else
      std::memmove(dst, src, n);
#else
    const cudaMemcpyKind kind = direction == 1   ? cudaMemcpyHostToDevice
                                : direction == 2 ? cudaMemcpyDeviceToHost
                                                 : cudaMemcpyDeviceToDevice;
    SR_CUDA_CHECK(cudaMemcpyAsync(dst, src, n, kind, stream_));
    if (direction != 3) SR_CUDA_CHECK(cudaStreamSynchronize(stream_));
#endif
  }

  int device_ = 0;
  cudaStream_t stream_ = nullptr;
#if !defined(SPARSEREC_EMU)
  cudaStream_t copy_stream_ = nullptr;
  std::unique_ptr<EventRing> events_;
#endif
  std::string description_;
  float* loss_scratch_ = nullptr;
#if !defined(SPARSEREC_EMU)
  cublasHandle_t cublas_ = nullptr;
  std::unique_ptr<CachingAllocator> allocator_;
#endif
  OpContext ctx_;  // what every op runs with
};

}  // namespace
}  // namespace sr::SR_KERNEL_NS

namespace sr {
#if defined(SPARSEREC_EMU)
std::unique_ptr<Backend> make_emu_backend() { return std::make_unique<cuda_emu::CudaBackend>(0); }
#else
std::unique_ptr<Backend> make_cuda_backend(int device_index) {
  return std::make_unique<cuda::CudaBackend>(device_index);
}
bool built_with_cuda() { return true; }
int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // no driver or no GPU: that is "zero devices", not an error
    return 0;
  }
  return n;
}
#endif
}  // namespace sr
