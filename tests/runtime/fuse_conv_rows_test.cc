// The fusion table's attribute conditions, on the conv rows: Conv2D ->
// BiasAdd fuses only when both have one data_format (a BiasAdd along the
// last axis of an NCHW convolution is another computation), and the values
// are the unfused plan's either way.
#include <gtest/gtest.h>

#include "keraspp/np/random.h"
#include "keraspp/tf.h"
#include "support/graph_checks.h"

namespace {

using kpp_test::bit_equal;

np::Array values(const np::Shape& shape, uint64_t seed) {
  np::random::seed(seed);
  return np::random::uniform(-1.0, 1.0, shape).astype(np::float32);
}

// Runs y fused and unfused; returns whether the fused plan ran `op`.
bool fuses(const tf::Graph& g, const tf::Tensor& y, const tf::FeedDict& feeds, const std::string& op) {
  tf::Session fused(g);
  tf::Session plain(g, {.optimize_plans = false});
  fused.set_profiling(true);
  EXPECT_TRUE(bit_equal(fused.run(y, feeds), plain.run(y, feeds)));
  return fused.profile_report().find("\n" + op + " ") != std::string::npos;
}

TEST(FuseConvRows, DataFormatsMustMatch) {
  tf::Graph g;
  auto guard = g.as_default();
  // NCHW [2, 4, 6, 6] -> [2, 6, 6, 6]: a bias of 6 fits axis 1 and axis 3.
  const tf::Tensor x = tf::placeholder(tf::float32, {2, 4, 6, 6}, "x");
  const tf::Tensor w = tf::constant(values({3, 3, 4, 6}, 2));
  const tf::Tensor conv = tf::nn::conv2d(x, w, {1, 1, 1, 1}, "SAME", "NCHW");  // [2, 6, 6, 6]
  const tf::Tensor b = tf::constant(values({6}, 3));
  const tf::FeedDict feeds{{x, values({2, 4, 6, 6}, 1)}};
  // Along the last axis (NHWC's channels) of an NCHW output: not the fused op.
  EXPECT_FALSE(fuses(g, tf::nn::relu(tf::nn::bias_add(conv, b)), feeds, "_FusedConv2DRelu"));
  EXPECT_TRUE(fuses(g, tf::nn::relu(tf::nn::bias_add(conv, b, "NCHW")), feeds, "_FusedConv2DRelu"));
  EXPECT_FALSE(fuses(g, tf::nn::bias_add(conv, b), feeds, "_FusedConv2D"));
  EXPECT_TRUE(fuses(g, tf::nn::bias_add(conv, b, "NCHW"), feeds, "_FusedConv2D"));
}

// A float64 chain has no fused kernel: it runs unfused.
TEST(FuseConvRows, Float64StaysUnfused) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float64, {1, 5, 5, 2}, "x");
  const tf::Tensor w = tf::constant(values({3, 3, 2, 3}, 2).astype(np::float64));
  const tf::Tensor b = tf::constant(values({3}, 3).astype(np::float64));
  const tf::Tensor y = tf::nn::relu(tf::nn::bias_add(tf::nn::conv2d(x, w, {1, 1, 1, 1}, "VALID"), b));
  EXPECT_FALSE(fuses(g, y, {{x, values({1, 5, 5, 2}, 1).astype(np::float64)}}, "_FusedConv2DRelu"));
}

}  // namespace
