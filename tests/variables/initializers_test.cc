// Initializers: values and statistics against TF 1.x's formulas, configs,
// seeds, and the Qr op's full decomposition.
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/tf.h"

namespace {

using kpp_test::message_of;

struct Moments {
  double mean = 0, std = 0, min = 1e300, max = -1e300;
};
Moments moments(const np::Array& a) {
  Moments m;
  const double n = static_cast<double>(a.size());
  for (int64_t i = 0; i < a.size(); ++i) {
    const double v = a.get_flat(i);
    m.mean += v / n;
    m.min = std::min(m.min, v);
    m.max = std::max(m.max, v);
  }
  for (int64_t i = 0; i < a.size(); ++i) m.std += std::pow(a.get_flat(i) - m.mean, 2) / n;
  m.std = std::sqrt(m.std);
  return m;
}

// The value `init` gives a variable of `shape` in a fresh graph.
np::Array init_value(const tf::Initializer& init, const std::vector<int64_t>& shape,
                     tf::DType dtype = tf::float32, std::optional<int64_t> graph_seed = 7) {
  tf::Graph g;
  auto guard = g.as_default();
  if (graph_seed) tf::set_random_seed(*graph_seed);
  tf::Variable v =
      tf::get_variable("v", tf::TensorShape(shape), {.dtype = dtype, .initializer = init});
  tf::Session sess(g);
  sess.run(v.initializer());
  return sess.run(v.value());
}

TEST(Initializers, ComputeFansAsTF) {
  EXPECT_EQ(tf::compute_fans({}), (std::pair<double, double>{1, 1}));
  EXPECT_EQ(tf::compute_fans({5}), (std::pair<double, double>{5, 5}));
  EXPECT_EQ(tf::compute_fans({784, 512}), (std::pair<double, double>{784, 512}));
  EXPECT_EQ(tf::compute_fans({3, 3, 16, 32}), (std::pair<double, double>{144, 288}));
}

TEST(Initializers, ZerosOnesConstant) {
  const np::Array z = init_value(tf::zeros_initializer(), {2, 3});
  const np::Array o = init_value(tf::ones_initializer(), {4}, tf::int32);
  const np::Array c = init_value(tf::constant_initializer(2.5), {2, 2}, tf::float64);
  for (int64_t i = 0; i < 6; ++i) EXPECT_EQ(z.get_flat(i), 0.0);
  EXPECT_EQ(o.dtype(), tf::int32);
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(o.get_flat(i), 1.0);
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(c.get_flat(i), 2.5);
  // A shorter list is padded with its last value (TF 1.x's constant(value, shape)).
  const np::Array p = init_value(tf::constant_initializer(np::Array({1.f, 2.f, 3.f})), {2, 3});
  EXPECT_EQ(std::vector<double>({p.get_flat(0), p.get_flat(2), p.get_flat(3), p.get_flat(5)}),
            std::vector<double>({1, 3, 3, 3}));
  EXPECT_EQ(message_of<keraspp::TypeError>([] {
              init_value(
                  tf::constant_initializer(np::Array({1.f, 2.f, 3.f, 4.f}), {.verify_shape = true}),
                  {2, 2});
            }),
            "Expected Tensor's shape: (2, 2), got (4,). for variable 'v'");
}

TEST(Initializers, UniformAndNormalMoments) {
  const Moments u = moments(init_value(tf::random_uniform_initializer(-2.0, 4.0), {200, 100}));
  EXPECT_GE(u.min, -2.0);
  EXPECT_LT(u.max, 4.0);
  EXPECT_NEAR(u.mean, 1.0, 0.05);
  EXPECT_NEAR(u.std, 6.0 / std::sqrt(12.0), 0.03);
  const Moments n = moments(init_value(tf::random_normal_initializer(1.0, 3.0), {200, 100}));
  EXPECT_NEAR(n.mean, 1.0, 0.08);
  EXPECT_NEAR(n.std, 3.0, 0.06);
  const Moments t = moments(init_value(tf::truncated_normal_initializer(0.0, 2.0), {200, 100}));
  EXPECT_GE(t.min, -4.0);
  EXPECT_LE(t.max, 4.0);
  // A normal cut at two stddev keeps 0.87962566 of its stddev.
  EXPECT_NEAR(t.std, 2.0 * 0.87962566103423978, 0.04);
}

TEST(Initializers, GlorotUniformLimit) {
  const double limit = std::sqrt(6.0 / (300 + 200));
  const Moments g = moments(init_value(tf::glorot_uniform_initializer(), {300, 200}));
  EXPECT_GE(g.min, -limit);
  EXPECT_LE(g.max, limit);
  EXPECT_GT(g.max, 0.99 * limit);
  EXPECT_NEAR(g.std, limit / std::sqrt(3.0), 0.01 * limit);
}

TEST(Initializers, VarianceScalingStddevs) {
  // he_normal on a conv kernel: truncated normal, stddev sqrt(2 / fan_in).
  const double he = std::sqrt(2.0 / (3 * 3 * 32));
  const Moments h = moments(init_value(tf::he_normal(), {3, 3, 32, 64}));
  EXPECT_LE(h.max, 2 * he);
  EXPECT_NEAR(h.std, he * 0.87962566103423978, 0.03 * he);
  // fan_out uniform: limit sqrt(3 * scale / fan_out).
  const double lim = std::sqrt(3.0 * 0.5 / 150);
  const Moments f =
      moments(init_value(tf::variance_scaling_initializer(
                             {.scale = 0.5, .mode = "fan_out", .distribution = "uniform"}),
                         {400, 150}));
  EXPECT_LE(f.max, lim);
  EXPECT_GT(f.max, 0.99 * lim);
  const double lecun = std::sqrt(1.0 / 400);
  EXPECT_NEAR(moments(init_value(tf::lecun_uniform(), {400, 100})).std, lecun, 0.02 * lecun);
  EXPECT_NEAR(moments(init_value(tf::he_uniform(), {400, 100})).std, std::sqrt(2.0) * lecun,
              0.03 * lecun);
  const double gn = std::sqrt(2.0 / 500);
  EXPECT_NEAR(moments(init_value(tf::glorot_normal_initializer(), {400, 100})).std,
              gn * 0.87962566103423978, 0.03 * gn);
  EXPECT_NEAR(moments(init_value(tf::lecun_normal(), {400, 100})).std, lecun * 0.87962566103423978,
              0.03 * lecun);
  EXPECT_EQ(message_of<keraspp::ValueError>([] { tf::variance_scaling_initializer({.scale = 0}); }),
            "`scale` must be positive float.");
  EXPECT_EQ(
      message_of<keraspp::ValueError>([] { tf::variance_scaling_initializer({.mode = "fan"}); }),
      "Invalid `mode` argument: fan");
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [] { tf::variance_scaling_initializer({.distribution = "cauchy"}); }),
            "Invalid `distribution` argument: cauchy");
}

// q^T q (or q q^T) for a [rows, cols] value.
double max_gram_error(const np::Array& q, int64_t rows, int64_t cols, bool by_columns,
                      double gain) {
  const int64_t k = by_columns ? cols : rows, len = by_columns ? rows : cols;
  double err = 0;
  for (int64_t a = 0; a < k; ++a)
    for (int64_t b = 0; b < k; ++b) {
      double dot = 0;
      for (int64_t i = 0; i < len; ++i)
        dot += by_columns ? q.get_flat(i * cols + a) * q.get_flat(i * cols + b)
                          : q.get_flat(a * cols + i) * q.get_flat(b * cols + i);
      err = std::max(err, std::abs(dot - (a == b ? gain * gain : 0.0)));
    }
  return err;
}

TEST(Initializers, OrthogonalIsOrthonormal) {
  const np::Array tall = init_value(tf::orthogonal_initializer(), {50, 20}, tf::float64);
  EXPECT_LT(max_gram_error(tall, 50, 20, true, 1.0), 1e-12);
  const np::Array wide = init_value(tf::orthogonal_initializer(), {20, 50}, tf::float64);
  EXPECT_LT(max_gram_error(wide, 20, 50, false, 1.0), 1e-12);
  const np::Array conv = init_value(tf::orthogonal_initializer(2.0), {3, 3, 4, 8});
  EXPECT_LT(max_gram_error(conv, 36, 8, true, 2.0), 1e-5);
  EXPECT_EQ(message_of<keraspp::ValueError>([] { init_value(tf::orthogonal_initializer(), {5}); }),
            "The tensor to initialize must be at least two-dimensional for variable 'v'");
}

TEST(Initializers, SeedsReproduceUnderTheGraphSeed) {
  const np::Array a = init_value(tf::glorot_uniform_initializer(), {10, 10}, tf::float32, 42);
  const np::Array b = init_value(tf::glorot_uniform_initializer(), {10, 10}, tf::float32, 42);
  const np::Array c = init_value(tf::glorot_uniform_initializer(), {10, 10}, tf::float32, 43);
  int same_ab = 0, same_ac = 0;
  for (int64_t i = 0; i < 100; ++i) {
    same_ab += a.get_flat(i) == b.get_flat(i);
    same_ac += a.get_flat(i) == c.get_flat(i);
  }
  EXPECT_EQ(same_ab, 100);
  EXPECT_LT(same_ac, 5);
  // An op seed alone is deterministic too (TF's default graph seed).
  const np::Array d =
      init_value(tf::random_normal_initializer(0.0, 1.0, 5), {8}, tf::float32, std::nullopt);
  const np::Array e =
      init_value(tf::random_normal_initializer(0.0, 1.0, 5), {8}, tf::float32, std::nullopt);
  for (int64_t i = 0; i < 8; ++i) EXPECT_EQ(d.get_flat(i), e.get_flat(i));
}

TEST(Initializers, ClassNamesAndConfigs) {
  EXPECT_EQ(tf::glorot_uniform_initializer().class_name(), "VarianceScaling");
  EXPECT_EQ(tf::config_str(tf::glorot_uniform_initializer().get_config()),
            "{'scale': 1.0, 'mode': 'fan_avg', 'distribution': 'uniform', 'seed': None}");
  EXPECT_EQ(tf::config_str(tf::random_uniform_initializer(-0.05, 0.05, 3).get_config()),
            "{'minval': -0.05, 'maxval': 0.05, 'seed': 3}");
  EXPECT_EQ(tf::config_str(tf::orthogonal_initializer().get_config()),
            "{'gain': 1.0, 'seed': None}");
  EXPECT_EQ(tf::zeros_initializer().class_name(), "Zeros");
  EXPECT_EQ(tf::config_str(tf::zeros_initializer().get_config()), "{}");
  EXPECT_EQ(tf::Initializer().class_name(), "None");
}

TEST(Qr, FullMatricesReconstructs) {
  tf::Graph g;
  auto guard = g.as_default();
  np::Array a = np::Array::empty({4, 2}, np::float64);
  const double vals[] = {1, 2, 3, 4, 5, 6, 7, 9};
  for (int i = 0; i < 8; ++i) a.set_flat(i, vals[i]);
  auto [q, r] = tf::qr(tf::constant(a), true);
  EXPECT_EQ(q.shape().str(), "(4, 4)");
  EXPECT_EQ(r.shape().str(), "(4, 2)");
  tf::Session sess(g);
  auto out = sess.run({q, r});
  EXPECT_LT(max_gram_error(out[0], 4, 4, true, 1.0), 1e-12);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j) {
      double s = 0;
      for (int p = 0; p < 4; ++p) s += out[0].get_flat(i * 4 + p) * out[1].get_flat(p * 2 + j);
      EXPECT_NEAR(s, vals[i * 2 + j], 1e-12);
      if (i > j) EXPECT_EQ(out[1].get_flat(i * 2 + j), 0.0);
    }
  EXPECT_GE(out[1].get_flat(0), 0.0);
  EXPECT_GE(out[1].get_flat(3), 0.0);
}

}  // namespace
