// tf::layers conv2d / max_pooling2d / average_pooling2d: TF's variable and
// op names, sharing through reuse, shapes in both data formats, errors, and
// a small CNN that trains.
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include "keraspp/tf.h"

namespace {

using kpp_test::message_of;

class ConvLayersTest : public ::testing::Test {
 protected:
  tf::Graph graph;
  tf::Graph::DefaultGuard guard{graph};
  tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 12, 12, 3}), "x");
};

TEST_F(ConvLayersTest, NamesShapesAndReuse) {
  tf::Tensor h = tf::layers::conv2d(x, 8, {3, 3}, {.padding = "same", .activation = tf::nn::relu});
  EXPECT_EQ(h.name(), "conv2d/Relu:0");
  EXPECT_EQ(h.shape(), tf::TensorShape({-1, 12, 12, 8}));
  EXPECT_EQ(h.op().input(0).op().input(0).name(), "conv2d/convolution:0");
  tf::Tensor h2 = tf::layers::conv2d(h, 4, 3, {.strides = 2});
  EXPECT_EQ(h2.shape(), tf::TensorShape({-1, 5, 5, 4}));
  tf::Tensor p = tf::layers::max_pooling2d(h, {2, 2}, {2, 2});
  EXPECT_EQ(p.name(), "max_pooling2d/MaxPool:0");
  EXPECT_EQ(p.shape(), tf::TensorShape({-1, 6, 6, 8}));
  tf::Tensor a = tf::layers::average_pooling2d(h, 3, 2, {.padding = "same"});
  EXPECT_EQ(a.name(), "average_pooling2d/AvgPool:0");
  EXPECT_EQ(a.shape(), tf::TensorShape({-1, 6, 6, 8}));
  std::vector<std::string> names;
  for (const auto& v : tf::global_variables()) names.push_back(v.name());
  EXPECT_EQ(names, (std::vector<std::string>{"conv2d/kernel:0", "conv2d/bias:0", "conv2d_1/kernel:0",
                                             "conv2d_1/bias:0"}));
  {
    tf::variable_scope scope("net");
    tf::layers::conv2d(x, 8, 3, {.name = "c"});
  }
  {
    tf::variable_scope scope("net", {.reuse = true});
    tf::layers::conv2d(x, 8, 3, {.name = "c"});
  }
  EXPECT_EQ(tf::global_variables().size(), 6u);
  EXPECT_EQ(tf::global_variables()[4].name(), "net/c/kernel:0");
  EXPECT_EQ(tf::global_variables()[4].value().shape(), tf::TensorShape({3, 3, 3, 8}));
  tf::layers::Conv2D layer(2, {1, 2}, {.data_format = "channels_first", .use_bias = false});
  tf::Tensor nchw = tf::placeholder(tf::float32, tf::TensorShape({2, 3, 5, 6}));
  EXPECT_EQ(layer(nchw).shape(), tf::TensorShape({2, 2, 5, 5}));
  EXPECT_EQ(layer.kernel().value().shape(), tf::TensorShape({1, 2, 3, 2}));
}

TEST_F(ConvLayersTest, Errors) {
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::layers::conv2d(x, 4, 3, {.padding = "full"}); }),
            "The `padding` argument must be one of \"valid\", \"same\". Received: full");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::layers::conv2d(x, 4, 3, {.data_format = "NHWC"}); }),
            "The `data_format` argument must be one of \"channels_first\", \"channels_last\". Received: NHWC");
  tf::Tensor small = tf::placeholder(tf::float32, tf::TensorShape({1, 2, 2, 3}));
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::layers::conv2d(small, 4, 3); }),
            "Negative dimension size caused by subtracting 3 from 2 for 'conv2d/convolution' (op: 'Conv2D') with "
            "input shapes: [1,2,2,3], [3,3,3,4].");
}

// conv -> pool -> dense on a separable toy problem: the mean brightness of
// the left vs the right half decides the class.
TEST_F(ConvLayersTest, SmallCnnTrains) {
  tf::Tensor images = tf::placeholder(tf::float32, tf::TensorShape({-1, 8, 8, 1}));
  tf::Tensor labels = tf::placeholder(tf::float32, tf::TensorShape({-1, 2}));
  tf::Tensor h = tf::layers::conv2d(images, 4, 3, {.padding = "same", .activation = tf::nn::relu});
  h = tf::layers::max_pooling2d(h, 2, 2);
  h = tf::layers::average_pooling2d(h, 2, 2);
  tf::Tensor logits = tf::layers::dense(tf::reshape(h, std::vector<int64_t>{-1, 2 * 2 * 4}), 2);
  tf::Tensor loss = tf::reduce_mean(tf::nn::softmax_cross_entropy_with_logits(labels, logits));
  tf::Operation step = tf::train::GradientDescentOptimizer(0.5).minimize(loss);
  np::Array bx = np::zeros({16, 8, 8, 1}, np::float32), by = np::zeros({16, 2}, np::float32);
  for (int64_t n = 0; n < 16; ++n) {
    const bool left = n % 2 == 0;
    for (int64_t r = 0; r < 8; ++r)
      for (int64_t c = 0; c < 8; ++c)
        bx.set_flat((n * 8 + r) * 8 + c, ((c < 4) == left ? 1.0 : 0.0) * (0.5 + 0.03 * static_cast<double>(n)));
    by.set_flat(n * 2 + (left ? 0 : 1), 1);
  }
  tf::Session s(graph);
  s.run(tf::global_variables_initializer());
  tf::FeedDict feeds{{images, bx}, {labels, by}};
  const double first = s.run(loss, feeds).item<double>();
  for (int i = 0; i < 100; ++i) s.run(std::vector<tf::Tensor>{}, feeds, {step});
  EXPECT_LT(s.run(loss, feeds).item<double>(), 0.1 * first);
}

}  // namespace
