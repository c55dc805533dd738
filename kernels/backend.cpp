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

void Backend::refuse_while_capturing(const char* what) const {
  if (capturing_here())
    throw error(describe(), ": ", what,
                " while a graph is being captured: a captured step may neither wait for the device nor leave its "
                "compute lane");
}

void Backend::release(void* p, size_t bytes) {
  if (capturing_here()) {
    held_.emplace_back(p, bytes);
    return;
  }
  do_release(p, bytes);
}

void Backend::copy(void* device_dst, const void* device_src, size_t bytes) {
  if (op_recording_) {
    op_recording_->push_back([this, device_dst, device_src, bytes] { do_copy(device_dst, device_src, bytes); });
    return;
  }
  do_copy(device_dst, device_src, bytes);
}

Backend::Marker Backend::record(Lane lane) {
  refuse_while_capturing("a marker recorded");
  return do_record(lane);
}

void Backend::wait(Lane lane, Marker m) {
  refuse_while_capturing("a wait for a marker");
  do_wait(lane, m);
}

void Backend::begin_capture() {
  if (capturing()) throw error(describe(), ": begin_capture while a graph is being captured already");
  do_begin_capture();
  capture_thread_ = std::this_thread::get_id();
  capture_ops_ = ops_.load(), capture_launches_ = launches_.load();
}

std::unique_ptr<Backend::Graph> Backend::end_capture() {
  if (!capturing_here()) throw error(describe(), ": end_capture without begin_capture on this thread");
  std::unique_ptr<Graph> g(new Graph);
  g->be_ = this;
  g->held_ = std::move(held_);
  held_.clear();
  g->ops_ = ops_.load() - capture_ops_, g->launches_ = launches_.load() - capture_launches_;
  capture_thread_ =
      std::thread::id();  // before the backend's part, which may throw: the backend runs ops again either way
  g->run_ = do_end_capture();
  return g;
}

void Backend::do_begin_capture() { op_recording_ = std::make_unique<std::vector<std::function<void()>>>(); }

std::function<void()> Backend::do_end_capture() {
  auto recorded = std::shared_ptr<std::vector<std::function<void()>>>(std::move(op_recording_));
  return [recorded] {
    for (const auto& op : *recorded) op();
  };
}

Backend::Graph::~Graph() {
  for (const auto& [p, bytes] : held_) be_->do_release(p, bytes);
}

void Backend::Graph::replay() {
  be_->refuse_while_capturing("a graph replayed");
  be_->ops_ += ops_;
  if (launches_ > 0) ++be_->launches_;  // one graph launch (the CPU launches no kernels)
  run_();
}

void Backend::upload(void* device_dst, const void* host_src, size_t bytes) {
  refuse_while_capturing("a blocking upload");
  ++host_syncs_;
  bytes_up_ += static_cast<int64_t>(bytes);
  do_upload(device_dst, host_src, bytes);
}

void Backend::download(void* host_dst, const void* device_src, size_t bytes) {
  refuse_while_capturing("a blocking download");
  ++host_syncs_;
  bytes_down_ += static_cast<int64_t>(bytes);
  do_download(host_dst, device_src, bytes);
}

void Backend::synchronize() {
  refuse_while_capturing("a synchronize");
  ++host_syncs_;
  do_synchronize();
}

void Backend::upload_async(void* device_dst, const void* pinned_src, size_t bytes) {
  refuse_while_capturing("a streaming upload");
  bytes_up_ += static_cast<int64_t>(bytes);
  do_upload_async(device_dst, pinned_src, bytes);
}

void Backend::download_async(void* pinned_dst, const void* device_src, size_t bytes) {
  refuse_while_capturing("a streaming download");
  bytes_down_ += static_cast<int64_t>(bytes);
  do_download_async(pinned_dst, device_src, bytes);
}

void Backend::host_wait(Marker m, Waiter who) {
  refuse_while_capturing("a host wait");
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
