// The communicator over NCCL (DESIGN.md §4): rank r of the host communicator (MPI) runs NCCL rank
// r on its backend's GPU and stream. Rank 0 makes the NCCL unique id and the host communicator
// broadcasts it, so the same binary runs on one node or many. Float collectives take device
// memory and run on the backend's compute stream (ordered after the gradients that feed them);
// double sums and broadcasts go through the host communicator. Every NCCL and CUDA call is checked.
#include <cuda_runtime.h>
#include <nccl.h>

#include <cstdlib>

#include "engine/dist/communicator.h"
#include "kernels/backend.h"
#include "kernels/error.h"

namespace sr {

namespace {

void nccl_check(ncclResult_t rc, const char* call) {
  if (rc != ncclSuccess) throw error("NCCL: ", call, " failed: ", ncclGetErrorString(rc));
}
void cuda_check(cudaError_t rc, const char* call) {
  if (rc != cudaSuccess) throw error("CUDA: ", call, " failed: ", cudaGetErrorString(rc));
}

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(Communicator& host, Backend& be)
      : host_(&host), device_(be.device().index), stream_(static_cast<cudaStream_t>(be.native_stream())) {
    if (be.device().kind != DeviceKind::cuda || !stream_) throw error("NCCL needs a CUDA device, not ", be.describe());
    ncclUniqueId id{};
    if (host_->rank() == 0) nccl_check(ncclGetUniqueId(&id), "ncclGetUniqueId");
    host_->broadcast(&id, sizeof id, 0);
    cuda_check(cudaSetDevice(device_), "cudaSetDevice");
    nccl_check(ncclCommInitRank(&comm_, host_->size(), id, host_->rank()), "ncclCommInitRank");
  }
  ~NcclCommunicator() override {
    if (comm_) ncclCommDestroy(comm_);
  }

  int rank() const override { return host_->rank(); }
  int size() const override { return host_->size(); }
  int local_rank() const override { return host_->local_rank(); }
  std::string describe() const override { return "nccl on cuda:" + std::to_string(device_) + ", " + host_->describe(); }
  bool device_memory() const override { return true; }

  void all_reduce_sum(float* data, int64_t count) override {
    if (count == 0) return;
    cuda_check(cudaSetDevice(device_), "cudaSetDevice");
    nccl_check(ncclAllReduce(data, data, static_cast<size_t>(count), ncclFloat32, ncclSum, comm_, stream_),
               "ncclAllReduce");
    cuda_check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize after ncclAllReduce");
  }
  void all_reduce_sum(double* data, int64_t count) override { host_->all_reduce_sum(data, count); }
  void all_gather(const float* in, int64_t count, float* out) override {
    if (count == 0) return;
    cuda_check(cudaSetDevice(device_), "cudaSetDevice");
    nccl_check(ncclAllGather(in, out, static_cast<size_t>(count), ncclFloat32, comm_, stream_), "ncclAllGather");
    cuda_check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize after ncclAllGather");
  }
  void all_gather_host(const int32_t* in, int64_t count, int32_t* out) override {
    host_->all_gather_host(in, count, out);
  }
  void broadcast(void* data, int64_t bytes, int root) override { host_->broadcast(data, bytes, root); }
  void barrier() override { host_->barrier(); }
  [[noreturn]] void abort(const std::string& why) override {
    if (comm_) ncclCommAbort(comm_), comm_ = nullptr;  // peers blocked in NCCL are released
    host_->abort(why);
    std::exit(1);  // abort() does not return; this keeps [[noreturn]] honest if it ever does
  }

 private:
  Communicator* host_;
  int device_;
  cudaStream_t stream_;
  ncclComm_t comm_ = nullptr;
};

}  // namespace

bool have_nccl() { return true; }

std::unique_ptr<Communicator> make_nccl_communicator(Communicator& host, Backend& be) {
  return std::make_unique<NcclCommunicator>(host, be);
}

}  // namespace sr
