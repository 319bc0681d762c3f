// fit / evaluate / predict / *_on_batch on small models with data the tests
// make: losses go down, evaluate's averages, predict's shapes, weights.
#include <cmath>

#include "train_test_util.h"

namespace keras_train_test {
namespace {

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

}  // namespace
}  // namespace keras_train_test
