// Files written by Python Keras 2.0.6, 2.1.3 and 2.3.1 (../shared/fixtures/keras,
// see its README): Keras++ loads each and matches what Keras stored. Skipped,
// saying so, when the fixtures are absent.
#include <cmath>

#include "keras/saving/hdf5.h"
#include "saving_test_util.h"

namespace keras_saving_test {
namespace {

namespace h5 = keras::saving::h5;
using FixturesTest = SavingTest;

np::Array read_array(const std::string& file, const std::string& group, const std::string& name) {
  const h5::Group g = h5::open_file(file).open_group(group);
  return g.read_dataset(name, g.dataset_shape(name));
}

TEST_F(FixturesTest, Keras231MlpPredictsTheStoredOutputs) {
  const std::string d = fixtures_dir();
  SKIP_WITHOUT_FIXTURES(d);
  Model model = keras::models::load_model(d + "/mlp_sparse_xent_keras231_model.h5");
  EXPECT_EQ(model.name(), "sequential_1");
  ASSERT_EQ(model.layers().size(), 2u);
  EXPECT_EQ(model.layers()[1].get_config()["activation"], "softmax");
  // Its training config: RMSprop (learning_rate spelling), sparse xent, accuracy.
  EXPECT_EQ(model.metrics_names(), (std::vector<std::string>{"loss", "acc"}));
  const keras::optimizers::Optimizer opt = keras::engine::model_optimizer(model);
  EXPECT_EQ(opt.class_name(), "RMSprop");
  EXPECT_FLOAT_EQ(static_cast<float>(opt.get_lr()), 1e-4f);
  const std::string io = d + "/mlp_sparse_xent_keras231_inputs_and_outputs.h5";
  const np::Array x = read_array(io, "inputs", "dense_1_input");
  const np::Array expected = read_array(io, "predictions", "activation_1");
  const np::Array got = model.predict(x);
  EXPECT_TRUE(np::allclose(got, expected, 1e-5, 1e-7)) << got << "\nvs\n" << expected;
}

TEST_F(FixturesTest, Keras213DenseHoldsArangeWeights) {
  const std::string d = fixtures_dir();
  SKIP_WITHOUT_FIXTURES(d);
  const std::string file = d + "/dense_arange_keras213_weights.h5";
  Model model = keras::models::load_model(file);
  const std::vector<np::Array> w = model.get_weights();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_TRUE(np::array_equal(w[0], np::arange(0, 24, 1, np::float32).reshape({4, 6})));
  EXPECT_TRUE(np::array_equal(w[1], np::arange(0, 6, 1, np::float32)));
  // y = x W + b computed by hand for x = [1, 0, 2, -1]: column j of W is j, 6+j, 12+j, 18+j.
  const np::Array x = np::Array::from_vector<float>({1, 0, 2, -1}, {1, 4});
  const np::Array y = model.predict(x);
  for (int j = 0; j < 6; ++j) EXPECT_EQ(y.at<float>(0, j), static_cast<float>(j + 2 * (12 + j) - (18 + j) + j));
  // Its Adam config carries tf's "amsgrad": false, which Keras 2.0 lacks.
  EXPECT_EQ(keras::engine::model_optimizer(model).class_name(), "Adam");
  // The weights of a model file load into a model built in C++.
  Sequential fresh;
  fresh.add(L::Dense(6, {.input_dim = 4}));
  fresh.load_weights(file);
  EXPECT_TRUE(np::array_equal(fresh.get_weights()[0], w[0]));
}

// Keras 2.0.6's Sequential LSTM(50) + Dense(1). Its companion file stores the
// training targets, not predictions, so the loaded model is compared with a
// forward pass computed on the host from the stored weights (gates i, f, c,
// o; hard_sigmoid gates, tanh).
np::Array lstm_dense_reference(const np::Array& x, const std::vector<np::Array>& w) {
  const int64_t B = x.shape(0), T = x.shape(1), I = x.shape(2), U = w[1].shape(0);
  auto hs = [](double v) { return std::min(1.0, std::max(0.0, 0.2 * v + 0.5)); };
  np::Array out = np::zeros({B, 1}, np::float64);
  for (int64_t b = 0; b < B; ++b) {
    std::vector<double> h(static_cast<size_t>(U), 0.0), c(static_cast<size_t>(U), 0.0), z(static_cast<size_t>(4 * U));
    for (int64_t t = 0; t < T; ++t) {
      for (int64_t j = 0; j < 4 * U; ++j) {
        double v = w[2].get_flat(j);
        for (int64_t i = 0; i < I; ++i) v += x.get_flat((b * T + t) * I + i) * w[0].get_flat(i * 4 * U + j);
        for (int64_t u = 0; u < U; ++u) v += h[static_cast<size_t>(u)] * w[1].get_flat(u * 4 * U + j);
        z[static_cast<size_t>(j)] = v;
      }
      for (int64_t u = 0; u < U; ++u) {
        const auto k = static_cast<size_t>(u), n = static_cast<size_t>(U);
        c[k] = hs(z[n + k]) * c[k] + hs(z[k]) * std::tanh(z[2 * n + k]);
        h[k] = hs(z[3 * n + k]) * std::tanh(c[k]);
      }
    }
    double y = w[4].get_flat(0);
    for (int64_t u = 0; u < U; ++u) y += h[static_cast<size_t>(u)] * w[3].get_flat(u);
    out.set_flat(b, y);
  }
  return out;
}

TEST_F(FixturesTest, Keras206LstmLoadsAndPredictsAsItsStoredWeightsCompute) {
  const std::string d = fixtures_dir();
  SKIP_WITHOUT_FIXTURES(d);
  Model model = keras::models::load_model(d + "/lstm_keras206_model.h5");
  ASSERT_EQ(model.layers().size(), 2u);
  EXPECT_EQ(model.layers()[0].class_name(), "LSTM");
  const keras::Config c = model.layers()[0].get_config();
  EXPECT_EQ(c["units"], 50);
  EXPECT_EQ(c["recurrent_activation"], "hard_sigmoid");
  const auto weights = model.layers()[0].weights();
  ASSERT_EQ(weights.size(), 3u);
  EXPECT_EQ(weights[0].name(), "lstm_1/kernel:0");
  EXPECT_EQ(weights[1].name(), "lstm_1/recurrent_kernel:0");
  EXPECT_EQ(weights[2].name(), "lstm_1/bias:0");
  // The stored weights, read straight from the file, are the model's.
  const h5::Group root = h5::open_file(d + "/lstm_keras206_model.h5");
  const h5::Group g = root.open_group("model_weights/lstm_1/lstm_1");
  const std::vector<np::Array> w = model.get_weights();
  EXPECT_TRUE(np::array_equal(w[0], g.read_dataset("kernel:0", g.dataset_shape("kernel:0"))));
  EXPECT_TRUE(np::array_equal(w[1], g.read_dataset("recurrent_kernel:0", g.dataset_shape("recurrent_kernel:0"))));
  EXPECT_EQ(root.open_group("optimizer_weights").read_string_list_attr("weight_names").size(), 5u);
  const np::Array x = read_array(d + "/lstm_keras206_inputs_and_outputs.h5", "inputs", "lstm_1_input");
  // Saved with batch_input_shape (25, 1, 1).
  const np::Array got = model.predict(x, {.batch_size = 25});
  std::vector<np::Array> w64;
  for (const auto& a : w) w64.push_back(a.astype(np::float64));
  const np::Array want = lstm_dense_reference(x.astype(np::float64), w64);
  EXPECT_TRUE(np::allclose(got.astype(np::float64), want, 1e-5, 1e-6)) << got << "\nvs\n" << want;
  // The series it was trained on: the predictions follow the targets.
  const np::Array targets = read_array(d + "/lstm_keras206_inputs_and_outputs.h5", "outputs", "dense_1");
  EXPECT_EQ(targets.shape(), got.shape());
}

}  // namespace
}  // namespace keras_saving_test
