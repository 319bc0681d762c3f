// Keras 3 .keras archives: model.save / load_model choose the format by the
// extension; round trips predict bit for bit and continue training; the
// archive holds Keras 3's layout; truncated and corrupt archives are errors
// naming the file and the part, never crashes.
#include <fstream>

#include "keras/engine/training_state.h"
#include "keras/saving/hdf5.h"
#include "keras/saving/zip_archive.h"
#include "saving_test_util.h"

namespace keras_saving_test {
namespace {

namespace h5 = keras::saving::h5;
using KerasArchiveTest = SavingTest;

np::Array one_hot_targets(int64_t n, int64_t classes) {
  np::Array y = np::zeros({n, classes});
  for (int64_t i = 0; i < n; ++i) y.at<float>(i, i % classes) = 1.0f;
  return y;
}

std::string read_bytes(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

Sequential cnn() {
  Sequential model("cnn");
  model.add(L::Conv2D(4, 3, {.padding = "same", .activation = "relu", .input_shape = {8, 8, 1}}));
  model.add(L::MaxPooling2D());
  model.add(L::Conv2D(3, {2, 2}));
  model.add(L::AveragePooling2D({.pool_size = 3}));
  model.add(L::Flatten());
  model.add(L::Dropout(0.3));
  model.add(L::Dense(3, {.activation = "softmax"}));
  return model;
}

TEST_F(KerasArchiveTest, SavedModelPredictsTheSameAndHasKeras3Layout) {
  Sequential model = cnn();
  model.compile({.optimizer = "adam", .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
  const np::Array x = np::random::uniform(-1, 1, {6, 8, 8, 1});
  model.train_on_batch(x, one_hot_targets(6, 3));
  model.save(path("m.keras"));
  Model loaded = keras::models::load_model(path("m.keras"));
  expect_same_predictions(model, loaded, x);
  EXPECT_EQ(loaded.metrics_names(), model.metrics_names());

  const auto entries = keras::saving::zip::read_archive(path("m.keras"));
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(Config::parse(entries.at("metadata.json"))["keras_version"], "3.3.3");
  const Config config = Config::parse(entries.at("config.json"));
  EXPECT_EQ(config["module"], "keras");
  EXPECT_EQ(config["class_name"], "Sequential");
  EXPECT_EQ(config["build_config"]["input_shape"].dump(), "[null,8,8,1]");
  const Config& layers = config["config"]["layers"];
  EXPECT_EQ(layers[0]["class_name"], "InputLayer");
  EXPECT_EQ(layers[0]["config"]["batch_shape"].dump(), "[null,8,8,1]");
  EXPECT_EQ(layers[1]["module"], "keras.layers");
  EXPECT_EQ(layers[1]["config"]["kernel_initializer"]["module"], "keras.initializers");
  EXPECT_FALSE(layers[1]["config"].contains("batch_input_shape"));
  const Config& compile = config["compile_config"];
  EXPECT_EQ(compile["optimizer"]["class_name"], "Adam");
  EXPECT_TRUE(compile["optimizer"]["config"].contains("learning_rate"));
  EXPECT_EQ(compile["loss"], "categorical_crossentropy");

  const h5::Group root = h5::open_image(entries.at("model.weights.h5"), "m.keras/model.weights.h5");
  EXPECT_EQ(root.dataset_shape("layers/conv2d/vars/0"), (std::vector<int64_t>{3, 3, 1, 4}));
  EXPECT_EQ(root.dataset_shape("layers/conv2d_1/vars/1"), (std::vector<int64_t>{3}));
  EXPECT_TRUE(root.has_child("layers/max_pooling2d/vars"));
  EXPECT_TRUE(root.has_child("layers/dense/vars/1"));
  EXPECT_FALSE(root.has_child("layers/dense_1"));
  // Adam: iteration, learning_rate, then m and v per variable (6 weights).
  EXPECT_TRUE(root.has_child("optimizer/vars/13"));
  EXPECT_FALSE(root.has_child("optimizer/vars/14"));
  EXPECT_EQ(root.dataset_shape("optimizer/vars/2"), (std::vector<int64_t>{3, 3, 1, 4}));
  EXPECT_EQ(root.dataset_shape("optimizer/vars/3"), (std::vector<int64_t>{3, 3, 1, 4}));
  EXPECT_EQ(root.dataset_shape("optimizer/vars/4"), (std::vector<int64_t>{4}));
}

TEST_F(KerasArchiveTest, LoadedModelContinuesTrainingWithTheSavedOptimizerState) {
  for (const std::string opt : {"Adam", "RMSprop", "SGD", "Adagrad", "Adadelta", "Adamax"}) {
    SCOPED_TRACE(opt);
    K::clear_session();
    Sequential model;
    model.add(L::Dense(5, {.activation = "tanh", .input_dim = 4}));
    model.add(L::Dense(3, {.activation = "softmax"}));
    keras::optimizers::Optimizer o = opt == "SGD" ? keras::optimizers::SGD({.lr = 0.1, .momentum = 0.9, .decay = 0.01})
                                                  : keras::optimizers::Optimizer(opt);
    model.compile({.optimizer = o, .loss = "categorical_crossentropy"});
    const np::Array x = np::random::uniform(-1, 1, {16, 4});
    const np::Array y = one_hot_targets(16, 3);
    for (int i = 0; i < 3; ++i) model.train_on_batch(x, y);
    model.save(path(opt + ".keras"));
    Model loaded = keras::models::load_model(path(opt + ".keras"));
    EXPECT_EQ(loaded.train_on_batch(x, y)[0], model.train_on_batch(x, y)[0]);
    EXPECT_EQ(loaded.train_on_batch(x, y)[0], model.train_on_batch(x, y)[0]);
  }
}

// Nadam's state (Keras 3's u_product is its m_schedule) crosses .keras
// files; Keras 3's Nadam is Keras 2's with schedule_decay 1, which is what a
// loaded Nadam gets (another schedule_decay has no Keras 3 spelling).
TEST_F(KerasArchiveTest, NadamContinuesWithKeras3sSchedule) {
  for (const double schedule_decay : {1.0, 0.004}) {
    SCOPED_TRACE(schedule_decay);
    K::clear_session();
    Sequential model;
    model.add(L::Dense(5, {.activation = "tanh", .input_dim = 4}));
    model.add(L::Dense(3, {.activation = "softmax"}));
    model.compile({.optimizer = keras::optimizers::Nadam({.lr = 0.01, .schedule_decay = schedule_decay}),
                   .loss = "categorical_crossentropy"});
    const np::Array x = np::random::uniform(-1, 1, {16, 4});
    const np::Array y = one_hot_targets(16, 3);
    for (int i = 0; i < 3; ++i) model.train_on_batch(x, y);
    model.save(path("nadam.keras"));
    const h5::Group root = h5::open_image(keras::saving::zip::read_archive(path("nadam.keras")).at("model.weights.h5"), "n");
    EXPECT_TRUE(root.has_child("optimizer/vars/2"));  // u_product, after iteration and learning_rate
    EXPECT_TRUE(root.has_child("optimizer/vars/6"));  // 2 + m, v for 2 kernels and 2 biases
    Model loaded = keras::models::load_model(path("nadam.keras"));
    EXPECT_EQ(loaded.training_state()->optimizer.get_config().at("schedule_decay"), 1.0);
    if (schedule_decay != 1.0) continue;
    EXPECT_EQ(loaded.train_on_batch(x, y)[0], model.train_on_batch(x, y)[0]);
    EXPECT_EQ(loaded.train_on_batch(x, y)[0], model.train_on_batch(x, y)[0]);
  }
}

// Embedding and the merge layers in a functional model with several inputs
// and outputs, a shared layer and a nested Sequential.
TEST_F(KerasArchiveTest, FunctionalModelWithEveryLayerFamily) {
  const tf::Tensor ids = L::Input({.shape = {5}, .name = "ids", .dtype = "int32"});
  const tf::Tensor seq = L::Input({.shape = {6, 2}, .name = "seq"});
  const tf::Tensor a = L::Flatten()(L::Embedding(10, 3, {.input_length = 5})(ids));
  tf::Tensor s = L::MaxPooling1D()(L::Conv1D(3, 2, {.activation = "relu"})(seq));
  s = L::Flatten()(L::AveragePooling1D({.pool_size = 1})(s));
  const L::Dense shared(4, {.name = "shared"});
  const tf::Tensor ha = shared(L::Dense(4)(a)), hs = shared(L::Dense(4)(s));
  Sequential tower("tower");
  tower.add(L::Dense(4, {.input_dim = 4}));
  tower.add(L::LeakyReLU(0.2));
  const tf::Tensor merged = L::concatenate({L::add({ha, hs}), L::multiply({ha, tower(hs)}), L::subtract({ha, hs}),
                                            L::average({ha, hs}), L::maximum({ha, hs})});
  const tf::Tensor out1 = L::Dense(2, {.activation = "softmax", .name = "out1"})(merged);
  const tf::Tensor out2 = L::Dot(1, {.normalize = true})({ha, hs}).at(0);
  Model model({ids, seq}, {out1, out2}, "families");
  model.compile({.optimizer = "adam", .loss = std::vector<keras::losses::Loss>{"categorical_crossentropy", "mse"},
                 .metrics = {"mae"}});
  np::Array xi = np::zeros({8, 5});
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 5; ++j) xi.at<float>(i, j) = static_cast<float>((i * 3 + j) % 10);
  const np::Array xs = np::random::uniform(-1, 1, {8, 6, 2});
  const np::Array y1 = one_hot_targets(8, 2), y2 = np::random::uniform(-1, 1, {8, 1});
  model.train_on_batch({xi, xs}, {y1, y2});
  model.save(path("f.keras"));
  Model loaded = keras::models::load_model(path("f.keras"));
  const auto pa = model.predict_multi({xi, xs}), pb = loaded.predict_multi({xi, xs});
  for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(np::array_equal(pa[i], pb[i])) << i;
  EXPECT_EQ(loaded.train_on_batch({xi, xs}, {y1, y2}), model.train_on_batch({xi, xs}, {y1, y2}));
  const Config config = Config::parse(keras::saving::zip::read_archive(path("f.keras")).at("config.json"));
  EXPECT_EQ(config["class_name"], "Functional");
  EXPECT_EQ(config["compile_config"]["metrics"].dump(), R"([["mean_absolute_error"],["mean_absolute_error"]])");
  const h5::Group root = h5::open_image(keras::saving::zip::read_archive(path("f.keras")).at("model.weights.h5"), "f");
  EXPECT_TRUE(root.has_child("layers/sequential/layers/dense/vars/0"));
  EXPECT_TRUE(root.has_child("layers/embedding/vars/0"));
  EXPECT_TRUE(root.has_child("layers/input_layer_1/vars"));
}

// A Keras 3 weights file (save_weights("x.weights.h5"), the archive's
// model.weights.h5 layout) loads into a model with fresh weights.
TEST_F(KerasArchiveTest, LoadWeightsReadsKeras3WeightFiles) {
  Sequential model = cnn();
  model.save(path("m.keras"));
  write_bytes(path("m.weights.h5"), keras::saving::zip::read_archive(path("m.keras")).at("model.weights.h5"));
  Model fresh = keras::models::model_from_json(model.to_json());
  const np::Array x = np::random::uniform(-1, 1, {4, 8, 8, 1});
  EXPECT_FALSE(np::array_equal(fresh.predict(x), model.predict(x)));
  fresh.load_weights(path("m.weights.h5"));
  expect_same_predictions(model, fresh, x);
  EXPECT_THROW(fresh.load_weights(path("m.weights.h5"), {.by_name = true}), keraspp::ValueError);
}

// save_weights("x.weights.h5") writes Keras 3's layout (the archive's
// model.weights.h5 groups); any other name Keras 2's.
TEST_F(KerasArchiveTest, SaveWeightsWritesKeras3LayoutForWeightsH5Names) {
  Sequential model = cnn();
  model.save_weights(path("m.weights.h5"));
  model.save_weights(path("m_weights.h5"));
  const h5::Group keras3 = h5::open_file(path("m.weights.h5"));
  EXPECT_TRUE(keras3.has_child("layers/conv2d/vars/0"));
  EXPECT_TRUE(keras3.has_child("layers/conv2d_1/vars/1"));
  EXPECT_TRUE(keras3.has_child("layers/dense/vars/1"));
  EXPECT_FALSE(keras3.has_attr("layer_names"));
  EXPECT_TRUE(h5::open_file(path("m_weights.h5")).has_attr("layer_names"));
  const np::Array x = np::random::uniform(-1, 1, {4, 8, 8, 1});
  for (const std::string file : {"m.weights.h5", "m_weights.h5"}) {
    Model fresh = keras::models::model_from_json(model.to_json());
    fresh.load_weights(path(file));
    expect_same_predictions(model, fresh, x);
  }
}

// Keras 2's hard_sigmoid is not Keras 3's (relu6(x + 3) / 6): a model using
// it is refused by the .keras writer and in a Keras 3 archive, naming the layer.
TEST_F(KerasArchiveTest, HardSigmoidDoesNotCrossToKeras3) {
  Sequential model("rnn");
  model.add(L::LSTM(3, {.input_shape = {4, 2}}));  // Keras 2.0's default recurrent_activation
  const std::string error = message_of<keraspp::ValueError>([&] { model.save(path("m.keras")); });
  EXPECT_NE(error.find("recurrent_activation 'hard_sigmoid' cannot be saved in Keras 3's .keras format"),
            std::string::npos) << error;
  EXPECT_NE(error.find("(LSTM)"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(path("m.keras")));
  Sequential sigmoid("rnn");
  sigmoid.add(L::LSTM(3, {.recurrent_activation = "sigmoid", .input_shape = {4, 2}}));
  sigmoid.add(L::Activation("hard_sigmoid"));
  EXPECT_THROW(sigmoid.save(path("m.keras")), keraspp::ValueError);
  // A Keras 3 archive whose config says hard_sigmoid (Keras 3's) is refused.
  Sequential ok("rnn");
  ok.add(L::LSTM(3, {.recurrent_activation = "sigmoid", .input_shape = {4, 2}}));
  ok.save(path("ok.keras"));
  std::map<std::string, std::string> entries = keras::saving::zip::read_archive(path("ok.keras"));
  const std::string::size_type at = entries.at("config.json").find("\"sigmoid\"");
  ASSERT_NE(at, std::string::npos);
  entries["config.json"].replace(at, 9, "\"hard_sigmoid\"");
  keras::saving::zip::write_archive_atomically(path("hard.keras"), [&](const keras::saving::zip::AddEntry& add) {
    for (const auto& [name, bytes] : entries) add(name, bytes);
  });
  const std::string read_error = message_of<keraspp::ValueError>([&] { keras::models::load_model(path("hard.keras")); });
  EXPECT_NE(read_error.find("is Keras 3's relu6(x + 3) / 6"), std::string::npos) << read_error;
}

// Keras 3's own config.json spelling: {"args", "kwargs"} nodes and dtype policies.
TEST_F(KerasArchiveTest, ReadsKeras3FunctionalNodes) {
  const std::string json = R"({"module": "keras.src.models.functional", "class_name": "Functional", "config": {
    "name": "f", "trainable": true, "layers": [
     {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "dtype": "float32",
      "sparse": false, "name": "a"}, "registered_name": null, "name": "a", "inbound_nodes": []},
     {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "trainable": true, "dtype":
      {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
      "units": 4}, "registered_name": null, "build_config": {"input_shape": [null, 4]}, "name": "d",
      "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 4],
      "dtype": "float32", "keras_history": ["a", 0, 0]}}], "kwargs": {}}]},
     {"module": "keras.layers", "class_name": "Add", "config": {"name": "add", "trainable": true, "dtype": "float32"},
      "registered_name": null, "name": "add", "inbound_nodes": [{"args": [[
      {"class_name": "__keras_tensor__", "config": {"shape": [null, 4], "dtype": "float32", "keras_history": ["d", 0, 0]}},
      {"class_name": "__keras_tensor__", "config": {"shape": [null, 4], "dtype": "float32", "keras_history": ["a", 0, 0]}}]],
      "kwargs": {}}]}],
    "input_layers": [["a", 0, 0]], "output_layers": [["add", 0, 0]]}, "registered_name": "Functional"})";
  Model model = keras::models::model_from_json(json);
  EXPECT_EQ(model.layers().size(), 3u);
  EXPECT_EQ(model.outputs()[0].shape().dims(), (std::vector<int64_t>{-1, 4}));
}

TEST_F(KerasArchiveTest, MissingTruncatedAndCorruptArchivesAreErrors) {
  Sequential model = cnn();
  const std::string missing = path("missing.keras");
  EXPECT_EQ(message_of<keraspp::IOError>([&] { keras::models::load_model(missing); }),
            "Unable to open file (unable to open file: name = '" + missing +
                "', error message = 'No such file or directory')");
  fs::create_directories(path("dir.keras"));
  EXPECT_NE(message_of<keraspp::IOError>([&] { keras::models::load_model(path("dir.keras")); }).find("Is a directory"),
            std::string::npos);
  write_bytes(path("text.keras"), "not a zip");
  EXPECT_NE(message_of<keraspp::ValueError>([&] { keras::models::load_model(path("text.keras")); })
                .find("file '" + path("text.keras") + "': not a zip archive"),
            std::string::npos);
  model.save(path("full.keras"));
  const std::string bytes = read_bytes(path("full.keras"));
  for (size_t cut : {size_t{0}, bytes.size() / 8, bytes.size() / 2, bytes.size() - 30, bytes.size() - 1}) {
    SCOPED_TRACE(cut);
    write_bytes(path("cut.keras"), bytes.substr(0, cut));
    EXPECT_THROW(keras::models::load_model(path("cut.keras")), keraspp::ValueError);
  }
  // A flipped byte in each region: the config, the weights, the directory.
  for (size_t at : {size_t{100}, bytes.size() / 2, bytes.size() - 40}) {
    SCOPED_TRACE(at);
    std::string bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    write_bytes(path("bad.keras"), bad);
    EXPECT_THROW(keras::models::load_model(path("bad.keras")), std::exception);
  }
  // The CRC catches a changed byte inside an entry's data.
  std::string flipped = bytes;
  const size_t config_at = flipped.find("\"class_name\"");
  ASSERT_NE(config_at, std::string::npos);
  flipped[config_at + 1] = 'C';
  write_bytes(path("crc.keras"), flipped);
  EXPECT_NE(message_of<keraspp::ValueError>([&] { keras::models::load_model(path("crc.keras")); }).find("CRC check failed"),
            std::string::npos);
  // An archive without the parts, or with a wrong weight shape.
  keras::saving::zip::write_archive_atomically(path("empty.keras"),
                                               [](const auto& add) { add("metadata.json", "{}"); });
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { keras::models::load_model(path("empty.keras")); }),
            "file '" + path("empty.keras") + "': the archive has no config.json (not a Keras 3 .keras file)");
  auto entries = keras::saving::zip::read_archive(path("full.keras"));
  Config config = Config::parse(entries.at("config.json"));
  config["config"]["layers"][1]["config"]["filters"] = 5;
  keras::saving::zip::write_archive_atomically(path("shape.keras"), [&](const auto& add) {
    add("config.json", config.dump());
    add("model.weights.h5", entries.at("model.weights.h5"));
  });
  EXPECT_NE(message_of<keraspp::ValueError>([&] { keras::models::load_model(path("shape.keras")); })
                .find("layers/conv2d/vars/0: Layer 'conv2d"),
            std::string::npos);
}

// Byte flips across the archive (every 37th byte: headers, names, the JSON,
// the weights, the directory): each load fails with an exception or gives
// exactly the original model.
TEST_F(KerasArchiveTest, ByteFlipsFailOrLoadTheOriginal) {
  Sequential model("small");
  model.add(L::Dense(3, {.activation = "relu", .input_dim = 2}));
  model.add(L::Dense(2));
  model.save(path("m.keras"));
  const std::string bytes = read_bytes(path("m.keras"));
  const np::Array x = np::random::uniform(-1, 1, {4, 2});
  const np::Array expected = model.predict(x);
  int failed = 0, loaded = 0;
  for (size_t at = 0; at < bytes.size(); at += 37) {
    std::string bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ 0x20);
    write_bytes(path("bad.keras"), bad);
    K::clear_session();
    try {
      Model m = keras::models::load_model(path("bad.keras"));
      EXPECT_TRUE(np::array_equal(m.predict(x), expected)) << "flip at " << at;
      ++loaded;
    } catch (const std::exception&) {
      ++failed;
    }
  }
  EXPECT_GT(failed, 0);
}

TEST_F(KerasArchiveTest, AFailedSaveLeavesThePreviousFileIntact) {
  Sequential model = cnn();
  model.save(path("m.keras"));
  const std::string before = read_bytes(path("m.keras"));
  // Interrupted after the first entry: the previous archive stays.
  EXPECT_THROW(keras::saving::zip::write_archive_atomically(path("m.keras"),
                                                            [](const auto& add) {
                                                              add("metadata.json", "{}");
                                                              throw std::runtime_error("interrupted mid-write");
                                                            }),
               std::runtime_error);
  EXPECT_EQ(read_bytes(path("m.keras")), before);
  EXPECT_THROW(model.save(path("no/such/dir/m.keras")), keraspp::IOError);
  EXPECT_THROW(model.save(dir.string() + "/dir.keras/"), std::exception);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1);
  keras::models::load_model(path("m.keras"));
}

}  // namespace
}  // namespace keras_saving_test
