// What compile adds beyond the output losses: output masks, layer
// regularization losses in the total loss, weight constraints applied after
// each update, and models in float64 (floatx) training end to end.
#include <cmath>

#include "train_test_util.h"

namespace keras_train_test {
namespace {

class RegularizationTest : public KerasTrainTest {};

TEST_F(RegularizationTest, RegularizersAddToTheTotalLoss) {
  keras::models::Sequential model;
  model.add(keras::layers::Dense(2, {.kernel_regularizer = keras::regularizers::l2(0.1), .input_dim = 2}));
  np::Array w = np::Array::from_vector<float>({1, 2, -1, 0.5}, {2, 2});
  model.set_weights({w, np::zeros({2})});
  model.compile({.optimizer = "sgd", .loss = "mse"});
  np::Array x = np::Array::from_vector<float>({1, 0, 0, 1}, {2, 2});
  np::Array y = np::zeros({2, 2});
  // mse of x W (rows of W) plus 0.1 * sum(W^2).
  const double mse = (1 + 4 + 1 + 0.25) / 4.0;
  const double reg = 0.1 * (1 + 4 + 1 + 0.25);
  EXPECT_NEAR(model.test_on_batch(x, y)[0], mse + reg, 1e-5);
  EXPECT_NEAR(model.evaluate(x, y, {.verbose = 0})[0], mse + reg, 1e-5);
}

TEST_F(RegularizationTest, ConstraintsApplyAfterEachUpdate) {
  keras::models::Sequential model;
  model.add(keras::layers::Dense(1, {.kernel_constraint = keras::constraints::non_neg(), .input_dim = 2}));
  model.set_weights({np::Array::from_vector<float>({0.5, 0.5}, {2, 1}), np::zeros({1})});
  // A large step pushes the first weight negative; non_neg clips it to 0.
  model.compile({.optimizer = keras::optimizers::SGD({.lr = 10.0}), .loss = "mse"});
  np::Array x = np::Array::from_vector<float>({1, 0}, {1, 2});
  np::Array y = np::Array::from_vector<float>({-5}, {1, 1});
  model.train_on_batch(x, y);
  std::vector<np::Array> wts = model.get_weights();
  EXPECT_EQ(wts[0].get_flat(0), 0.0f);
  EXPECT_EQ(wts[0].get_flat(1), 0.5f);  // no gradient: unchanged
  EXPECT_LT(wts[1].get_flat(0), 0.0f);  // the unconstrained bias moved
}

TEST_F(RegularizationTest, MaskedTimestepsDropOutOfTheLoss) {
  keras::models::Sequential model;
  model.add(keras::layers::Masking(0.0, {.input_shape = std::vector<int64_t>{3, 1}}));
  model.add(keras::layers::Dense(1));
  model.set_weights({np::ones({1, 1}), np::zeros({1})});
  model.compile({.optimizer = "sgd", .loss = "mse"});
  // Timestep 1 is all mask_value: its error (25) does not count.
  np::Array x = np::Array::from_vector<float>({1, 0, 2}, {1, 3, 1});
  np::Array y = np::Array::from_vector<float>({0, 5, 0}, {1, 3, 1});
  EXPECT_NEAR(model.test_on_batch(x, y)[0], (1.0 + 4.0) / 2, 1e-5);
}

TEST_F(RegularizationTest, Float64ModelsTrain) {
  K::set_floatx("float64");
  struct Restore {
    ~Restore() { K::set_floatx("float32"); }
  } restore;
  auto model = linear_model(3, 1);
  model.compile({.optimizer = keras::optimizers::Adam({.lr = 0.05}), .loss = "mse", .metrics = {"mae"}});
  np::Array x = np::random::normal(0, 1, {64, 3});
  np::Array w = np::Array::from_vector<double>({1.0, -2.0, 0.5}, {3, 1});
  np::Array y = np::matmul(x, w);
  auto h = model.fit(x, y, {.batch_size = 16, .epochs = 60, .verbose = 0});
  EXPECT_LT(h.history.at("loss").back(), 1e-3);
  EXPECT_EQ(model.predict(x).dtype(), np::float64);
}

}  // namespace
}  // namespace keras_train_test
