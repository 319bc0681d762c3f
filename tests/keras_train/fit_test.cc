// fit / evaluate / predict / *_on_batch on small models with data the tests
// make: losses go down, evaluate's averages, predict's shapes, weights.
#include <cmath>

#include "support/expect_error.h"
#include "train_test_util.h"

namespace keras_train_test {
namespace {

using kpp_test::message_of;

// Two Gaussian blobs, one-hot labels.
struct Blobs {
  np::Array x, y, labels;
};
Blobs make_blobs(int64_t n) {
  Blobs b;
  b.x = np::Array::empty({n, 2}, np::float32);
  b.y = np::zeros({n, 2}, np::float32);
  b.labels = np::Array::empty({n}, np::float32);
  np::Array noise = np::random::normal(0.0, 0.5, {n, 2});
  for (int64_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % 2);
    b.x.at<float>(i, 0) = static_cast<float>((c ? 1.5 : -1.5) + noise.at<double>(i, 0));
    b.x.at<float>(i, 1) = static_cast<float>((c ? -1.0 : 1.0) + noise.at<double>(i, 1));
    b.y.at<float>(i, c) = 1.f;
    b.labels.at<float>(i) = static_cast<float>(c);
  }
  return b;
}

keras::models::Sequential classifier() {
  keras::models::Sequential model;
  model.add(keras::layers::Dense(8, {.activation = "relu", .input_dim = 2}));
  model.add(keras::layers::Dropout(0.1));
  model.add(keras::layers::Dense(2, {.activation = "softmax"}));
  return model;
}

class FitTest : public KerasTrainTest {};

TEST_F(FitTest, LearnsBlobsAndReportsMetrics) {
  Blobs b = make_blobs(200);
  auto model = classifier();
  model.compile({.optimizer = "adam", .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
  EXPECT_EQ(model.metrics_names(), (std::vector<std::string>{"loss", "acc"}));
  keras::engine::History h = model.fit(b.x, b.y, {.batch_size = 16, .epochs = 30, .verbose = 0});
  ASSERT_EQ(h.epoch.size(), 30u);
  ASSERT_EQ(h.history.at("loss").size(), 30u);
  EXPECT_LT(h.history.at("loss").back(), h.history.at("loss").front());
  std::vector<double> score = model.evaluate(b.x, b.y, {.verbose = 0});
  ASSERT_EQ(score.size(), 2u);
  EXPECT_GT(score[1], 0.95);
  np::Array p = model.predict(b.x);
  EXPECT_EQ(p.shape(), (np::Shape{200, 2}));
  // predict agrees with evaluate's accuracy.
  np::Array correct = np::argmax(p, 1) == np::argmax(b.y, 1);
  EXPECT_NEAR(np::mean(correct.astype(np::float64)).item<double>(), score[1], 1e-9);
}

// The constant model of the progress-bar tests: predicts 0, lr 0, so the
// per-sample mse is the squared target.
class ConstantModelTest : public KerasTrainTest {
 protected:
  void SetUp() override {
    KerasTrainTest::SetUp();
    model = linear_model(1, 1);
    model.set_weights({np::zeros({1, 1}), np::zeros({1})});
    model.compile({.optimizer = keras::optimizers::SGD({.lr = 0.0}), .loss = "mse"});
    x = np::ones({10, 1});
    y = np::Array::from_vector<float>({1, 1, 1, 1, 2, 2, 2, 2, 3, 3}, {10, 1});
  }
  keras::models::Sequential model;
  np::Array x, y;
};

TEST_F(ConstantModelTest, SampleWeightsWeightAndNormaliseByNonZeroCount) {
  np::Array w = np::Array::from_vector<float>({1, 1, 1, 1, 0, 0, 0, 0, 2, 2}, {10});
  // mean(l * w) / mean(w != 0) = ((4*1 + 2*9*2) / 10) / (6 / 10)
  std::vector<double> score = model.evaluate(x, y, {.batch_size = 10, .verbose = 0, .sample_weight = {w}});
  EXPECT_NEAR(score[0], 40.0 / 6.0, 1e-5);
  // Per batch, averaged over batches weighted by their size: batches of 5
  // (weights 1,1,1,1,0 / 0,0,0,2,2): (4/5)/(4/5) = 1 and ((0+36)/5)/(2/5) = 18.
  score = model.evaluate(x, y, {.batch_size = 5, .verbose = 0, .sample_weight = {w}});
  EXPECT_NEAR(score[0], (1.0 * 5 + 18.0 * 5) / 10, 1e-5);
  // fit: the batch losses callbacks see are weighted the same way.
  std::vector<double> losses;
  auto probe = std::make_shared<keras::callbacks::LambdaCallback>(keras::callbacks::LambdaCallbackOptions{
      .on_batch_end = [&](int, keras::Logs& logs) { losses.push_back(logs.at("loss")); }});
  model.fit(x, y, {.batch_size = 5, .verbose = 0, .callbacks = {probe}, .shuffle = false, .sample_weight = {w}});
  ASSERT_EQ(losses.size(), 2u);
  EXPECT_NEAR(losses[0], 1.0, 1e-6);
  EXPECT_NEAR(losses[1], 18.0, 1e-5);
}

TEST_F(ConstantModelTest, ValidationSplitTakesTheLastSamples) {
  std::ostringstream out;
  keras::utils::ScopedProgbarOutput guard({&out, false, FakeClock().fn()});
  auto h = model.fit(x, y, {.batch_size = 4, .epochs = 1, .verbose = 1, .validation_split = 0.2, .shuffle = false});
  EXPECT_EQ(out.str().substr(0, 42), "Train on 8 samples, validate on 2 samples\n");
  EXPECT_NEAR(h.history.at("val_loss")[0], 9.0, 1e-6);
  EXPECT_NEAR(h.history.at("loss")[0], 2.5, 1e-6);
}

TEST_F(ConstantModelTest, OnBatchFunctionsAndPredict) {
  EXPECT_NEAR(model.test_on_batch(x, y)[0], 3.8, 1e-6);
  EXPECT_NEAR(model.train_on_batch(x, y)[0], 3.8, 1e-6);
  np::Array p = model.predict_on_batch(np::ones({3, 1}));
  EXPECT_EQ(p.shape(), (np::Shape{3, 1}));
  EXPECT_EQ(p.get_flat(0), 0.0);
  // 1-d inputs become (n, 1); the last short batch is included.
  np::Array q = model.predict(np::ones({7}), {.batch_size = 3});
  EXPECT_EQ(q.shape(), (np::Shape{7, 1}));
  // float64 data for the float32 model is converted.
  EXPECT_NEAR(model.evaluate(x.astype(np::float64), y.astype(np::float64), {.verbose = 0})[0], 3.8, 1e-6);
}

TEST_F(ConstantModelTest, OnBatchFunctionsTakeSampleWeights) {
  // As evaluate with one batch of 10: mean(l * w) / mean(w != 0) = 40/6.
  np::Array w = np::Array::from_vector<float>({1, 1, 1, 1, 0, 0, 0, 0, 2, 2}, {10});
  EXPECT_NEAR(model.test_on_batch(x, y, {w})[0], 40.0 / 6.0, 1e-5);
  EXPECT_NEAR(model.train_on_batch(x, y, {w})[0], 40.0 / 6.0, 1e-5);
  EXPECT_NEAR(model.test_on_batch(x, y)[0], 3.8, 1e-6);
  EXPECT_THROW(model.train_on_batch(x, y, {np::ones({3})}), keraspp::ValueError);
}

TEST_F(FitTest, TrainOnBatchTakesClassWeights) {
  // As the fit case below: {0: 1, 1: 3} on labels 0,0,1,1 doubles log 2.
  auto model = linear_model(2, 2, "softmax");
  model.set_weights({np::zeros({2, 2}), np::zeros({2})});
  model.compile({.optimizer = keras::optimizers::SGD({.lr = 0.0}), .loss = "categorical_crossentropy"});
  np::Array y = keras::utils::to_categorical(np::Array::from_vector<float>({0, 0, 1, 1}, {4}), 2);
  EXPECT_NEAR(model.train_on_batch(np::ones({4, 2}), y, {}, {{0, 1.0}, {1, 3.0}})[0], 2 * std::log(2.0), 1e-5);
  EXPECT_NEAR(model.train_on_batch(np::ones({4, 2}), y)[0], std::log(2.0), 1e-5);
}

TEST_F(FitTest, ClassWeightsWeightSamplesByTheirClass) {
  // Dense(2, softmax) with zero weights predicts (0.5, 0.5): every sample's
  // crossentropy is log 2; class weights {0: 1, 1: 3} on labels 0,0,1,1
  // give mean(w) / mean(w != 0) = 2 times that.
  auto model = linear_model(2, 2, "softmax");
  model.set_weights({np::zeros({2, 2}), np::zeros({2})});
  model.compile({.optimizer = keras::optimizers::SGD({.lr = 0.0}), .loss = "categorical_crossentropy"});
  np::Array y = keras::utils::to_categorical(np::Array::from_vector<float>({0, 0, 1, 1}, {4}), 2);
  auto h = model.fit(np::ones({4, 2}), y, {.batch_size = 4, .verbose = 0, .class_weight = {{0, 1.0}, {1, 3.0}}});
  EXPECT_NEAR(h.history.at("loss")[0], 2 * std::log(2.0), 1e-5);
}

TEST_F(FitTest, AccuracyResolvesAsKerasDoes) {
  // One sigmoid unit: binary_accuracy.
  {
    auto model = linear_model(1, 1, "sigmoid");
    model.set_weights({np::ones({1, 1}), np::zeros({1})});
    model.compile({.optimizer = "sgd", .loss = "binary_crossentropy", .metrics = {"accuracy"}});
    np::Array x = np::Array::from_vector<float>({2, -2, 2, -2}, {4, 1});
    np::Array y = np::Array::from_vector<float>({1, 0, 0, 0}, {4, 1});
    EXPECT_NEAR(model.evaluate(x, y, {.verbose = 0})[1], 0.75, 1e-6);
    EXPECT_EQ(model.metrics_names(), (std::vector<std::string>{"loss", "acc"}));
  }
  K::clear_session();
  // sparse_categorical_crossentropy: integer targets (n,) or (n, 1).
  {
    auto model = linear_model(2, 3, "softmax");
    model.set_weights({np::Array::from_vector<float>({1, 0, 0, 0, 1, 0}, {2, 3}), np::zeros({3})});
    model.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy", .metrics = {"acc"}});
    np::Array x = np::Array::from_vector<float>({3, 0, 0, 3, 3, 0}, {3, 2});  // argmax 0, 1, 0
    np::Array y = np::Array::from_vector<float>({0, 1, 2}, {3});
    EXPECT_NEAR(model.evaluate(x, y, {.verbose = 0})[1], 2.0 / 3, 1e-6);
  }
  K::clear_session();
  // Otherwise categorical_accuracy (here with an mse loss).
  {
    auto model = linear_model(2, 3);
    model.set_weights({np::Array::from_vector<float>({1, 0, 0, 0, 1, 0}, {2, 3}), np::zeros({3})});
    model.compile({.optimizer = "sgd", .loss = "mse", .metrics = {"accuracy", "top_k_categorical_accuracy"}});
    np::Array x = np::Array::from_vector<float>({3, 0, 0, 3}, {2, 2});
    np::Array y = keras::utils::to_categorical(np::Array::from_vector<float>({0, 2}, {2}), 3);
    std::vector<double> s = model.evaluate(x, y, {.verbose = 0});
    EXPECT_NEAR(s[1], 0.5, 1e-6);
    EXPECT_NEAR(s[2], 1.0, 1e-6);
    EXPECT_EQ(model.metrics_names(), (std::vector<std::string>{"loss", "acc", "top_k_categorical_accuracy"}));
  }
}

TEST_F(FitTest, MultiOutputLossesWeightsAndNames) {
  auto in = keras::layers::Input({.shape = {2}, .name = "in"});
  auto a = keras::layers::Dense(1, {.name = "out_a"})(in);
  auto b = keras::layers::Dense(2, {.activation = "softmax", .name = "out_b"})(in);
  keras::models::Model model({in}, {a, b});
  model.compile({.optimizer = keras::optimizers::SGD({.lr = 0.0}),
                 .loss = {"mse", "categorical_crossentropy"},
                 .metrics = {"accuracy"},
                 .loss_weights = {1.0, 0.5}});
  EXPECT_EQ(model.metrics_names(),
            (std::vector<std::string>{"loss", "out_a_loss", "out_b_loss", "out_a_acc", "out_b_acc"}));
  np::Array x = np::random::normal(0, 1, {6, 2}).astype(np::float32);
  np::Array ya = np::random::normal(0, 1, {6, 1}).astype(np::float32);
  np::Array yb = keras::utils::to_categorical(np::Array::from_vector<float>({0, 1, 1, 0, 1, 0}, {6}), 2);
  std::vector<double> s = model.test_on_batch(x, {ya, yb});
  ASSERT_EQ(s.size(), 5u);
  EXPECT_NEAR(s[0], s[1] + 0.5 * s[2], 1e-5);
  std::vector<np::Array> p = model.predict_multi(x);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].shape(), (np::Shape{6, 2}));
  // A map by output name works too.
  model.compile({.optimizer = "sgd", .loss = std::map<std::string, keras::losses::Loss>{{"out_a", "mse"}, {"out_b", "mse"}}});
  EXPECT_EQ(model.metrics_names(), (std::vector<std::string>{"loss", "out_a_loss", "out_b_loss"}));
}

// Keras 2.0's compile with a loss map that omits an output: a UserWarning,
// and that output takes no target; the others train.
TEST_F(FitTest, LossMapMissingAnOutputWarnsAndTrainsTheOthers) {
  // out_b has no weights of its own: every trainable weight gets a gradient.
  auto in = keras::layers::Input({.shape = {2}, .name = "in"});
  auto h = keras::layers::Dense(2, {.name = "h"})(in);
  auto a = keras::layers::Dense(1, {.name = "out_a"})(h);
  auto b = keras::layers::Activation("softmax", {.name = "out_b"})(h);
  keras::models::Model model({in}, {a, b});
  testing::internal::CaptureStderr();
  model.compile({.optimizer = keras::optimizers::SGD({.lr = 0.1}),
                 .loss = std::map<std::string, keras::losses::Loss>{{"out_a", "mse"}}});
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "UserWarning: Output \"out_b\" missing from loss dictionary. We assume this was done on "
            "purpose, and we will not be expecting any data to be passed to \"out_b\" during "
            "training.\n");
  EXPECT_EQ(model.metrics_names(), (std::vector<std::string>{"loss", "out_a_loss"}));
  np::Array x = np::random::normal(0, 1, {8, 2}).astype(np::float32);
  np::Array ya = np::random::normal(0, 1, {8, 1}).astype(np::float32);
  const std::vector<double> before = model.test_on_batch(x, ya);  // one target: out_a's
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0], before[1]);
  keras::engine::History hist = model.fit(x, ya, {.batch_size = 8, .epochs = 5, .verbose = 0});
  EXPECT_LT(hist.history["loss"].back(), before[0]);
  // Both outputs are still predicted.
  const std::vector<np::Array> p = model.predict_multi(x);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].shape(), (np::Shape{8, 2}));
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { model.fit(x, {ya, ya}, {.verbose = 0}); }).rfind(
                "Error when checking model target: the list of Numpy arrays that you are passing to "
                "your model is not the size the model expected. Expected to see 1 arrays",
                0),
            0u);
}

// Keras 2.0's compile(loss=None) (`loss or {}`): every output is skipped
// with a warning, and the losses layers added are the whole loss.
TEST_F(FitTest, LossNoneMinimizesTheLossesLayersAdded) {
  auto in = keras::layers::Input({.shape = {2}, .name = "in"});
  auto out = keras::layers::Dense(1, {.use_bias = false, .kernel_regularizer = keras::regularizers::l2(0.5),
                                      .name = "reg"})(in);
  keras::models::Model model({in}, {out});
  model.get_layer("reg").set_weights({np::Array::from_vector<float>({1, 2}, {2, 1})});
  testing::internal::CaptureStderr();
  model.compile({.optimizer = keras::optimizers::SGD({.lr = 0.1}), .loss = nullptr});
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "UserWarning: Output \"reg\" missing from loss dictionary. We assume this was done on "
            "purpose, and we will not be expecting any data to be passed to \"reg\" during "
            "training.\n");
  EXPECT_EQ(model.metrics_names(), (std::vector<std::string>{"loss"}));
  np::Array x = np::ones({4, 2});
  // loss = 0 + 0.5 * (1 + 4); one SGD step scales the kernel by (1 - 0.1 * 2 * 0.5).
  const std::vector<double> l = model.train_on_batch(x, keras::ArrayList{});
  EXPECT_NEAR(l[0], 2.5, 1e-6);
  const np::Array w = model.get_layer("reg").get_weights()[0];
  EXPECT_NEAR(w.get_flat(0), 0.9, 1e-6);
  EXPECT_NEAR(w.get_flat(1), 1.8, 1e-6);
  keras::engine::History h = model.fit(x, keras::ArrayList{}, {.batch_size = 4, .epochs = 2, .verbose = 0});
  EXPECT_LT(h.history["loss"].back(), 2.5);
  // No loss at all is still an error; no loss argument is Keras's TypeError.
  auto bare_in = keras::layers::Input({.shape = {2}});
  keras::models::Model bare({bare_in}, {keras::layers::Dense(1)(bare_in)});
  testing::internal::CaptureStderr();
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { bare.compile({.optimizer = "sgd", .loss = nullptr}); }),
            "The model cannot be compiled because it has no loss to optimize.");
  testing::internal::GetCapturedStderr();
  EXPECT_THROW(bare.compile({.optimizer = "sgd"}), keraspp::TypeError);
}

// x + y (broadcasting) as a two-input layer.
class BroadcastAddImpl : public keras::engine::LayerImpl {
 public:
  BroadcastAddImpl() : LayerImpl("BroadcastAdd") {}
  std::vector<tf::Tensor> call(const std::vector<tf::Tensor>& xs, const keras::engine::CallArgs&) override {
    return {tf::add(xs[0], xs[1])};
  }
  std::vector<tf::TensorShape> compute_output_shape(const std::vector<tf::TensorShape>& s) override {
    return {s[0]};
  }
};

// Input(tensor=...) inputs are computed from their tensor: fit, evaluate and
// predict take data only for the other (placeholder) inputs.
TEST_F(FitTest, InputsFromTensorsAreNotFed) {
  auto fed = keras::layers::Input({.shape = {2}, .name = "fed"});
  auto fixed = keras::layers::Input({.name = "fixed",
                                     .tensor = tf::constant(np::Array::from_vector<float>({1, -1}, {1, 2}))});
  keras::engine::Layer add(std::make_shared<BroadcastAddImpl>());
  auto out = keras::layers::Dense(1, {.name = "out"})(add({fed, fixed})[0]);
  keras::models::Model model({fed, fixed}, {out});
  EXPECT_EQ(model.input_names(), (std::vector<std::string>{"fed", "fixed"}));
  model.compile({.optimizer = keras::optimizers::SGD({.lr = 0.05}), .loss = "mse"});
  np::Array x = np::random::normal(0, 1, {8, 2}).astype(np::float32);
  np::Array y = np::random::normal(0, 1, {8, 1}).astype(np::float32);
  const double before = model.evaluate(x, y, {.verbose = 0})[0];
  keras::engine::History h = model.fit(x, y, {.batch_size = 4, .epochs = 3, .verbose = 0});
  EXPECT_LT(h.history["loss"].back(), before);
  const np::Array p = model.predict(x);
  EXPECT_EQ(p.shape(), (np::Shape{8, 1}));
  // The fixed input enters the prediction: out = (x + [1, -1]) . W + b.
  const std::vector<np::Array> wb = model.get_layer("out").get_weights();
  const double expect0 = (x.get_flat(0) + 1) * wb[0].get_flat(0) + (x.get_flat(1) - 1) * wb[0].get_flat(1) +
                         wb[1].get_flat(0);
  EXPECT_NEAR(p.get_flat(0), expect0, 1e-5);
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { model.predict({x, x}); }).rfind(
                "Error when checking", 0),
            0u);
}

TEST_F(FitTest, SteadyStateStepsAllocateNoArrays) {
  Blobs b = make_blobs(103);  // batches of 16 and a last one of 7
  auto model = classifier();
  model.compile({.optimizer = "adam", .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
  std::vector<uint64_t> at_batch_end;
  std::vector<uint64_t> at_epoch_begin;
  std::vector<size_t> plans;
  tf::Session session = K::get_session();
  auto probe = std::make_shared<keras::callbacks::LambdaCallback>(keras::callbacks::LambdaCallbackOptions{
      .on_epoch_begin =
          [&](int, keras::Logs&) {
            at_epoch_begin.push_back(np::Storage::allocation_count());
            plans.push_back(session.num_cached_plans());
          },
      .on_batch_end = [&](int, keras::Logs&) { at_batch_end.push_back(np::Storage::allocation_count()); }});
  model.fit(b.x, b.y, {.batch_size = 16, .epochs = 4, .verbose = 0, .callbacks = {probe},
                       .validation_data = {{b.x, b.y}}});
  ASSERT_EQ(at_batch_end.size(), 4u * 7);
  // From the second epoch on, a whole epoch (steps, shuffling, validation)
  // allocates no array storage.
  EXPECT_EQ(at_epoch_begin[3], at_epoch_begin[2]);
  // One plan for the train step and one for evaluation, made in epoch 1.
  EXPECT_EQ(plans[3], plans[1]);
  EXPECT_EQ(plans[1], plans[0] + 2);
  for (size_t i = 7; i < at_batch_end.size(); ++i) EXPECT_EQ(at_batch_end[i], at_batch_end[7]) << "batch " << i;
}

}  // namespace
}  // namespace keras_train_test
