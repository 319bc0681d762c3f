// Keras layers: shape inference, values against plain references, weights,
// weight sharing, Dropout's phases, configs and errors.
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace K = keras::backend;
namespace L = keras::layers;

namespace {

class LayersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    K::clear_session();
    np::random::seed(7);
  }
  void TearDown() override { K::clear_session(); }

  np::Array run(const tf::Tensor& t, tf::FeedDict feeds = {}) { return K::get_session().run(t, feeds); }
};

np::Array arange_f(int64_t n, const np::Shape& shape, double scale = 0.1) {
  return (np::arange(0, static_cast<double>(n), 1, np::float32) * scale - 1.0).reshape(shape);
}

template <class F> void expect_value_error(F&& f, const std::string& text) {
  try {
    f();
    FAIL() << "expected ValueError: " << text;
  } catch (const keraspp::ValueError& e) {
    EXPECT_EQ(std::string(e.what()), text);
  }
}

TEST_F(LayersTest, DenseBuildsKernelAndBiasAndComputesDotPlusBias) {
  auto x = L::Input({.shape = {3}});
  L::Dense dense(4, {.activation = "relu"});
  EXPECT_FALSE(dense.built());
  tf::Tensor y = dense(x);
  EXPECT_TRUE(dense.built());
  EXPECT_EQ(dense.name(), "dense_1");
  EXPECT_EQ(dense.kernel().name(), "dense_1/kernel:0");
  EXPECT_EQ(dense.bias().name(), "dense_1/bias:0");
  EXPECT_EQ(dense.kernel().shape(), tf::TensorShape({3, 4}));
  EXPECT_EQ(y.shape(), tf::TensorShape({-1, 4}));
  EXPECT_EQ(keras::engine::keras_shape(y), tf::TensorShape({-1, 4}));
  EXPECT_EQ(y.op().name(), "dense_1/Relu");
  EXPECT_EQ(dense.count_params(), 16);

  const np::Array w = arange_f(12, {3, 4}), b = np::Array({0.5f, -0.5f, 0.f, 1.f});
  dense.set_weights({w, b});
  const np::Array in = arange_f(6, {2, 3}, 0.5);
  const np::Array out = run(y, {{x, in}});
  np::Array ref = np::maximum(np::matmul(in, w) + b, np::zeros({2, 4}));
  EXPECT_TRUE(np::allclose(out, ref, 1e-5, 1e-6));
  // Glorot-uniform kernel, zero bias by default.
  L::Dense fresh(4);
  fresh(x);
  auto weights = fresh.get_weights();
  const double limit = std::sqrt(6.0 / 7.0);
  for (int64_t i = 0; i < weights[0].size(); ++i) EXPECT_LE(std::abs(weights[0].get_flat(i)), limit);
  EXPECT_TRUE(np::array_equal(weights[1], np::zeros({4})));
}

TEST_F(LayersTest, DenseOnThreeDimensionalInput) {
  auto x = L::Input({.shape = {5, 3}});
  L::Dense dense(2, {.use_bias = false, .kernel_initializer = "ones"});
  tf::Tensor y = dense(x);
  EXPECT_EQ(keras::engine::keras_shape(y), tf::TensorShape({-1, 5, 2}));
  EXPECT_EQ(dense.weights().size(), 1u);
  np::Array out = run(y, {{x, np::ones({4, 5, 3})}});
  EXPECT_EQ(out.shape(), (np::Shape{4, 5, 2}));
  EXPECT_FLOAT_EQ(out.at<float>(3, 4, 1), 3.f);
}

TEST_F(LayersTest, CallingALayerTwiceSharesItsWeights) {
  auto a = L::Input({.shape = {3}});
  auto b = L::Input({.shape = {3}});
  L::Dense shared(2);
  tf::Tensor ya = shared(a), yb = shared(b);
  EXPECT_EQ(shared.weights().size(), 2u);
  EXPECT_EQ(tf::global_variables().size(), 2u);
  EXPECT_EQ(shared.inbound_nodes().size(), 2u);
  // The second call opens a uniquified name scope but reuses the variables.
  EXPECT_EQ(yb.op().name().rfind("dense_1_1/", 0), 0u);
  const np::Array in = arange_f(6, {2, 3});
  auto outs = K::get_session().run({ya, yb}, {{a, in}, {b, in}});
  EXPECT_TRUE(np::array_equal(outs[0], outs[1]));
  // A copy of the handle is the same layer.
  L::Layer copy = shared;
  EXPECT_TRUE(copy == shared);
  EXPECT_EQ(copy.name(), "dense_1");
  EXPECT_THROW(shared.output(), keraspp::ValueError);  // two nodes: ill-defined
  EXPECT_EQ(shared.output_shape(), tf::TensorShape({-1, 2}));
}

TEST_F(LayersTest, SetWeightsErrors) {
  L::Dense dense(2, {.input_dim = 3});
  dense(L::Input({.shape = {3}}));
  expect_value_error([&] { dense.set_weights({np::zeros({3, 2})}); },
                     "You called `set_weights(weights)` on layer \"dense_1\" with a  weight list of "
                     "length 1, but the layer was expecting 2 weights. Provided weights: [array([[0. "
                     "0.]\n [0. 0.]\n [0. 0.]])]...");
  expect_value_error([&] { dense.set_weights({np::zeros({2, 3}), np::zeros({2})}); },
                     "Layer weight shape (3, 2) not compatible with provided weight shape (2, 3)");
  // A round trip.
  const np::Array w = arange_f(6, {3, 2}), b = np::Array({1.f, 2.f});
  dense.set_weights({w, b});
  auto got = dense.get_weights();
  EXPECT_TRUE(np::array_equal(got[0], w));
  EXPECT_TRUE(np::array_equal(got[1], b));
}

TEST_F(LayersTest, InitialWeightsAreLoadedWhenBuilt) {
  const np::Array w = arange_f(6, {3, 2}), b = np::Array({1.f, 2.f});
  L::Dense dense(2, {.weights = {w, b}});
  auto x = L::Input({.shape = {3}});
  dense(x);
  auto got = dense.get_weights();
  EXPECT_TRUE(np::array_equal(got[0], w));
  EXPECT_TRUE(np::array_equal(got[1], b));
}

TEST_F(LayersTest, IncompatibleInputNamesTheLayer) {
  auto x = L::Input({.shape = {784}});
  L::Dense d1(100), d2(10);
  tf::Tensor h = d1(x);
  d2(h);
  auto other = L::Input({.shape = {100}});
  expect_value_error([&] { d1(other); },
                     "Input 0 is incompatible with layer dense_1: expected axis -1 of input shape to "
                     "have value 784 but got shape (None, 100)");
  auto flat = L::Input({.batch_shape = {-1}});
  expect_value_error([&] { L::Dense(3)(flat); },
                     "Input 0 is incompatible with layer dense_3: expected min_ndim=2, found ndim=1");
  expect_value_error([&] { L::RepeatVector(2)(L::Input({.shape = {2, 3}})); },
                     "Input 0 is incompatible with layer repeat_vector_1: expected ndim=2, found ndim=3");
}

TEST_F(LayersTest, ActivationLayerAndActivationNames) {
  auto x = L::Input({.shape = {3}});
  const np::Array in = np::Array::from_vector<float>({-1, 0, 2, 3, -4, 0.5}, {2, 3});
  struct Case {
    std::string name;
    double (*f)(double);
  };
  const std::vector<Case> cases = {
      {"relu", [](double v) { return std::max(v, 0.0); }},
      {"tanh", [](double v) { return std::tanh(v); }},
      {"sigmoid", [](double v) { return 1 / (1 + std::exp(-v)); }},
      {"hard_sigmoid", [](double v) { return std::clamp(0.2 * v + 0.5, 0.0, 1.0); }},
      {"softplus", [](double v) { return std::log1p(std::exp(v)); }},
      {"softsign", [](double v) { return v / (1 + std::abs(v)); }},
      {"elu", [](double v) { return v > 0 ? v : std::expm1(v); }},
      {"selu", [](double v) { return 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * std::expm1(v)); }},
      {"linear", [](double v) { return v; }},
  };
  for (const Case& c : cases) {
    L::Activation layer(c.name);
    np::Array out = run(layer(x), {{x, in}});
    for (int64_t i = 0; i < in.size(); ++i)
      EXPECT_NEAR(out.get_flat(i), c.f(in.get_flat(i)), 1e-5) << c.name;
    EXPECT_EQ(layer.get_config()["activation"], c.name);
  }
  np::Array sm = run(L::Activation("softmax")(x), {{x, in}});
  for (int r = 0; r < 2; ++r) {
    double z = 0;
    for (int j = 0; j < 3; ++j) z += std::exp(in.at<float>(r, j));
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(sm.at<float>(r, j), std::exp(in.at<float>(r, j)) / z, 1e-6);
  }
  expect_value_error([] { L::Activation("foo"); }, "Unknown activation function:foo");
  expect_value_error([] { L::Dense(3, {.activation = "bar"}); }, "Unknown activation function:bar");
  // Functions: Keras's keep their name, others are "lambda".
  EXPECT_EQ(L::Dense(2, {.activation = keras::activations::elu}).get_config()["activation"], "elu");
  EXPECT_EQ(L::Dense(2, {.activation = [](const tf::Tensor& t) { return t * 2.0; }})
                .get_config()["activation"],
            "lambda");
  EXPECT_EQ(L::Dense(2).get_config()["activation"], "linear");
}

TEST_F(LayersTest, DropoutIsIdentityAtTestTimeAndInvertedDropoutInTraining) {
  auto x = L::Input({.shape = {1000}});
  L::Dropout drop(0.4);
  tf::Tensor y = drop(x);
  EXPECT_TRUE(K::uses_learning_phase(y));
  EXPECT_EQ(drop.name(), "dropout_1");
  const np::Array in = np::ones({2, 1000});
  EXPECT_TRUE(np::array_equal(run(y, {{x, in}}), in));                           // not fed: test
  EXPECT_TRUE(np::array_equal(run(y, {{x, in}, {K::learning_phase(), 0}}), in));  // fed 0
  const np::Array train = run(y, {{x, in}, {K::learning_phase(), 1}});
  int kept = 0;
  for (int64_t i = 0; i < train.size(); ++i) {
    const double v = train.get_flat(i);
    EXPECT_TRUE(v == 0.0 || std::abs(v - 1 / 0.6) < 1e-5) << v;
    kept += v != 0.0;
  }
  EXPECT_GT(kept, 1000);
  EXPECT_LT(kept, 1400);
  // Layers after a Dropout use the learning phase too.
  EXPECT_TRUE(K::uses_learning_phase(L::Dense(3)(y)));
  // rate 0 is the identity; rates outside [0, 1) are refused.
  EXPECT_TRUE(np::array_equal(run(L::Dropout(0.0)(x), {{x, in}, {K::learning_phase(), 1}}), in));
  expect_value_error([] { L::Dropout(1.5); },
                     "Invalid value received for `rate` of layer dropout_3: expected a value in [0, "
                     "1), got 1.5");
  EXPECT_THROW(L::Dropout(-0.1), keraspp::ValueError);
  // noise_shape shares the mask along the axes of size 1.
  auto seq = L::Input({.batch_shape = {2, 4, 50}});
  tf::Tensor z = L::Dropout(0.5, {.noise_shape = {-1, 1, 50}})(seq);
  np::Array zin = np::ones({2, 4, 50});
  np::Array zout = run(z, {{seq, zin}, {K::learning_phase(), 1}});
  for (int b = 0; b < 2; ++b)
    for (int t = 1; t < 4; ++t)
      for (int f = 0; f < 50; ++f) EXPECT_EQ(zout.at<float>(b, t, f), zout.at<float>(b, 0, f));
}

TEST_F(LayersTest, ShapeLayers) {
  auto x = L::Input({.shape = {2, 3, 4}});
  const np::Array in = arange_f(48, {2, 2, 3, 4});

  tf::Tensor f = L::Flatten()(x);
  EXPECT_EQ(keras::engine::keras_shape(f), tf::TensorShape({-1, 24}));
  EXPECT_TRUE(np::array_equal(run(f, {{x, in}}), in.reshape({2, 24})));

  tf::Tensor r = L::Reshape({4, -1})(x);
  EXPECT_EQ(keras::engine::keras_shape(r), tf::TensorShape({-1, 4, 6}));
  EXPECT_TRUE(np::array_equal(run(r, {{x, in}}), in.reshape({2, 4, 6})));
  expect_value_error([&] { L::Reshape({5, -1})(x); }, "total size of new array must be unchanged");
  expect_value_error([&] { L::Reshape({-1, -1})(x); }, "Can only specify one unknown dimension.");

  tf::Tensor p = L::Permute({3, 1, 2})(x);
  EXPECT_EQ(keras::engine::keras_shape(p), tf::TensorShape({-1, 4, 2, 3}));
  const np::Array pout = run(p, {{x, in}});
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 4; ++k) EXPECT_EQ(pout.at<float>(b, k, i, j), in.at<float>(b, i, j, k));
  EXPECT_THROW(L::Permute({1, 1}), keraspp::ValueError);

  auto v = L::Input({.shape = {3}});
  tf::Tensor rv = L::RepeatVector(4)(v);
  EXPECT_EQ(keras::engine::keras_shape(rv), tf::TensorShape({-1, 4, 3}));
  const np::Array vin = arange_f(6, {2, 3});
  const np::Array rvout = run(rv, {{v, vin}});
  for (int b = 0; b < 2; ++b)
    for (int n = 0; n < 4; ++n)
      for (int j = 0; j < 3; ++j) EXPECT_EQ(rvout.at<float>(b, n, j), vin.at<float>(b, j));

  auto unknown = L::Input({.shape = {-1, 3}});
  try {
    L::Flatten()(unknown);
    FAIL();
  } catch (const keraspp::ValueError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("The shape of the input to \"Flatten\" is not fully defined (got (None, 3).", 0), 0u) << e.what();
  }
}

TEST_F(LayersTest, LambdaInfersOrTakesItsOutputShape) {
  auto x = L::Input({.shape = {6}});
  tf::Tensor y = L::Lambda([](const tf::Tensor& t) { return K::reshape(t, {-1, 2, 3}); })(x);
  EXPECT_EQ(keras::engine::keras_shape(y), tf::TensorShape({-1, 2, 3}));
  tf::Tensor z = L::Lambda([](const tf::Tensor& t) { return K::square(t); },
                           {.output_shape = {6}})(x);
  EXPECT_EQ(keras::engine::keras_shape(z), tf::TensorShape({-1, 6}));
  const np::Array in = arange_f(12, {2, 6});
  EXPECT_TRUE(np::allclose(run(z, {{x, in}}), in * in));
  L::Lambda named([](const tf::Tensor& t) { return t; });
  EXPECT_EQ(named.name(), "lambda_3");
}

TEST_F(LayersTest, ActivityRegularizationAddsALoss) {
  auto x = L::Input({.shape = {3}});
  L::ActivityRegularization reg(0.1, 0.01);
  tf::Tensor y = reg(x);
  EXPECT_NE(y, x);
  ASSERT_EQ(reg.losses().size(), 1u);
  const np::Array in = np::Array::from_vector<float>({1, -2, 3, 0, 1, -1}, {2, 3});
  const double expect = 0.1 * (1 + 2 + 3 + 1 + 1) + 0.01 * (1 + 4 + 9 + 1 + 1);
  EXPECT_NEAR(run(reg.losses()[0], {{x, in}}).item<double>(), expect, 1e-5);
  EXPECT_TRUE(np::array_equal(run(y, {{x, in}}), in));
}

TEST_F(LayersTest, WeightRegularizersAndConstraints) {
  auto x = L::Input({.shape = {2}});
  L::Dense dense(2, {.kernel_initializer = "ones",
                     .kernel_regularizer = keras::regularizers::l2(0.5),
                     .bias_regularizer = "l1",
                     .kernel_constraint = keras::constraints::max_norm(1.0)});
  dense(x);
  ASSERT_EQ(dense.losses().size(), 2u);
  EXPECT_NEAR(run(dense.losses()[0]).item<double>(), 0.5 * 4, 1e-6);
  EXPECT_NEAR(run(dense.losses()[1]).item<double>(), 0.0, 1e-6);
  auto cons = dense.constraints();
  ASSERT_EQ(cons.size(), 1u);
  EXPECT_EQ(cons[0].first, dense.kernel());
  EXPECT_EQ(cons[0].second.class_name(), "MaxNorm");
  // max_norm rescales each column (axis 0) to norm <= 1.
  np::Array projected = run(cons[0].second(dense.kernel().value()));
  EXPECT_NEAR(projected.at<float>(0, 0), 1 / std::sqrt(2.0), 1e-5);
  auto config = dense.get_config();
  EXPECT_EQ(config["kernel_regularizer"]["class_name"], "L1L2");
  EXPECT_EQ(config["kernel_regularizer"]["config"]["l2"], 0.5);
  EXPECT_EQ(config["kernel_constraint"]["config"]["max_value"], 1.0);
  EXPECT_TRUE(config["bias_constraint"].is_null());
}

TEST_F(LayersTest, ConstraintsMath) {
  tf::Tensor w = tf::constant(np::Array::from_vector<float>({3, -1, 4, 2}, {2, 2}));
  tf::Session sess;
  np::Array nn = sess.run(keras::constraints::non_neg()(w));
  EXPECT_TRUE(np::array_equal(nn, np::Array::from_vector<float>({3, 0, 4, 2}, {2, 2})));
  np::Array un = sess.run(keras::constraints::unit_norm()(w));
  EXPECT_NEAR(un.at<float>(0, 0), 0.6, 1e-5);
  EXPECT_NEAR(un.at<float>(1, 0), 0.8, 1e-5);
  np::Array mm = sess.run(keras::constraints::min_max_norm(0.0, 2.0, 0.5)(w));
  // column 0 norm 5 -> 0.5*2 + 0.5*5 = 3.5
  EXPECT_NEAR(mm.at<float>(0, 0), 3 * 3.5 / 5, 1e-4);
  EXPECT_THROW(keras::constraints::Constraint("foo"), keraspp::ValueError);
  EXPECT_THROW(keras::regularizers::Regularizer("foo"), keraspp::ValueError);
}

TEST_F(LayersTest, MaskingZeroesMaskedStepsAndEmitsAMask) {
  auto x = L::Input({.shape = {3, 2}});
  L::Masking masking(0.0);
  tf::Tensor y = masking(x);
  const auto& node = *masking.inbound_nodes()[0];
  ASSERT_TRUE(bool(node.output_masks.at(0)));
  np::Array in = np::Array::from_vector<float>({1, 2, 0, 0, 3, 0}, {1, 3, 2});
  np::Array mask = K::get_session().run(K::cast(node.output_masks[0], "float32"), {{x, in}});
  EXPECT_TRUE(np::array_equal(mask, np::Array::from_vector<float>({1, 0, 1}, {1, 3})));
  EXPECT_TRUE(np::array_equal(run(y, {{x, in}}), in));
  // A layer that does not support masking refuses the mask.
  try {
    L::Flatten()(y);
    FAIL();
  } catch (const keraspp::TypeError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("Layer flatten_1 does not support masking, but was passed an input_mask: ", 0), 0u);
  }
}

TEST_F(LayersTest, AdvancedActivations) {
  auto x = L::Input({.shape = {4}});
  const np::Array in = np::Array::from_vector<float>({-2, -0.5f, 0.5f, 2}, {1, 4});
  L::LeakyReLU leaky;
  EXPECT_EQ(leaky.name(), "leaky_re_lu_1");
  EXPECT_TRUE(np::allclose(run(leaky(x), {{x, in}}), np::Array::from_vector<float>({-0.6f, -0.15f, 0.5f, 2}, {1, 4})));
  L::ELU elu(0.5);
  np::Array e = run(elu(x), {{x, in}});
  EXPECT_NEAR(e.at<float>(0, 0), 0.5 * std::expm1(-2.0), 1e-6);
  EXPECT_NEAR(e.at<float>(0, 3), 2.0, 1e-6);
  L::ThresholdedReLU thr(1.0);
  EXPECT_TRUE(np::array_equal(run(thr(x), {{x, in}}), np::Array::from_vector<float>({0, 0, 0, 2}, {1, 4})));
  L::PReLU prelu({.alpha_initializer = keras::initializers::Constant(0.25)});
  EXPECT_EQ(prelu.name(), "p_re_lu_1");
  tf::Tensor p = prelu(x);
  EXPECT_EQ(prelu.weights().at(0).shape(), tf::TensorShape({4}));
  EXPECT_EQ(prelu.weights().at(0).name(), "p_re_lu_1/alpha:0");
  EXPECT_TRUE(np::allclose(run(p, {{x, in}}), np::Array::from_vector<float>({-0.5f, -0.125f, 0.5f, 2}, {1, 4})));
  auto img = L::Input({.shape = {3, 5}});
  L::PReLU shared({.shared_axes = {1}});
  shared(img);
  EXPECT_EQ(shared.weights().at(0).shape(), tf::TensorShape({1, 5}));
  EXPECT_EQ(leaky.get_config()["alpha"], 0.3);
  EXPECT_EQ(thr.get_config()["theta"], 1.0);
}

TEST_F(LayersTest, AutoNamesAndCommonOptions) {
  L::Dense a(1), b(1);
  L::Activation c("relu");
  L::Dense d(1, {.name = "mine"});
  EXPECT_EQ(a.name(), "dense_1");
  EXPECT_EQ(b.name(), "dense_2");
  EXPECT_EQ(c.name(), "activation_1");
  EXPECT_EQ(d.name(), "mine");
  EXPECT_EQ(keras::engine::to_snake_case("ThresholdedReLU"), "thresholded_re_lu");
  EXPECT_EQ(keras::engine::to_snake_case("ActivityRegularization"), "activity_regularization");
  K::clear_session();
  EXPECT_EQ(L::Dense(1).name(), "dense_1");

  L::Dense e(3, {.input_dim = 5});
  EXPECT_EQ(e.impl().batch_input_shape, (std::vector<int64_t>{-1, 5}));
  EXPECT_EQ(e.impl().dtype, "float32");
  L::Dense f(3, {.input_shape = {4, 5}, .batch_size = 8});
  EXPECT_EQ(f.impl().batch_input_shape, (std::vector<int64_t>{8, 4, 5}));
  auto config = f.get_config();
  EXPECT_EQ(config.begin().key(), "name");
  EXPECT_EQ(config["units"], 3);
  EXPECT_EQ(config["batch_input_shape"].dump(), "[8,4,5]");
  EXPECT_EQ(config["kernel_initializer"]["class_name"], "VarianceScaling");
  EXPECT_EQ(config["kernel_initializer"]["config"]["mode"], "fan_avg");
  EXPECT_EQ(config["bias_initializer"]["class_name"], "Zeros");

  L::Dense frozen(2, {.trainable = false});
  frozen(L::Input({.shape = {2}}));
  EXPECT_TRUE(frozen.trainable_weights().empty());
  EXPECT_EQ(frozen.non_trainable_weights().size(), 2u);
  EXPECT_THROW(L::Dense(3).count_params(), keraspp::ValueError);
}

TEST_F(LayersTest, LayerOnAPlainTfTensor) {
  tf::Tensor x = tf::placeholder(tf::float32, {-1, 784});
  L::Dense dense(16, {.activation = "relu"});
  tf::Tensor y = dense(x);
  EXPECT_EQ(y.op().name(), "dense_1/Relu");
  EXPECT_EQ(dense.input_shape(), tf::TensorShape({-1, 784}));
  EXPECT_TRUE(dense.inbound_nodes()[0]->inbound_layers.empty());
  EXPECT_FALSE(keras::engine::is_keras_tensor(x));
  EXPECT_TRUE(keras::engine::is_keras_tensor(y));
}

}  // namespace

namespace {

// Keras 2.0's K.dot for n-d operands: x [..., k] as rows, y [..., k, n] with
// its k axis moved first; result x_shape[:-1] + y_shape[:-2] + y_shape[-1:].
TEST_F(LayersTest, DotWithA3dRightOperandFollowsKerasReshapeRule) {
  const np::Array xv = arange_f(12, {2, 2, 3});
  const np::Array yv = arange_f(24, {4, 3, 2}, 0.05);
  tf::Tensor x = tf::placeholder(tf::float32, {-1, 2, 3});
  tf::Tensor d = K::dot(x, tf::constant(yv));
  EXPECT_EQ(d.shape(), tf::TensorShape({-1, 2, 4, 2}));
  const np::Array out = run(d, {{x, xv}});
  ASSERT_EQ(out.shape(), (np::Shape{2, 2, 4, 2}));
  // out[a, b, c, e] = sum_k x[a, b, k] * y[c, k, e]
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 2; ++b)
      for (int c = 0; c < 4; ++c)
        for (int e = 0; e < 2; ++e) {
          double want = 0;
          for (int k = 0; k < 3; ++k) want += xv.at<float>(a, b, k) * yv.at<float>(c, k, e);
          EXPECT_NEAR(out.at<float>(a, b, c, e), want, 1e-5);
        }
  // A 2-d x times a 3-d y: (2, 3) . (4, 3, 2) -> (2, 4, 2).
  tf::Tensor d2 = K::dot(tf::constant(arange_f(6, {2, 3})), tf::constant(yv));
  EXPECT_EQ(d2.shape(), tf::TensorShape({2, 4, 2}));
  EXPECT_NEAR(run(d2).at<float>(1, 3, 1), [&] {
    double s = 0;
    for (int k = 0; k < 3; ++k) s += arange_f(6, {2, 3}).at<float>(1, k) * yv.at<float>(3, k, 1);
    return s;
  }(), 1e-5);
}

// Keras 2.0's Dense on (None, None, d): K.dot reads the unknown dims at run
// time, so sequences of any length go through.
TEST_F(LayersTest, DenseOnInputsWithTwoUnknownDims) {
  auto x = L::Input({.batch_shape = {-1, -1, 3}});
  L::Dense dense(2, {.kernel_initializer = "ones", .bias_initializer = "zeros"});
  tf::Tensor y = dense(x);
  EXPECT_EQ(keras::engine::keras_shape(y), tf::TensorShape({-1, -1, 2}));
  EXPECT_EQ(y.shape(), tf::TensorShape({-1, -1, 2}));
  for (int64_t t : {1, 5}) {
    const np::Array in = arange_f(2 * t * 3, {2, t, 3});
    const np::Array out = run(y, {{x, in}});
    ASSERT_EQ(out.shape(), (np::Shape{2, t, 2}));
    for (int64_t i = 0; i < 2 * t; ++i) {
      const double want = in.get_flat(3 * i) + in.get_flat(3 * i + 1) + in.get_flat(3 * i + 2);
      EXPECT_NEAR(out.get_flat(2 * i), want, 1e-5);
      EXPECT_NEAR(out.get_flat(2 * i + 1), want, 1e-5);
    }
  }
}

// Keras 2.0's _uses_learning_phase: a Dropout called with training=True
// does not depend on the phase (K.in_train_phase returns its branch), and a
// model re-applied to new inputs carries its outputs' flag over.
TEST_F(LayersTest, LearningPhaseFlagsOfTrainingDropoutAndReappliedModels) {
  auto x = L::Input({.shape = {4}});
  tf::Tensor always = L::Dropout(0.5)(x, {.training = true});
  EXPECT_FALSE(K::uses_learning_phase(always));
  EXPECT_FALSE(K::uses_learning_phase(L::Dropout(0.5)(x, {.training = false})));
  EXPECT_TRUE(K::uses_learning_phase(L::Dropout(0.5)(x)));

  auto in = L::Input({.shape = {4}});
  keras::models::Model with_dropout({in}, {L::Dense(2)(L::Dropout(0.5)(in))});
  keras::models::Model without({in}, {L::Dense(2)(in)});
  EXPECT_TRUE(with_dropout.uses_learning_phase());
  EXPECT_FALSE(without.uses_learning_phase());
  auto other = L::Input({.shape = {4}});
  EXPECT_TRUE(K::uses_learning_phase(with_dropout(other)));
  EXPECT_FALSE(K::uses_learning_phase(without(other)));
  // Keras flags every output of a re-applied model that uses the phase
  // (Container.uses_learning_phase), not only those computed through it.
  keras::models::Model two({in}, std::vector<tf::Tensor>{L::Dense(2)(L::Dropout(0.5)(in)), L::Dense(3)(in)});
  EXPECT_FALSE(K::uses_learning_phase(two.outputs()[1]));
  const std::vector<tf::Tensor> again = two(std::vector<tf::Tensor>{L::Input({.shape = {4}})});
  ASSERT_EQ(again.size(), 2u);
  EXPECT_TRUE(K::uses_learning_phase(again[0]));
  EXPECT_TRUE(K::uses_learning_phase(again[1]));
  // Nested: a model whose only phase-dependent part is an inner model.
  auto outer_in = L::Input({.shape = {4}});
  keras::models::Model outer({outer_in}, {L::Dense(1)(with_dropout(outer_in))});
  EXPECT_TRUE(outer.uses_learning_phase());
  EXPECT_TRUE(K::uses_learning_phase(outer(L::Input({.shape = {4}}))));
}

}  // namespace
