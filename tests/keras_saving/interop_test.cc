// The C++ half of the interoperability tests with Python Keras 2 (tf_keras):
// tests/interop/test_interop.py runs these with KERASPP_INTEROP_DIR set to a
// folder it shares with Python (scripts/interop_test.sh sets everything up).
// Without it they are skipped.
#include <cstdlib>

#include "keraspp/np/npy.h"
#include "interop_families.h"
#include "saving_test_util.h"

namespace keras_saving_test {
namespace {

std::string interop_dir() {
  const char* d = std::getenv("KERASPP_INTEROP_DIR");
  return d ? d : "";
}

#define SKIP_WITHOUT_INTEROP(dir) \
  if ((dir).empty()) GTEST_SKIP() << "skipped: run by tests/interop (scripts/interop_test.sh)"

np::Array one_hot(int64_t n, int64_t classes) {
  np::Array y = np::zeros({n, classes});
  for (int64_t i = 0; i < n; ++i) y.at<float>(i, (i * 7) % classes) = 1.0f;
  return y;
}

TEST(Interop, WritesKerasppModels) {
  const std::string dir = interop_dir();
  SKIP_WITHOUT_INTEROP(dir);
  K::clear_session();
  np::random::seed(7);
  Sequential mlp("cpp_mlp");
  mlp.add(L::Dense(16, {.input_dim = 4}));
  mlp.add(L::PReLU());
  mlp.add(L::Dense(8, {.activation = "tanh"}));
  mlp.add(L::Dense(3));
  mlp.add(L::Activation("softmax"));
  mlp.compile({.optimizer = keras::optimizers::Adam({.lr = 0.01}), .loss = "categorical_crossentropy",
               .metrics = {"accuracy"}});
  const np::Array x = np::random::uniform(-1, 1, {32, 4});
  const np::Array y = one_hot(32, 3);
  for (int i = 0; i < 5; ++i) mlp.train_on_batch(x, y);
  mlp.save(dir + "/cpp_mlp.h5");
  mlp.save(dir + "/cpp_mlp.keras");  // the same state, for Keras 3
  np::save(dir + "/cpp_mlp_x.npy", x);
  np::save(dir + "/cpp_mlp_y.npy", y);
  np::save(dir + "/cpp_mlp_pred.npy", mlp.predict(x));
  // The loss of the next step is computed before its update; the one after
  // it depends on the optimizer state the file carries.
  const double first = mlp.train_on_batch(x, y)[0];
  const double second = mlp.train_on_batch(x, y)[0];
  np::save(dir + "/cpp_mlp_next_losses.npy", np::Array({static_cast<float>(first), static_cast<float>(second)}));
  // The other layers, for predictions (dropout's training-time draws differ
  // between the two, so it stays out of the training comparison).
  const tf::Tensor a = L::Input({.shape = {4}, .name = "a"});
  const tf::Tensor b = L::Input({.shape = {2, 3}, .name = "b"});
  tf::Tensor h = L::Dropout(0.5)(L::LeakyReLU(0.1)(L::Dense(6)(a)));
  const tf::Tensor out1 = L::Dense(2, {.activation = "softmax", .name = "out1"})(L::ELU(0.7)(h));
  tf::Tensor g = L::Flatten()(L::Permute({2, 1})(b));
  g = L::Reshape({2, 2})(L::ThresholdedReLU(0.05)(L::Dense(4)(g)));
  g = L::Flatten()(L::RepeatVector(2)(L::Flatten()(g)));
  const tf::Tensor out2 = L::Dense(1, {.name = "out2"})(g);
  Model func({a, b}, {out1, out2}, "cpp_func");
  func.save(dir + "/cpp_func.h5");
  func.save(dir + "/cpp_func.keras");  // ThresholdedReLU as Keras 3's ReLU(threshold)
  const np::Array xa = np::random::uniform(-1, 1, {8, 4}), xb = np::random::uniform(-1, 1, {8, 2, 3});
  const std::vector<np::Array> p = func.predict_multi({xa, xb});
  np::save(dir + "/cpp_func_xa.npy", xa);
  np::save(dir + "/cpp_func_xb.npy", xb);
  np::save(dir + "/cpp_func_pred0.npy", p[0]);
  np::save(dir + "/cpp_func_pred1.npy", p[1]);
}

// Every layer family Keras++ has, written as .h5 (for tf_keras) and .keras
// (for Keras 3) with inputs and predictions: a CNN, and a functional model
// of Embedding, 1D convolution and pooling and the merge layers with two
// inputs and two outputs.
TEST(Interop, WritesKerasppLayerFamilies) {
  const std::string dir = interop_dir();
  SKIP_WITHOUT_INTEROP(dir);
  K::clear_session();
  np::random::seed(11);
  Sequential cnn("cpp_cnn");
  cnn.add(L::Conv2D(4, 3, {.padding = "same", .activation = "relu", .input_shape = {8, 8, 2}}));
  cnn.add(L::MaxPooling2D());
  cnn.add(L::Conv2D(3, {2, 2}, {.strides = 1, .dilation_rate = 1}));
  cnn.add(L::AveragePooling2D({.pool_size = 3, .strides = L::IntPair{1, 1}}));
  cnn.add(L::Flatten());
  cnn.add(L::Dense(3, {.activation = "softmax"}));
  cnn.compile({.optimizer = keras::optimizers::Adam({.lr = 0.01}), .loss = "categorical_crossentropy"});
  const np::Array x = np::random::uniform(-1, 1, {6, 8, 8, 2});
  cnn.train_on_batch(x, one_hot(6, 3));
  const tf::Tensor ids = L::Input({.shape = {5}, .name = "ids", .dtype = "int32"});
  const tf::Tensor seq = L::Input({.shape = {6, 2}, .name = "seq"});
  const tf::Tensor a = L::Flatten()(L::Embedding(10, 3, {.input_length = 5})(ids));
  tf::Tensor s = L::MaxPooling1D()(L::Conv1D(3, 2, {.activation = "tanh"})(seq));
  s = L::Flatten()(L::AveragePooling1D({.pool_size = 1})(s));
  const tf::Tensor ha = L::Dense(4)(a), hs = L::Dense(4)(s);
  const tf::Tensor merged = L::concatenate({L::add({ha, hs}), L::multiply({ha, hs}), L::subtract({ha, hs}),
                                            L::average({ha, hs}), L::maximum({ha, hs})});
  const tf::Tensor out1 = L::Dense(2, {.activation = "softmax", .name = "out1"})(merged);
  const tf::Tensor out2 = L::Dot(1, {.normalize = true, .name = "out2"})({ha, hs}).at(0);
  Model families({ids, seq}, {out1, out2}, "cpp_families");
  np::Array xi = np::zeros({8, 5});
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 5; ++j) xi.at<float>(i, j) = static_cast<float>((i * 3 + j) % 10);
  const np::Array xs = np::random::uniform(-1, 1, {8, 6, 2});
  for (const std::string ext : {".h5", ".keras"}) {
    cnn.save(dir + "/cpp_cnn" + ext);
    families.save(dir + "/cpp_families" + ext);
  }
  cnn.save_weights(dir + "/cpp_cnn.weights.h5");  // Keras 3's layout
  families.save_weights(dir + "/cpp_families.weights.h5");
  np::save(dir + "/cpp_cnn_x0.npy", x);
  np::save(dir + "/cpp_cnn_pred0.npy", cnn.predict(x));
  const std::vector<np::Array> p = families.predict_multi({xi, xs});
  np::save(dir + "/cpp_families_x0.npy", xi);
  np::save(dir + "/cpp_families_x1.npy", xs);
  np::save(dir + "/cpp_families_pred0.npy", p[0]);
  np::save(dir + "/cpp_families_pred1.npy", p[1]);

  // The later families (interop_families.h): both formats, except that
  // Keras 3 gets the sigmoid-gated copy of the recurrent model.
  const auto write = [&](FamilyModel f, const std::string& stem, const std::vector<std::string>& exts) {
    for (const std::string& ext : exts) f.model.save(dir + "/" + stem + ext);
    f.model.save_weights(dir + "/" + stem + ".weights.h5");  // Keras 3's layout
    const std::vector<np::Array> pred = f.model.predict_multi(f.x);
    for (size_t i = 0; i < f.x.size(); ++i) np::save(dir + "/" + stem + "_x" + std::to_string(i) + ".npy", f.x[i]);
    for (size_t i = 0; i < pred.size(); ++i)
      np::save(dir + "/" + stem + "_pred" + std::to_string(i) + ".npy", pred[i]);
  };
  write(convolutions_family(), "cpp_convolutions", {".h5", ".keras"});
  write(sequences_family(), "cpp_sequences", {".h5", ".keras"});
  write(recurrent_family("cpp_recurrent", "sigmoid"), "cpp_recurrent", {".h5", ".keras"});
  write(recurrent_family("cpp_recurrent_hard", "hard_sigmoid"), "cpp_recurrent_hard", {".h5"});
}

// Every optimizer's state in Keras 3's .keras layout: an MLP trained three
// steps with each, saved with the losses of its next two steps (the second
// depends on the saved state) for Keras 3 to continue. Nadam with Keras 3's
// momentum schedule (schedule_decay 1; Keras 2's default 0.004 has no
// Keras 3 spelling).
TEST(Interop, WritesKerasppOptimizerStates) {
  const std::string dir = interop_dir();
  SKIP_WITHOUT_INTEROP(dir);
  namespace O = keras::optimizers;
  const std::vector<std::pair<std::string, O::Optimizer>> optimizers = {
      {"sgd", O::SGD({.lr = 0.05, .momentum = 0.9})}, {"rmsprop", O::RMSprop({.lr = 0.01})},
      {"adagrad", O::Adagrad({.lr = 0.05})},           {"adadelta", O::Adadelta({.lr = 1.0})},
      {"adam", O::Adam({.lr = 0.01})},                 {"adamax", O::Adamax({.lr = 0.01})},
      {"nadam", O::Nadam({.lr = 0.01, .schedule_decay = 1.0})}};
  for (const auto& [name, optimizer] : optimizers) {
    SCOPED_TRACE(name);
    K::clear_session();
    np::random::seed(21);
    Sequential mlp("cpp_opt_" + name);
    mlp.add(L::Dense(8, {.activation = "tanh", .input_dim = 4}));
    mlp.add(L::Dense(3, {.activation = "softmax"}));
    mlp.compile({.optimizer = optimizer, .loss = "categorical_crossentropy"});
    const np::Array x = np::random::uniform(-1, 1, {16, 4});
    const np::Array y = one_hot(16, 3);
    for (int i = 0; i < 3; ++i) mlp.train_on_batch(x, y);
    const std::string stem = dir + "/cpp_opt_" + name;
    mlp.save(stem + ".keras");
    np::save(stem + "_x.npy", x);
    np::save(stem + "_y.npy", y);
    const double first = mlp.train_on_batch(x, y)[0];
    const double second = mlp.train_on_batch(x, y)[0];
    np::save(stem + "_next_losses.npy", np::Array({static_cast<float>(first), static_cast<float>(second)}));
  }
}

// Loads every py_*.h5 (tf_keras) and k3_*.keras (Keras 3) model the Python
// side wrote with inputs <stem>_x<i>.npy and targets <stem>_y<i>.npy, and
// writes its predictions and evaluate loss for Python to compare. A Keras 3
// <stem>.weights.h5 beside an archive must load into a fresh copy.
TEST(Interop, LoadsPythonModels) {
  const std::string dir = interop_dir();
  SKIP_WITHOUT_INTEROP(dir);
  int loaded = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const fs::path file = entry.path();
    const std::string stem = file.stem().string();
    const bool h5 = file.extension() == ".h5" && stem.rfind("py_", 0) == 0;
    const bool archive = file.extension() == ".keras" && stem.rfind("k3_", 0) == 0;
    if (!(h5 || archive) || !fs::exists(dir + "/" + stem + "_x0.npy")) continue;
    SCOPED_TRACE(file.string());
    K::clear_session();
    Model model = keras::models::load_model(file.string());
    std::vector<np::Array> x, y;
    for (int i = 0; fs::exists(dir + "/" + stem + "_x" + std::to_string(i) + ".npy"); ++i)
      x.push_back(np::load(dir + "/" + stem + "_x" + std::to_string(i) + ".npy"));
    for (int i = 0; fs::exists(dir + "/" + stem + "_y" + std::to_string(i) + ".npy"); ++i)
      y.push_back(np::load(dir + "/" + stem + "_y" + std::to_string(i) + ".npy"));
    // Keras 3's save_weights file beside it loads into a fresh copy.
    if (const std::string weights = dir + "/" + stem + ".weights.h5"; archive && fs::exists(weights)) {
      Model fresh = keras::models::model_from_json(model.to_json());
      fresh.load_weights(weights);
      const std::vector<np::Array> a = model.predict_multi(x), b = fresh.predict_multi(x);
      for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(np::array_equal(a[i], b[i])) << weights;
    }
    const std::vector<np::Array> pred = model.predict_multi(x);
    for (size_t i = 0; i < pred.size(); ++i) np::save(dir + "/" + stem + "_cpp_pred" + std::to_string(i) + ".npy", pred[i]);
    if (!y.empty()) {
      const double loss = model.evaluate(x, y, {.verbose = 0})[0];
      np::save(dir + "/" + stem + "_cpp_eval.npy", np::Array({static_cast<float>(loss)}));
    }
    ++loaded;
  }
  EXPECT_GT(loaded, 0);
}

// A tf_keras model trained with tf.keras 2.11+'s Adam (slots interleaved per
// variable in the file): Keras++ continues its training with the same losses.
TEST(Interop, ContinuesPythonTraining) {
  const std::string dir = interop_dir();
  SKIP_WITHOUT_INTEROP(dir);
  int continued = 0;
  // tf_keras's .h5 and Keras 3's .keras (slots interleaved per variable in
  // both), and Keras 3's k3_opt_<optimizer>.keras for each optimizer.
  std::vector<std::string> stems = {"py_adam", "k3_adam"};
  for (const auto& entry : fs::directory_iterator(dir))
    if (const std::string stem = entry.path().stem().string();
        stem.rfind("k3_opt_", 0) == 0 && entry.path().extension() == ".keras")
      stems.push_back(stem);
  for (const std::string& stem : stems) {
    const std::string file = dir + "/" + stem + (stem == "py_adam" ? ".h5" : ".keras");
    if (!fs::exists(file)) continue;
    SCOPED_TRACE(file);
    K::clear_session();
    Model model = keras::models::load_model(file);
    const np::Array x = np::load(dir + "/" + stem + "_train_x.npy"), y = np::load(dir + "/" + stem + "_train_y.npy");
    const np::Array expected = np::load(dir + "/" + stem + "_next_losses.npy");
    for (int i = 0; i < 2; ++i) {
      const double loss = model.train_on_batch(x, y)[0];
      EXPECT_NEAR(loss, expected.get_flat(i), 1e-5 * std::abs(expected.get_flat(i))) << "step " << i;
    }
    ++continued;
  }
  EXPECT_GT(continued, 0);
}

}  // namespace
}  // namespace keras_saving_test
