// BatchNormalization: weights (Keras's order and names), shapes, config,
// summary row, errors; moving statistics updated by fit (a hand computation
// after 3 steps) and used by predict / evaluate; the learning phase
// switching it inside a TF graph; K::batch_normalization and
// K::normalize_batch_in_training.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace K = keras::backend;
namespace L = keras::layers;
using keras::models::Sequential;

namespace {

class BatchNormalizationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    K::clear_session();
    np::random::seed(1337);
  }
  void TearDown() override { K::clear_session(); }
};

std::vector<std::string> names_of(const std::vector<tf::Variable>& vs) {
  std::vector<std::string> n;
  for (const auto& v : vs) n.push_back(v.name());
  return n;
}

// Batch t: [n, d] values distinct per step.
np::Array batch(int t, int64_t n = 6, int64_t d = 3) {
  np::Array a = np::Array::empty({n, d}, np::float32);
  for (int64_t i = 0; i < a.size(); ++i) a.set_flat(i, std::sin(0.9 * static_cast<double>(i) + t) * (2 + t) + t);
  return a;
}

TEST_F(BatchNormalizationTest, WeightsShapesConfigAndSummary) {
  Sequential model;
  model.add(L::Conv2D(8, {3, 3}, {.input_shape = {6, 6, 1}}));
  model.add(L::BatchNormalization());
  model.add(L::Flatten());
  model.add(L::Dense(2));
  const L::Layer bn = model.layers()[1];
  EXPECT_EQ(bn.name(), "batch_normalization_1");
  EXPECT_EQ(names_of(bn.weights()),
            (std::vector<std::string>{"batch_normalization_1/gamma:0", "batch_normalization_1/beta:0",
                                      "batch_normalization_1/moving_mean:0",
                                      "batch_normalization_1/moving_variance:0"}));
  EXPECT_EQ(bn.trainable_weights().size(), 2u);
  std::ostringstream os;
  model.summary(os);
  EXPECT_EQ(os.str(),
            "_________________________________________________________________\n"
            "Layer (type)                 Output Shape              Param #   \n"
            "=================================================================\n"
            "conv2d_1 (Conv2D)            (None, 4, 4, 8)           80        \n"
            "_________________________________________________________________\n"
            "batch_normalization_1 (Batch (None, 4, 4, 8)           32        \n"
            "_________________________________________________________________\n"
            "flatten_1 (Flatten)          (None, 128)               0         \n"
            "_________________________________________________________________\n"
            "dense_1 (Dense)              (None, 2)                 258       \n"
            "=================================================================\n"
            "Total params: 370\n"
            "Trainable params: 354\n"
            "Non-trainable params: 16\n"
            "_________________________________________________________________\n");
  EXPECT_EQ(bn.get_config().dump(),
            R"({"name":"batch_normalization_1","trainable":true,"axis":-1,"momentum":0.99,"epsilon":0.001,)"
            R"("center":true,"scale":true,"beta_initializer":{"class_name":"Zeros","config":{}},)"
            R"("gamma_initializer":{"class_name":"Ones","config":{}},)"
            R"("moving_mean_initializer":{"class_name":"Zeros","config":{}},)"
            R"("moving_variance_initializer":{"class_name":"Ones","config":{}},"beta_regularizer":null,)"
            R"("gamma_regularizer":null,"beta_constraint":null,"gamma_constraint":null})");
}

TEST_F(BatchNormalizationTest, UndefinedAxisIsKerasValueError) {
  const tf::Tensor x = K::placeholder(std::vector<int64_t>{-1, 4, -1});
  try {
    L::BatchNormalization()(x);
    FAIL() << "no ValueError";
  } catch (const keraspp::ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "Axis -1 of input tensor should have a defined dimension but the layer received an input with "
                 "shape (None, 4, None).");
  }
}

// A model of one BatchNormalization (momentum 0.9), fit for 3 steps with a
// zero learning rate: the moving statistics follow moving -= (moving -
// batch) * 0.1 with the batch's biased variance (the rank-2 composite), and
// predict normalizes by them.
TEST_F(BatchNormalizationTest, FitUpdatesMovingStatisticsAndPredictUsesThem) {
  Sequential model;
  model.add(L::BatchNormalization({.momentum = 0.9, .input_shape = {3}}));
  model.compile({.optimizer = keras::optimizers::SGD({.lr = 0.0}), .loss = "mse"});
  np::Array x = np::Array::empty({18, 3}, np::float32);
  for (int t = 0; t < 3; ++t)
    for (int64_t i = 0; i < 18; ++i) x.set_flat(t * 18 + i, batch(t).get_flat(i));
  model.fit(x, np::zeros({18, 3}, np::float32), {.batch_size = 6, .epochs = 1, .verbose = 0, .shuffle = false});
  std::vector<double> mean(3, 0.0), var(3, 1.0);
  for (int t = 0; t < 3; ++t) {
    const np::Array b = batch(t);
    for (int64_t c = 0; c < 3; ++c) {
      double m = 0, v = 0;
      for (int64_t n = 0; n < 6; ++n) m += b.get_flat(n * 3 + c) / 6;
      for (int64_t n = 0; n < 6; ++n) v += std::pow(b.get_flat(n * 3 + c) - m, 2) / 6;
      mean[static_cast<size_t>(c)] -= (mean[static_cast<size_t>(c)] - m) * 0.1;
      var[static_cast<size_t>(c)] -= (var[static_cast<size_t>(c)] - v) * 0.1;
    }
  }
  const std::vector<np::Array> w = model.get_weights();  // gamma, beta, moving_mean, moving_variance
  ASSERT_EQ(w.size(), 4u);
  for (int64_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(w[2].get_flat(c), mean[static_cast<size_t>(c)], 1e-5);
    EXPECT_NEAR(w[3].get_flat(c), var[static_cast<size_t>(c)], 1e-5);
  }
  const np::Array probe = batch(7);
  const np::Array p = model.predict(probe);
  for (int64_t i = 0; i < p.size(); ++i) {
    const size_t c = static_cast<size_t>(i % 3);
    EXPECT_NEAR(p.get_flat(i), (probe.get_flat(i) - mean[c]) / std::sqrt(var[c] + 1e-3), 1e-4) << i;
  }
  // evaluate runs the inference form too (mse of the predictions vs 0).
  double mse = 0;
  for (int64_t i = 0; i < p.size(); ++i) mse += p.get_flat(i) * p.get_flat(i) / static_cast<double>(p.size());
  EXPECT_NEAR(model.evaluate(probe, np::zeros({6, 3}, np::float32), {.verbose = 0})[0], mse, 1e-4);
}

// A CNN with BatchNormalization trains with fit (fused path, channels_last
// and channels_first) and predicts with the moved statistics.
TEST_F(BatchNormalizationTest, CnnWithBatchNormalizationTrains) {
  for (const std::string format : {"channels_last", "channels_first"}) {
    K::clear_session();
    const bool first = format == "channels_first";
    Sequential model;
    model.add(L::Conv2D(4, {3, 3}, {.data_format = format,
                                    .input_shape = first ? std::vector<int64_t>{1, 6, 6} : std::vector<int64_t>{6, 6, 1}}));
    model.add(L::BatchNormalization({.axis = first ? 1 : -1, .momentum = 0.8}));
    model.add(L::Activation("relu"));
    model.add(L::Flatten());
    model.add(L::Dense(2, {.activation = "softmax"}));
    model.compile({.optimizer = "adam", .loss = "categorical_crossentropy"});
    np::Array x = np::Array::empty({16, 36}, np::float32), y = np::zeros({16, 2}, np::float32);
    for (int64_t i = 0; i < 16; ++i) {
      for (int64_t k = 0; k < 36; ++k) x.set_flat(i * 36 + k, std::sin(0.3 * k * (1 + i % 2) + i) + (i % 2) * 0.5);
      y.set_flat(i * 2 + i % 2, 1);
    }
    x = x.reshape(first ? np::Shape{16, 1, 6, 6} : np::Shape{16, 6, 6, 1});
    const double before = model.evaluate(x, y, {.verbose = 0})[0];
    model.fit(x, y, {.batch_size = 8, .epochs = 20, .verbose = 0});
    EXPECT_LT(model.evaluate(x, y, {.verbose = 0})[0], before * 0.7) << format;
    const std::vector<np::Array> w = model.layers()[1].get_weights();
    EXPECT_NE(w[2].get_flat(0), 0.0) << format;  // moving_mean moved
    EXPECT_NE(w[3].get_flat(0), 1.0) << format;
  }
}

// Seed program 2's pattern: Keras layers in a TF graph, the learning phase
// fed; the layer's updates run with the step.
TEST_F(BatchNormalizationTest, LearningPhaseSwitchesItInsideATfGraph) {
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 3}));
  L::BatchNormalization bn({.momentum = 0.5});
  const tf::Tensor y = bn(x);
  EXPECT_TRUE(K::uses_learning_phase(y));
  tf::Session s = K::get_session();
  s.run(tf::global_variables_initializer());
  const np::Array b = batch(1);
  const np::Array train = s.run(y, {{x, b}, {K::learning_phase(), np::Array::scalar(true)}});
  const np::Array test = s.run(y, {{x, b}});
  for (int64_t c = 0; c < 3; ++c) {
    double m = 0;
    for (int64_t n = 0; n < 6; ++n) m += train.get_flat(n * 3 + c) / 6;
    EXPECT_NEAR(m, 0.0, 1e-5);  // the batch's statistics
    EXPECT_NEAR(test.get_flat(c), b.get_flat(c) / std::sqrt(1 + 1e-3), 1e-5);  // the initial moving ones
  }
  ASSERT_EQ(bn.impl().updates().size(), 2u);
  s.run(bn.impl().updates(), {}, {{x, b}, {K::learning_phase(), np::Array::scalar(true)}});
  const np::Array moving = s.run(bn.impl().moving_mean.value());
  double m0 = 0;
  for (int64_t n = 0; n < 6; ++n) m0 += b.get_flat(n * 3) / 6;
  EXPECT_NEAR(moving.get_flat(0), m0 * 0.5, 1e-5);
}

TEST_F(BatchNormalizationTest, BackendFunctions) {
  const tf::Tensor x = tf::constant(batch(2, 4, 3).reshape({2, 1, 2, 3}));
  const auto t = K::normalize_batch_in_training(x, tf::Tensor(), tf::Tensor(), {0, 1, 2});
  EXPECT_EQ(t.normed.op().type(), "FusedBatchNorm");
  EXPECT_EQ(t.mean.shape(), tf::TensorShape({3}));
  const tf::Tensor flat = tf::constant(batch(2, 4, 3));
  const auto c = K::normalize_batch_in_training(flat, tf::Tensor(), tf::Tensor(), {0});
  EXPECT_NE(c.normed.op().type(), "FusedBatchNorm");
  const tf::Tensor inf = K::batch_normalization(flat, c.mean, c.variance, tf::Tensor(), tf::Tensor());
  tf::Session s = K::get_session();
  const auto r = s.run(std::vector<tf::Tensor>{t.normed, c.normed, inf, t.variance, c.variance});
  for (int64_t i = 0; i < 12; ++i) {
    EXPECT_NEAR(r[0].get_flat(i), r[1].get_flat(i), 1e-5);
    EXPECT_NEAR(r[1].get_flat(i), r[2].get_flat(i), 1e-5);
  }
  // The fused form's variance carries Bessel's correction (4 / 3).
  for (int64_t ch = 0; ch < 3; ++ch) EXPECT_NEAR(r[3].get_flat(ch), r[4].get_flat(ch) * 4 / 3, 1e-5);
}

}  // namespace

namespace {

// predict's plan folds Conv2D (with its bias) and the inference batch norm
// into one convolution.
TEST_F(BatchNormalizationTest, PredictFoldsBatchNormIntoTheConvolution) {
  Sequential model;
  model.add(L::Conv2D(4, {3, 3}, {.input_shape = {6, 6, 2}}));
  model.add(L::BatchNormalization());
  const np::Array x = np::random::uniform(-1, 1, {3, 6, 6, 2});
  tf::Session s = K::get_session();
  s.set_profiling(true);
  const np::Array p = model.predict(x);
  EXPECT_NE(s.profile_report().find("\n_FusedConv2DBiasAddBatchNorm "), std::string::npos) << s.profile_report();
  EXPECT_EQ(p.shape(), (np::Shape{3, 4, 4, 4}));
}

}  // namespace
