// tf::nn conv2d_transpose, depthwise_conv2d, separable_conv2d, tf::pad and
// tf::split beyond the conformance cases: default names, static shapes,
// TF's ValueErrors at construction, agreement with the ops they stand for,
// and a depthwise/transpose net whose training repeats bit for bit at any
// team size and allocates nothing in steady state.
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/tf.h"

namespace {

using kpp_test::message_of;
using Dims = std::vector<int64_t>;

np::Array ramp(const np::Shape& s, double scale) {
  np::Array a = np::Array::empty(s, np::float32);
  for (int64_t i = 0; i < a.size(); ++i) a.set_flat(i, std::sin(scale * static_cast<double>(i + 1)));
  return a;
}

TEST(ConvFamilyOps, NamesAndShapesAreTFs) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 6, 5, 3}), "x");
  const tf::Tensor dw = tf::placeholder(tf::float32, tf::TensorShape({3, 3, 3, 2}), "dw");
  const tf::Tensor pw = tf::placeholder(tf::float32, tf::TensorShape({1, 1, 6, 4}), "pw");
  const tf::Tensor d = tf::nn::depthwise_conv2d(x, dw, {1, 2, 2, 1}, "SAME");
  EXPECT_EQ(d.name(), "depthwise:0");
  EXPECT_EQ(d.op().type(), "DepthwiseConv2dNative");
  EXPECT_EQ(d.shape(), tf::TensorShape({-1, 3, 3, 6}));
  const tf::Tensor s = tf::nn::separable_conv2d(x, dw, pw, {1, 1, 1, 1}, "VALID");
  EXPECT_EQ(s.name(), "separable_conv2d:0");
  EXPECT_EQ(s.op().input(0).name(), "separable_conv2d/depthwise:0");
  EXPECT_EQ(s.shape(), tf::TensorShape({-1, 4, 3, 4}));
  const tf::Tensor dilated = tf::nn::depthwise_conv2d(x, dw, {1, 1, 1, 1}, "SAME", {2, 2});
  EXPECT_EQ(dilated.op().get_attr<std::vector<int64_t>>("dilations"), Dims({1, 2, 2, 1}));
  // conv2d_transpose's filter is [KH, KW, out, in].
  const tf::Tensor f = tf::placeholder(tf::float32, tf::TensorShape({3, 3, 2, 3}), "f");
  const tf::Tensor t = tf::nn::conv2d_transpose(x, f, Dims{4, 12, 10, 2}, {1, 2, 2, 1});
  EXPECT_EQ(t.name(), "conv2d_transpose:0");
  EXPECT_EQ(t.op().type(), "Conv2DBackpropInput");
  EXPECT_EQ(t.shape(), tf::TensorShape({4, 12, 10, 2}));
  const auto grads = tf::gradients(tf::reduce_sum(d), {x, dw});
  EXPECT_EQ(grads[0].op().type(), "DepthwiseConv2dNativeBackpropInput");
  EXPECT_EQ(grads[1].op().type(), "DepthwiseConv2dNativeBackpropFilter");
  EXPECT_EQ(grads[1].shape(), tf::TensorShape({3, 3, 3, 2}));
  const tf::Tensor padded = tf::pad(x, {{0, 0}, {1, 2}, {3, 0}, {0, 0}});
  EXPECT_EQ(padded.name(), "Pad:0");
  EXPECT_EQ(padded.shape(), tf::TensorShape({-1, 9, 8, 3}));
  const auto parts = tf::split(x, 3, 3);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2].name(), "split:2");
  EXPECT_EQ(parts[0].shape(), tf::TensorShape({-1, 6, 5, 1}));
  const auto uneven = tf::split(x, Dims{2, -1}, 1);
  EXPECT_EQ(uneven[1].shape(), tf::TensorShape({-1, 4, 5, 3}));
}

TEST(ConvFamilyOps, ConstructionErrorsUseTFWording) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 6, 5, 3}), "x");
  const tf::Tensor f = tf::placeholder(tf::float32, tf::TensorShape({3, 3, 2, 4}), "f");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::nn::conv2d_transpose(x, f, Dims{1, 12, 10, 2}, {1, 2, 2, 1}); }),
            "input channels does not match filter's input channels, 3 != 4");
  const tf::Tensor f3 = tf::placeholder(tf::float32, tf::TensorShape({3, 3, 2, 3}), "f3");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::nn::conv2d_transpose(x, f3, Dims{1, 12, 10, 5}, {1, 2, 2, 1}); }),
            "output_shape does not match filter's output channels, 5 != 2");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::nn::conv2d_transpose(x, f3, Dims{1, 12, 2}, {1, 2, 2, 1}); }),
            "output_shape must have shape (4,), got (3,)");
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { tf::nn::conv2d_transpose(x, f3, Dims{1, 12, 10, 2}, {1, 2, 2, 1}, "FULL"); }),
            "padding must be either VALID or SAME: FULL");
  // An output_shape the strides cannot produce: the backprop's shape check.
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::nn::conv2d_transpose(x, f3, Dims{1, 30, 10, 2}, {1, 2, 2, 1}); })
                .find("Dimensions must be equal"),
            std::string::npos);
  const tf::Tensor dw = tf::placeholder(tf::float32, tf::TensorShape({3, 3, 4, 1}), "dw");
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::nn::depthwise_conv2d(x, dw, {1, 1, 1, 1}, "SAME"); })
                .find("Dimensions must be equal, but are 3 and 4 for 'depthwise"),
            std::string::npos);
  const tf::Tensor dw3 = tf::placeholder(tf::float32, tf::TensorShape({3, 3, 3, 1}), "dw3");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::nn::depthwise_conv2d(x, dw3, {1, 2, 2, 1}, "SAME", {2, 2}); }),
            "strides > 1 not supported in conjunction with dilation_rate > 1");
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::nn::depthwise_conv2d(x, dw3, {1, 0, 1, 1}, "SAME"); })
                .find("stride must be > 0, but got 0"),
            std::string::npos);
  const tf::Tensor small = tf::placeholder(tf::float32, tf::TensorShape({1, 2, 2, 3}));
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::nn::depthwise_conv2d(small, dw3, {1, 1, 1, 1}, "VALID"); })
                .find("Negative dimension size caused by subtracting 3 from 2"),
            std::string::npos);
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::split(x, 4, 1); })
                .find("Dimension size must be evenly divisible by 4 but is 6"),
            std::string::npos);
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::split(x, Dims{2, 2}, 1); }).find("Determined shape must"),
            std::string::npos);
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::pad(x, {{0, 0}, {1, 1}}); }).find("Shape must be rank"),
            std::string::npos);
}

// conv2d_transpose is Conv2D's input gradient; separable_conv2d is a
// depthwise conv then a 1x1 conv: the same numbers, bit for bit.
TEST(ConvFamilyOps, AgreeWithTheOpsTheyStandFor) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::constant(ramp({2, 7, 6, 3}, 0.31));
  const tf::Tensor f = tf::constant(ramp({3, 3, 3, 4}, 0.17));
  const tf::Tensor y = tf::nn::conv2d(x, f, {1, 2, 2, 1}, "SAME");
  const tf::Tensor dy = tf::constant(ramp({2, 4, 3, 4}, 0.23));
  const tf::Tensor dx = tf::gradients(tf::reduce_sum(y * dy), {x})[0];
  const tf::Tensor t = tf::nn::conv2d_transpose(dy, f, Dims{2, 7, 6, 3}, {1, 2, 2, 1}, "SAME");
  const tf::Tensor dw = tf::constant(ramp({2, 2, 3, 2}, 0.41)), pw = tf::constant(ramp({1, 1, 6, 5}, 0.29));
  const tf::Tensor sep = tf::nn::separable_conv2d(x, dw, pw, {1, 1, 1, 1}, "SAME");
  const tf::Tensor two = tf::nn::conv2d(tf::nn::depthwise_conv2d(x, dw, {1, 1, 1, 1}, "SAME"), pw, {1, 1, 1, 1}, "VALID");
  tf::Session s(g);
  const auto r = s.run(std::vector<tf::Tensor>{dx, t, sep, two});
  EXPECT_TRUE(np::array_equal(r[0], r[1]));
  EXPECT_TRUE(np::array_equal(r[2], r[3]));
}

// depthwise -> relu -> transpose conv -> pad -> split, SGD on a fixed batch.
std::vector<double> train_depthwise_net(int threads, uint64_t* steady_allocations) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::constant(ramp({8, 6, 6, 2}, 0.37));
  tf::Variable dw(tf::random_normal(Dims{3, 3, 2, 2}, {.stddev = 0.3, .seed = 3}), {.name = "dw"});
  tf::Variable tw(tf::random_normal(Dims{2, 2, 2, 4}, {.stddev = 0.3, .seed = 4}), {.name = "tw"});
  tf::Tensor h = tf::nn::relu(tf::nn::depthwise_conv2d(x, dw.value(), {1, 2, 2, 1}, "SAME"));  // [8, 3, 3, 4]
  h = tf::nn::conv2d_transpose(h, tw.value(), Dims{8, 6, 6, 2}, {1, 2, 2, 1}, "SAME");
  const auto parts = tf::split(tf::pad(h, {{0, 0}, {1, 1}, {1, 1}, {0, 0}}), 2, 3);
  const tf::Tensor loss = tf::reduce_mean(tf::square(parts[0] - 0.5)) + tf::reduce_mean(tf::square(parts[1]));
  const tf::Operation step = tf::train::GradientDescentOptimizer(0.2).minimize(loss);
  tf::Session s(g, {.intra_op_parallelism_threads = threads});
  s.run(tf::global_variables_initializer());
  std::vector<double> losses;
  uint64_t before = 0;
  for (int i = 0; i < 12; ++i) {
    if (i == 3) before = np::Storage::allocation_count();
    losses.push_back(s.run(std::vector<tf::Tensor>{loss}, {}, {step})[0].item<double>());
  }
  if (steady_allocations) *steady_allocations = np::Storage::allocation_count() - before;
  return losses;
}

TEST(ConvFamilyTraining, RepeatsBitForBitAtAnyTeamSizeAndAllocatesNothing) {
  uint64_t allocations = 1;
  const std::vector<double> one = train_depthwise_net(1, &allocations);
  EXPECT_EQ(allocations, 0u);
  EXPECT_LT(one.back(), one.front());
  EXPECT_EQ(train_depthwise_net(2, nullptr), one);
}

}  // namespace
