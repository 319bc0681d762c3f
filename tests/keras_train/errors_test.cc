// The training API's errors, with Keras 2.0.2's texts: data vs model shapes,
// sample counts, use before compile, unknown names, bad options.
#include "support/expect_error.h"
#include "train_test_util.h"

namespace keras_train_test {
namespace {

// The seed's MLP (program 1): dense_1 ... activation_3.
keras::models::Sequential seed_mlp() {
  keras::models::Sequential model;
  model.add(keras::layers::Dense(512, {.input_dim = 784}));
  model.add(keras::layers::Activation("relu"));
  model.add(keras::layers::Dropout(0.2));
  model.add(keras::layers::Dense(512));
  model.add(keras::layers::Activation("relu"));
  model.add(keras::layers::Dropout(0.2));
  model.add(keras::layers::Dense(10));
  model.add(keras::layers::Activation("softmax"));
  return model;
}

using kpp_test::message_of;

class ErrorsTest : public KerasTrainTest {
 protected:
  void SetUp() override {
    KerasTrainTest::SetUp();
    model = seed_mlp();
    x = np::zeros({6, 784});
    y = np::zeros({6, 10});
  }
  void compile() {
    model.compile({.optimizer = keras::optimizers::Adagrad(), .loss = "categorical_crossentropy",
                   .metrics = {"accuracy"}});
  }
  keras::models::Sequential model;
  np::Array x, y;
};

TEST_F(ErrorsTest, UseBeforeCompile) {
  const std::string msg = "You must compile your model before using it.";
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { model.fit(x, y, {.verbose = 0}); }), msg);
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { model.evaluate(x, y, {.verbose = 0}); }), msg);
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { model.train_on_batch(x, y); }), msg);
  // predict needs no compile, as in Keras.
  EXPECT_EQ(model.predict(x).shape(), (np::Shape{6, 10}));
}

TEST_F(ErrorsTest, InputShapeAndRank) {
  compile();
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { model.fit(np::zeros({6, 28}), y, {.verbose = 0}); }),
            "Error when checking input: expected dense_1_input to have shape (None, 784) but got array "
            "with shape (6, 28)");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { model.predict(np::zeros({6, 784, 1})); }),
            "Error when checking input: expected dense_1_input to have 2 dimensions, but got array with "
            "shape (6, 784, 1)");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { model.fit({x, x}, y, {.verbose = 0}); }),
            "Error when checking model input: the list of Numpy arrays that you are passing to your model "
            "is not the size the model expected. Expected to see 1 arrays but instead got the following "
            "list of 2 arrays: [(6, 784), (6, 784)]");
}

TEST_F(ErrorsTest, TargetShape) {
  compile();
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { model.fit(x, np::zeros({6}), {.verbose = 0}); }),
            "Error when checking target: expected activation_3 to have shape (None, 10) but got array "
            "with shape (6, 1)");
}

TEST_F(ErrorsTest, SampleCounts) {
  compile();
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { model.fit(x, np::zeros({5, 10}), {.verbose = 0}); }),
            "Input arrays should have the same number of samples as target arrays. Found 6 input samples "
            "and 5 target samples.");
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { model.fit(x, y, {.verbose = 0, .sample_weight = {np::ones({4})}}); }),
            // Keras checks the weights against the targets before counting samples.
            "Found a sample_weight array with shape (4,) for an input with shape (6, 10). sample_weight "
            "cannot be broadcast.");
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { model.fit(x, y, {.verbose = 0, .sample_weight = {np::ones({6, 2})}}); }),
            "Found a sample_weight array with shape (6, 2). In order to use timestep-wise sample weights, "
            "you should specify sample_weight_mode=\"temporal\" in compile(). If you just mean to use "
            "sample-wise weights, make sure your sample_weight array is 1D.");
}

TEST_F(ErrorsTest, UnknownNames) {
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { model.compile({.optimizer = "sgd", .loss = "foo"}); }),
            "Unknown loss function:foo");
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { model.compile({.optimizer = "sgd", .loss = "mse", .metrics = {"foo"}}); }),
            "Unknown metric function:foo");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { model.compile({.optimizer = "foo", .loss = "mse"}); }),
            "Unknown optimizer: foo");
}

TEST_F(ErrorsTest, CompileArguments) {
  EXPECT_EQ(message_of<keraspp::TypeError>([&] { model.compile({.loss = "mse"}); }),
            "compile() missing 1 required positional argument: 'optimizer'");
  EXPECT_EQ(message_of<keraspp::TypeError>([&] { model.compile({.optimizer = "sgd"}); }),
            "compile() missing 1 required positional argument: 'loss'");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { model.compile({.optimizer = "sgd", .loss = {"mse", "mse"}}); }),
            "When passing a list as loss, it should have one entry per model output. The model has 1 "
            "outputs, but you passed loss=['mean_squared_error', 'mean_squared_error']");
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { model.compile({.optimizer = "sgd", .loss = "mse", .loss_weights = {1.0, 2.0}}); }),
            "When passing a list as loss_weights, it should have one entry per model outputs. The model has "
            "1 outputs, but you passed loss_weights=[1, 2]");
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { model.compile({.optimizer = "sgd", .loss = "mse", .sample_weight_mode = "foo"}); }),
            "\"sample_weight_mode should be None or \"temporal\". Found: foo");
  compile();
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { model.fit(x, y, {.batch_size = 0, .verbose = 0}); }),
            "batch_size must be a positive integer, got 0");
}

TEST_F(ErrorsTest, CategoricalCrossentropyOnIntegerTargets) {
  auto m = linear_model(3, 1, "sigmoid");
  m.compile({.optimizer = "sgd", .loss = "categorical_crossentropy"});
  const std::string msg = message_of<keraspp::ValueError>([&] { m.fit(np::zeros({4, 3}), np::zeros({4}), {.verbose = 0}); });
  EXPECT_EQ(msg.substr(0, 95),
            "You are passing a target array of shape (4, 1) while using as loss `categorical_crossentropy`. ");
}

}  // namespace
}  // namespace keras_train_test
