// Files written by Python Keras 2.0.6, 2.1.3 and 2.3.1 (../shared/fixtures/keras,
// see its README): Keras++ loads each and matches what Keras stored. Skipped,
// saying so, when the fixtures are absent.
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

TEST_F(FixturesTest, Keras206LstmFailsWithKerasUnknownLayerError) {
  const std::string d = fixtures_dir();
  SKIP_WITHOUT_FIXTURES(d);
  // Until recurrent layers exist: Keras's own error for an unknown class.
  const std::string msg =
      message_of<keraspp::ValueError>([&] { keras::models::load_model(d + "/lstm_keras206_model.h5"); });
  EXPECT_EQ(msg.rfind("Unknown layer: LSTM", 0), 0u) << msg;
  EXPECT_NE(msg.find("lstm_keras206_model.h5"), std::string::npos) << msg;
  // Its fixed-length string attributes and optimizer weights read all the same.
  const h5::Group root = h5::open_file(d + "/lstm_keras206_model.h5");
  EXPECT_EQ(root.open_group("model_weights").read_string_list_attr("layer_names"),
            (std::vector<std::string>{"lstm_1", "dense_1"}));
  EXPECT_EQ(root.open_group("model_weights/lstm_1").read_string_list_attr("weight_names"),
            (std::vector<std::string>{"lstm_1/kernel:0", "lstm_1/recurrent_kernel:0", "lstm_1/bias:0"}));
  EXPECT_EQ(root.open_group("optimizer_weights").read_string_list_attr("weight_names").size(), 5u);
}

}  // namespace
}  // namespace keras_saving_test
