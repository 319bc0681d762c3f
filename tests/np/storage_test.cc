// np::Storage's allocator and device, device spellings, and arrays in an
// opaque layout (np::Layout): host code reads them only through to_plain().
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>

#include "keraspp/np.h"
#include "support/counting_allocator.h"

namespace {

TEST(Device, ParsesTfSpellingsOfTheCpu) {
  for (const char* spec : {"", "CPU", "cpu", "CPU:0", "/cpu:0", "/device:CPU:0",
                           "/job:localhost/replica:0/task:0/device:CPU:0"})
    EXPECT_EQ(np::parse_device(spec), np::kCpuDevice) << spec;
  EXPECT_EQ(np::kCpuDevice.str(), "/device:CPU:0");
  EXPECT_EQ(np::kCpuDevice.type_name(), "CPU");
  EXPECT_THROW(np::parse_device("/gpu:0"), tf::errors::InvalidArgumentError);
  EXPECT_THROW(np::parse_device("/cpu:1"), tf::errors::InvalidArgumentError);
}

using test_support::CountingAllocator;

TEST(Storage, RecordsItsAllocatorAndDevice) {
  np::Array a = np::zeros({3});
  EXPECT_EQ(&a.storage()->allocator(), &np::host_allocator());
  EXPECT_EQ(a.storage()->device(), np::kCpuDevice);
  EXPECT_TRUE(a.storage()->host_accessible());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.raw_data()) % np::host_allocator().alignment(), 0u);
  CountingAllocator counting;
  {
    auto st = std::make_shared<np::Storage>(10, counting);
    EXPECT_EQ(counting.allocations.load(), 1);
    EXPECT_EQ(st->allocator().name(), "counting");
    np::Array b(st, 0, {2}, np::float32);
    b.fill(3);
    EXPECT_FLOAT_EQ(b.at<float>(1), 3.f);
  }
  EXPECT_EQ(counting.frees.load(), 1);
}

TEST(Storage, TheDefaultDeviceAllocatorIsTheHostOne) {
  EXPECT_EQ(&np::device_allocator(np::kCpuDevice), &np::host_allocator());
  CountingAllocator counting;
  np::Allocator* previous = np::set_device_allocator(&counting);
  EXPECT_EQ(previous, &np::host_allocator());
  EXPECT_EQ(&np::device_allocator(np::kCpuDevice), &counting);
  np::set_device_allocator(previous);
}

// A layout storing a matrix transposed (column-major): opaque to host code.
class Transposed final : public np::Layout {
 public:
  std::string name() const override { return "transposed"; }
  size_t bytes(const np::Shape& shape, np::DType dtype) const override {
    return static_cast<size_t>(np::shape_size(shape)) * np::itemsize(dtype);
  }
  void to_plain(const void* src, void* dst, const np::Shape& shape, np::DType) const override {
    const auto* in = static_cast<const float*>(src);
    auto* out = static_cast<float*>(dst);
    for (int64_t i = 0; i < shape[0]; ++i)
      for (int64_t j = 0; j < shape[1]; ++j) out[i * shape[1] + j] = in[j * shape[0] + i];
  }
};

TEST(OpaqueLayout, ElementAccessNeedsAnExplicitConversion) {
  // Plain [[0, 1, 2], [3, 4, 5]] stored column-major: 0 3 1 4 2 5.
  const float stored[] = {0, 3, 1, 4, 2, 5};
  auto st = std::make_shared<np::Storage>(sizeof stored);
  std::memcpy(st->data(), stored, sizeof stored);
  const np::Array a(st, 0, {2, 3}, np::float32, std::make_shared<const Transposed>());
  EXPECT_FALSE(a.is_plain());
  EXPECT_EQ(a.layout()->name(), "transposed");
  EXPECT_THROW(a.data<float>(), keraspp::TypeError);
  EXPECT_THROW(a.get_flat(1), keraspp::TypeError);
  EXPECT_THROW(a.reshape({3, 2}), keraspp::TypeError);
  EXPECT_THROW(a.slice(0, 1), keraspp::TypeError);
  const np::Array plain = a.to_plain();
  EXPECT_TRUE(plain.is_plain());
  EXPECT_EQ(plain.to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(np::array_equal(a.copy(), plain));
  // A plain array converts to itself.
  EXPECT_EQ(plain.to_plain().raw_data(), plain.raw_data());
}

}  // namespace
