// Integration: models written with raw tf:: ops (placeholders, variables,
// matmul, softmax cross-entropy, an optimizer, a session) learn data the test
// generates, to a stated accuracy.
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace {

// n points in 2-d, label = which of 3 Gaussian blobs (linearly separable).
std::pair<np::Array, np::Array> blobs(int64_t n, uint64_t seed) {
  np::random::seed(seed);
  np::Array x = np::random::normal(0, 0.5, {n, 2}).astype(np::float32);
  np::Array y = np::zeros({n, 3});
  const float cx[3] = {-2, 2, 0}, cy[3] = {-1, -1, 2};
  for (int64_t i = 0; i < n; ++i) {
    const int k = static_cast<int>(i % 3);
    x.at<float>(i, 0) += cx[k];
    x.at<float>(i, 1) += cy[k];
    y.at<float>(i, k) = 1;
  }
  return {x, y};
}

// n points in [-1,1]^2, label = x*y > 0 (XOR-like: not linearly separable).
std::pair<np::Array, np::Array> quadrants(int64_t n, uint64_t seed) {
  np::random::seed(seed);
  np::Array x = (np::random::uniform(-1, 1, {n, 2})).astype(np::float32);
  np::Array y = np::zeros({n, 2});
  for (int64_t i = 0; i < n; ++i)
    y.at<float>(i, x.at<float>(i, 0) * x.at<float>(i, 1) > 0 ? 1 : 0) = 1;
  return {x, y};
}

double accuracy(tf::Session& s, const tf::Tensor& acc, const tf::Tensor& x, const tf::Tensor& y,
                const std::pair<np::Array, np::Array>& data) {
  return s.run(acc, {{x, data.first}, {y, data.second}}).item<double>();
}

TEST(RawOpsTraining, SoftmaxRegressionSeparatesBlobs) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::set_random_seed(1);
  auto x = tf::placeholder(tf::float32, {-1, 2});
  auto y_ = tf::placeholder(tf::float32, {-1, 3});
  tf::Variable w(tf::zeros({2, 3}), {.name = "w"});
  tf::Variable b(tf::zeros({3}), {.name = "b"});
  auto logits = tf::matmul(x, w) + b.value();
  auto loss = tf::reduce_mean(tf::nn::softmax_cross_entropy_with_logits(y_, logits));
  auto step = tf::train::GradientDescentOptimizer(0.5).minimize(loss);
  auto acc = tf::reduce_mean(tf::cast(tf::equal(tf::argmax(logits, 1), tf::argmax(y_, 1)), tf::float32));
  const auto train = blobs(600, 7), test = blobs(300, 8);
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  for (int i = 0; i < 200; ++i) s.run(step, {{x, train.first}, {y_, train.second}});
  EXPECT_GE(accuracy(s, acc, x, y_, test), 0.97);
}

TEST(RawOpsTraining, TwoLayerMlpLearnsXor) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::set_random_seed(2);
  auto x = tf::placeholder(tf::float32, {-1, 2});
  auto y_ = tf::placeholder(tf::float32, {-1, 2});
  tf::Variable w1(tf::random_normal({2, 32}, {.stddev = 1.0}), {.name = "w1"});
  tf::Variable b1(tf::zeros({32}), {.name = "b1"});
  tf::Variable w2(tf::random_normal({32, 2}, {.stddev = 0.2}), {.name = "w2"});
  tf::Variable b2(tf::zeros({2}), {.name = "b2"});
  auto h = tf::nn::relu(tf::nn::bias_add(tf::matmul(x, w1), b1));
  auto logits = tf::nn::bias_add(tf::matmul(h, w2), b2);
  auto loss = tf::reduce_mean(tf::nn::softmax_cross_entropy_with_logits(y_, logits));
  auto step = tf::train::AdamOptimizer(0.02).minimize(loss);
  auto acc = tf::reduce_mean(tf::cast(tf::equal(tf::argmax(logits, 1), tf::argmax(y_, 1)), tf::float32));
  const auto train = quadrants(1000, 3), test = quadrants(500, 4);
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  const double before = accuracy(s, acc, x, y_, test);
  for (int i = 0; i < 400; ++i) s.run(step, {{x, train.first}, {y_, train.second}});
  const double after = accuracy(s, acc, x, y_, test);
  EXPECT_GE(after, 0.93) << "accuracy before training " << before;
}

}  // namespace
