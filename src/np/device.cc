// Devices, the host allocator and the per-device allocator table (device.h).
#include "keraspp/np/device.h"

#include <array>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <new>

#include "keraspp/errors.h"
#include "keraspp/np/memory_limit.h"

namespace np {

namespace {

// TF's ResourceExhaustedError rather than std::bad_alloc: the caller sees
// what was asked for, and Session::run reports it like any op error.
[[noreturn]] void throw_oom(size_t bytes) {
  throw tf::errors::ResourceExhaustedError(
      "OOM when allocating " + std::to_string(bytes) + " bytes on cpu_host (the memory limit is " +
      std::to_string(memory_limit()) + " bytes, set by np::set_memory_limit or KERASPP_MEMORY_LIMIT)");
}

class HostAllocator final : public Allocator {
 public:
  std::string_view name() const override { return "cpu_host"; }
  Device device() const override { return kCpuDevice; }
  size_t alignment() const override { return 64; }
  void* allocate(size_t bytes) override {
    // aligned_alloc wants a multiple of the alignment; never 0.
    // (A size within 63 of SIZE_MAX would round to a small block.)
    // The resource cap (memory_limit.cc) before anything is reserved.
    if (bytes > memory_limit()) throw_oom(bytes);
    size_t rounded = (bytes + 63) / 64 * 64;
    if (rounded == 0) rounded = 64;
    void* p = std::aligned_alloc(64, rounded);
    if (!p) throw_oom(bytes);
    return p;
  }
  void deallocate(void* data, size_t) override { std::free(data); }
  bool host_accessible() const override { return true; }
};

std::array<std::atomic<Allocator*>, kNumDeviceTypes>& device_allocators() {
  static std::array<std::atomic<Allocator*>, kNumDeviceTypes> table{&host_allocator()};
  return table;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string_view Device::type_name() const {
  switch (type) {
    case DeviceType::CPU: return "CPU";
  }
  return "?";
}

std::string Device::str() const {
  return "/device:" + std::string(type_name()) + ":" + std::to_string(index);
}

Device parse_device(std::string_view spec) {
  std::string_view rest = spec;
  if (const size_t at = rest.rfind("device:"); at != std::string_view::npos)
    rest = rest.substr(at + 7);
  else if (const size_t slash = rest.rfind('/'); slash != std::string_view::npos)
    rest = rest.substr(slash + 1);
  const size_t colon = rest.find(':');
  const std::string type = lower(rest.substr(0, colon));
  const std::string_view index = colon == std::string_view::npos ? "0" : rest.substr(colon + 1);
  if ((type.empty() || type == "cpu") && index == "0") return kCpuDevice;
  throw tf::errors::InvalidArgumentError(
      "Could not satisfy explicit device specification '" + std::string(spec) +
      "' because no devices matching that specification are registered in this process; "
      "available devices: " + kCpuDevice.str());
}

Allocator& host_allocator() {
  // Never destroyed: arrays held by other statics (Keras's session, a user's
  // global) free their storage through it during exit, whatever the order
  // of static destruction (UBSan found the destroyed-vptr call).
  static HostAllocator* const a = new HostAllocator;
  return *a;
}

Allocator& device_allocator(Device device) {
  return *device_allocators()[static_cast<size_t>(device.type)].load(std::memory_order_acquire);
}

Allocator* set_device_allocator(Allocator* allocator) {
  return device_allocators()[static_cast<size_t>(allocator->device().type)].exchange(
      allocator, std::memory_order_acq_rel);
}

}  // namespace np
