// keras.losses and keras.metrics against values computed by hand in double
// from Keras 2.0.2's formulas; names, aliases and get()'s errors.
#include <cmath>

#include "train_test_util.h"

namespace keras_train_test {
namespace {

using LossFn = keras::losses::LossFunctionPtr;
constexpr double kEps = 1e-7;

class LossesTest : public KerasTrainTest {
 protected:
  // Evaluates fn(y_true, y_pred) on float64 constants.
  static np::Array run(LossFn fn, const np::Array& t, const np::Array& p) {
    tf::Session sess;
    return sess.run(fn(tf::constant(t.astype(np::float64)), tf::constant(p.astype(np::float64))));
  }
  static np::Array m(std::vector<double> v, np::Shape s) { return np::Array::from_vector(v, s); }
  // Per row of 2x3 data, the expected values from a function of (t, p) rows.
  static void expect_rows(LossFn fn, const std::function<double(const double*, const double*)>& ref,
                          const np::Array& t, const np::Array& p) {
    np::Array got = run(fn, t, p);
    ASSERT_EQ(got.shape(), (np::Shape{t.shape(0)}));
    np::Array t64 = t.astype(np::float64), p64 = p.astype(np::float64);
    const int64_t d = t.shape(1);
    for (int64_t i = 0; i < t.shape(0); ++i)
      EXPECT_NEAR(got.get_flat(i), ref(t64.data<double>() + i * d, p64.data<double>() + i * d), 1e-9)
          << "row " << i;
  }
};

const np::Array kT = np::Array::from_vector<double>({0.0, 1.0, 0.0, 1.0, 0.0, 0.0}, {2, 3});
const np::Array kP = np::Array::from_vector<double>({0.2, 0.7, 0.1, 0.5, 0.3, 0.2}, {2, 3});
const np::Array kR1 = np::Array::from_vector<double>({1.5, -2.0, 0.5, 3.0, 0.0, -1.0}, {2, 3});
const np::Array kR2 = np::Array::from_vector<double>({1.0, -1.0, 2.0, 2.5, 0.5, -0.5}, {2, 3});

template <class F> auto row_mean(F f) {
  return [f](const double* t, const double* p) {
    double s = 0;
    for (int j = 0; j < 3; ++j) s += f(t[j], p[j]);
    return s / 3;
  };
}

TEST_F(LossesTest, RegressionLosses) {
  expect_rows(keras::losses::mean_squared_error,
              row_mean([](double t, double p) { return (p - t) * (p - t); }), kR1, kR2);
  expect_rows(keras::losses::mean_absolute_error,
              row_mean([](double t, double p) { return std::abs(p - t); }), kR1, kR2);
  expect_rows(keras::losses::mean_absolute_percentage_error,
              row_mean([](double t, double p) { return 100.0 * std::abs((t - p) / std::max(std::abs(t), kEps)); }),
              kR1, kR2);
  expect_rows(keras::losses::mean_squared_logarithmic_error, row_mean([](double t, double p) {
                const double a = std::log(std::max(p, kEps) + 1), b = std::log(std::max(t, kEps) + 1);
                return (a - b) * (a - b);
              }),
              kR1, kR2);
  expect_rows(keras::losses::hinge, row_mean([](double t, double p) { return std::max(1 - t * p, 0.0); }),
              kR1, kR2);
  expect_rows(keras::losses::squared_hinge, row_mean([](double t, double p) {
                const double h = std::max(1 - t * p, 0.0);
                return h * h;
              }),
              kR1, kR2);
  expect_rows(keras::losses::poisson, row_mean([](double t, double p) { return p - t * std::log(p + kEps); }),
              kT, kP);
}

TEST_F(LossesTest, CrossentropiesOnProbabilities) {
  // Unnormalised predictions: categorical_crossentropy rescales rows first.
  const np::Array p = np::Array::from_vector<double>({0.4, 1.4, 0.2, 0.5, 0.3, 0.0}, {2, 3});
  expect_rows(keras::losses::categorical_crossentropy,
              [](const double* t, const double* p) {
                const double s = p[0] + p[1] + p[2];
                double l = 0;
                for (int j = 0; j < 3; ++j) l -= t[j] * std::log(std::clamp(p[j] / s, kEps, 1 - kEps));
                return l;
              },
              kT, p);
  expect_rows(keras::losses::binary_crossentropy, row_mean([](double t, double p) {
                const double q = std::clamp(p, kEps, 1 - kEps);
                return -(t * std::log(q) + (1 - t) * std::log(1 - q));
              }),
              kT, kP);
  expect_rows(keras::losses::kullback_leibler_divergence,
              [](const double* t, const double* p) {
                double s = 0;
                for (int j = 0; j < 3; ++j) {
                  const double a = std::clamp(t[j], kEps, 1.0), b = std::clamp(p[j], kEps, 1.0);
                  s += a * std::log(a / b);
                }
                return s;
              },
              kT, kP);
  expect_rows(keras::losses::cosine_proximity,
              [](const double* t, const double* p) {
                double nt = 0, np_ = 0, dot = 0;
                for (int j = 0; j < 3; ++j) nt += t[j] * t[j], np_ += p[j] * p[j], dot += t[j] * p[j];
                // Keras 2.0.2: -mean(l2_normalize(t) * l2_normalize(p)).
                return -dot / std::sqrt(nt) / std::sqrt(np_) / 3.0;
              },
              kR1, kR2);
}

TEST_F(LossesTest, SparseCategoricalCrossentropyMatchesOneHot) {
  const np::Array labels = np::Array::from_vector<double>({1, 0}, {2, 1});
  np::Array sparse = run(keras::losses::sparse_categorical_crossentropy, labels, kP);
  // Clipped probabilities renormalised (log + softmax), as Keras 2.0.2's backend.
  np::Array p = kP.astype(np::float64);
  for (int i = 0; i < 2; ++i) {
    const int c = static_cast<int>(labels.get_flat(i));
    double s = 0;
    for (int j = 0; j < 3; ++j) s += std::clamp(p.at<double>(i, j), kEps, 1 - kEps);
    EXPECT_NEAR(sparse.get_flat(i), -std::log(std::clamp(p.at<double>(i, c), kEps, 1 - kEps) / s), 1e-9);
  }
}

TEST_F(LossesTest, Metrics) {
  // binary_accuracy rounds half to even: 0.5 -> 0.
  const np::Array t = np::Array::from_vector<double>({1, 0, 1, 0, 1, 0}, {2, 3});
  const np::Array p = np::Array::from_vector<double>({0.9, 0.5, 0.5, 0.2, 0.6, 0.51}, {2, 3});
  np::Array b = run(keras::metrics::binary_accuracy, t, p);
  EXPECT_NEAR(b.get_flat(0), 2.0 / 3, 1e-12);
  EXPECT_NEAR(b.get_flat(1), 2.0 / 3, 1e-12);
  np::Array c = run(keras::metrics::categorical_accuracy, kT, kP);
  EXPECT_EQ(c.to_vector<double>(), (std::vector<double>{1, 1}));
  np::Array c2 = run(keras::metrics::categorical_accuracy, kT,
                     np::Array::from_vector<double>({0.5, 0.2, 0.3, 0.1, 0.8, 0.1}, {2, 3}));
  EXPECT_EQ(c2.to_vector<double>(), (std::vector<double>{0, 0}));
  np::Array s = run(keras::metrics::sparse_categorical_accuracy,
                    np::Array::from_vector<double>({1, 2}, {2, 1}), kP);
  EXPECT_EQ(s.to_vector<double>(), (std::vector<double>{1, 0}));
}

TEST_F(LossesTest, TopKCategoricalAccuracy) {
  // 6 classes; the target is rank 1, 3 and 6 in the three rows.
  const np::Array p = np::Array::from_vector<double>({0.1, 0.5, 0.1, 0.1, 0.1, 0.1,   //
                                                      0.3, 0.05, 0.2, 0.25, 0.1, 0.1,  //
                                                      0.3, 0.2, 0.2, 0.1, 0.15, 0.05},
                                                     {3, 6});
  np::Array t = np::zeros({3, 6}, np::float64);
  t.at<double>(0, 1) = 1;
  t.at<double>(1, 2) = 1;
  t.at<double>(2, 5) = 1;
  tf::Session sess;
  auto topk = [&](int k) {
    return sess.run(keras::metrics::top_k_categorical_accuracy(tf::constant(t), tf::constant(p), k)).item<double>();
  };
  EXPECT_NEAR(topk(1), 1.0 / 3, 1e-12);
  EXPECT_NEAR(topk(3), 2.0 / 3, 1e-12);
  EXPECT_NEAR(topk(5), 2.0 / 3, 1e-12);
  EXPECT_NEAR(topk(6), 1.0, 1e-12);
}

TEST_F(LossesTest, NamesAliasesAndUnknownNames) {
  EXPECT_EQ(keras::losses::Loss("mse").name(), "mean_squared_error");
  EXPECT_EQ(keras::losses::Loss(keras::losses::mae).name(), "mean_absolute_error");
  EXPECT_EQ(keras::losses::Loss("kld").builtin(), &keras::losses::kullback_leibler_divergence);
  EXPECT_EQ(keras::metrics::Metric("acc").name(), "acc");
  EXPECT_TRUE(keras::metrics::Metric("accuracy").is_accuracy());
  EXPECT_EQ(keras::metrics::Metric("mse").name(), "mean_squared_error");
  EXPECT_EQ(keras::metrics::Metric("top_k_categorical_accuracy").name(), "top_k_categorical_accuracy");
  try {
    keras::losses::Loss("foo");
    FAIL() << "no error";
  } catch (const keraspp::ValueError& e) {
    EXPECT_STREQ(e.what(), "Unknown loss function:foo");
  }
  try {
    keras::metrics::Metric("foo");
    FAIL() << "no error";
  } catch (const keraspp::ValueError& e) {
    EXPECT_STREQ(e.what(), "Unknown metric function:foo");
  }
}

}  // namespace
}  // namespace keras_train_test
