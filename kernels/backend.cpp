// Device selection: parses --device and builds the backend for it.
#include "kernels/backend.h"

#include "kernels/error.h"

#include <cstdlib>

namespace sr {

std::string Device::str() const {
  switch (kind) {
    case DeviceKind::cpu:
      return "cpu";
    case DeviceKind::emu:
      return "emu";
    default:
      return "cuda:" + std::to_string(index);
  }
}

Device Device::parse(const std::string& text) {
  if (text == "cpu") return {DeviceKind::cpu, 0};
  if (text == "emu" || text == "cuda-emu") return {DeviceKind::emu, 0};
  if (text == "auto") return cuda_device_count() > 0 ? Device{DeviceKind::cuda, 0} : Device{DeviceKind::cpu, 0};
  if (text == "cuda") return {DeviceKind::cuda, 0};
  if (text.rfind("cuda:", 0) == 0) {
    const std::string n = text.substr(5);
    if (!n.empty() && n.find_first_not_of("0123456789") == std::string::npos && n.size() < 4)
      return {DeviceKind::cuda, std::stoi(n)};
  }
  throw error("unknown device '", text, "': expected auto, cpu, emu, cuda or cuda:N");
}

Backend::Counters Backend::counters() const {
  Counters c;
  c.ops = ops_.load(), c.launches = launches_.load(), c.host_syncs = host_syncs_.load();
  c.loader_waits = loader_waits_.load(), c.bytes_up = bytes_up_.load(), c.bytes_down = bytes_down_.load();
  return c;
}

void Backend::reset_counters() {
  for (auto* c : {&ops_, &launches_, &host_syncs_, &loader_waits_, &bytes_up_, &bytes_down_}) c->store(0);
}

void Backend::upload(void* device_dst, const void* host_src, size_t bytes) {
  ++host_syncs_;
  bytes_up_ += static_cast<int64_t>(bytes);
  do_upload(device_dst, host_src, bytes);
}

void Backend::download(void* host_dst, const void* device_src, size_t bytes) {
  ++host_syncs_;
  bytes_down_ += static_cast<int64_t>(bytes);
  do_download(host_dst, device_src, bytes);
}

void Backend::synchronize() {
  ++host_syncs_;
  do_synchronize();
}

void Backend::upload_async(void* device_dst, const void* pinned_src, size_t bytes) {
  bytes_up_ += static_cast<int64_t>(bytes);
  do_upload_async(device_dst, pinned_src, bytes);
}

void Backend::download_async(void* pinned_dst, const void* device_src, size_t bytes) {
  bytes_down_ += static_cast<int64_t>(bytes);
  do_download_async(pinned_dst, device_src, bytes);
}

void Backend::host_wait(Marker m, Waiter who) {
  ++(who == Waiter::loader ? loader_waits_ : host_syncs_);
  do_host_wait(m);
}

std::unique_ptr<Backend> make_backend(const Device& d) {
  switch (d.kind) {
    case DeviceKind::cpu:
      return make_cpu_backend();
    case DeviceKind::emu:
      return make_emu_backend();
    default: {
      if (!built_with_cuda())
        throw error("device ", d.str(), ": this build has no CUDA support (configure with a CUDA toolkit)");
      const int n = cuda_device_count();
      if (d.index >= n) throw error("device ", d.str(), ": only ", n, " usable CUDA device(s) found");
      return make_cuda_backend(d.index);
    }
  }
}

std::unique_ptr<Backend> make_backend(const std::string& spec) { return make_backend(Device::parse(spec)); }

}  // namespace sr
