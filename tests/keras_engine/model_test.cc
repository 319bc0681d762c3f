// Functional Model and Sequential: topology, summaries (golden text as Keras
// 2.0.2 prints them), calling models on new tensors, configs and errors.
#include <gtest/gtest.h>

#include <sstream>

#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace K = keras::backend;
namespace L = keras::layers;
using keras::models::Model;
using keras::models::Sequential;

namespace {

class ModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    K::clear_session();
    np::random::seed(1337);
  }
  void TearDown() override { K::clear_session(); }
};

template <class E, class F> void expect_error(F&& f, const std::string& text) {
  try {
    f();
    FAIL() << "expected: " << text;
  } catch (const E& e) {
    EXPECT_EQ(std::string(e.what()), text);
  }
}

// The seed's MLP (program 1).
Sequential seed_mlp() {
  Sequential model;
  model.add(L::Dense(512, {.input_dim = 784}));
  model.add(L::Activation("relu"));
  model.add(L::Dropout(0.2));
  model.add(L::Dense(512));
  model.add(L::Activation("relu"));
  model.add(L::Dropout(0.2));
  model.add(L::Dense(10));
  model.add(L::Activation("softmax"));
  return model;
}

// A merge-like custom layer: the sum of its inputs (all of one shape).
class AddImpl : public keras::engine::LayerImpl {
 public:
  explicit AddImpl(const std::string& name) : LayerImpl("Add", {.name = name}) {}
  std::vector<tf::Tensor> call(const std::vector<tf::Tensor>& xs, const L::CallArgs&) override {
    return {tf::add_n(xs)};
  }
  std::vector<tf::TensorShape> compute_output_shape(const std::vector<tf::TensorShape>& s) override {
    return {s[0]};
  }
};
L::Layer Add(const std::string& name) { return L::Layer(std::make_shared<AddImpl>(name)); }

TEST_F(ModelTest, SeedMlpSummaryIsKeras202Text) {
  Sequential model = seed_mlp();
  EXPECT_EQ(model.name(), "sequential_1");
  std::ostringstream os;
  model.summary(os);
  EXPECT_EQ(os.str(),
            "_________________________________________________________________\n"
            "Layer (type)                 Output Shape              Param #   \n"
            "=================================================================\n"
            "dense_1 (Dense)              (None, 512)               401920    \n"
            "_________________________________________________________________\n"
            "activation_1 (Activation)    (None, 512)               0         \n"
            "_________________________________________________________________\n"
            "dropout_1 (Dropout)          (None, 512)               0         \n"
            "_________________________________________________________________\n"
            "dense_2 (Dense)              (None, 512)               262656    \n"
            "_________________________________________________________________\n"
            "activation_2 (Activation)    (None, 512)               0         \n"
            "_________________________________________________________________\n"
            "dropout_2 (Dropout)          (None, 512)               0         \n"
            "_________________________________________________________________\n"
            "dense_3 (Dense)              (None, 10)                5130      \n"
            "_________________________________________________________________\n"
            "activation_3 (Activation)    (None, 10)                0         \n"
            "=================================================================\n"
            "Total params: 669,706\n"
            "Trainable params: 669,706\n"
            "Non-trainable params: 0\n"
            "_________________________________________________________________\n");
  EXPECT_EQ(model.count_params(), 669706);
}

TEST_F(ModelTest, SequentialTopology) {
  Sequential model = seed_mlp();
  ASSERT_EQ(model.layers().size(), 8u);
  EXPECT_EQ(model.layers()[0].name(), "dense_1");
  ASSERT_EQ(model.inputs().size(), 1u);
  EXPECT_EQ(model.inputs()[0].name(), "dense_1_input:0");
  EXPECT_EQ(model.input_names(), std::vector<std::string>{"dense_1_input"});
  EXPECT_EQ(model.output_names(), std::vector<std::string>{"activation_3"});
  EXPECT_EQ(model.internal_input_shapes()[0], tf::TensorShape({-1, 784}));
  EXPECT_EQ(model.internal_output_shapes()[0], tf::TensorShape({-1, 10}));
  EXPECT_EQ(model.outputs()[0].op().name(), "activation_3/Softmax");
  EXPECT_TRUE(model.uses_learning_phase());
  EXPECT_EQ(model.trainable_weights().size(), 6u);
  EXPECT_EQ(model.trainable_weights()[0].name(), "dense_1/kernel:0");
  EXPECT_EQ(model.get_layer("dense_2").name(), "dense_2");
  EXPECT_EQ(model.get_layer(2).name(), "dropout_1");
  expect_error<keraspp::ValueError>([&] { model.get_layer("foo"); }, "No such layer: foo");
  expect_error<keraspp::ValueError>(
      [&] { model.get_layer(8); }, "Was asked to retrieve layer at index 8 but model only has 8 layers.");
  EXPECT_TRUE(model.updates().empty());
  EXPECT_TRUE(model.losses().empty());
  auto config = model.get_config();
  ASSERT_TRUE(config.is_array());
  EXPECT_EQ(config[0]["class_name"], "Dense");
  EXPECT_EQ(config[0]["config"]["batch_input_shape"].dump(), "[null,784]");
  EXPECT_EQ(config[7]["config"]["activation"], "softmax");

  model.pop();
  EXPECT_EQ(model.layers().size(), 7u);
  EXPECT_EQ(model.output_names(), std::vector<std::string>{"dense_3"});
  EXPECT_EQ(model.outputs()[0].shape(), tf::TensorShape({-1, 10}));
  model.add(L::Activation("sigmoid"));
  EXPECT_EQ(model.output_names(), std::vector<std::string>{"activation_4"});
}

TEST_F(ModelTest, SequentialErrors) {
  Sequential model;
  expect_error<keraspp::ValueError>(
      [&] { model.add(L::Dense(3)); },
      "The first layer in a Sequential model must get an `input_shape` or `batch_input_shape` "
      "argument.");
  expect_error<keraspp::TypeError>([&] { model.pop(); }, "There are no layers in the model.");
  expect_error<keraspp::TypeError>(
      [&] { model.inputs(); },
      "Sequential model cannot be built: model is empty. Add some layers first.");
  L::Dense used(3);
  used(L::Input({.shape = {2}}));
  used(L::Input({.shape = {2}}));
  expect_error<keraspp::ValueError>(
      [&] { model.add(used); },
      "A layer added to a Sequential model must not already be connected somewhere else. Model "
      "received layer dense_2 which has 2 pre-existing inbound connections.");
  Sequential ok;
  ok.add(L::Dense(4, {.input_shape = {3}}));
  // input_dim only matters for the first layer.
  ok.add(L::Dense(2, {.input_dim = 100}));
  EXPECT_EQ(ok.layers()[1].weights()[0].shape(), tf::TensorShape({4, 2}));
  L::Dense built_for_5(2);
  built_for_5.build(tf::TensorShape({-1, 5}));
  expect_error<keraspp::ValueError>(
      [&] { ok.add(built_for_5); },
      "Input 0 is incompatible with layer dense_5: expected axis -1 of input shape to have value 5 "
      "but got shape (None, 2)");
}

TEST_F(ModelTest, SequentialFromAnInputLayerAndBatchShape) {
  Sequential model({L::InputLayer({.batch_input_shape = {16, 4}, .name = "in"}),
                    L::Dense(2)});
  EXPECT_EQ(model.layers().size(), 2u);
  EXPECT_EQ(model.inputs()[0].shape(), tf::TensorShape({16, 4}));
  EXPECT_EQ(model.input_names()[0], "in");
  std::ostringstream os;
  model.summary(os);
  EXPECT_NE(os.str().find("in (InputLayer)              (16, 4)                   0         \n"),
            std::string::npos) << os.str();
}

TEST_F(ModelTest, FunctionalMultiInputSummaryWithConnections) {
  tf::Tensor a = L::Input({.shape = {32}, .name = "a"});
  tf::Tensor b = L::Input({.shape = {16}, .name = "b"});
  tf::Tensor da = L::Dense(8, {.name = "dense_a"})(a);
  tf::Tensor db = L::Dense(8, {.name = "dense_b"})(b);
  tf::Tensor sum = Add("add")({da, db})[0];
  tf::Tensor out = L::Dense(1, {.activation = "sigmoid", .name = "out"})(sum);
  tf::Tensor aux = L::Dense(2, {.name = "aux"})(da);
  Model model({a, b}, {out, aux});
  EXPECT_EQ(model.name(), "model_1");
  std::ostringstream os;
  model.summary(os);
  EXPECT_EQ(os.str(),
      "____________________________________________________________________________________________________\n"
      "Layer (type)                     Output Shape          Param #     Connected to                     \n"
      "====================================================================================================\n"
      "a (InputLayer)                   (None, 32)            0                                            \n"
      "____________________________________________________________________________________________________\n"
      "b (InputLayer)                   (None, 16)            0                                            \n"
      "____________________________________________________________________________________________________\n"
      "dense_a (Dense)                  (None, 8)             264         a[0][0]                          \n"
      "____________________________________________________________________________________________________\n"
      "dense_b (Dense)                  (None, 8)             136         b[0][0]                          \n"
      "____________________________________________________________________________________________________\n"
      "add (Add)                        (None, 8)             0           dense_a[0][0]                    \n"
      "                                                                   dense_b[0][0]                    \n"
      "____________________________________________________________________________________________________\n"
      "out (Dense)                      (None, 1)             9           add[0][0]                        \n"
      "____________________________________________________________________________________________________\n"
      "aux (Dense)                      (None, 2)             18          dense_a[0][0]                    \n"
      "====================================================================================================\n"
      "Total params: 427\n"
      "Trainable params: 427\n"
      "Non-trainable params: 0\n"
      "____________________________________________________________________________________________________\n");
  EXPECT_EQ(model.input_names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(model.output_names(), (std::vector<std::string>{"out", "aux"}));
  ASSERT_EQ(model.output_layers().size(), 2u);
  EXPECT_EQ(model.output_layers()[1].name(), "aux");
  // Depth ordering: inputs deepest, outputs last.
  std::vector<std::string> names;
  for (const auto& l : model.layers()) names.push_back(l.name());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "dense_a", "dense_b", "add", "out", "aux"}));

  auto config = model.get_config();
  EXPECT_EQ(config["name"], "model_1");
  EXPECT_EQ(config["input_layers"].dump(), R"([["a",0,0],["b",0,0]])");
  EXPECT_EQ(config["output_layers"].dump(), R"([["out",0,0],["aux",0,0]])");
  EXPECT_EQ(config["layers"][4]["inbound_nodes"].dump(),
            R"([[["dense_a",0,0,{}],["dense_b",0,0,{}]]])");
  EXPECT_EQ(config["layers"][0]["config"]["batch_input_shape"].dump(), "[null,32]");

  // Values: out = sigmoid(dense(dense_a(a) + dense_b(b))).
  const np::Array xa = np::ones({2, 32}), xb = np::ones({2, 16});
  auto r = K::get_session().run(model.outputs(), {{a, xa}, {b, xb}});
  EXPECT_EQ(r[0].shape(), (np::Shape{2, 1}));
  EXPECT_EQ(r[1].shape(), (np::Shape{2, 2}));
}

TEST_F(ModelTest, SharedLayerSummaryShowsEveryConnection) {
  tf::Tensor a = L::Input({.shape = {32}, .name = "a"});
  tf::Tensor b = L::Input({.shape = {16}, .name = "b"});
  L::Activation act("relu");
  Model model({a, b}, {act(a), act(b)});
  std::ostringstream os;
  model.summary(os);
  EXPECT_EQ(os.str(),
      "____________________________________________________________________________________________________\n"
      "Layer (type)                     Output Shape          Param #     Connected to                     \n"
      "====================================================================================================\n"
      "a (InputLayer)                   (None, 32)            0                                            \n"
      "____________________________________________________________________________________________________\n"
      "b (InputLayer)                   (None, 16)            0                                            \n"
      "____________________________________________________________________________________________________\n"
      "activation_1 (Activation)        multiple              0           a[0][0]                          \n"
      "                                                                   b[0][0]                          \n"
      "====================================================================================================\n"
      "Total params: 0\n"
      "Trainable params: 0\n"
      "Non-trainable params: 0\n"
      "____________________________________________________________________________________________________\n");
  // A node of the layer outside the model is not a connection of it.
  tf::Tensor c = L::Input({.shape = {8}, .name = "c"});
  act(c);
  Model only_a(a, act.get_output_at(0));
  std::ostringstream os2;
  only_a.summary(os2, 0, {});
  EXPECT_NE(os2.str().find("activation_1 (Activation)    multiple                  0         \n"),
            std::string::npos) << os2.str();
}

TEST_F(ModelTest, CallingAModelOnNewTensorsReusesItsWeights) {
  tf::Tensor x = L::Input({.shape = {4}});
  tf::Tensor h = L::Dense(3, {.activation = "tanh"})(x);
  tf::Tensor y = L::Dense(2)(h);
  Model inner(x, y, "inner");
  const size_t n_vars = tf::global_variables().size();

  tf::Tensor x2 = L::Input({.shape = {4}});
  tf::Tensor y2 = inner(x2);
  EXPECT_EQ(tf::global_variables().size(), n_vars);
  EXPECT_EQ(keras::engine::keras_shape(y2), tf::TensorShape({-1, 2}));
  EXPECT_TRUE(keras::engine::is_keras_tensor(y2));
  EXPECT_EQ(inner.inbound_nodes().size(), 2u);
  const np::Array in = np::Array::from_vector<float>({1, 2, 3, 4, -1, 0, 1, 0}, {2, 4});
  auto r = K::get_session().run({y, y2}, {{x, in}, {x2, in}});
  EXPECT_TRUE(np::allclose(r[0], r[1]));

  // A model as a layer of another model.
  tf::Tensor z = L::Dense(1)(y2);
  Model outer(x2, z);
  std::vector<std::string> names;
  for (const auto& l : outer.layers()) names.push_back(l.name());
  EXPECT_EQ(names, (std::vector<std::string>{"input_2", "inner", "dense_3"}));
  EXPECT_EQ(outer.trainable_weights().size(), 6u);
  std::ostringstream os;
  outer.summary(os);
  EXPECT_NE(os.str().find("inner (Model)                (None, 2)                 23        \n"),
            std::string::npos) << os.str();
  EXPECT_NE(os.str().find("Total params: 26\n"), std::string::npos);
  // Sequential models nest the same way.
  Sequential seq;
  seq.add(L::Dense(2, {.input_dim = 2}));
  Sequential outer_seq;
  outer_seq.add(L::InputLayer({.input_shape = {2}}));
  outer_seq.add(seq);
  EXPECT_EQ(outer_seq.outputs()[0].shape(), tf::TensorShape({-1, 2}));
}

TEST_F(ModelTest, ModelErrors) {
  tf::Tensor plain = tf::placeholder(tf::float32, {-1, 3}, "plain");
  tf::Tensor x = L::Input({.shape = {3}});
  tf::Tensor y = L::Dense(2)(x);
  expect_error<keraspp::TypeError>(
      [&] { Model(plain, y); },
      "Input tensors to a Model must be Keras tensors. Found: <tf.Tensor 'plain:0' shape=(?, 3) "
      "dtype=float32> (missing Keras metadata).");
  expect_error<keraspp::TypeError>(
      [&] { Model(x, tf::identity(y, "raw")); },
      "Output tensors to a Model must be Keras tensors. Found: <tf.Tensor 'raw:0' shape=(?, 2) "
      "dtype=float32>");
  tf::Tensor other = L::Input({.shape = {3}});
  tf::Tensor z = L::Dense(2)(other);
  expect_error<keraspp::ValueError>(
      [&] { Model(x, z); },
      "Graph disconnected: cannot obtain value for tensor <tf.Tensor 'input_2:0' shape=(?, 3) "
      "dtype=float32> at layer \"input_2\". The following previous layers were accessed without "
      "issue: []");
  expect_error<keraspp::ValueError>(
      [&] { Model(std::vector<tf::Tensor>{x, x}, y); },
      "The list of inputs passed to the model is redundant. All inputs should only appear once. "
      "Found: [<tf.Tensor 'input_1:0' shape=(?, 3) dtype=float32>, <tf.Tensor 'input_1:0' "
      "shape=(?, 3) dtype=float32>]");
  tf::Tensor dup = L::Dense(2, {.name = "dense_1"})(y);
  expect_error<keraspp::ValueError>(
      [&] { Model(x, dup); },
      "The name \"dense_1\" is used 2 times in the model. All layer names should be unique.");
  expect_error<keraspp::ValueError>(
      [] { L::Input({}); },
      "Please provide to Input either a `shape` or a `batch_shape` argument. Note that `shape` "
      "does not include the batch dimension.");
}

TEST_F(ModelTest, LossesOfAModelAreItsLayersRegularizers) {
  tf::Tensor x = L::Input({.shape = {3}});
  tf::Tensor h = L::Dense(2, {.kernel_regularizer = keras::regularizers::l2(0.1)})(x);
  tf::Tensor y = L::ActivityRegularization(0.0, 1.0)(h);
  Model model(x, y);
  EXPECT_EQ(model.losses().size(), 2u);
  EXPECT_EQ(model.constraints().size(), 0u);
}

TEST_F(ModelTest, InputsAndNames) {
  tf::Tensor x = L::Input({.shape = {3}});
  EXPECT_EQ(x.name(), "input_1:0");
  EXPECT_EQ(x.shape(), tf::TensorShape({-1, 3}));
  tf::Tensor named = L::Input({.batch_shape = {5, 2}, .name = "feats", .dtype = "float64"});
  EXPECT_EQ(named.name(), "feats:0");
  EXPECT_EQ(named.dtype(), tf::float64);
  EXPECT_EQ(L::Input({.shape = {1}}).name(), "input_2:0");
  L::InputLayer layer({.input_shape = {7}});
  EXPECT_EQ(layer.name(), "input_3");
  EXPECT_EQ(layer.get_config().dump(),
            R"({"batch_input_shape":[null,7],"dtype":"float32","sparse":false,"name":"input_3"})");
  expect_error<keraspp::ValueError>(
      [] { L::InputLayer({}); },
      "An Input layer should be passed either a `batch_input_shape` or an `input_shape`.");
  Model m(x, L::Dense(1)(x));
  K::clear_session();
  EXPECT_EQ(L::Input({.shape = {1}}).name(), "input_1:0");
  tf::Tensor i = L::Input({.shape = {1}});
  EXPECT_EQ(Model(i, i).name(), "model_1");
}

}  // namespace
