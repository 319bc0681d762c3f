// The C++ half of the interoperability tests with Python Keras 2 (tf_keras):
// tests/interop/test_interop.py runs these with KERASPP_INTEROP_DIR set to a
// folder it shares with Python (scripts/interop_test.sh sets everything up).
// Without it they are skipped.
#include <cstdlib>

#include "keraspp/np/npy.h"
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
  const np::Array xa = np::random::uniform(-1, 1, {8, 4}), xb = np::random::uniform(-1, 1, {8, 2, 3});
  const std::vector<np::Array> p = func.predict_multi({xa, xb});
  np::save(dir + "/cpp_func_xa.npy", xa);
  np::save(dir + "/cpp_func_xb.npy", xb);
  np::save(dir + "/cpp_func_pred0.npy", p[0]);
  np::save(dir + "/cpp_func_pred1.npy", p[1]);
}

TEST(Interop, LoadsPythonModels) {
  const std::string dir = interop_dir();
  SKIP_WITHOUT_INTEROP(dir);
  int loaded = 0;
  for (const std::string name : {"py_mlp", "py_func"}) {
    if (!fs::exists(dir + "/" + name + ".h5")) continue;
    K::clear_session();
    Model model = keras::models::load_model(dir + "/" + name + ".h5");
    std::vector<np::Array> x, y;
    for (int i = 0; fs::exists(dir + "/" + name + "_x" + std::to_string(i) + ".npy"); ++i)
      x.push_back(np::load(dir + "/" + name + "_x" + std::to_string(i) + ".npy"));
    for (int i = 0; fs::exists(dir + "/" + name + "_y" + std::to_string(i) + ".npy"); ++i)
      y.push_back(np::load(dir + "/" + name + "_y" + std::to_string(i) + ".npy"));
    const std::vector<np::Array> pred = model.predict_multi(x);
    for (size_t i = 0; i < pred.size(); ++i) np::save(dir + "/" + name + "_cpp_pred" + std::to_string(i) + ".npy", pred[i]);
    const double loss = model.evaluate(x, y, {.verbose = 0})[0];
    np::save(dir + "/" + name + "_cpp_eval.npy", np::Array({static_cast<float>(loss)}));
    ++loaded;
  }
  EXPECT_GT(loaded, 0);
}

// A tf_keras model trained with tf.keras 2.11+'s Adam (slots interleaved per
// variable in the file): Keras++ continues its training with the same losses.
TEST(Interop, ContinuesPythonTraining) {
  const std::string dir = interop_dir();
  SKIP_WITHOUT_INTEROP(dir);
  K::clear_session();
  Model model = keras::models::load_model(dir + "/py_adam.h5");
  const np::Array x = np::load(dir + "/py_adam_x.npy"), y = np::load(dir + "/py_adam_y.npy");
  const np::Array expected = np::load(dir + "/py_adam_next_losses.npy");
  for (int i = 0; i < 2; ++i) {
    const double loss = model.train_on_batch(x, y)[0];
    EXPECT_NEAR(loss, expected.get_flat(i), 1e-5 * std::abs(expected.get_flat(i))) << "step " << i;
  }
}

}  // namespace
}  // namespace keras_saving_test
