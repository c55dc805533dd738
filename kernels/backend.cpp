// Device selection: parses --device and builds the backend for it.
#include "kernels/backend.h"

#include "kernels/error.h"

#include <cstdlib>

namespace sr {

std::string Device::str() const {
  switch (kind) {
    case DeviceKind::cpu: return "cpu";
    case DeviceKind::emu: return "emu";
    default: return "cuda:" + std::to_string(index);
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

std::unique_ptr<Backend> make_backend(const Device& d) {
  switch (d.kind) {
    case DeviceKind::cpu: return make_cpu_backend();
    case DeviceKind::emu: return make_emu_backend();
    default: {
      if (!built_with_cuda()) throw error("device ", d.str(), ": this build has no CUDA support (configure with a CUDA toolkit)");
      const int n = cuda_device_count();
      if (d.index >= n) throw error("device ", d.str(), ": only ", n, " usable CUDA device(s) found");
      return make_cuda_backend(d.index);
    }
  }
}

std::unique_ptr<Backend> make_backend(const std::string& spec) { return make_backend(Device::parse(spec)); }

}  // namespace sr
