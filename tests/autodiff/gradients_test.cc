// tf::gradients: path sums, stop_gradient, None for unrelated inputs, names.
#include <gtest/gtest.h>

#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace {

class Gradients : public ::testing::Test {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};
  tf::Session s{g};
};

TEST_F(Gradients, SumsOverMultiplePaths) {
  auto x = tf::placeholder(tf::float64, tf::TensorShape::scalar());
  auto y = x * x + x * 3.0;  // dy/dx = 2x + 3
  auto dx = tf::gradients(y, {x})[0];
  EXPECT_DOUBLE_EQ(s.run(dx, {{x, 2.0}}).item<double>(), 7.0);
}

TEST_F(Gradients, StopGradientBlocks) {
  auto x = tf::placeholder(tf::float64, tf::TensorShape::scalar());
  auto y = x * tf::stop_gradient(x);  // d/dx = stop(x)
  auto dx = tf::gradients(y, {x})[0];
  EXPECT_DOUBLE_EQ(s.run(dx, {{x, 3.0}}).item<double>(), 3.0);
}

TEST_F(Gradients, UnrelatedInputGetsNone) {
  auto x = tf::placeholder(tf::float64, tf::TensorShape::scalar());
  auto z = tf::placeholder(tf::float64, tf::TensorShape::scalar());
  auto grads = tf::gradients(x * 2.0, {x, z});
  EXPECT_TRUE(static_cast<bool>(grads[0]));
  EXPECT_FALSE(static_cast<bool>(grads[1]));
}

TEST_F(Gradients, NonDifferentiableOpsGiveNone) {
  auto x = tf::placeholder(tf::float64, {3});
  auto y = tf::cast(tf::argmax(tf::reshape(x, std::vector<int64_t>{1, 3}), 1), tf::float64);
  EXPECT_FALSE(static_cast<bool>(tf::gradients(y, {x})[0]));
}

TEST_F(Gradients, GradYsWeightTheOutputs) {
  auto x = tf::placeholder(tf::float64, {2});
  auto y = x * 2.0;
  auto dx = tf::gradients({y}, {x}, {tf::constant(np::Array({1.f, 10.f}), tf::float64)})[0];
  np::Array r = s.run(dx, {{x, np::Array({0.f, 0.f}).astype(np::float64)}});
  EXPECT_DOUBLE_EQ(r.at<double>(1), 20.0);
}

TEST_F(Gradients, CastCarriesGradientsBetweenFloatTypes) {
  auto x = tf::placeholder(tf::float64, tf::TensorShape::scalar());
  auto y = tf::cast(tf::cast(x, tf::float32) * 2.0, tf::float64);
  auto dx = tf::gradients(y, {x})[0];
  EXPECT_EQ(dx.dtype(), tf::float64);
  EXPECT_DOUBLE_EQ(s.run(dx, {{x, 1.5}}).item<double>(), 2.0);
}

TEST_F(Gradients, OpsGoUnderGradientsScope) {
  auto x = tf::placeholder(tf::float32, {-1, 4}, "x");
  auto w = tf::placeholder(tf::float32, {4, 2}, "w");
  auto y = tf::matmul(x, w);
  auto dw = tf::gradients(tf::reduce_sum(y), {w})[0];
  EXPECT_EQ(dw.name(), "gradients/MatMul_grad/MatMul_1:0");
  auto again = tf::gradients(tf::reduce_sum(y), {w})[0];
  EXPECT_EQ(again.op().name().rfind("gradients_1/", 0), 0u);
}

TEST_F(Gradients, MlpGradientsMatchFiniteDifferences) {
  auto x = tf::placeholder(tf::float64, {4, 3});
  auto w1 = tf::placeholder(tf::float64, {3, 5});
  auto w2 = tf::placeholder(tf::float64, {5, 2});
  auto h = tf::maximum(tf::matmul(x, w1), 0.0);
  auto loss = tf::reduce_mean(tf::square(tf::matmul(h, w2)));
  auto grads = tf::gradients(loss, {w1, w2});
  np::random::seed(3);
  np::Array xv = np::random::normal(0, 1, {4, 3}), w1v = np::random::normal(0, 1, {3, 5}),
            w2v = np::random::normal(0, 1, {5, 2});
  auto feeds = [&](const np::Array& a) { return tf::FeedDict{{x, xv}, {w1, a}, {w2, w2v}}; };
  np::Array g1 = s.run(grads[0], feeds(w1v));
  for (int64_t i = 0; i < w1v.size(); ++i) {
    np::Array p = w1v.copy(), m = w1v.copy();
    p.set_flat(i, w1v.get_flat(i) + 1e-6);
    m.set_flat(i, w1v.get_flat(i) - 1e-6);
    const double num = (s.run(loss, feeds(p)).item<double>() - s.run(loss, feeds(m)).item<double>()) / 2e-6;
    EXPECT_NEAR(g1.get_flat(i), num, 1e-6);
  }
}

}  // namespace
