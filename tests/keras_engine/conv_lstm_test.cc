// ConvLSTM2D against a host-side Keras 2.0.x step, its gradient against
// finite differences, shapes and errors; Model::reset_states over a
// Sequential model's stateful LSTM; K::in_train_phase as a tf::cond whose
// dropout gradient replays the forward's mask.
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace {

namespace K = keras::backend;
namespace L = keras::layers;
using keras::models::Sequential;

class ConvLstm : public ::testing::Test {
 protected:
  void SetUp() override {
    K::clear_session();
    np::random::seed(1337);
  }
  void TearDown() override { K::clear_session(); }
};

np::Array random_array(const np::Shape& s, double scale = 1.0) {
  return np::random::uniform(-scale, scale, s).astype(np::float32);
}

// v with its axes permuted: out.shape[k] = v.shape[perm[k]].
np::Array permuted(const np::Array& v, const std::vector<int>& perm) {
  const size_t n = perm.size();
  np::Shape shape(n);
  for (size_t k = 0; k < n; ++k) shape[k] = v.shape(perm[k]);
  np::Array out = np::Array::empty(shape, v.dtype());
  std::vector<int64_t> idx(n, 0);
  for (int64_t flat = 0; flat < out.size(); ++flat) {
    int64_t rest = flat, src = 0;
    for (size_t k = n; k-- > 0;) idx[k] = rest % shape[k], rest /= shape[k];
    std::vector<int64_t> src_idx(n);
    for (size_t k = 0; k < n; ++k) src_idx[static_cast<size_t>(perm[k])] = idx[k];
    for (size_t k = 0; k < n; ++k) src = src * v.shape(static_cast<int>(k)) + src_idx[k];
    out.set_flat(flat, v.get_flat(src));
  }
  return out;
}

double hard_sigmoid(double x) { return std::min(1.0, std::max(0.0, 0.2 * x + 0.5)); }

// Keras 2.0.x's ConvLSTM2D step on the host, channels_last, padding
// "valid" for the input convolution, stride 1: x [B, T, R, C, I], weights
// (kernel [kh, kw, I, 4F], recurrent [kh, kw, F, 4F], bias [4F]) -> the
// outputs [B, T, R', C', F].
np::Array conv_lstm_reference(const np::Array& x, const std::vector<np::Array>& w, int64_t kh, int64_t kw) {
  const int64_t B = x.shape(0), T = x.shape(1), R = x.shape(2), C = x.shape(3), I = x.shape(4);
  const int64_t F = w[1].shape(2), R2 = R - kh + 1, C2 = C - kw + 1;
  np::Array out = np::zeros({B, T, R2, C2, F}, np::float64);
  auto k = [&](int64_t a, int64_t b, int64_t i, int64_t j) { return w[0].get_flat(((a * kw + b) * I + i) * 4 * F + j); };
  auto rk = [&](int64_t a, int64_t b, int64_t u, int64_t j) { return w[1].get_flat(((a * kw + b) * F + u) * 4 * F + j); };
  for (int64_t n = 0; n < B; ++n) {
    std::vector<double> h(R2 * C2 * F, 0.0), c(R2 * C2 * F, 0.0);
    for (int64_t t = 0; t < T; ++t) {
      std::vector<double> z(R2 * C2 * 4 * F);
      for (int64_t r = 0; r < R2; ++r)
        for (int64_t q = 0; q < C2; ++q)
          for (int64_t j = 0; j < 4 * F; ++j) {
            double s = w[2].get_flat(j);
            for (int64_t a = 0; a < kh; ++a)
              for (int64_t b = 0; b < kw; ++b)
                for (int64_t i = 0; i < I; ++i)
                  s += x.get_flat((((n * T + t) * R + r + a) * C + q + b) * I + i) * k(a, b, i, j);
            // The recurrent convolution: "same" padding (for even kernels TF pads the end more).
            const int64_t top = (kh - 1) / 2, left = (kw - 1) / 2;
            for (int64_t a = 0; a < kh; ++a)
              for (int64_t b = 0; b < kw; ++b) {
                const int64_t rr = r + a - top, qq = q + b - left;
                if (rr < 0 || rr >= R2 || qq < 0 || qq >= C2) continue;
                for (int64_t u = 0; u < F; ++u) s += h[(rr * C2 + qq) * F + u] * rk(a, b, u, j);
              }
            z[(r * C2 + q) * 4 * F + j] = s;
          }
      for (int64_t p = 0; p < R2 * C2; ++p)
        for (int64_t u = 0; u < F; ++u) {
          const double* zp = &z[p * 4 * F];
          const double i = hard_sigmoid(zp[u]), f = hard_sigmoid(zp[F + u]), o = hard_sigmoid(zp[3 * F + u]);
          c[p * F + u] = f * c[p * F + u] + i * std::tanh(zp[2 * F + u]);
          h[p * F + u] = o * std::tanh(c[p * F + u]);
          out.set_flat(((n * T + t) * R2 * C2 + p) * F + u, h[p * F + u]);
        }
    }
  }
  return out;
}

TEST_F(ConvLstm, MatchesKerasStepOnTheHost) {
  Sequential model;
  model.add(L::ConvLSTM2D(2, {3, 2}, {.return_sequences = true, .input_shape = {3, 5, 4, 2}}));
  const L::Layer layer = model.layers()[0];
  EXPECT_EQ(keras::engine::keras_shape(model.outputs()[0]), tf::TensorShape({-1, 3, 3, 3, 2}));
  const auto w = layer.weights();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].name(), "conv_lst_m2d_1/kernel:0");
  EXPECT_EQ(w[1].name(), "conv_lst_m2d_1/recurrent_kernel:0");
  EXPECT_EQ(w[2].name(), "conv_lst_m2d_1/bias:0");
  EXPECT_EQ(w[0].value().shape(), tf::TensorShape({3, 2, 2, 8}));
  EXPECT_EQ(w[1].value().shape(), tf::TensorShape({3, 2, 2, 8}));
  auto values = layer.get_weights();
  // unit_forget_bias: the f block (gates i, f, c, o) starts at ones.
  for (int64_t j = 0; j < 8; ++j) EXPECT_EQ(values[2].get_flat(j), j >= 2 && j < 4 ? 1.0 : 0.0);
  values[2] = random_array({8}, 0.5);
  layer.set_weights(values);
  const np::Array x = random_array({2, 3, 5, 4, 2});
  const np::Array got = model.predict(x, {.batch_size = 2});
  const np::Array want = conv_lstm_reference(x, values, 3, 2);
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got.get_flat(i), want.get_flat(i), 1e-5) << i;
}

TEST_F(ConvLstm, GradientMatchesFiniteDifferences) {
  const tf::Tensor x = L::Input({.batch_shape = {1, 3, 4, 4, 1}});
  const tf::Tensor y = L::ConvLSTM2D(2, 2, {.padding = "same"})(x);
  EXPECT_EQ(keras::engine::keras_shape(y), tf::TensorShape({1, 4, 4, 2}));
  const tf::Tensor loss = tf::reduce_sum(y * tf::tanh(y));
  const tf::Tensor grad = tf::gradients(loss, {x})[0];
  tf::Session s = K::get_session();
  const np::Array x0 = random_array({1, 3, 4, 4, 1});
  const np::Array analytic = s.run(grad, {{x, x0}});
  for (int64_t i = 0; i < x0.size(); i += 5) {
    np::Array hi = x0.copy(), lo = x0.copy();
    const double h = 1e-2;
    hi.set_flat(i, x0.get_flat(i) + h);
    lo.set_flat(i, x0.get_flat(i) - h);
    const double fd = (s.run(loss, {{x, hi}}).item<double>() - s.run(loss, {{x, lo}}).item<double>()) / (2 * h);
    EXPECT_NEAR(analytic.get_flat(i), fd, 2e-3 + 2e-2 * std::abs(fd)) << "element " << i;
  }
}

TEST_F(ConvLstm, ChannelsFirstAgreesWithChannelsLast) {
  const tf::Tensor x = L::Input({.shape = {2, 4, 4, 1}});
  const L::ConvLSTM2D last(3, 2, {.go_backwards = true});
  const tf::Tensor y_last = last(x);
  const tf::Tensor xf = L::Input({.shape = {2, 1, 4, 4}});
  const L::ConvLSTM2D first(3, 2, {.data_format = "channels_first", .go_backwards = true});
  const tf::Tensor y_first = first(xf);
  EXPECT_EQ(keras::engine::keras_shape(y_first), tf::TensorShape({-1, 3, 3, 3}));
  first.set_weights(last.get_weights());
  const np::Array v = random_array({2, 2, 4, 4, 1});
  tf::Session s = K::get_session();
  const np::Array a = s.run(y_last, {{x, v}});
  const np::Array b = s.run(y_first, {{xf, permuted(v, {0, 1, 4, 2, 3})}});
  const np::Array b_last = permuted(b, {0, 2, 3, 1});
  for (int64_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a.get_flat(i), b_last.get_flat(i), 1e-5) << i;
  EXPECT_THROW(L::ConvLSTM2D(2, 3)(L::Input({.shape = {4, 4, 1}})), keraspp::ValueError);
  EXPECT_THROW(L::ConvLSTM2D(2, 3, {.padding = "full"}), keraspp::ValueError);
}

TEST_F(ConvLstm, ModelResetStatesResetsEveryStatefulLayer) {
  Sequential model;
  model.add(L::LSTM(3, {.return_sequences = true, .stateful = true, .batch_input_shape = {2, 4, 2}}));
  model.add(L::LSTM(2, {.stateful = true}));
  const np::Array x = random_array({2, 4, 2});
  const np::Array first = model.predict(x, {.batch_size = 2});
  const np::Array second = model.predict(x, {.batch_size = 2});
  EXPECT_FALSE(np::allclose(first, second, 1e-6, 1e-6));  // carried on from the first batch
  model.reset_states();
  EXPECT_TRUE(np::array_equal(model.predict(x, {.batch_size = 2}), first));
  Sequential stateless;
  stateless.add(L::Dense(2, {.input_shape = {3}}));
  stateless.reset_states();  // nothing to reset: no error, as Keras
}

TEST_F(ConvLstm, InTrainPhaseIsACondWhoseDropoutGradientReplaysTheMask) {
  const tf::Tensor x = L::Input({.shape = {32}});
  const tf::Tensor y = L::Dropout(0.5)(x);
  EXPECT_EQ(y.op().type(), "If");
  const tf::Tensor grad = tf::gradients(tf::reduce_sum(y), {x})[0];
  tf::Session s = K::get_session();
  const np::Array ones = np::ones({4, 32}, np::float32);
  const auto train = s.run({y, grad}, {{x, ones}, {K::learning_phase(), 1}});
  for (int64_t i = 0; i < train[0].size(); ++i) EXPECT_EQ(train[0].get_flat(i), train[1].get_flat(i)) << i;
  s.set_profiling(true);
  const auto test = s.run({y, grad}, {{x, ones}, {K::learning_phase(), 0}});
  EXPECT_TRUE(np::array_equal(test[0], ones));
  EXPECT_TRUE(np::array_equal(test[1], ones));
  // The plan for a fed phase folds both conds (forward and gradient) away:
  // the test branch passes x through, its gradient passes dy through.
  EXPECT_EQ(s.profile_report().find("\nIf "), std::string::npos) << s.profile_report();
}

}  // namespace
