// Keras training with categorical_crossentropy, which builds the fused loss
// op (src/ops/keras_loss_ops.cc), against the same model trained with Keras
// 2.0.2's composite loss graph passed as a custom loss: the same losses per
// epoch, the same weights and the same evaluation, bit for bit.
#include <gtest/gtest.h>

#include <cstring>

#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"
#include "support/graph_checks.h"

namespace {

using kpp_test::has_op;

namespace K = keras::backend;

// Keras 2.0.2's categorical_crossentropy on probabilities, op for op.
tf::Tensor composite_xent(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  tf::Tensor p = y_pred / tf::reduce_sum(y_pred, -1, {.keepdims = true});
  p = tf::clip_by_value(p, K::epsilon(), 1.0 - K::epsilon());
  return -tf::reduce_sum(y_true * tf::log(p), -1);
}

struct Trained {
  std::vector<double> losses, eval;
  std::vector<np::Array> weights;
  bool fused;
};

Trained train(bool fused, const std::string& floatx) {
  K::clear_session();
  K::set_floatx(floatx);
  np::random::seed(1234);
  const np::DType dt = floatx == "float32" ? np::float32 : np::float64;
  np::Array x = np::random::uniform(-1, 1, {300, 8}).astype(dt);
  // Smoothed labels: with one-hot ones every product but one per row is 0,
  // which hides rounding differences in the row sums.
  np::Array y = (keras::utils::to_categorical(np::argmax(x, 1) / 3, 3) * 0.8 + 0.2 / 3).astype(dt);
  keras::models::Sequential model;
  model.add(keras::layers::Dense(16, {.activation = "relu", .input_dim = 8}));
  model.add(keras::layers::Dropout(0.3));
  model.add(keras::layers::Dense(3, {.activation = "softmax"}));
  if (fused)
    model.compile({.optimizer = keras::optimizers::Adagrad(), .loss = "categorical_crossentropy",
                   .metrics = {"accuracy"}});
  else
    model.compile({.optimizer = keras::optimizers::Adagrad(), .loss = &composite_xent,
                   .metrics = {"accuracy"}});
  // 300 samples in batches of 32: a last batch of 12.
  auto h = model.fit(x, y, {.batch_size = 32, .epochs = 3, .verbose = 0});
  Trained t{h.history.at("loss"), model.evaluate(x, y, {.verbose = 0}), model.get_weights(),
            has_op(tf::get_default_graph(), "KerasCategoricalCrossentropy")};
  K::set_floatx("float32");
  K::clear_session();
  return t;
}

TEST(KerasXentFusion, FitMatchesTheCompositeLossBitForBit) {
  for (const char* floatx : {"float32", "float64"}) {
    const Trained a = train(true, floatx), b = train(false, floatx);
    ASSERT_TRUE(a.fused) << floatx;
    ASSERT_FALSE(b.fused) << floatx;
    ASSERT_EQ(a.losses.size(), 3u);
    ASSERT_EQ(a.losses.size(), b.losses.size());
    for (size_t i = 0; i < a.losses.size(); ++i)
      EXPECT_EQ(std::memcmp(&a.losses[i], &b.losses[i], sizeof(double)), 0)
          << floatx << " epoch " << i << ": " << a.losses[i] << " vs " << b.losses[i];
    EXPECT_NE(a.losses[0], a.losses[2]);  // it did train
    ASSERT_EQ(a.eval.size(), b.eval.size());
    for (size_t i = 0; i < a.eval.size(); ++i)
      EXPECT_EQ(std::memcmp(&a.eval[i], &b.eval[i], sizeof(double)), 0) << floatx << " eval " << i;
    ASSERT_EQ(a.weights.size(), b.weights.size());
    for (size_t i = 0; i < a.weights.size(); ++i)
      EXPECT_EQ(std::memcmp(a.weights[i].raw_data(), b.weights[i].raw_data(), a.weights[i].nbytes()), 0)
          << floatx << " weight " << i;
  }
}

}  // namespace
