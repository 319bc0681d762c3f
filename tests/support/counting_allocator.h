// An np::Allocator that counts what goes through it and hands it on to the
// host allocator, standing in for a device's in tests of the buffer seam.
#pragma once
#include <atomic>
#include <string_view>

#include "keraspp/np/device.h"

namespace test_support {

class CountingAllocator final : public np::Allocator {
 public:
  std::string_view name() const override { return "counting"; }
  np::Device device() const override { return np::kCpuDevice; }
  size_t alignment() const override { return np::host_allocator().alignment(); }
  void* allocate(size_t bytes) override {
    ++allocations;
    return np::host_allocator().allocate(bytes);
  }
  void deallocate(void* data, size_t bytes) override {
    ++frees;
    np::host_allocator().deallocate(data, bytes);
  }
  bool host_accessible() const override { return true; }
  std::atomic<int> allocations{0}, frees{0};
};

}  // namespace test_support
