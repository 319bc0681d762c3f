// The device/buffer seam under np::Storage: which device a buffer's bytes
// live on, the allocator that made them (ggml's "buffer type": a name, a
// device, an alignment, alloc and free), and the layout its elements are in.
// CPU is the only device; docs/architecture.md §5 says how a CUDA device is
// added.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keraspp/np/dtype.h"

namespace np {

using Shape = std::vector<int64_t>;

// A kind of memory kernels run on. A CUDA build adds CUDA here (and an
// allocator and kernels for it).
enum class DeviceType : uint8_t { CPU };
inline constexpr int kNumDeviceTypes = 1;

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  // "CPU": the name kernels register under and TF's device strings use.
  std::string_view type_name() const;
  // TF's full spelling, "/device:CPU:0".
  std::string str() const;
  friend bool operator==(const Device&, const Device&) = default;
};

// The one spelling of the CPU device: Session's default and where host
// arrays live.
inline constexpr Device kCpuDevice{};

// Parses TF's device spellings ("CPU", "cpu", "CPU:0", "/cpu:0",
// "/device:CPU:0"; empty means CPU). InvalidArgumentError for a device that
// is not built in, as TF's placer reports it.
Device parse_device(std::string_view spec);

// Makes and frees the buffers of one device.
class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual std::string_view name() const = 0;
  virtual Device device() const = 0;
  // Every buffer it returns is aligned to this many bytes.
  virtual size_t alignment() const = 0;
  // At least `bytes` bytes (a valid block for 0); throws std::bad_alloc.
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* data, size_t bytes) = 0;
  // Whether host code may read and write the bytes (np::Array element
  // access); a device allocator (CUDA) says false and the runtime copies at
  // the edges.
  virtual bool host_accessible() const = 0;
};

// Host memory, 64-byte aligned: where np::Array's own buffers come from.
Allocator& host_allocator();
// The allocator of a device's buffers (the plan's buffer pools use it):
// host_allocator() for CPU unless replaced.
Allocator& device_allocator(Device device);
// Makes `allocator` the one for its device; returns the previous one. For
// a new device's backend at start-up, and for tests.
Allocator* set_device_allocator(Allocator* allocator);

// A kernel-private arrangement of an array's elements, such as a oneDNN
// blocked format. An array without one is plain (C-contiguous row-major):
// host code reads only plain arrays, and the runtime converts with
// to_plain() before a value is fetched or read by a kernel that did not
// declare it takes opaque layouts.
class Layout {
 public:
  virtual ~Layout() = default;
  // For messages: "dnnl:AB16b16a".
  virtual std::string name() const = 0;
  // Bytes an array of `shape` and `dtype` occupies in this layout (blocked
  // formats pad).
  virtual size_t bytes(const Shape& shape, DType dtype) const = 0;
  // Writes the elements stored at `src` in this layout to `dst` (plain,
  // shape_size(shape) * itemsize(dtype) bytes).
  virtual void to_plain(const void* src, void* dst, const Shape& shape, DType dtype) const = 0;
};

}  // namespace np
