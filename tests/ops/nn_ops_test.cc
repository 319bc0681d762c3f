// tf::nn beyond the conformance cases: TF's op names and error texts, the
// activations as std::function values, fused gradients in use, and a small
// softmax-regression model that trains.
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "keraspp/tf.h"

namespace {

using kpp_test::message_of;

TEST(NnOps, DefaultNames) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 10}));
  tf::Tensor b = tf::placeholder(tf::float32, tf::TensorShape({10}));
  EXPECT_EQ(tf::nn::relu(x).name(), "Relu:0");
  EXPECT_EQ(tf::nn::relu(x).name(), "Relu_1:0");
  EXPECT_EQ(tf::nn::softmax(x).name(), "Softmax:0");
  EXPECT_EQ(tf::nn::log_softmax(x).name(), "LogSoftmax:0");
  EXPECT_EQ(tf::nn::bias_add(x, b).name(), "BiasAdd:0");
  EXPECT_EQ(tf::nn::elu(x, "act").name(), "act:0");
  {
    tf::name_scope scope("dense");
    EXPECT_EQ(tf::nn::relu(tf::nn::bias_add(x, b)).name(), "dense/Relu:0");
  }
  tf::Tensor y = tf::placeholder(tf::float32, tf::TensorShape({-1, 10}));
  tf::Tensor loss = tf::nn::softmax_cross_entropy_with_logits(y, x);
  EXPECT_EQ(loss.name(), "SoftmaxCrossEntropyWithLogits:0");
  EXPECT_EQ(loss.shape(), tf::TensorShape({-1}));
  EXPECT_EQ(loss.op().output(1).shape(), tf::TensorShape({-1, 10}));
  tf::Tensor labels = tf::placeholder(tf::int64, tf::TensorShape({-1}));
  tf::Tensor sparse = tf::nn::sparse_softmax_cross_entropy_with_logits({.labels = labels, .logits = x});
  EXPECT_EQ(sparse.name(),
            "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits:0");
  EXPECT_EQ(sparse.shape(), tf::TensorShape({-1}));
}

TEST(NnOps, ActivationsAreFunctionValues) {
  tf::Graph g;
  auto guard = g.as_default();
  std::vector<std::function<tf::Tensor(const tf::Tensor&)>> fns = {
      tf::nn::relu, tf::nn::relu6, tf::nn::elu, tf::nn::selu, tf::nn::softplus,
      tf::nn::softsign, tf::nn::sigmoid, tf::nn::tanh, tf::nn::leaky_relu, tf::nn::softmax};
  const std::vector<std::string> types = {"Relu", "Relu6", "Elu", "Selu", "Softplus", "Softsign",
                                          "Sigmoid", "Tanh", "LeakyRelu", "Softmax"};
  tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({2, 3}));
  for (size_t i = 0; i < fns.size(); ++i) EXPECT_EQ(fns[i](x).op().type(), types[i]);
  EXPECT_DOUBLE_EQ(tf::nn::leaky_relu(x).op().get_attr<double>("alpha"), 0.2);
}

TEST(NnOps, ShapeErrorsUseTFWording) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor v = tf::placeholder(tf::float32, tf::TensorShape({2, 10}));
  tf::Tensor b = tf::placeholder(tf::float32, tf::TensorShape({5}));
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::nn::bias_add(v, b); }),
            "Dimensions must be equal, but are 10 and 5 for 'BiasAdd' (op: 'BiasAdd') with input "
            "shapes: [2,10], [5].");
  tf::Tensor labels2d = tf::placeholder(tf::int32, tf::TensorShape({2, 10}));
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { tf::nn::sparse_softmax_cross_entropy_with_logits(labels2d, v); }),
            "Rank mismatch: Rank of labels (received 2) should equal rank of logits minus 1 "
            "(received 2).");
  EXPECT_EQ(message_of<keraspp::TypeError>(
                [&] { tf::nn::sparse_softmax_cross_entropy_with_logits(v, v); }),
            "Value passed to parameter 'labels' has DataType float not in list of allowed values: "
            "int32, int64");
  tf::Tensor other = tf::placeholder(tf::float32, tf::TensorShape({2, 5}));
  EXPECT_THROW(tf::nn::softmax_cross_entropy_with_logits(other, v), keraspp::ValueError);
  EXPECT_THROW(tf::nn::softmax(v, 2), keraspp::ValueError);
  // TF's apply_op checks the dtype against the op's schema (a TypeError).
  EXPECT_EQ(message_of<keraspp::TypeError>([] { tf::nn::relu(tf::placeholder(tf::bool_)); }),
            "Value passed to parameter 'features' has DataType bool not in list of allowed "
            "values: float32, float64, int32, int64, uint8");
  EXPECT_EQ(message_of<keraspp::TypeError>([&] { tf::nn::elu(tf::placeholder(tf::int32)); }),
            "Value passed to parameter 'features' has DataType int32 not in list of allowed values: "
            "float32, float64");
}

// TF's Relu and Relu6 take `T: realnumbertypes`: integers too.
TEST(NnOps, ReluAndRelu6OnIntegers) {
  tf::Graph g;
  auto guard = g.as_default();
  const auto x32 = np::Array::from_vector(std::vector<int32_t>{-3, 0, 4, 7}, {2, 2});
  const auto x64 = np::Array::from_vector(std::vector<int64_t>{-3, 0, 4, 7}, {4});
  tf::Tensor r32 = tf::nn::relu(tf::constant(x32));
  tf::Tensor r6_32 = tf::nn::relu6(tf::constant(x32));
  tf::Tensor r64 = tf::nn::relu(tf::constant(x64));
  tf::Tensor r6_64 = tf::nn::relu6(tf::constant(x64));
  EXPECT_EQ(r32.dtype(), tf::int32);
  EXPECT_EQ(r64.dtype(), tf::int64);
  EXPECT_EQ(r32.shape().str(), "(2, 2)");
  tf::Session s(g);
  const auto out = s.run({r32, r6_32, r64, r6_64});
  const std::vector<double> relu = {0, 0, 4, 7}, relu6 = {0, 0, 4, 6};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(out[0].get_flat(i), relu[i]);
    EXPECT_EQ(out[1].get_flat(i), relu6[i]);
    EXPECT_EQ(out[2].get_flat(i), relu[i]);
    EXPECT_EQ(out[3].get_flat(i), relu6[i]);
  }
  EXPECT_EQ(out[0].dtype(), np::int32);
  EXPECT_EQ(out[3].dtype(), np::int64);
}

TEST(NnOps, SparseLabelOutOfRangeAtRunTime) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor logits = tf::placeholder(tf::float32, tf::TensorShape({-1, 10}));
  tf::Tensor labels = tf::placeholder(tf::int32, tf::TensorShape({-1}));
  tf::Tensor loss = tf::nn::sparse_softmax_cross_entropy_with_logits(labels, logits);
  tf::Session s(g);
  const auto bad = np::Array::from_vector(std::vector<int32_t>{1, 12, 3}, {3});
  EXPECT_EQ(message_of<tf::errors::InvalidArgumentError>(
                [&] { s.run(loss, {{logits, np::zeros({3, 10})}, {labels, bad}}); }),
            "Received a label value of 12 which is outside the valid range of [0, 10).  Label "
            "values: 1 12 3");
  const auto neg = np::Array::from_vector(std::vector<int32_t>{-1, 0, 3}, {3});
  EXPECT_THROW(s.run(loss, {{logits, np::zeros({3, 10})}, {labels, neg}}),
               tf::errors::InvalidArgumentError);
  const auto good = np::Array::from_vector(std::vector<int32_t>{1, 9, 0}, {3});
  const np::Array l = s.run(loss, {{logits, np::zeros({3, 10})}, {labels, good}});
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(l.get_flat(i), std::log(10.0), 1e-6);
}

TEST(NnOps, BiasAddRunTimeMismatch) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor v = tf::placeholder(tf::float32, tf::TensorShape({-1, -1}));
  tf::Tensor b = tf::placeholder(tf::float32, tf::TensorShape({-1}));
  tf::Tensor y = tf::nn::bias_add(v, b);
  tf::Session s(g);
  EXPECT_THROW(s.run(y, {{v, np::zeros({2, 10})}, {b, np::zeros({5})}}),
               tf::errors::InvalidArgumentError);
}

TEST(NnOps, SoftmaxStableAndNormalised) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({2, 3}));
  tf::Tensor p = tf::nn::softmax(x);
  tf::Tensor lp = tf::nn::log_softmax(x);
  tf::Session s(g);
  const np::Array in = np::Array::from_vector(std::vector<float>{1000, 1001, 1002, -1000, 0, 1000}, {2, 3});
  auto r = s.run(std::vector<tf::Tensor>{p, lp}, {{x, in}});
  EXPECT_NEAR(r[0].at<float>(0, 2), 0.66524096f, 1e-6);
  EXPECT_NEAR(r[0].at<float>(1, 2), 1.0f, 1e-6);
  EXPECT_EQ(r[0].at<float>(1, 0), 0.0f);
  EXPECT_NEAR(r[1].at<float>(1, 0), -2000.0f, 1e-3);  // finite where softmax underflows
  EXPECT_NEAR(r[1].at<float>(0, 0), -2.40760596f, 1e-5);
}

// The fused gradient of softmax cross-entropy is (softmax - labels) * g.
TEST(NnOps, CrossEntropyGradientIsSoftmaxMinusLabels) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor x = tf::placeholder(tf::float64, tf::TensorShape({2, 3}));
  tf::Tensor y = tf::constant(np::Array::from_vector(std::vector<double>{0, 1, 0, 0.5, 0.5, 0}, {2, 3}));
  tf::Tensor loss = tf::reduce_mean(tf::nn::softmax_cross_entropy_with_logits(y, x));
  tf::Tensor dx = tf::gradients(loss, {x})[0];
  tf::Session s(g);
  const np::Array in = np::Array::from_vector(std::vector<double>{0.5, -1, 2, 0, 0, 1}, {2, 3});
  auto r = s.run(std::vector<tf::Tensor>{dx, tf::nn::softmax(x)}, {{x, in}});
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      EXPECT_NEAR(r[0].at<double>(i, j), (r[1].at<double>(i, j) - (i == 0 ? j == 1 : (j < 2) * 0.5)) / 2,
                  1e-12);
}

// Softmax regression with bias_add, relu features and the sparse loss learns
// a separable 3-class problem with plain gradient descent.
TEST(NnOps, SmallModelTrains) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::set_random_seed(1);
  const int64_t n = 300;
  np::Array xs = np::Array::empty({n, 2}, np::float32);
  np::Array ys = np::Array::empty({n}, np::int32);
  for (int64_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % 3);
    const double a = 2.0943951 * c + 0.3 * std::sin(static_cast<double>(i));
    xs.at<float>(i, 0) = static_cast<float>(2 * std::cos(a));
    xs.at<float>(i, 1) = static_cast<float>(2 * std::sin(a));
    ys.at<int32_t>(i) = c;
  }
  tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 2}));
  tf::Tensor y = tf::placeholder(tf::int32, tf::TensorShape({-1}));
  tf::Variable w1(tf::random_normal({2, 16}, {.stddev = 0.5}), {.name = "w1"});
  tf::Variable b1(tf::zeros({16}), {.name = "b1"});
  tf::Variable w2(tf::truncated_normal({16, 3}, {.stddev = 0.5}), {.name = "w2"});
  tf::Variable b2(tf::zeros({3}), {.name = "b2"});
  tf::Tensor h = tf::nn::relu(tf::nn::bias_add(tf::matmul(x, w1), b1));
  tf::Tensor logits = tf::nn::bias_add(tf::matmul(h, w2), b2);
  tf::Tensor loss = tf::reduce_mean(tf::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
  tf::Operation step = tf::train::GradientDescentOptimizer(0.5).minimize(loss);
  tf::Tensor acc = tf::reduce_mean(tf::cast(tf::equal(tf::argmax(logits, 1), tf::cast(y, tf::int64)), tf::float32));
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  const double first = s.run(loss, {{x, xs}, {y, ys}}).item<double>();
  for (int i = 0; i < 200; ++i) s.run(step, {{x, xs}, {y, ys}});
  EXPECT_LT(s.run(loss, {{x, xs}, {y, ys}}).item<double>(), 0.1 * first);
  EXPECT_EQ(s.run(acc, {{x, xs}, {y, ys}}).item<double>(), 1.0);
}

}  // namespace
