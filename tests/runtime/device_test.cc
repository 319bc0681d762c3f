// The device/buffer seam: device spellings, plans allocating through their
// device's allocator, kernel lookup by device, values in a kernel-private
// (oneDNN blocked) layout converted at the edges, and the shared oneDNN
// primitive cache.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "kernels/cpu/dnnl_context.h"
#include "kernels/kernel.h"
#include "keraspp/graph/op_registry.h"
#include "keraspp/ops/builder.h"
#include "keraspp/tf.h"
#include "support/counting_allocator.h"

namespace {

namespace dctx = tf::kernels::cpu::dnnl_context;

// ---- test-only ops --------------------------------------------------------
// TestToBlocked(x: float [m, n]) -> x in oneDNN's AB16b16a blocked format
// (16x16 tiles, padded). TestIsPlain / TestIsPlainAccepting(x) -> bool: whether
// the kernel saw x plain; only the second is registered as taking opaque
// layouts.
void same_as_input(tf::InferenceContext& c) { c.set_output(0, c.input_dtypes[0], c.input_shapes[0]); }
void bool_scalar(tf::InferenceContext& c) { c.set_output(0, tf::bool_, tf::TensorShape::scalar()); }

void to_blocked(tf::kernels::KernelContext& ctx) {
  const np::Array& x = ctx.input(0);
  const dnnl::memory::desc desc({x.shape(0), x.shape(1)}, dnnl::memory::data_type::f32,
                                dnnl::memory::format_tag::AB16b16a);
  auto layout = std::make_shared<const dctx::DnnlLayout>(desc, "AB16b16a");
  np::Array& out = ctx.allocate_output(0, x.shape(), tf::float32, layout);
  layout->from_plain(x.raw_data(), out.layout_data());
}

void is_plain(tf::kernels::KernelContext& ctx) {
  *ctx.allocate_output(0, {}, tf::bool_).data<bool>() = ctx.input(0).is_plain();
}

const bool registered = [] {
  // The signature is schema data (TF's REGISTER_OP): one float input `x`.
  auto add_op = [](const char* name, const char* output, tf::ShapeFn fn) {
    tf::OpRegistry::global().add(tf::OpDef{.name = name,
                                           .inputs = {"x: float"},
                                           .outputs = {output},
                                           .shape_fn = std::move(fn),
                                           .differentiable = false});
  };
  add_op("TestToBlocked", "y: float", same_as_input);
  add_op("TestIsPlain", "plain: bool", bool_scalar);
  add_op("TestIsPlainAccepting", "plain: bool", bool_scalar);
  auto& r = tf::kernels::KernelRegistry::global();
  r.add("TestToBlocked", np::kCpuDevice, tf::float32, to_blocked);
  r.add("TestIsPlain", np::kCpuDevice, std::nullopt, is_plain);
  r.add("TestIsPlainAccepting", np::kCpuDevice, std::nullopt, is_plain);
  r.accept_opaque_layouts("TestIsPlainAccepting", np::kCpuDevice);
  return true;
}();

np::Array matrix(int64_t rows, int64_t cols) {
  np::Array a = np::Array::empty({rows, cols});
  for (int64_t i = 0; i < a.size(); ++i) a.data<float>()[i] = static_cast<float>(i % 97) - 40.f;
  return a;
}

class DeviceTest : public ::testing::Test {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};
};

// ---- devices and allocators -----------------------------------------------

TEST_F(DeviceTest, SessionOnAnUnknownDeviceIsRefused) {
  try {
    tf::Session s(g, {.device = "/device:GPU:0"});
    FAIL() << "no error";
  } catch (const tf::errors::InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("'/device:GPU:0'"), std::string::npos) << e.what();
  }
}

TEST(Device, KernelsAreLookedUpByDevice) {
  const auto& r = tf::kernels::KernelRegistry::global();
  EXPECT_NE(r.find("MatMul", np::kCpuDevice, tf::float32), nullptr);
  EXPECT_EQ(r.find("NoSuchOp", np::kCpuDevice, tf::float32), nullptr);
}

using test_support::CountingAllocator;

TEST_F(DeviceTest, PlanBuffersComeFromTheDeviceAllocator) {
  auto x = tf::placeholder(tf::float32, {-1});
  auto y = (x + 1.0) * 2.0;
  CountingAllocator counting;
  np::Allocator* previous = np::set_device_allocator(&counting);
  np::Array out;
  {
    tf::Session s(g);
    out = s.run(y, {{x, np::Array({1.f, 2.f})}});
    EXPECT_GT(counting.allocations.load(), 0);
    EXPECT_EQ(out.storage()->allocator().name(), "counting");
    s.close();
  }
  np::set_device_allocator(previous);
  EXPECT_FLOAT_EQ(out.at<float>(1), 6.f);
  // Host arrays still come from the host allocator.
  EXPECT_EQ(&np::zeros({2}).storage()->allocator(), &np::host_allocator());
  out = np::Array();
}

// ---- opaque layouts -------------------------------------------------------

TEST(OpaqueLayout, HostCodeReadsOnlyPlainArrays) {
  const np::Array x = matrix(20, 37);
  const dnnl::memory::desc desc({20, 37}, dnnl::memory::data_type::f32,
                                dnnl::memory::format_tag::AB16b16a);
  auto layout = std::make_shared<const dctx::DnnlLayout>(desc, "AB16b16a");
  // 16x16 tiles pad 20x37 up to 32x48.
  EXPECT_EQ(layout->bytes(x.shape(), tf::float32), 32u * 48u * 4u);
  np::Array blocked(std::make_shared<np::Storage>(layout->bytes(x.shape(), tf::float32)), 0,
                    x.shape(), tf::float32, layout);
  layout->from_plain(x.raw_data(), blocked.layout_data());
  EXPECT_FALSE(blocked.is_plain());
  EXPECT_THROW(blocked.data<float>(), keraspp::TypeError);
  EXPECT_THROW(blocked.reshape({37, 20}), keraspp::TypeError);
  // Element (0, 16) is the first of the second tile, not the 17th float.
  EXPECT_NE(static_cast<const float*>(blocked.layout_data())[16], x.at<float>(0, 16));
  EXPECT_TRUE(np::array_equal(blocked.to_plain(), x));
  EXPECT_TRUE(np::array_equal(blocked.copy(), x));
}

TEST_F(DeviceTest, FetchAndPlainConsumersSeePlainValues) {
  auto x = tf::placeholder(tf::float32, {-1, 37});
  // Steps run in node order: the accepting kernel reads the blocked value
  // before Mul's conversion replaces it with a plain one.
  auto blocked = tf::op_builder::create1("TestToBlocked", {x});
  auto accepting_seen = tf::op_builder::create1("TestIsPlainAccepting", {blocked});
  auto doubled = blocked * 2.0;
  auto plain_seen = tf::op_builder::create1("TestIsPlain", {blocked});
  tf::Session s(g);
  const np::Array in = matrix(20, 37);
  const auto out = s.run({blocked, doubled, plain_seen, accepting_seen}, {{x, in}});
  EXPECT_TRUE(out[0].is_plain());
  EXPECT_TRUE(np::array_equal(out[0], in));
  EXPECT_TRUE(np::array_equal(out[1], in * 2.0));
  EXPECT_FALSE(out[3].item<bool>());
  EXPECT_TRUE(out[2].item<bool>());
}

TEST_F(DeviceTest, ConversionsReuseBuffersInSteadyState) {
  auto x = tf::placeholder(tf::float32, {-1, 37});
  auto y = tf::reduce_sum(tf::op_builder::create1("TestToBlocked", {x}) * 1.0, 1);
  tf::Session s(g);
  const np::Array in = matrix(20, 37);
  np::Array first = s.run(y, {{x, in}});
  EXPECT_FLOAT_EQ(first.at<float>(0), np::sum(in, 1).at<float>(0));
  for (int i = 0; i < 2; ++i) s.run(y, {{x, in}});
  const uint64_t before = np::Storage::allocation_count();
  for (int i = 0; i < 3; ++i) s.run(y, {{x, in}});
  EXPECT_EQ(np::Storage::allocation_count(), before);
}

// ---- the shared oneDNN context --------------------------------------------

TEST(DnnlContext, OnePrimitiveCacheEntryPerKeyAcrossThreads) {
  std::atomic<int> builds{0};
  std::vector<const int*> seen(8);
  std::latch start(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      dctx::PrimitiveKey key(dnnl::primitive::kind::undef);
      key.add(424242).add(7);
      seen[static_cast<size_t>(t)] = &dctx::cached<int>(key, [&] { return ++builds; });
    });
  for (auto& th : threads) th.join();
  for (const int* p : seen) EXPECT_EQ(p, seen[0]);
  EXPECT_GE(builds.load(), 1);
  dctx::PrimitiveKey other(dnnl::primitive::kind::undef);
  other.add(424242).add(8);
  EXPECT_NE(&dctx::cached<int>(other, [] { return 0; }), seen[0]);
}

}  // namespace
