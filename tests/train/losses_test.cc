// tf::losses against hand-computed values: per-element formulas, weights
// (scalar, per example, per element, zeros), label smoothing, reductions, the
// LOSSES collection, and total loss with regularization losses.
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/tf.h"

namespace {

namespace L = tf::losses;

using kpp_test::message_of;

np::Array mat(const std::vector<double>& v, int64_t rows, int64_t cols) {
  return np::Array::from_vector(v, {rows, cols});
}

class Losses : public ::testing::Test {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};
  double eval(const tf::Tensor& t) {
    tf::Session s(g);
    return s.run(t).get_flat(0);
  }
  // Numerically careful reference: log(sum(exp(row))) - row[k] weighted by labels.
  static double xent(const std::vector<double>& labels, const std::vector<double>& logits) {
    double mx = logits[0];
    for (double v : logits) mx = std::max(mx, v);
    double sum = 0;
    for (double v : logits) sum += std::exp(v - mx);
    const double lse = mx + std::log(sum);
    double l = 0;
    for (size_t i = 0; i < labels.size(); ++i) l += labels[i] * (lse - logits[i]);
    return l;
  }
  static double sigmoid_xent(double z, double x) {
    return std::max(x, 0.0) - x * z + std::log(1 + std::exp(-std::abs(x)));
  }
};

const std::vector<double> kLogits = {2.0, 1.0, 0.1, 0.5, 2.5, -1.0};  // 2 x 3
const std::vector<double> kOneHot = {1, 0, 0, 0, 0, 1};

TEST_F(Losses, SoftmaxCrossEntropyIsTheBatchMean) {
  tf::Tensor loss = L::softmax_cross_entropy(mat(kOneHot, 2, 3), tf::constant(mat(kLogits, 2, 3)));
  const double r0 = xent({1, 0, 0}, {2.0, 1.0, 0.1}), r1 = xent({0, 0, 1}, {0.5, 2.5, -1.0});
  EXPECT_NEAR(eval(loss), (r0 + r1) / 2, 1e-12);
  EXPECT_EQ(loss.name(), "softmax_cross_entropy_loss/value:0");
  EXPECT_EQ(loss.shape(), tf::TensorShape::scalar());
  EXPECT_EQ(loss.dtype(), tf::float64);
}

TEST_F(Losses, SoftmaxCrossEntropyLabelSmoothing) {
  // labels * (1 - 0.3) + 0.3 / 3
  tf::Tensor loss = L::softmax_cross_entropy(mat(kOneHot, 2, 3), tf::constant(mat(kLogits, 2, 3)),
                                             {.label_smoothing = 0.3});
  const double on = 0.7 + 0.1, off = 0.1;
  const double r0 = xent({on, off, off}, {2.0, 1.0, 0.1});
  const double r1 = xent({off, off, on}, {0.5, 2.5, -1.0});
  EXPECT_NEAR(eval(loss), (r0 + r1) / 2, 1e-12);
}

TEST_F(Losses, SoftmaxCrossEntropySmoothingWithUnknownClassCount) {
  tf::Tensor y = tf::placeholder(tf::float64, tf::TensorShape({-1, -1}));
  tf::Tensor loss = L::softmax_cross_entropy(y, tf::constant(mat(kLogits, 2, 3)),
                                             {.label_smoothing = 0.3});
  tf::Session s(g);
  const double on = 0.8, off = 0.1;
  const double want = (xent({on, off, off}, {2.0, 1.0, 0.1}) + xent({off, off, on}, {0.5, 2.5, -1.0})) / 2;
  EXPECT_NEAR(s.run(loss, {{y, mat(kOneHot, 2, 3)}}).item<double>(), want, 1e-12);
}

TEST_F(Losses, PerExampleWeightsDivideByNonZeroCount) {
  // weights [2, 0]: (2 * r0 + 0 * r1) / 1.
  tf::Tensor w = tf::constant(np::Array::from_vector(std::vector<double>{2.0, 0.0}, {2}));
  tf::Tensor loss = L::softmax_cross_entropy(mat(kOneHot, 2, 3), tf::constant(mat(kLogits, 2, 3)),
                                             {.weights = w});
  EXPECT_NEAR(eval(loss), 2 * xent({1, 0, 0}, {2.0, 1.0, 0.1}), 1e-12);
}

TEST_F(Losses, ScalarWeights) {
  tf::Tensor logits = tf::constant(mat(kLogits, 2, 3));
  const double mean = (xent({1, 0, 0}, {2.0, 1.0, 0.1}) + xent({0, 0, 1}, {0.5, 2.5, -1.0})) / 2;
  EXPECT_NEAR(eval(L::softmax_cross_entropy(mat(kOneHot, 2, 3), logits, {.weights = 3.0})),
              3 * mean, 1e-12);
  // Zero weight: nothing present, the safe division gives 0.
  EXPECT_EQ(eval(L::softmax_cross_entropy(mat(kOneHot, 2, 3), logits, {.weights = 0.0})), 0.0);
}

TEST_F(Losses, SparseSoftmaxCrossEntropy) {
  tf::Tensor logits = tf::constant(mat(kLogits, 2, 3));
  tf::Tensor labels = tf::constant(np::Array::from_vector(std::vector<int32_t>{0, 2}, {2}));
  tf::Tensor loss = L::sparse_softmax_cross_entropy(labels, logits);
  const double r0 = xent({1, 0, 0}, {2.0, 1.0, 0.1}), r1 = xent({0, 0, 1}, {0.5, 2.5, -1.0});
  EXPECT_NEAR(eval(loss), (r0 + r1) / 2, 1e-12);
  EXPECT_EQ(loss.name(), "sparse_softmax_cross_entropy_loss/value:0");
  // [batch, 1] labels and weights are squeezed.
  tf::Tensor labels2 = tf::constant(np::Array::from_vector(std::vector<int64_t>{0, 2}, {2, 1}));
  tf::Tensor w = tf::constant(np::Array::from_vector(std::vector<double>{1.0, 3.0}, {2, 1}));
  EXPECT_NEAR(eval(L::sparse_softmax_cross_entropy(labels2, logits, {.weights = w})),
              (r0 + 3 * r1) / 2, 1e-12);
}

TEST_F(Losses, SigmoidCrossEntropy) {
  const std::vector<double> z = {1, 0, 1, 0, 0, 1};
  tf::Tensor logits = tf::constant(mat(kLogits, 2, 3));
  double want = 0, smooth = 0;
  for (size_t i = 0; i < z.size(); ++i) {
    want += sigmoid_xent(z[i], kLogits[i]);
    smooth += sigmoid_xent(z[i] * 0.8 + 0.5 * 0.2, kLogits[i]);
  }
  tf::Tensor loss = L::sigmoid_cross_entropy(mat(z, 2, 3), logits);
  EXPECT_NEAR(eval(loss), want / 6, 1e-12);
  EXPECT_EQ(loss.name(), "sigmoid_cross_entropy_loss/value:0");
  EXPECT_NEAR(eval(L::sigmoid_cross_entropy(mat(z, 2, 3), logits, {.label_smoothing = 0.2})),
              smooth / 6, 1e-12);
  // Large logits do not overflow.
  tf::Tensor big = tf::constant(np::Array::from_vector(std::vector<float>{100.f, -100.f}, {2}));
  EXPECT_NEAR(eval(L::sigmoid_cross_entropy(np::Array({0.f, 1.f}), big)), 100.0, 1e-4);
}

TEST_F(Losses, SigmoidCrossEntropyGradientAtZero) {
  tf::Tensor x = tf::placeholder(tf::float64, tf::TensorShape({2}));
  tf::Tensor loss = L::sigmoid_cross_entropy(np::Array({1.f, 0.f}), x, {.reduction = L::Reduction::SUM});
  tf::Tensor grad = tf::gradients(loss, {x})[0];
  tf::Session s(g);
  const np::Array gv = s.run(grad, {{x, np::zeros({2}, np::float64)}});
  EXPECT_NEAR(gv.get_flat(0), 0.5 - 1.0, 1e-12);  // sigmoid(0) - z
  EXPECT_NEAR(gv.get_flat(1), 0.5, 1e-12);
}

const std::vector<double> kLabels = {1.0, 2.0, -1.0, 0.5};
const std::vector<double> kPred = {1.5, 0.0, -1.2, 3.0};

TEST_F(Losses, MeanSquaredErrorWithElementWeights) {
  tf::Tensor p = tf::constant(mat(kPred, 2, 2));
  double want = 0;
  for (size_t i = 0; i < 4; ++i) want += std::pow(kPred[i] - kLabels[i], 2);
  EXPECT_NEAR(eval(L::mean_squared_error(mat(kLabels, 2, 2), p)), want / 4, 1e-12);
  // Element weights with one zero: sum(w * l) / 3.
  const std::vector<double> w = {1.0, 0.0, 2.0, 0.5};
  double weighted = 0;
  for (size_t i = 0; i < 4; ++i) weighted += w[i] * std::pow(kPred[i] - kLabels[i], 2);
  EXPECT_NEAR(eval(L::mean_squared_error(mat(kLabels, 2, 2), p, {.weights = mat(w, 2, 2)})),
              weighted / 3, 1e-12);
  // Per-row weights [2, 1] broadcast over columns: non-zero count 2 * 2.
  tf::Tensor rows = tf::constant(mat({0.5, 2.0}, 2, 1));
  const double r0 = std::pow(0.5, 2) + std::pow(2.0, 2), r1 = std::pow(0.2, 2) + std::pow(2.5, 2);
  EXPECT_NEAR(eval(L::mean_squared_error(mat(kLabels, 2, 2), p, {.weights = rows})),
              (0.5 * r0 + 2.0 * r1) / 4, 1e-12);
}

TEST_F(Losses, AbsoluteDifference) {
  tf::Tensor loss = L::absolute_difference(mat(kLabels, 2, 2), tf::constant(mat(kPred, 2, 2)));
  EXPECT_NEAR(eval(loss), (0.5 + 2.0 + 0.2 + 2.5) / 4, 1e-12);
  EXPECT_EQ(loss.name(), "absolute_difference/value:0");
}

TEST_F(Losses, LogLoss) {
  const std::vector<double> y = {1, 0, 1, 0}, p = {0.9, 0.2, 0.3, 0.0};
  double want = 0;
  for (size_t i = 0; i < 4; ++i)
    want += -y[i] * std::log(p[i] + 1e-7) - (1 - y[i]) * std::log(1 - p[i] + 1e-7);
  EXPECT_NEAR(eval(L::log_loss(mat(y, 2, 2), tf::constant(mat(p, 2, 2)))), want / 4, 1e-12);
  double want_eps = 0;
  for (size_t i = 0; i < 4; ++i)
    want_eps += -y[i] * std::log(p[i] + 0.01) - (1 - y[i]) * std::log(1 - p[i] + 0.01);
  EXPECT_NEAR(eval(L::log_loss(mat(y, 2, 2), tf::constant(mat(p, 2, 2)), {.epsilon = 0.01})),
              want_eps / 4, 1e-12);
}

TEST_F(Losses, HingeLoss) {
  // labels {0, 1} -> {-1, 1}; max(0, 1 - y * x).
  const std::vector<double> y = {1, 0, 1, 0}, x = {0.3, 0.5, 2.0, -3.0};
  const double want = (0.7 + 1.5 + 0.0 + 0.0) / 4;
  tf::Tensor loss = L::hinge_loss(mat(y, 2, 2), tf::constant(mat(x, 2, 2)));
  EXPECT_NEAR(eval(loss), want, 1e-12);
  EXPECT_EQ(loss.name(), "hinge_loss/value:0");
}

TEST_F(Losses, HuberLoss) {
  // errors 0.5, -2.0, -0.2, 2.5
  auto huber = [](double e, double d) {
    const double a = std::abs(e), q = std::min(a, d);
    return 0.5 * q * q + d * (a - q);
  };
  const std::vector<double> e = {0.5, -2.0, -0.2, 2.5};
  double want = 0, want2 = 0;
  for (double v : e) {
    want += huber(v, 1.0);
    want2 += huber(v, 2.0);
  }
  tf::Tensor p = tf::constant(mat(kPred, 2, 2));
  EXPECT_NEAR(eval(L::huber_loss(mat(kLabels, 2, 2), p)), want / 4, 1e-12);
  EXPECT_NEAR(eval(L::huber_loss(mat(kLabels, 2, 2), p, {.delta = 2.0})), want2 / 4, 1e-12);
}

TEST_F(Losses, Reductions) {
  tf::Tensor p = tf::constant(mat(kPred, 2, 2));
  tf::Tensor w = tf::constant(mat({1.0, 0.0, 2.0, 0.5}, 2, 2));
  const double l[] = {0.5, 2.0, 0.2, 2.5};
  const double sum = 1.0 * l[0] + 0.0 * l[1] + 2.0 * l[2] + 0.5 * l[3];
  auto run = [&](L::Reduction r) {
    return eval(L::absolute_difference(mat(kLabels, 2, 2), p, {.weights = w, .reduction = r}));
  };
  EXPECT_NEAR(run(L::Reduction::SUM), sum, 1e-12);
  EXPECT_NEAR(run(L::Reduction::MEAN), sum / 3.5, 1e-12);
  EXPECT_NEAR(run(L::Reduction::SUM_OVER_BATCH_SIZE), sum / 4, 1e-12);
  EXPECT_NEAR(run(L::Reduction::SUM_BY_NONZERO_WEIGHTS), sum / 3, 1e-12);
  tf::Tensor none = L::absolute_difference(mat(kLabels, 2, 2), p,
                                           {.weights = w, .reduction = L::Reduction::NONE});
  EXPECT_EQ(none.shape(), tf::TensorShape({2, 2}));
  tf::Session s(g);
  const np::Array v = s.run(none);
  EXPECT_NEAR(v.get_flat(2), 2.0 * 0.2, 1e-12);
}

TEST_F(Losses, FloatInputsStayFloat32) {
  tf::Tensor p = tf::placeholder(tf::float32, tf::TensorShape({-1, 2}));
  tf::Tensor loss = L::mean_squared_error(np::Array({1.f, 2.f}).reshape({1, 2}), p);
  EXPECT_EQ(loss.dtype(), tf::float32);
  tf::Session s(g);
  EXPECT_FLOAT_EQ(s.run(loss, {{p, np::Array({2.f, 4.f}).reshape({1, 2})}}).item<float>(), 2.5f);
}

TEST_F(Losses, LossesCollection) {
  tf::Tensor p = tf::constant(mat(kPred, 2, 2));
  tf::Tensor a = L::mean_squared_error(mat(kLabels, 2, 2), p);
  tf::Tensor b = L::absolute_difference(mat(kLabels, 2, 2), p, {.scope = "my_abs"});
  tf::Tensor c = L::huber_loss(mat(kLabels, 2, 2), p, {.loss_collection = ""});
  EXPECT_EQ(L::get_losses(), (std::vector<tf::Tensor>{a, b}));
  EXPECT_EQ(L::get_losses("my_"), std::vector<tf::Tensor>{b});
  EXPECT_EQ(b.name(), "my_abs/value:0");
  EXPECT_TRUE(L::get_losses("", "other").empty());
  L::add_loss(c, "other");
  EXPECT_EQ(L::get_losses("", "other"), std::vector<tf::Tensor>{c});
}

TEST_F(Losses, TotalLossWithRegularization) {
  tf::Variable w(mat({1.0, -2.0, 3.0, 0.5}, 2, 2), {.name = "w"});
  tf::Tensor p = tf::constant(mat(kPred, 2, 2));
  tf::Tensor data = L::absolute_difference(mat(kLabels, 2, 2), p);
  EXPECT_EQ(eval(L::get_regularization_loss()), 0.0);  // none yet: a 0.0 constant
  tf::Tensor r1 = 0.1 * tf::reduce_sum(tf::square(w.value()));
  tf::Tensor r2 = 0.01 * tf::reduce_sum(tf::abs(w.value()));
  L::add_loss(r1, tf::GraphKeys::REGULARIZATION_LOSSES);
  L::add_loss(r2, tf::GraphKeys::REGULARIZATION_LOSSES);
  EXPECT_EQ(L::get_regularization_losses(), (std::vector<tf::Tensor>{r1, r2}));
  tf::Tensor reg = L::get_regularization_loss();
  EXPECT_EQ(reg.name(), "total_regularization_loss:0");
  tf::Tensor total = L::get_total_loss();
  EXPECT_EQ(total.name(), "total_loss:0");
  tf::Session s(g);
  s.run(w.initializer());
  const double data_v = (0.5 + 2.0 + 0.2 + 2.5) / 4;
  const double r1_v = 0.1 * (1 + 4 + 9 + 0.25), r2_v = 0.01 * (1 + 2 + 3 + 0.5);
  EXPECT_NEAR(s.run(reg).item<double>(), r1_v + r2_v, 1e-12);
  EXPECT_NEAR(s.run(total).item<double>(), data_v + r1_v + r2_v, 1e-12);
  EXPECT_NEAR(s.run(L::get_total_loss(false)).item<double>(), data_v, 1e-12);
}

TEST_F(Losses, TotalLossNeedsALoss) {
  EXPECT_EQ(message_of<keraspp::ValueError>([] { L::get_total_loss(); }),
            "inputs must be a list of at least one Tensor with the same dtype and shape");
}

TEST_F(Losses, ShapeErrors) {
  tf::Tensor p = tf::constant(mat(kPred, 2, 2));
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { L::mean_squared_error(np::zeros({2, 3}, np::float64), p); }),
            "Shapes (2, 2) and (2, 3) are incompatible");
  tf::Tensor w3 = tf::constant(np::ones({3}, np::float64));
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { L::mean_squared_error(mat(kLabels, 2, 2), p, {.weights = w3}); }),
            "weights can not be broadcast to values. values.rank=2. weights.rank=1. "
            "values.shape=(2, 2). weights.shape=(3,).");
  tf::Tensor w23 = tf::constant(np::ones({2, 3}, np::float64));
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { L::mean_squared_error(mat(kLabels, 2, 2), p, {.weights = w23}); }),
            "weights can not be broadcast to values. Mismatch at dim 1. values.shape=(2, 2) "
            "weights.shape=(2, 3).");
}

TEST_F(Losses, TrainsThroughTheLoss) {
  // softmax_cross_entropy + Adagrad: the seed's second program in miniature.
  tf::Variable w(np::zeros({3, 2}), {.name = "w"});
  tf::Tensor x = tf::constant(np::Array({1.f, 0.f, 0.f, 0.f, 1.f, 1.f}).reshape({2, 3}));
  tf::Tensor y = tf::constant(np::Array({1.f, 0.f, 0.f, 1.f}).reshape({2, 2}));
  tf::Tensor loss = L::softmax_cross_entropy(y, tf::matmul(x, w.value()));
  tf::Operation step = tf::train::AdagradOptimizer(0.5).minimize(loss);
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  const float before = s.run(loss).item<float>();
  EXPECT_NEAR(before, std::log(2.0), 1e-6);
  for (int i = 0; i < 20; ++i) s.run(step);
  EXPECT_LT(s.run(loss).item<float>(), 0.1f * before);
}

// The losses are composites: their gradients w.r.t. the predictions come from
// the primitives'; checked against central differences in float64.
TEST_F(Losses, GradientsMatchFiniteDifferences) {
  const np::Array x0 = mat({0.3, -1.2, 0.8, 1.7, -0.4, 0.05}, 2, 3);
  const np::Array y = mat({1, 0, 0, 0, 1, 0}, 2, 3);
  const np::Array w = mat({2.0, 0.5}, 2, 1);
  using Build = std::function<tf::Tensor(const tf::Tensor&)>;
  const std::vector<std::pair<std::string, Build>> cases = {
      {"softmax", [&](const tf::Tensor& x) {
         return L::softmax_cross_entropy(y, x, {.weights = mat({2.0, 0.5}, 2, 1), .label_smoothing = 0.1});
       }},
      {"sparse", [&](const tf::Tensor& x) {
         return L::sparse_softmax_cross_entropy(
             tf::constant(np::Array::from_vector(std::vector<int32_t>{0, 1}, {2})), x);
       }},
      {"sigmoid", [&](const tf::Tensor& x) { return L::sigmoid_cross_entropy(y, x, {.weights = w}); }},
      {"mse", [&](const tf::Tensor& x) { return L::mean_squared_error(y, x); }},
      {"absolute", [&](const tf::Tensor& x) { return L::absolute_difference(y, x); }},
      {"log_loss", [&](const tf::Tensor& x) { return L::log_loss(y, tf::sigmoid(x)); }},
      {"hinge", [&](const tf::Tensor& x) { return L::hinge_loss(y, x); }},
      {"huber", [&](const tf::Tensor& x) { return L::huber_loss(y, x, {.delta = 0.5}); }},
  };
  for (const auto& [label, build] : cases) {
    tf::Graph cg;
    auto cguard = cg.as_default();
    tf::Tensor x = tf::placeholder(tf::float64, tf::TensorShape({2, 3}));
    tf::Tensor loss = build(x);
    tf::Tensor grad = tf::gradients(loss, {x})[0];
    ASSERT_TRUE(grad) << label;
    tf::Session s(cg);
    const np::Array analytic = s.run(grad, {{x, x0}});
    for (int64_t i = 0; i < x0.size(); ++i) {
      np::Array plus = x0.copy(), minus = x0.copy();
      plus.set_flat(i, x0.get_flat(i) + 1e-6);
      minus.set_flat(i, x0.get_flat(i) - 1e-6);
      const double numeric =
          (s.run(loss, {{x, plus}}).item<double>() - s.run(loss, {{x, minus}}).item<double>()) / 2e-6;
      EXPECT_NEAR(analytic.get_flat(i), numeric, 1e-6) << label << " element " << i;
    }
  }
}

}  // namespace
