// Keras HDF5 files: model.save / load_model and save_weights / load_weights
// round trips (predictions bit for bit, training continuing from the saved
// optimizer state), the string encodings h5py writes, atomic writes, and bad
// input (missing, directory, truncated, wrong layer count, wrong shape).
#include <fstream>

#include "keras/saving/hdf5.h"
#include "saving_test_util.h"

namespace keras_saving_test {
namespace {

namespace h5 = keras::saving::h5;
using Hdf5Test = SavingTest;

Sequential mlp(const std::string& name = "") {
  Sequential model(name);
  model.add(L::Dense(8, {.activation = "relu", .input_dim = 4}));
  model.add(L::Dropout(0.2));
  model.add(L::Dense(3, {.activation = "softmax"}));
  return model;
}

np::Array one_hot_targets(int64_t n) {
  np::Array y = np::zeros({n, 3});
  for (int64_t i = 0; i < n; ++i) y.at<float>(i, i % 3) = 1.0f;
  return y;
}

TEST_F(Hdf5Test, SavedModelPredictsTheSame) {
  Sequential model = mlp();
  model.compile({.optimizer = "adam", .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
  const np::Array x = np::random::uniform(-1, 1, {12, 4});
  model.save(path("m.h5"));
  Model loaded = keras::models::load_model(path("m.h5"));
  expect_same_predictions(model, loaded, x);
  EXPECT_EQ(loaded.metrics_names(), model.metrics_names());
  // The file's layout is Keras 2's.
  const h5::Group root = h5::open_file(path("m.h5"));
  EXPECT_EQ(root.read_string_attr("keras_version"), keras::models::keras_version());
  EXPECT_EQ(root.read_string_attr("backend"), "tensorflow");
  const h5::Group weights = root.open_group("model_weights");
  const std::string d1 = model.layers()[0].name();
  EXPECT_EQ(weights.read_string_list_attr("layer_names").size(), 3u);
  EXPECT_EQ(weights.open_group(d1).read_string_list_attr("weight_names"),
            (std::vector<std::string>{d1 + "/kernel:0", d1 + "/bias:0"}));
  EXPECT_EQ(weights.dataset_shape(d1 + "/" + d1 + "/kernel:0"), (std::vector<int64_t>{4, 8}));
  // A layer without weights: an empty float array, as h5py stores [].
  EXPECT_TRUE(weights.open_group(model.layers()[1].name()).read_string_list_attr("weight_names").empty());
  const Config training = Config::parse(root.read_string_attr("training_config"));
  EXPECT_EQ(training["optimizer_config"]["class_name"], "Adam");
  EXPECT_EQ(training["loss"], "categorical_crossentropy");
}

// Trains `a` one step after saving it; a loaded copy's next step gives the same loss.
void expect_training_continues(Model& model, const std::string& file, const std::string& optimizer_name) {
  const np::Array x = np::random::uniform(-1, 1, {16, 4});
  const np::Array y = one_hot_targets(16);
  for (int i = 0; i < 3; ++i) model.train_on_batch(x, y);
  model.save(file);
  Model loaded = keras::models::load_model(file);
  EXPECT_EQ(Config::parse(h5::open_file(file).read_string_attr("training_config"))["optimizer_config"]["class_name"],
            optimizer_name);
  const double expected = model.train_on_batch(x, y)[0];
  const double got = loaded.train_on_batch(x, y)[0];
  EXPECT_EQ(got, expected);
  EXPECT_EQ(model.train_on_batch(x, y)[0], loaded.train_on_batch(x, y)[0]);
}

TEST_F(Hdf5Test, LoadedModelContinuesTrainingWithTheSavedOptimizerState) {
  for (const std::string opt : {"Adam", "RMSprop", "SGD", "Adagrad", "Adadelta", "Adamax", "Nadam"}) {
    SCOPED_TRACE(opt);
    K::clear_session();
    Sequential model;
    model.add(L::Dense(5, {.activation = "tanh", .input_dim = 4}));
    model.add(L::Dense(3, {.activation = "softmax"}));
    keras::optimizers::Optimizer o = opt == "SGD" ? keras::optimizers::SGD({.lr = 0.1, .momentum = 0.9})
                                                  : keras::optimizers::Optimizer(opt);
    model.compile({.optimizer = o, .loss = "categorical_crossentropy"});
    expect_training_continues(model, path(opt + ".h5"), opt);
  }
}

TEST_F(Hdf5Test, FunctionalModelWithSeveralInputsAndOutputs) {
  const tf::Tensor a = L::Input({.shape = {4}, .name = "a"});
  const tf::Tensor b = L::Input({.shape = {2}, .name = "b"});
  const tf::Tensor h = L::Dense(6, {.activation = "relu"})(a);
  Sequential tower;
  tower.add(L::Dense(3, {.input_dim = 2}));
  tower.add(L::PReLU());
  const tf::Tensor out1 = L::Dense(2, {.activation = "softmax", .name = "out1"})(h);
  const tf::Tensor out2 = L::Dense(1, {.name = "out2"})(tower(b));
  Model model({a, b}, {out1, out2}, "multi");
  model.compile({.optimizer = "rmsprop", .loss = std::vector<keras::losses::Loss>{"categorical_crossentropy", "mse"},
                 .loss_weights = {1.0, 0.5}});
  const np::Array xa = np::random::uniform(-1, 1, {8, 4}), xb = np::random::uniform(-1, 1, {8, 2});
  np::Array ya = np::zeros({8, 2});
  for (int i = 0; i < 8; ++i) ya.at<float>(i, i % 2) = 1.0f;
  const np::Array yb = np::random::uniform(-1, 1, {8, 1});
  model.train_on_batch({xa, xb}, {ya, yb});
  model.save(path("multi.h5"));
  Model loaded = keras::models::load_model(path("multi.h5"));
  const auto pa = model.predict_multi({xa, xb}), pb = loaded.predict_multi({xa, xb});
  for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(np::array_equal(pa[i], pb[i]));
  EXPECT_EQ(loaded.train_on_batch({xa, xb}, {ya, yb}), model.train_on_batch({xa, xb}, {ya, yb}));
}

TEST_F(Hdf5Test, LoadWithoutCompileAndSaveWithoutOptimizer) {
  Sequential model = mlp();
  model.compile({.optimizer = "sgd", .loss = "mse"});
  model.save(path("no_opt.h5"), /*include_optimizer=*/false);
  EXPECT_FALSE(h5::open_file(path("no_opt.h5")).has_attr("training_config"));
  Model loaded = keras::models::load_model(path("no_opt.h5"), {.compile = false});
  EXPECT_FALSE(loaded.training_state());
  expect_same_predictions(model, loaded, np::random::uniform(-1, 1, {3, 4}));
}

TEST_F(Hdf5Test, SaveWeightsAndLoadWeightsByPositionAndByName) {
  Sequential a = mlp();
  a.save_weights(path("w.h5"));
  const auto wa = a.get_weights();
  Sequential b = mlp();
  b.load_weights(path("w.h5"));
  const auto wb = b.get_weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) EXPECT_TRUE(np::array_equal(wa[i], wb[i]));
  // by_name: only layers whose names are in the file change.
  Sequential c;
  c.add(L::Dense(8, {.input_dim = 4, .name = a.layers()[0].name()}));
  c.add(L::Dense(3, {.name = "not_in_file"}));
  const np::Array before = c.layers()[1].get_weights()[0].copy();
  c.load_weights(path("w.h5"), {.by_name = true});
  EXPECT_TRUE(np::array_equal(c.layers()[0].get_weights()[0], wa[0]));
  EXPECT_TRUE(np::array_equal(c.layers()[1].get_weights()[0], before));
  // A model file's weights load too.
  a.save(path("m.h5"));
  b.load_weights(path("m.h5"));
}

TEST_F(Hdf5Test, WrongLayerCountAndWrongShapeLeaveTheModelUnchanged) {
  Sequential three;
  three.add(L::Dense(4, {.input_dim = 4}));
  three.add(L::Dense(4));
  three.add(L::Dense(4));
  three.save_weights(path("three.h5"));
  Sequential two;
  two.add(L::Dense(4, {.input_dim = 4}));
  two.add(L::Dense(4));
  const auto before = two.get_weights();
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { two.load_weights(path("three.h5")); }),
            "You are trying to load a weight file containing 3 layers into a model with 2 layers. (file '" +
                path("three.h5") + "', /)");
  // Same count, wrong shape in the second layer: nothing is assigned.
  Sequential wide;
  wide.add(L::Dense(4, {.input_dim = 4}));
  wide.add(L::Dense(5));
  wide.add(L::Dense(4));
  const auto wide_before = wide.get_weights();
  const std::string msg = message_of<keraspp::ValueError>([&] { wide.load_weights(path("three.h5")); });
  EXPECT_NE(msg.find("three.h5"), std::string::npos) << msg;
  EXPECT_NE(msg.find("has shape (4, 5), but the saved weight has shape (4, 4)."), std::string::npos) << msg;
  const auto wide_after = wide.get_weights();
  for (size_t i = 0; i < wide_before.size(); ++i) EXPECT_TRUE(np::array_equal(wide_before[i], wide_after[i]));
  const auto after = two.get_weights();
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(np::array_equal(before[i], after[i]));
}

TEST_F(Hdf5Test, MissingDirectoryTruncatedAndForeignFilesAreIOErrors) {
  Sequential model = mlp();
  const std::string missing = path("missing.h5");
  EXPECT_EQ(message_of<keraspp::IOError>([&] { keras::models::load_model(missing); }),
            "Unable to open file (unable to open file: name = '" + missing +
                "', error message = 'No such file or directory')");
  EXPECT_NE(message_of<keraspp::IOError>([&] { keras::models::load_model(dir.string()); }).find("Is a directory"),
            std::string::npos);
  EXPECT_NE(message_of<keraspp::IOError>([&] { model.load_weights(dir.string()); }).find("Is a directory"),
            std::string::npos);
  { std::ofstream(path("text.h5")) << "not hdf5"; }
  EXPECT_NE(message_of<keraspp::IOError>([&] { keras::models::load_model(path("text.h5")); }).find("not an HDF5 file"),
            std::string::npos);
  // Every truncation of a real file is an error, never a crash.
  model.save(path("full.h5"));
  const uintmax_t size = fs::file_size(path("full.h5"));
  std::string bytes(size, '\0');
  std::ifstream(path("full.h5"), std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(size));
  for (uintmax_t cut : {size / 8, size / 3, size / 2, size - 100, size - 1}) {
    SCOPED_TRACE(cut);
    { std::ofstream(path("cut.h5"), std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(cut)); }
    EXPECT_THROW(keras::models::load_model(path("cut.h5")), std::exception);
  }
  // Saving into a missing directory or over a directory.
  EXPECT_THROW(model.save(path("no/such/dir/m.h5")), keraspp::IOError);
  EXPECT_THROW(model.save(dir.string()), keraspp::IOError);
}

TEST_F(Hdf5Test, AFailedSaveLeavesThePreviousFileIntact) {
  Sequential model = mlp();
  model.save(path("m.h5"));
  const uintmax_t size = fs::file_size(path("m.h5"));
  EXPECT_THROW(h5::write_file_atomically(path("m.h5"),
                                         [](const h5::Group& root) {
                                           root.write_string_attr("keras_version", "partial");
                                           throw std::runtime_error("interrupted mid-write");
                                         }),
               std::runtime_error);
  EXPECT_EQ(fs::file_size(path("m.h5")), size);
  EXPECT_EQ(h5::open_file(path("m.h5")).read_string_attr("keras_version"), keras::models::keras_version());
  keras::models::load_model(path("m.h5"));
  // No temporary file is left behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1);
}

TEST_F(Hdf5Test, MissingModelConfigAndBadJsonNameTheFileAndPart) {
  h5::write_file_atomically(path("empty.h5"), [](const h5::Group& root) { root.write_string_attr("backend", "tensorflow"); });
  const std::string m1 = message_of<keraspp::ValueError>([&] { keras::models::load_model(path("empty.h5")); });
  EXPECT_EQ(m1.rfind("No model found in config file.", 0), 0u) << m1;
  EXPECT_NE(m1.find("empty.h5"), std::string::npos);
  h5::write_file_atomically(path("bad.h5"), [](const h5::Group& root) {
    root.write_string_attr("model_config", R"({"class_name": "Sequential", "config": [{"class_name": "Foo", "config": {}}]})");
  });
  const std::string m2 = message_of<keraspp::ValueError>([&] { keras::models::load_model(path("bad.h5")); });
  EXPECT_EQ(m2.rfind("Unknown layer: Foo", 0), 0u) << m2;
  EXPECT_NE(m2.find("model_config"), std::string::npos);
}

// Attributes as h5py writes them for Python str: variable-length UTF-8.
void write_vlen_strings(hid_t loc, const char* name, const std::vector<std::string>& values) {
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  const hsize_t n = values.size();
  hid_t space = H5Screate_simple(1, &n, nullptr);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  hid_t attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, type, ptrs.data());
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

TEST_F(Hdf5Test, ReadsVariableLengthAndChunkedStringAttributes) {
  std::vector<std::string> many;
  for (int i = 0; i < 3000; ++i) many.push_back("a_rather_long_layer_name_number_" + std::to_string(i));
  h5::write_file_atomically(path("s.h5"), [&](const h5::Group& root) {
    write_vlen_strings(root.id(), "vlen", {"dense_1", "activation_1"});
    root.write_string_list_attr("many", many);
    root.write_string_list_attr("none", {});
  });
  const h5::Group root = h5::open_file(path("s.h5"));
  EXPECT_EQ(root.read_string_list_attr("vlen"), (std::vector<std::string>{"dense_1", "activation_1"}));
  // Over 64 KB: written as many0, many1, ... and read back whole.
  EXPECT_FALSE(root.has_attr("many"));
  EXPECT_TRUE(root.has_attr("many0"));
  EXPECT_TRUE(root.has_attr("many1"));
  EXPECT_EQ(root.read_string_list_attr("many"), many);
  EXPECT_TRUE(root.read_string_list_attr("none").empty());
}

}  // namespace
}  // namespace keras_saving_test

namespace keras_saving_test {
namespace {

// Corrupt bytes anywhere in a real file: an exception or a model, never a
// crash or a huge allocation (a deterministic sweep; the reliability issue
// fuzzes further).
TEST_F(Hdf5Test, CorruptFilesAreErrorsNotCrashes) {
  Sequential model = mlp();
  model.compile({.optimizer = "adam", .loss = "mse"});
  model.train_on_batch(np::random::uniform(-1, 1, {4, 4}), np::random::uniform(0, 1, {4, 3}));
  model.save(path("ok.h5"));
  const uintmax_t size = fs::file_size(path("ok.h5"));
  std::string bytes(size, '\0');
  std::ifstream(path("ok.h5"), std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(size));
  const int kTrials = std::getenv("KERASPP_FUZZ_TRIALS") ? std::atoi(std::getenv("KERASPP_FUZZ_TRIALS")) : 150;
  uint64_t state = 12345;
  int errors = 0, loaded = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    std::string bad = bytes;
    for (int k = 0; k < 4; ++k) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      bad[(state >> 33) % size] = static_cast<char>(state >> 13);
    }
    { std::ofstream(path("bad.h5"), std::ios::binary).write(bad.data(), static_cast<std::streamsize>(size)); }
    try {
      keras::models::load_model(path("bad.h5"));
      ++loaded;
    } catch (const std::exception&) {
      ++errors;
    }
  }
  EXPECT_EQ(errors + loaded, kTrials);
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace keras_saving_test
