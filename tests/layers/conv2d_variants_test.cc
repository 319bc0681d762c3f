// tf::layers conv2d_transpose / Conv2DTranspose and separable_conv2d /
// SeparableConv2D: TF's variable and op names, reuse, shapes in both data
// formats, errors, and a net of both that trains.
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/tf.h"

namespace {

using kpp_test::message_of;

class Conv2DVariantsTest : public ::testing::Test {
 protected:
  tf::Graph graph;
  tf::Graph::DefaultGuard guard{graph};
  tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 6, 5, 3}), "x");
};

TEST_F(Conv2DVariantsTest, NamesShapesAndReuse) {
  const tf::Tensor t = tf::layers::conv2d_transpose(x, 4, {3, 3}, {.strides = 2, .padding = "same",
                                                                   .activation = tf::nn::relu});
  EXPECT_EQ(t.name(), "conv2d_transpose/Relu:0");
  EXPECT_EQ(t.shape(), tf::TensorShape({-1, 12, 10, 4}));
  EXPECT_EQ(t.op().input(0).op().input(0).name(), "conv2d_transpose/conv2d_transpose:0");
  const tf::Tensor v = tf::layers::conv2d_transpose(x, 2, {3, 2}, {.strides = {2, 1}});
  EXPECT_EQ(v.shape(), tf::TensorShape({-1, 13, 6, 2}));
  const tf::Tensor s = tf::layers::separable_conv2d(x, 8, 3, {.depth_multiplier = 2});
  EXPECT_EQ(s.name(), "separable_conv2d/BiasAdd:0");
  EXPECT_EQ(s.op().input(0).name(), "separable_conv2d/separable_conv2d:0");
  EXPECT_EQ(s.op().input(0).op().input(0).name(), "separable_conv2d/separable_conv2d/depthwise:0");
  EXPECT_EQ(s.shape(), tf::TensorShape({-1, 4, 3, 8}));
  std::vector<std::string> names;
  for (const auto& var : tf::global_variables()) names.push_back(var.name());
  EXPECT_EQ(names, (std::vector<std::string>{"conv2d_transpose/kernel:0", "conv2d_transpose/bias:0",
                                             "conv2d_transpose_1/kernel:0", "conv2d_transpose_1/bias:0",
                                             "separable_conv2d/depthwise_kernel:0",
                                             "separable_conv2d/pointwise_kernel:0", "separable_conv2d/bias:0"}));
  EXPECT_EQ(tf::global_variables()[0].value().shape(), tf::TensorShape({3, 3, 4, 3}));
  EXPECT_EQ(tf::global_variables()[4].value().shape(), tf::TensorShape({3, 3, 3, 2}));
  EXPECT_EQ(tf::global_variables()[5].value().shape(), tf::TensorShape({1, 1, 6, 8}));
  {
    tf::variable_scope scope("net");
    tf::layers::separable_conv2d(x, 8, 3, {.name = "sep"});
  }
  {
    tf::variable_scope scope("net", {.reuse = true});
    tf::layers::separable_conv2d(x, 8, 3, {.name = "sep"});
  }
  EXPECT_EQ(tf::global_variables().size(), 10u);
  EXPECT_EQ(tf::global_variables()[7].name(), "net/sep/depthwise_kernel:0");
  tf::layers::Conv2DTranspose layer(2, 2, {.strides = 2, .data_format = "channels_first", .use_bias = false});
  const tf::Tensor nchw = tf::placeholder(tf::float32, tf::TensorShape({2, 3, 5, 6}));
  EXPECT_EQ(layer(nchw).shape(), tf::TensorShape({2, 2, 10, 12}));
  EXPECT_EQ(layer.kernel().value().shape(), tf::TensorShape({2, 2, 2, 3}));
  tf::layers::SeparableConv2D sep(4, 3, {.padding = "same", .data_format = "channels_first"});
  EXPECT_EQ(sep(nchw).shape(), tf::TensorShape({2, 4, 5, 6}));
  EXPECT_EQ(sep.pointwise_kernel().value().shape(), tf::TensorShape({1, 1, 3, 4}));
}

TEST_F(Conv2DVariantsTest, Errors) {
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::layers::conv2d_transpose(x, 4, 3, {.padding = "full"}); }),
            "The `padding` argument must be one of \"valid\", \"same\". Received: full");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::layers::separable_conv2d(x, 4, 3, {.data_format = "NCHW"}); }),
            "The `data_format` argument must be one of \"channels_first\", \"channels_last\". Received: NCHW");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::layers::conv2d_transpose(x, 4, 3, {.strides = 0}); }),
            "conv2d_transpose: kernel_size and strides must be positive");
  const tf::Tensor small = tf::placeholder(tf::float32, tf::TensorShape({1, 2, 2, 3}));
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::layers::separable_conv2d(small, 4, 3); })
                .find("Negative dimension size caused by subtracting 3 from 2"),
            std::string::npos);
  const tf::Tensor rank3 = tf::placeholder(tf::float32, tf::TensorShape({2, 5, 3}));
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::layers::conv2d_transpose(rank3, 4, 3); })
                .find("expected ndim=4, found ndim=3"),
            std::string::npos);
}

// An encoder-decoder of separable convs and a transpose conv fits a fixed
// batch: the loss falls, and a rerun repeats it bit for bit.
std::vector<double> train_autoencoder() {
  tf::Graph g;
  auto guard = g.as_default();
  np::Array batch = np::Array::empty({4, 8, 8, 2}, np::float32);
  for (int64_t i = 0; i < batch.size(); ++i) batch.set_flat(i, std::sin(0.21 * static_cast<double>(i)));
  const tf::Tensor in = tf::constant(batch);
  tf::Tensor h = tf::layers::separable_conv2d(in, 6, 3, {.strides = 2, .padding = "same", .activation = tf::nn::relu,
                                                         .depthwise_initializer = tf::glorot_uniform_initializer(5),
                                                         .pointwise_initializer = tf::glorot_uniform_initializer(6)});
  h = tf::layers::conv2d_transpose(h, 2, 2, {.strides = 2, .kernel_initializer = tf::glorot_uniform_initializer(7)});
  const tf::Tensor loss = tf::reduce_mean(tf::square(h - in));
  const tf::Operation step = tf::train::AdamOptimizer(0.01).minimize(loss);
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  std::vector<double> losses;
  for (int i = 0; i < 40; ++i) losses.push_back(s.run(std::vector<tf::Tensor>{loss}, {}, {step})[0].item<double>());
  return losses;
}

TEST(Conv2DVariantsTraining, AutoencoderTrainsAndRepeats) {
  const std::vector<double> losses = train_autoencoder();
  EXPECT_LT(losses.back(), losses.front() * 0.7);
  EXPECT_EQ(train_autoencoder(), losses);
}

}  // namespace
