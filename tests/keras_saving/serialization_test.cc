// The serialization backbone: every layer, model kind and object round-trips
// through its config; the config spellings of Keras 2.0.x-2.3.x and tf.keras
// 2.x are read; unknown classes and missing keys are clear errors.
#include <algorithm>

#include "saving_test_util.h"

namespace keras_saving_test {
namespace {

using SerializationTest = SavingTest;

// serialize -> deserialize -> serialize gives the same config.
void expect_round_trip(const L::Layer& layer) {
  const Config first = L::serialize(layer);
  const L::Layer copy = L::deserialize(first);
  EXPECT_EQ(copy.class_name(), layer.class_name());
  EXPECT_EQ(L::serialize(copy).dump(), first.dump());
}

TEST_F(SerializationTest, EveryLayerRoundTripsThroughItsConfig) {
  expect_round_trip(L::Dense(7, {.activation = "tanh", .use_bias = false,
                                 .kernel_initializer = keras::initializers::RandomNormal({.stddev = 0.1, .seed = 3}),
                                 .kernel_regularizer = keras::regularizers::l1_l2(0.01, 0.02),
                                 .activity_regularizer = keras::regularizers::l2(0.5),
                                 .kernel_constraint = keras::constraints::max_norm(3.0, 1),
                                 .bias_constraint = keras::constraints::non_neg(),
                                 .input_dim = 5, .name = "d"}));
  expect_round_trip(L::Activation("softmax", {.name = "act"}));
  expect_round_trip(L::Dropout(0.25, {.noise_shape = {-1, 1, 4}, .seed = 7}));
  expect_round_trip(L::Flatten({.input_shape = {3, 4}}));
  expect_round_trip(L::Reshape({2, -1}, {.trainable = false}));
  expect_round_trip(L::Permute({2, 1}));
  expect_round_trip(L::RepeatVector(3));
  expect_round_trip(L::ActivityRegularization(0.1, 0.2));
  expect_round_trip(L::Masking(-1.0));
  expect_round_trip(L::LeakyReLU(0.1));
  expect_round_trip(L::PReLU({.alpha_initializer = keras::initializers::Constant(0.25), .shared_axes = {1}}));
  expect_round_trip(L::ELU(0.5));
  expect_round_trip(L::ThresholdedReLU(0.7));
  expect_round_trip(L::InputLayer({.batch_input_shape = {-1, 3}, .name = "in"}));
  expect_round_trip(L::Conv2D(4, {3, 2}, {.strides = {2, 1}, .padding = "same", .data_format = "channels_first",
                                          .dilation_rate = 1, .activation = "relu", .use_bias = false,
                                          .kernel_regularizer = keras::regularizers::l2(0.1),
                                          .input_shape = {1, 8, 8}, .name = "c2"}));
  expect_round_trip(L::Conv2D(2, 3, {.dilation_rate = 2, .bias_constraint = keras::constraints::non_neg()}));
  expect_round_trip(L::Conv1D(5, 3, {.strides = 2, .padding = "same", .activation = "tanh", .input_shape = {10, 2}}));
  expect_round_trip(L::Conv1D(2, 2, {.dilation_rate = 2, .use_bias = false}));
  expect_round_trip(L::MaxPooling2D({.pool_size = {3, 2}, .strides = L::IntPair{1, 2}, .padding = "same"}));
  expect_round_trip(L::AveragePooling2D({.pool_size = 2, .data_format = "channels_first", .name = "avg"}));
  expect_round_trip(L::MaxPooling1D({.pool_size = 3, .strides = 1}));
  expect_round_trip(L::AveragePooling1D({.padding = "same"}));
  expect_round_trip(L::Embedding(20, 4, {.embeddings_initializer = keras::initializers::RandomNormal({.seed = 1}),
                                         .embeddings_regularizer = keras::regularizers::l1(0.01),
                                         .mask_zero = true, .input_length = 6}));
  expect_round_trip(L::Embedding(7, 3));
  expect_round_trip(L::Add({.name = "plus"}));
  expect_round_trip(L::Subtract());
  expect_round_trip(L::Multiply({.trainable = false}));
  expect_round_trip(L::Average());
  expect_round_trip(L::Maximum());
  expect_round_trip(L::Concatenate({.axis = 1}));
  expect_round_trip(L::Dot(1, {.normalize = true}));
  expect_round_trip(L::Dot(std::pair{2, 1}));
  expect_round_trip(L::SimpleRNN(3, {.activation = "relu", .use_bias = false, .dropout = 0.1, .go_backwards = true}));
  expect_round_trip(L::LSTM(4, {.recurrent_activation = "sigmoid", .unit_forget_bias = false,
                                .recurrent_regularizer = keras::regularizers::l2(0.01), .recurrent_dropout = 0.2,
                                .return_sequences = true, .return_state = true, .implementation = 2,
                                .input_shape = {5, 3}}));
  expect_round_trip(L::GRU(2, {.stateful = true, .unroll = true, .batch_input_shape = {4, 3, 2}}));
  expect_round_trip(L::TimeDistributed(L::Dense(3, {.activation = "softmax"}), {.input_shape = {7, 5}}));
  expect_round_trip(L::Bidirectional(L::LSTM(2, {.return_sequences = true}), {.merge_mode = "ave"}));
  expect_round_trip(L::Bidirectional(L::GRU(2), {.merge_mode = std::nullopt}));
  expect_round_trip(L::BatchNormalization({.axis = 1, .momentum = 0.9, .epsilon = 1e-4, .center = false,
                                           .gamma_initializer = keras::initializers::Constant(0.5),
                                           .gamma_regularizer = keras::regularizers::l2(0.01),
                                           .beta_constraint = keras::constraints::non_neg(), .name = "bn"}));
  expect_round_trip(L::Conv2DTranspose(4, {3, 2}, {.strides = {2, 1}, .padding = "same", .activation = "relu",
                                                   .use_bias = false, .kernel_regularizer = keras::regularizers::l2(0.1),
                                                   .name = "up"}));
  expect_round_trip(L::SeparableConv2D(8, 3, {.strides = 2, .data_format = "channels_first", .depth_multiplier = 3,
                                              .pointwise_initializer = keras::initializers::Constant(0.5),
                                              .depthwise_constraint = keras::constraints::non_neg()}));
  expect_round_trip(L::UpSampling1D({.size = 3}));
  expect_round_trip(L::UpSampling2D({.size = {2, 3}, .data_format = "channels_first"}));
  expect_round_trip(L::ZeroPadding1D({1, 2}));
  expect_round_trip(L::ZeroPadding2D(L::IntPadding2D{{1, 2}, {3, 4}}, {.input_shape = {5, 5, 1}}));
  expect_round_trip(L::Cropping1D({0, 2}));
  expect_round_trip(L::Cropping2D(L::IntPadding2D{{1, 0}, {2, 2}}, {.data_format = "channels_first"}));
  expect_round_trip(L::GlobalMaxPooling1D());
  expect_round_trip(L::GlobalAveragePooling1D({.name = "gap"}));
  expect_round_trip(L::GlobalMaxPooling2D({.data_format = "channels_first"}));
  expect_round_trip(L::GlobalAveragePooling2D());
  expect_round_trip(L::SpatialDropout1D(0.3, {.seed = 4}));
  expect_round_trip(L::SpatialDropout2D(0.2, {.data_format = "channels_first"}));
  expect_round_trip(L::ConvLSTM2D(3, {3, 2}, {.strides = {2, 1}, .padding = "same", .data_format = "channels_first",
                                              .recurrent_activation = "sigmoid", .unit_forget_bias = false,
                                              .recurrent_regularizer = keras::regularizers::l2(0.01),
                                              .return_sequences = true, .go_backwards = true, .dropout = 0.1,
                                              .recurrent_dropout = 0.2, .input_shape = {4, 2, 6, 6}}));
  expect_round_trip(L::ConvLSTM2D(2, 3, {.stateful = true, .batch_input_shape = {2, 3, 5, 5, 1}}));
}

// Keras 3's spellings of the same layers read as their Keras 2 configs.
TEST_F(SerializationTest, LayersReadKeras3Configs) {
  const L::Layer conv = L::deserialize(Config::parse(R"({"module": "keras.layers", "class_name": "Conv2D",
      "config": {"name": "conv2d", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy",
      "config": {"name": "float32"}, "registered_name": null}, "filters": 3, "kernel_size": [2, 2],
      "strides": [1, 1], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1],
      "groups": 1, "activation": "relu", "use_bias": true, "kernel_initializer": {"module":
      "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
      "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
      "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null,
      "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null},
      "registered_name": null, "build_config": {"input_shape": [null, 5, 5, 1]}})"));
  EXPECT_EQ(conv.get_config()["kernel_size"].dump(), "[2,2]");
  EXPECT_EQ(conv.get_config()["activation"], "relu");
  const L::Layer pool = L::deserialize(Config::parse(R"({"class_name": "MaxPooling1D", "config": {"name": "p",
      "pool_size": 2, "strides": null, "padding": "valid", "data_format": "channels_last"}})"));
  EXPECT_EQ(pool.get_config()["strides"].dump(), "[2]");
  const L::Layer emb = L::deserialize(Config::parse(R"({"class_name": "Embedding", "config": {"name": "e",
      "input_dim": 9, "output_dim": 2, "embeddings_initializer": {"class_name": "RandomUniform", "config":
      {"minval": -0.05, "maxval": 0.05, "seed": null}}, "mask_zero": false}})"));
  EXPECT_EQ(emb.get_config()["input_dim"], 9);
  const L::Layer dot = L::deserialize(Config::parse(R"({"class_name": "Dot", "config": {"name": "d", "axes": [1, 1]}})"));
  EXPECT_EQ(dot.get_config()["axes"].dump(), "[1,1]");
  // tf.keras's / Keras 3's GRU default, reset_after=True, is refused;
  // Keras++ writes reset_after=false so they read its GRU as Keras 2.0's.
  const std::string gru_error = message_of<keraspp::ValueError>([] {
    L::deserialize(Config::parse(R"({"class_name": "GRU", "config": {"name": "g", "units": 2, "reset_after": true}})"));
  });
  EXPECT_NE(gru_error.find("Layer g (GRU): reset_after=True"), std::string::npos) << gru_error;
  EXPECT_EQ(L::GRU(2).get_config()["reset_after"], false);
  // Keras 3's ReLU (how it writes ThresholdedReLU) reads as Keras 2.0's layers.
  const L::Layer thresholded = L::deserialize(Config::parse(R"({"class_name": "ReLU", "config": {"name": "r",
      "max_value": null, "negative_slope": 0.0, "threshold": 0.25}})"));
  EXPECT_EQ(thresholded.class_name(), "ThresholdedReLU");
  EXPECT_EQ(thresholded.get_config()["theta"], 0.25);
  EXPECT_EQ(L::deserialize(Config::parse(R"({"class_name": "ReLU", "config": {"name": "r"}})")).get_config()["activation"],
            "relu");
  EXPECT_THROW(L::deserialize(Config::parse(R"({"class_name": "ReLU", "config": {"name": "r", "max_value": 6.0}})")),
               keraspp::ValueError);
  EXPECT_EQ(message_of<keraspp::ValueError>([] {
              L::deserialize(Config::parse(R"({"class_name": "Conv2D", "config": {"name": "c", "filters": 2,
                  "kernel_size": [1, 2, 3]}})"));
            }),
            "Layer c (Conv2D) 'kernel_size': expected 2 integers, got [1,2,3]");
}

// tf.keras 2.x writes BatchNormalization's axis as a list and adds keys
// Keras 2.0 lacks.
TEST_F(SerializationTest, BatchNormalizationReadsTfKerasConfig) {
  const L::Layer bn = L::deserialize(Config::parse(
      R"({"class_name": "BatchNormalization", "config": {"name": "bn", "axis": [3], "momentum": 0.9,
          "epsilon": 0.001, "center": true, "scale": true, "renorm": false, "fused": null}})"));
  EXPECT_EQ(bn.get_config()["axis"], 3);
  EXPECT_EQ(bn.get_config()["momentum"], 0.9);
}

TEST_F(SerializationTest, DeserializedLayerKeepsItsArguments) {
  const L::Layer d = L::deserialize(L::serialize(L::Dense(4, {.activation = "relu", .input_dim = 3, .name = "h"})));
  const Config c = d.get_config();
  EXPECT_EQ(c["name"], "h");
  EXPECT_EQ(c["units"], 4);
  EXPECT_EQ(c["activation"], "relu");
  EXPECT_EQ(c["batch_input_shape"].dump(), "[null,3]");
}

TEST_F(SerializationTest, UnknownClassesAndMissingKeysAreValueErrors) {
  EXPECT_EQ(message_of<keraspp::ValueError>([] { L::deserialize(Config::parse(R"({"class_name": "Foo", "config": {}})")); }),
            "Unknown layer: Foo");
  EXPECT_EQ(message_of<keraspp::ValueError>([] {
              keras::initializers::deserialize(Config::parse(R"({"class_name": "Bar", "config": {}})"));
            }),
            "Unknown initializer: Bar");
  EXPECT_EQ(message_of<keraspp::ValueError>([] { keras::optimizers::deserialize(Config::parse(R"({"class_name": "Baz"})")); }),
            "Unknown optimizer: Baz");
  EXPECT_EQ(message_of<keraspp::ValueError>([] {
              L::deserialize(Config::parse(R"({"class_name": "Dense", "config": {"name": "d"}})"));
            }),
            "Layer d (Dense): the config is missing the key 'units'");
  EXPECT_EQ(message_of<keraspp::ValueError>([] {
              L::deserialize(Config::parse(R"({"class_name": "Dense", "config": {"name": "d", "units": "x"}})"));
            }),
            "Layer d (Dense) 'units': expected an integer, got \"x\"");
  EXPECT_EQ(message_of<keraspp::ValueError>([] { keras::models::model_from_json("{not json"); }).rfind(
                "model_from_json: the text is not valid JSON", 0),
            0u);
}

TEST_F(SerializationTest, CustomObjectsProvideUserLayersAndFunctions) {
  keras::CustomObjects objects;
  int made = 0;
  objects.layers["Doubler"] = [&made](const Config& c, const keras::CustomObjects&) -> L::Layer {
    ++made;
    return L::Activation([](const tf::Tensor& x) { return x * 2.0; },
                         L::with_common_options(L::ActivationOptions{}, c));
  };
  objects.activations["my_relu"] = keras::activations::relu;
  const L::Layer layer = L::deserialize(Config::parse(R"({"class_name": "Doubler", "config": {"name": "dbl"}})"), objects);
  EXPECT_EQ(made, 1);
  EXPECT_EQ(layer.name(), "dbl");
  const L::Layer d = L::deserialize(
      Config::parse(R"({"class_name": "Dense", "config": {"units": 2, "activation": "my_relu"}})"), objects);
  EXPECT_EQ(d.get_config()["activation"], "relu");
  // The registry: a class registered once is found without custom_objects.
  L::register_layer("Doubler", objects.layers["Doubler"]);
  EXPECT_TRUE(L::is_registered("Doubler"));
  L::deserialize(Config::parse(R"({"class_name": "Doubler", "config": {}})"));
  EXPECT_EQ(made, 2);
}

TEST_F(SerializationTest, ObjectsRoundTripAndReadTfKerasSpellings) {
  using keras::initializers::deserialize;
  for (const auto& init : {keras::initializers::Zeros(), keras::initializers::Constant(2.5),
                           keras::initializers::RandomUniform({.minval = -1, .maxval = 2, .seed = 4}),
                           keras::initializers::TruncatedNormal(), keras::initializers::glorot_uniform(),
                           keras::initializers::Orthogonal(1.5), keras::initializers::Identity(2.0)}) {
    const Config c = keras::initializers::serialize(init);
    EXPECT_EQ(keras::initializers::serialize(deserialize(c)).dump(), c.dump());
  }
  // tf.keras 2.x names its presets and writes "truncated_normal".
  const auto he = deserialize(Config::parse(R"({"class_name": "HeNormal", "config": {"seed": null}})"));
  EXPECT_EQ(keras::initializers::serialize(he).dump(), keras::initializers::serialize(keras::initializers::he_normal()).dump());
  deserialize(Config::parse(
      R"({"class_name": "VarianceScaling", "config": {"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": null}})"));
  // Regularizers: L1L2 and tf.keras's L2.
  const auto r = keras::regularizers::deserialize(Config::parse(R"({"class_name": "L2", "config": {"l2": 0.03}})"));
  EXPECT_DOUBLE_EQ(r.l2(), 0.03);
  EXPECT_EQ(keras::regularizers::serialize(r)["class_name"], "L1L2");
  const auto mm = keras::constraints::MinMaxNorm(0.1, 2.0, 0.5, 1);
  EXPECT_EQ(keras::constraints::serialize(keras::constraints::deserialize(keras::constraints::serialize(mm))).dump(),
            keras::constraints::serialize(mm).dump());
}

TEST_F(SerializationTest, OptimizersReadLrAndLearningRate) {
  const auto a = keras::optimizers::deserialize(
      Config::parse(R"({"class_name": "Adam", "config": {"lr": 0.5, "beta_1": 0.8, "beta_2": 0.99, "decay": 0.0, "epsilon": 1e-07, "amsgrad": false}})"));
  EXPECT_EQ(a.class_name(), "Adam");
  EXPECT_DOUBLE_EQ(a.get_lr(), 0.5);
  EXPECT_FLOAT_EQ(static_cast<float>(a.get_config().at("beta_1")), 0.8f);
  const auto r = keras::optimizers::deserialize(Config::parse(
      R"({"class_name": "RMSprop", "config": {"name": "RMSprop", "learning_rate": 0.25, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-07, "centered": false}})"));
  EXPECT_DOUBLE_EQ(r.get_lr(), 0.25);
  const auto s = keras::optimizers::SGD({.lr = 0.125, .momentum = 0.5, .nesterov = true, .clip = {.clipnorm = 1.0}});
  const Config sc = keras::optimizers::serialize(s);
  EXPECT_EQ(sc["config"]["nesterov"], true);
  EXPECT_EQ(sc["config"]["lr"], 0.125);
  EXPECT_EQ(keras::optimizers::serialize(keras::optimizers::deserialize(sc)).dump(), sc.dump());
  // Losses and metrics: names and tf.keras classes.
  EXPECT_EQ(keras::losses::deserialize(Config("mse")).name(), "mean_squared_error");
  EXPECT_EQ(keras::losses::deserialize(Config::parse(R"({"class_name": "SparseCategoricalCrossentropy", "config": {}})")).name(),
            "sparse_categorical_crossentropy");
  EXPECT_EQ(keras::metrics::deserialize(Config("accuracy")).name(), "acc");
}

Sequential small_sequential() {
  Sequential model("seq");
  model.add(L::Dense(6, {.activation = "relu", .input_dim = 4}));
  model.add(L::Dropout(0.5));
  model.add(L::Dense(3));
  model.add(L::Activation("softmax"));
  return model;
}

TEST_F(SerializationTest, SequentialRoundTripsThroughJson) {
  Sequential model = small_sequential();
  const std::string json = model.to_json();
  const Config parsed = Config::parse(json);
  EXPECT_EQ(parsed["class_name"], "Sequential");
  EXPECT_EQ(parsed["config"]["name"], "seq");
  EXPECT_EQ(parsed["keras_version"], keras::models::keras_version());
  EXPECT_EQ(parsed["backend"], "tensorflow");
  Model copy = keras::models::model_from_json(json);
  EXPECT_EQ(Config::parse(copy.to_json()).dump(), parsed.dump());
  copy.set_weights(model.get_weights());
  expect_same_predictions(model, copy, np::random::uniform(-1, 1, {5, 4}));
}

TEST_F(SerializationTest, SequentialConfigAsListDictOrWithInputLayer) {
  const std::string dense = R"({"class_name": "Dense", "config": {"name": "d1", "units": 2, "batch_input_shape": [null, 3]}})";
  const std::string act = R"({"class_name": "Activation", "config": {"name": "a1", "activation": "sigmoid"}})";
  // Keras 2.0.x-2.2.2: a bare list.
  Model m1 = keras::models::model_from_json(R"({"class_name": "Sequential", "config": [)" + dense + "," + act + "]}");
  EXPECT_EQ(m1.layers().size(), 2u);
  // Keras 2.2.3+: {"name", "layers"}.
  Model m2 = keras::models::model_from_json(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [)" + dense +
                                            "," + act + "]}}");
  EXPECT_EQ(m2.name(), "s");
  // tf.keras 2.x: an InputLayer first, its shape given to the first layer.
  Model m3 = keras::models::model_from_json(
      R"({"class_name": "Sequential", "config": {"name": "t", "layers": [{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 5], "dtype": "float32", "sparse": false, "ragged": false, "name": "dense_input"}}, {"class_name": "Dense", "config": {"name": "dense", "trainable": true, "dtype": "float32", "units": 2, "activation": "linear", "use_bias": true, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}}, "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}}]}})");
  EXPECT_EQ(m3.layers().size(), 1u);
  EXPECT_EQ(m3.internal_input_shapes()[0].keras_str(), "(None, 5)");
}

// Two inputs, two outputs, a shared layer and a nested Sequential.
Model functional_model() {
  const tf::Tensor a = L::Input({.shape = {4}, .name = "a"});
  const tf::Tensor b = L::Input({.shape = {4}, .name = "b"});
  L::Dense shared(5, {.activation = "tanh", .name = "shared"});
  Sequential tower("tower");
  tower.add(L::Dense(3, {.input_dim = 5, .name = "tower_dense"}));
  tower.add(L::LeakyReLU(0.2));
  const tf::Tensor ha = tower(shared(a));
  const tf::Tensor hb = tower(shared(b));
  const tf::Tensor out1 = L::Dense(2, {.activation = "softmax", .name = "out1"})(ha);
  const tf::Tensor out2 = L::Dense(1, {.name = "out2"})(hb);
  return Model({a, b}, {out1, out2}, "two_heads");
}

TEST_F(SerializationTest, FunctionalModelWithSharedAndNestedLayersRoundTrips) {
  Model model = functional_model();
  const std::string json = model.to_json();
  Model copy = keras::models::model_from_json(json);
  EXPECT_EQ(copy.to_json(), json);
  EXPECT_EQ(copy.input_names(), model.input_names());
  EXPECT_EQ(copy.output_names(), model.output_names());
  copy.set_weights(model.get_weights());
  const np::Array xa = np::random::uniform(-1, 1, {6, 4});
  const np::Array xb = np::random::uniform(-1, 1, {6, 4});
  const auto pa = model.predict_multi({xa, xb});
  const auto pb = copy.predict_multi({xa, xb});
  ASSERT_EQ(pa.size(), 2u);
  for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(np::array_equal(pa[i], pb[i]));
  // A functional model used as a layer of another one.
  const tf::Tensor x = L::Input({.shape = {4}});
  const tf::Tensor y = L::Input({.shape = {4}});
  const std::vector<tf::Tensor> heads = model({x, y});
  Model outer({x, y}, {L::Dense(1)(heads[0])}, "outer");
  Model outer_copy = keras::models::model_from_json(outer.to_json());
  EXPECT_EQ(outer_copy.to_json(), outer.to_json());
}

TEST_F(SerializationTest, ReadsTfKerasFunctionalSpelling) {
  Model m = keras::models::model_from_json(R"({"class_name": "Functional", "config": {"name": "f", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 3], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_1"}, "name": "input_1", "inbound_nodes": []},
    {"class_name": "Dense", "config": {"name": "dense", "trainable": true, "dtype": "float32", "units": 2, "activation": "relu"}, "name": "dense", "inbound_nodes": [[["input_1", 0, 0, {}]]]}],
    "input_layers": [["input_1", 0, 0]], "output_layers": [["dense", 0, 0]]}, "keras_version": "2.13.1", "backend": "tensorflow"})");
  EXPECT_EQ(m.name(), "f");
  EXPECT_EQ(m.layers().size(), 2u);
  EXPECT_EQ(m.internal_output_shapes()[0].keras_str(), "(None, 2)");
}

}  // namespace
}  // namespace keras_saving_test

namespace keras_saving_test {
namespace {

// A model with BatchNormalization saves its four weights in Keras's order
// (gamma, beta, moving_mean, moving_variance) and predicts the same after
// load_model, the moved statistics included.
TEST_F(SerializationTest, BatchNormalizationModelSavesAndLoads) {
  Sequential model;
  model.add(L::Dense(3, {.input_dim = 4}));
  model.add(L::BatchNormalization({.momentum = 0.5}));
  model.compile({.optimizer = "sgd", .loss = "mse"});
  const np::Array x = np::random::uniform(-1, 1, {8, 4});
  model.fit(x, np::zeros({8, 3}), {.batch_size = 4, .epochs = 2, .verbose = 0});
  model.save(path("bn.h5"));
  Model loaded = keras::models::load_model(path("bn.h5"));
  const std::vector<tf::Variable> w = loaded.layers()[1].weights();
  ASSERT_EQ(w.size(), 4u);
  EXPECT_TRUE(w[2].name().ends_with("/moving_mean:0")) << w[2].name();
  EXPECT_TRUE(w[3].name().ends_with("/moving_variance:0")) << w[3].name();
  const std::vector<np::Array> before = model.layers()[1].get_weights(), after = loaded.layers()[1].get_weights();
  for (size_t i = 0; i < 4; ++i)
    for (int64_t k = 0; k < 3; ++k) EXPECT_EQ(after[i].get_flat(k), before[i].get_flat(k)) << i;
  EXPECT_NE(before[2].get_flat(0), 0.0);
  const np::Array p = model.predict(x), q = loaded.predict(x);
  for (int64_t i = 0; i < p.size(); ++i) EXPECT_EQ(p.get_flat(i), q.get_flat(i));
}

// registered_layer_names (what the Python package binds a constructor for):
// every built-in and registered class once, sorted; a user registration too.
TEST_F(SerializationTest, RegisteredLayerNamesListEveryClassOnce) {
  const std::vector<std::string> before = L::registered_layer_names();
  EXPECT_TRUE(std::is_sorted(before.begin(), before.end()));
  EXPECT_EQ(std::adjacent_find(before.begin(), before.end()), before.end());
  for (const char* cls : {"Dense", "InputLayer", "Conv2D", "LSTM", "Bidirectional", "Sequential", "Model"})
    EXPECT_NE(std::find(before.begin(), before.end(), cls), before.end()) << cls;
  for (const std::string& cls : before) EXPECT_TRUE(L::is_registered(cls)) << cls;
  const bool had = L::is_registered("ZzNamesTestLayer");  // a repeated run registered it already
  L::register_layer("ZzNamesTestLayer", [](const Config&, const keras::CustomObjects&) { return L::Dense(1); });
  const std::vector<std::string> after = L::registered_layer_names();
  ASSERT_EQ(after.size(), before.size() + (had ? 0 : 1));
  EXPECT_EQ(after.back(), "ZzNamesTestLayer");
}

}  // namespace
}  // namespace keras_saving_test
