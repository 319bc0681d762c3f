// keras.initializers: Keras 2.0.2's defaults, formulas, configs and names.
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace K = keras::backend;
namespace I = keras::initializers;

namespace {

class InitializersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    K::clear_session();
    np::random::seed(42);
  }
  void TearDown() override { K::clear_session(); }
  np::Array make(const tf::Initializer& init, const std::vector<int64_t>& shape) {
    return K::get_session().run(init(shape, tf::float32));
  }
};

struct Moments {
  double mean, stddev, min, max;
};
Moments moments(const np::Array& a) {
  double s = 0, s2 = 0, lo = 1e300, hi = -1e300;
  for (int64_t i = 0; i < a.size(); ++i) {
    const double v = a.get_flat(i);
    s += v;
    s2 += v * v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const double n = static_cast<double>(a.size()), m = s / n;
  return {m, std::sqrt(s2 / n - m * m), lo, hi};
}

// The standard deviation of a normal truncated at two standard deviations.
constexpr double kTruncatedStd = 0.87962566103423978;

TEST_F(InitializersTest, KerasDefaults) {
  Moments u = moments(make(I::RandomUniform(), {200, 200}));
  EXPECT_GE(u.min, -0.05);
  EXPECT_LT(u.max, 0.05);
  EXPECT_NEAR(u.stddev, 0.1 / std::sqrt(12.0), 2e-3);
  Moments n = moments(make(I::RandomNormal(), {200, 200}));
  EXPECT_NEAR(n.mean, 0.0, 2e-3);
  EXPECT_NEAR(n.stddev, 0.05, 2e-3);
  Moments t = moments(make(I::TruncatedNormal(), {200, 200}));
  EXPECT_GE(t.min, -0.1);
  EXPECT_LE(t.max, 0.1);
  EXPECT_NEAR(t.stddev, 0.05 * kTruncatedStd, 2e-3);
  EXPECT_TRUE(np::array_equal(make(I::Zeros(), {2, 3}), np::zeros({2, 3})));
  EXPECT_TRUE(np::array_equal(make(I::Ones(), {4}), np::ones({4})));
  EXPECT_TRUE(np::array_equal(make(I::Constant(2.5), {2, 2}), np::full({2, 2}, 2.5)));
}

TEST_F(InitializersTest, VarianceScalingPresets) {
  // glorot_uniform: limit sqrt(6 / (fan_in + fan_out)).
  Moments g = moments(make(I::glorot_uniform(), {300, 200}));
  const double limit = std::sqrt(6.0 / 500.0);
  EXPECT_GE(g.min, -limit);
  EXPECT_LE(g.max, limit);
  EXPECT_GT(g.max, 0.99 * limit);
  // he_normal: truncated normal with stddev sqrt(2 / fan_in).
  Moments h = moments(make(I::he_normal(), {400, 300}));
  EXPECT_NEAR(h.stddev, std::sqrt(2.0 / 400) * kTruncatedStd, 2e-3);
  EXPECT_LE(h.max, 2 * std::sqrt(2.0 / 400) + 1e-6);
  Moments lu = moments(make(I::lecun_uniform(), {400, 300}));
  EXPECT_LE(lu.max, std::sqrt(3.0 / 400));
  Moments hu = moments(make(I::he_uniform(), {400, 300}));
  EXPECT_LE(hu.max, std::sqrt(6.0 / 400));
  EXPECT_GT(hu.max, 0.99 * std::sqrt(6.0 / 400));
  Moments gn = moments(make(I::glorot_normal(), {400, 300}));
  EXPECT_NEAR(gn.stddev, std::sqrt(2.0 / 700) * kTruncatedStd, 2e-3);
  Moments fo = moments(make(I::VarianceScaling({.scale = 3.0, .mode = "fan_out",
                                                .distribution = "uniform"}), {100, 300}));
  EXPECT_LE(fo.max, std::sqrt(9.0 / 300));
  EXPECT_GT(fo.max, 0.99 * std::sqrt(9.0 / 300));
  // Conv kernels (channels_last): receptive field times channels.
  EXPECT_EQ(I::compute_fans({3, 3, 16, 32}), (std::pair<double, double>{144, 288}));
  EXPECT_EQ(I::compute_fans({7}), (std::pair<double, double>{std::sqrt(7.0), std::sqrt(7.0)}));
  try {
    I::VarianceScaling({.scale = 0.0});
    FAIL();
  } catch (const keraspp::ValueError& e) {
    EXPECT_EQ(std::string(e.what()), "`scale` must be a positive float. Got: 0");
  }
  EXPECT_THROW(I::VarianceScaling({.mode = "fan_max"}), keraspp::ValueError);
  EXPECT_THROW(I::VarianceScaling({.distribution = "cauchy"}), keraspp::ValueError);
}

TEST_F(InitializersTest, OrthogonalAndIdentity) {
  np::Array q = make(I::Orthogonal(), {6, 4});
  // Columns are orthonormal: Q^T Q = I.
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 4; ++b) {
      double dot = 0;
      for (int i = 0; i < 6; ++i) dot += q.at<float>(i, a) * q.at<float>(i, b);
      EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-5);
    }
  // Wide shapes get orthonormal rows, scaled by gain.
  np::Array w = make(I::Orthogonal(2.0), {3, 5});
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      double dot = 0;
      for (int j = 0; j < 5; ++j) dot += w.at<float>(a, j) * w.at<float>(b, j);
      EXPECT_NEAR(dot, a == b ? 4.0 : 0.0, 1e-4);
    }
  np::Array eye = make(I::Identity(0.5), {3, 3});
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_EQ(eye.at<float>(i, j), i == j ? 0.5f : 0.f);
  try {
    make(I::Identity(), {3, 4});
    FAIL();
  } catch (const keraspp::ValueError& e) {
    EXPECT_EQ(std::string(e.what()), "Identity matrix initializer can only be used for 2D square matrices.");
  }
}

TEST_F(InitializersTest, NamesConfigsAndSeeds) {
  EXPECT_EQ(I::get("glorot_uniform").class_name(), "VarianceScaling");
  EXPECT_EQ(tf::config_str(I::get("glorot_uniform").get_config()),
            "{'scale': 1.0, 'mode': 'fan_avg', 'distribution': 'uniform', 'seed': None}");
  EXPECT_EQ(tf::config_str(I::get("random_uniform").get_config()),
            "{'minval': -0.05, 'maxval': 0.05, 'seed': None}");
  EXPECT_EQ(tf::config_str(I::RandomNormal({.stddev = 0.01, .seed = 3}).get_config()),
            "{'mean': 0.0, 'stddev': 0.01, 'seed': 3}");
  EXPECT_EQ(I::get("Zeros").class_name(), "Zeros");
  EXPECT_EQ(I::get("normal").class_name(), "RandomNormal");
  try {
    I::get("foo");
    FAIL();
  } catch (const keraspp::ValueError& e) {
    EXPECT_EQ(std::string(e.what()), "Unknown initializer: foo");
  }
  EXPECT_THROW(keras::layers::Dense(2, {.kernel_initializer = "nope"}), keraspp::ValueError);
  // Without a seed, the op seed comes from np::random: reseeding repeats it.
  np::random::seed(5);
  np::Array a = make(I::glorot_uniform(), {10, 10});
  np::random::seed(5);
  np::Array b = make(I::glorot_uniform(), {10, 10});
  EXPECT_TRUE(np::array_equal(a, b));
  np::Array c = make(I::glorot_uniform(), {10, 10});
  EXPECT_FALSE(np::array_equal(a, c));
  // An explicit seed gives the same values whatever np::random's state.
  np::Array s1 = make(I::RandomUniform({.seed = 11}), {5});
  np::Array s2 = make(I::RandomUniform({.seed = 11}), {5});
  EXPECT_TRUE(np::array_equal(s1, s2));
}

TEST_F(InitializersTest, SeededModelsAreReproducible) {
  auto build = [] {
    K::clear_session();
    np::random::seed(1337);
    keras::models::Sequential model;
    model.add(keras::layers::Dense(8, {.input_dim = 4}));
    model.add(keras::layers::Dense(3));
    return model.get_weights();
  };
  auto w1 = build();
  auto w2 = build();
  ASSERT_EQ(w1.size(), 4u);
  for (size_t i = 0; i < w1.size(); ++i) EXPECT_TRUE(np::array_equal(w1[i], w2[i]));
}

}  // namespace
