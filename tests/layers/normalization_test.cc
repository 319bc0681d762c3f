// tf::layers batch_normalization / BatchNormalization: TF's variable and op
// names, reuse, the UPDATE_OPS collection, moving statistics against a hand
// computation after 3 steps (fused and composite, `training` as a bool and
// as a tensor), and a CNN with batch norm trained with the UPDATE_OPS
// control-dependencies pattern.
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/tf.h"

namespace {

using kpp_test::message_of;
using Dims = std::vector<int64_t>;

std::vector<std::string> names_of(const std::vector<tf::Variable>& vs) {
  std::vector<std::string> n;
  for (const auto& v : vs) n.push_back(v.name());
  return n;
}
std::vector<std::string> names_of(const std::vector<tf::Operation>& ops) {
  std::vector<std::string> n;
  for (const auto& op : ops) n.push_back(op.name());
  return n;
}

// Batch t of shape [4, 2, 2, 3] (NHWC): distinct values per step.
np::Array batch(int t, const Dims& shape = {4, 2, 2, 3}) {
  np::Array a = np::Array::empty(shape, np::float32);
  for (int64_t i = 0; i < a.size(); ++i)
    a.set_flat(i, std::sin(0.3 * static_cast<double>(i) + t) * (1 + t) + 0.5 * t);
  return a;
}

TEST(BatchNormalizationLayer, VariableNamesReuseAndUpdateOps) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 4, 4, 3}), "x");
  const tf::Tensor y = tf::layers::batch_normalization(x, {.training = true});
  EXPECT_EQ(y.shape(), tf::TensorShape({-1, 4, 4, 3}));
  EXPECT_EQ(y.op().type(), "FusedBatchNorm");
  EXPECT_EQ(y.name(), "batch_normalization/FusedBatchNorm:0");
  EXPECT_EQ(names_of(tf::global_variables()),
            (std::vector<std::string>{"batch_normalization/beta:0", "batch_normalization/gamma:0",
                                      "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"}));
  EXPECT_EQ(names_of(tf::trainable_variables()),
            (std::vector<std::string>{"batch_normalization/beta:0", "batch_normalization/gamma:0"}));
  EXPECT_EQ(names_of(g.get_collection_operations(tf::GraphKeys::UPDATE_OPS)),
            (std::vector<std::string>{"batch_normalization/AssignMovingAvg",
                                      "batch_normalization/AssignMovingAvg_1"}));
  // training=false: inference only, no updates.
  tf::layers::BatchNormalization layer({.name = "bn"});
  const tf::Tensor z = layer(x);
  EXPECT_EQ(z.name(), "bn/FusedBatchNorm:0");
  EXPECT_FALSE(std::get<bool>(z.op().attrs().at("is_training")));
  EXPECT_TRUE(layer.updates().empty());
  EXPECT_EQ(g.get_collection_operations(tf::GraphKeys::UPDATE_OPS).size(), 2u);
  EXPECT_EQ(names_of(layer.weights()),
            (std::vector<std::string>{"bn/beta:0", "bn/gamma:0", "bn/moving_mean:0", "bn/moving_variance:0"}));
  // The function form under a name shares variables with reuse.
  tf::layers::batch_normalization(x, {.name = "shared"});
  tf::layers::batch_normalization(x, {.name = "shared", .reuse = true});
  EXPECT_EQ(tf::global_variables().size(), 12u);
  EXPECT_THROW(tf::layers::batch_normalization(x, {.name = "shared"}), keraspp::ValueError);
  // A second unnamed layer is batch_normalization_1.
  tf::layers::batch_normalization(x, {.center = false, .fused = false});
  EXPECT_EQ(names_of(tf::global_variables()).back(), "batch_normalization_1/moving_variance:0");
  EXPECT_EQ(names_of(tf::trainable_variables()).back(), "batch_normalization_1/gamma:0");
}

TEST(BatchNormalizationLayer, Errors) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 4, 4, -1}));
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::layers::batch_normalization(x); }),
            "Input has undefined `axis` dimension. Input shape: (?, 4, 4, ?)");
  const tf::Tensor v = tf::placeholder(tf::float32, tf::TensorShape({-1, 5}));
  EXPECT_THROW(tf::layers::batch_normalization(v, {.axis = 2}), keraspp::ValueError);
  EXPECT_THROW(tf::layers::batch_normalization(v, {.fused = true}), keraspp::ValueError);
  EXPECT_THROW(tf::layers::batch_normalization(v, {.training = tf::placeholder(tf::float32, tf::TensorShape({}))}),
               keraspp::TypeError);
}

// Runs 3 training steps of the UPDATE_OPS on batches 0..2 and compares the
// moving statistics with moving = moving - (moving - batch) * (1 - momentum).
void expect_moving_statistics_after_3_steps(std::optional<bool> fused, bool training_tensor) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 2, 2, 3}), "x");
  const tf::Tensor is_training = tf::placeholder(tf::bool_, tf::TensorShape({}), "is_training");
  tf::layers::BatchNormalization bn({.momentum = 0.9, .fused = fused});
  tf::Tensor y = training_tensor ? bn(x, is_training) : bn(x, true);
  const tf::Tensor loss = tf::reduce_mean(tf::square(y - 1.0));
  tf::Operation step;
  {
    tf::control_dependencies deps(g.get_collection_operations(tf::GraphKeys::UPDATE_OPS));
    step = tf::train::GradientDescentOptimizer(0.1).minimize(loss);
  }
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  std::vector<double> mean(3, 0.0), var(3, 1.0);
  const bool bessel = fused.value_or(true);
  for (int t = 0; t < 3; ++t) {
    const np::Array b = batch(t);
    tf::FeedDict feeds{{x, b}};
    if (training_tensor) feeds.emplace_back(is_training, np::Array::scalar(true));
    s.run(step, feeds);
    for (int64_t c = 0; c < 3; ++c) {
      double m = 0, v = 0;
      for (int64_t k = c; k < b.size(); k += 3) m += b.get_flat(k) / 16;
      for (int64_t k = c; k < b.size(); k += 3) v += std::pow(b.get_flat(k) - m, 2) / (bessel ? 15 : 16);
      mean[static_cast<size_t>(c)] -= (mean[static_cast<size_t>(c)] - m) * 0.1;
      var[static_cast<size_t>(c)] -= (var[static_cast<size_t>(c)] - v) * 0.1;
    }
  }
  const auto got = s.run(std::vector<tf::Tensor>{bn.moving_mean().value(), bn.moving_variance().value()});
  for (int64_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(got[0].get_flat(c), mean[static_cast<size_t>(c)], 1e-5) << "mean " << c;
    EXPECT_NEAR(got[1].get_flat(c), var[static_cast<size_t>(c)], 1e-5) << "variance " << c;
  }
  if (!training_tensor) return;
  // Fed false, the layer normalizes by the moving statistics and leaves them.
  const np::Array b = batch(5);
  const np::Array out = s.run(y, {{x, b}, {is_training, np::Array::scalar(false)}});
  const auto params = s.run(std::vector<tf::Tensor>{bn.gamma().value(), bn.beta().value()});
  s.run(step, {{x, b}, {is_training, np::Array::scalar(false)}});
  const auto after = s.run(std::vector<tf::Tensor>{bn.moving_mean().value(), bn.moving_variance().value()});
  for (int64_t c = 0; c < 3; ++c) {
    EXPECT_FLOAT_EQ(after[0].get_flat(c), got[0].get_flat(c));
    EXPECT_FLOAT_EQ(after[1].get_flat(c), got[1].get_flat(c));
    const double want = (b.get_flat(c) - got[0].get_flat(c)) / std::sqrt(got[1].get_flat(c) + 1e-3) *
                            params[0].get_flat(c) + params[1].get_flat(c);
    EXPECT_NEAR(out.get_flat(c), want, 1e-4);
  }
}

TEST(BatchNormalizationLayer, MovingStatisticsMatchHandComputationAfter3Steps) {
  expect_moving_statistics_after_3_steps(std::nullopt, false);  // fused: Bessel-corrected variance
  expect_moving_statistics_after_3_steps(false, false);          // composite: biased variance
}
TEST(BatchNormalizationLayer, TrainingTensorSelectsAtRunTime) {
  expect_moving_statistics_after_3_steps(std::nullopt, true);
  expect_moving_statistics_after_3_steps(false, true);
}

// conv -> batch norm -> relu -> pool -> dense, trained with the UPDATE_OPS
// pattern on a fixed batch: the loss falls, the moving statistics move.
TEST(BatchNormalizationLayer, CnnTrainsWithUpdateOpsPattern) {
  for (const std::string format : {"channels_last", "channels_first"}) {
    tf::Graph g;
    auto guard = g.as_default();
    const bool first = format == "channels_first";
    const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape(first ? Dims{-1, 1, 8, 8} : Dims{-1, 8, 8, 1}));
    const tf::Tensor labels = tf::placeholder(tf::float32, tf::TensorShape({-1, 2}));
    const tf::Tensor training = tf::placeholder_with_default(tf::constant(np::Array::scalar(false)), tf::TensorShape({}));
    tf::Tensor h = tf::layers::conv2d(x, 4, 3, {.padding = "same", .data_format = format, .use_bias = false});
    h = tf::nn::relu(tf::layers::batch_normalization(h, {.axis = first ? 1 : -1, .training = training}));
    h = tf::layers::max_pooling2d(h, 2, 2, {.data_format = format});
    const tf::Tensor logits = tf::layers::dense(tf::layers::flatten(h), 2);
    const tf::Tensor loss = tf::reduce_mean(tf::nn::softmax_cross_entropy_with_logits(labels, logits));
    tf::Operation train_op;
    {
      tf::control_dependencies deps(g.get_collection_operations(tf::GraphKeys::UPDATE_OPS));
      train_op = tf::train::AdamOptimizer(0.05).minimize(loss);
    }
    tf::Session s(g);
    s.run(tf::global_variables_initializer());
    np::Array bx = batch(1, first ? Dims{8, 1, 8, 8} : Dims{8, 8, 8, 1});
    np::Array by = np::zeros({8, 2}, np::float32);
    for (int64_t i = 0; i < 8; ++i) {
      // The label: whether the image's mean is above the batch's.
      double m = 0;
      for (int64_t k = 0; k < 64; ++k) m += bx.get_flat(i * 64 + k);
      by.set_flat(i * 2 + (m > 0 ? 1 : 0), 1);
    }
    const tf::FeedDict train_feeds{{x, bx}, {labels, by}, {training, np::Array::scalar(true)}};
    const double before = s.run(loss, train_feeds).item<double>();
    for (int i = 0; i < 30; ++i) s.run(train_op, train_feeds);
    EXPECT_LT(s.run(loss, train_feeds).item<double>(), before * 0.5) << format;
    const tf::Variable moving = tf::global_variables()[3];
    EXPECT_EQ(moving.name(), "batch_normalization/moving_mean:0");
    EXPECT_NE(s.run(moving.value()).get_flat(0), 0.0) << format;
    // Inference (training defaults to false) runs.
    EXPECT_TRUE(std::isfinite(s.run(loss, {{x, bx}, {labels, by}}).item<double>()));
  }
}

}  // namespace
