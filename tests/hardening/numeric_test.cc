// Inputs that used to give a silently wrong result (issue 16): NaN in gives
// NaN out (as TF and numpy), empty means are NaN, shapes are never truncated,
// negative dims and impossible validation splits are errors.
#include <cmath>
#include <limits>
#include <sstream>

#include "keras_train/train_test_util.h"
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include "keraspp/keras.h"
#include "keraspp/tf.h"

namespace {

using kpp_test::message_of;
const float kNaN = std::numeric_limits<float>::quiet_NaN();

class Numeric : public ::testing::Test {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};
  np::Array run(const tf::Tensor& t) { return tf::Session(g).run(t); }
};

TEST_F(Numeric, MinimumMaximumReluAndClipPropagateNaN) {
  const np::Array v = np::Array::from_vector<float>({kNaN, 1, -2, kNaN}, {4});
  const np::Array w = np::Array::from_vector<float>({0, kNaN, kNaN, kNaN}, {4});
  auto x = tf::constant(v), y = tf::constant(w);
  for (const tf::Tensor& t : {tf::maximum(x, y), tf::minimum(x, y), tf::maximum(y, x),
                              tf::minimum(y, x)}) {
    const auto r = run(t).to_vector<float>();
    for (float e : r) EXPECT_TRUE(std::isnan(e)) << t.name();  // each pair has a NaN
  }
  const auto relu = run(tf::nn::relu(x)).to_vector<float>();
  EXPECT_TRUE(std::isnan(relu[0]));
  EXPECT_EQ(relu[1], 1.0f);
  EXPECT_EQ(relu[2], 0.0f);
  EXPECT_TRUE(std::isnan(run(tf::nn::relu6(x)).to_vector<float>()[0]));
  const auto clipped = run(tf::clip_by_value(x, 0.0f, 1.5f)).to_vector<float>();
  EXPECT_TRUE(std::isnan(clipped[0]));
  EXPECT_EQ(clipped[2], 0.0f);
  EXPECT_TRUE(std::isnan(run(tf::reduce_max(x)).to_vector<float>()[0]));
}

// The runtime fuses MatMul + BiasAdd + Relu; the fused epilogues keep NaN too.
TEST_F(Numeric, FusedDenseReluPropagatesNaN) {
  auto in = tf::placeholder(tf::float32, {-1, 3});
  auto w = tf::constant(np::ones({3, 20}));
  auto b = tf::constant(np::zeros({20}));
  auto out = tf::nn::relu(tf::nn::bias_add(tf::matmul(in, w), b));
  tf::Session s(g);
  for (int64_t rows : {1, 5}) {
    np::Array x = np::ones({rows, 3});
    x.at<float>(0, 1) = kNaN;
    const np::Array r = s.run(out, {{in, x}});
    for (int64_t j = 0; j < 20; ++j) EXPECT_TRUE(std::isnan(r.at<float>(0, j))) << rows;
    if (rows > 1) EXPECT_EQ(r.at<float>(1, 0), 3.0f);
  }
}

TEST_F(Numeric, MeanOfEmptyIsNaN) {
  auto e = tf::placeholder(tf::float32, {-1});
  tf::Session s(g);
  EXPECT_TRUE(std::isnan(s.run(tf::reduce_mean(e), {{e, np::zeros({0})}}).to_vector<float>()[0]));
}

TEST_F(Numeric, ShapesAbove2To31AreNotTruncated) {
  const int64_t big = (int64_t{1} << 32) + 3;
  EXPECT_EQ(tf::zeros({big}).shape(), tf::TensorShape({big}));
  EXPECT_EQ(tf::zeros({big, 0}).shape(), tf::TensorShape({big, 0}));
  EXPECT_EQ(run(tf::zeros({big, 0})).shape(), (np::Shape{big, 0}));
  EXPECT_EQ(tf::random_uniform({big, 0}).shape(), tf::TensorShape({big, 0}));
  EXPECT_EQ(run(tf::random_uniform({big, 0})).shape(), (np::Shape{big, 0}));
  auto x = tf::placeholder(tf::float32, {-1});
  EXPECT_EQ(tf::reshape(x, std::vector<int64_t>{big, -1}).shape(), tf::TensorShape({big, -1}));
}

TEST_F(Numeric, NegativeDimsAreValueErrors) {
  EXPECT_EQ(message_of<keraspp::ValueError>([] { tf::placeholder(tf::float32, {3, -2}); }),
            "Dimension -2 must be >= 0");
  EXPECT_NO_THROW(tf::placeholder(tf::float32, {-1, 3}));  // -1 is None
  EXPECT_THROW(keras::layers::Input({.shape = std::vector<int64_t>{-5}}), keraspp::ValueError);
  EXPECT_THROW(tf::zeros({2, -3}), keraspp::ValueError);
}

// A fed number out of an integer dtype's range: TF's TypeError, not a wrap.
TEST_F(Numeric, OutOfRangeNumberFedToUint8) {
  auto x = tf::placeholder(tf::uint8, {});
  tf::Session s(g);
  EXPECT_EQ(message_of<keraspp::TypeError>([&] { s.run(tf::identity(x), {{x, 300}}); }),
            "Cannot convert 300 to dtype uint8 for Tensor 'Placeholder:0'");
  EXPECT_THROW(s.run(tf::identity(x), {{x, -1}}), keraspp::TypeError);
  EXPECT_EQ(s.run(tf::identity(x), {{x, 255}}).to_vector<uint8_t>()[0], 255);
}

class KerasNumeric : public keras_train_test::KerasTrainTest {
 protected:
  keras::models::Sequential mlp() {
    keras::models::Sequential m;
    m.add(keras::layers::Dense(4, {.activation = "relu", .input_dim = 3}));
    m.add(keras::layers::Dense(2, {.activation = "softmax"}));
    m.compile({.optimizer = keras::optimizers::SGD({.lr = 0.1}), .loss = "categorical_crossentropy"});
    return m;
  }
  np::Array x = np::ones({8, 3});
  np::Array y = keras::utils::to_categorical(np::Array::from_vector<float>({0, 1, 0, 1, 0, 1, 0, 1}, {8}), 2);
};

TEST_F(KerasNumeric, ValidationSplitOutsideZeroOne) {
  auto m = mlp();
  for (double bad : {1.0, 1.5, -0.5, static_cast<double>(kNaN)})
    EXPECT_NE(message_of<keraspp::ValueError>([&] { m.fit(x, y, {.epochs = 1, .verbose = 0, .validation_split = bad}); })
                  .find("validation_split must be in [0, 1)"),
              std::string::npos)
        << bad;
  EXPECT_NE(message_of<keraspp::ValueError>([&] { m.fit(x, y, {.epochs = 1, .verbose = 0, .validation_split = 1e-17}); })
                .find("not sufficient to split"),
            std::string::npos);
  EXPECT_NO_THROW(m.fit(x, y, {.epochs = 1, .verbose = 0, .validation_split = 0.25}));
}

TEST_F(KerasNumeric, ZeroSamples) {
  auto m = mlp();
  const np::Array x0 = np::zeros({0, 3}), y0 = np::zeros({0, 2});
  EXPECT_THROW(m.evaluate(x0, y0, {.verbose = 0}), keraspp::ValueError);
  EXPECT_THROW(m.fit(x0, y0, {.epochs = 1, .verbose = 0}), keraspp::ValueError);
  EXPECT_THROW(m.fit(x, y, {.epochs = 1, .verbose = 0, .validation_data = keras::engine::ValidationData{{x0}, {y0}}}),
               keraspp::ValueError);
}

// relu and the cross-entropy's clip used to turn a NaN input into a finite
// loss, so TerminateOnNaN never fired.
TEST_F(KerasNumeric, TerminateOnNaNStopsOnNaNInputs) {
  auto m = mlp();
  x.at<float>(5, 1) = kNaN;
  std::ostringstream out;
  keras::utils::ScopedProgbarOutput guard({&out, false, nullptr});
  auto h = m.fit(x, y, {.batch_size = 4, .epochs = 3, .verbose = 0, .callbacks = {std::make_shared<keras::callbacks::TerminateOnNaN>()}, .shuffle = false});
  EXPECT_EQ(out.str(), "Batch 1: Invalid loss, terminating training\n");
  EXPECT_TRUE(m.stop_training());
  // Without it, fit reports the NaN loss as Keras does.
  auto m2 = mlp();
  auto h2 = m2.fit(x, y, {.batch_size = 4, .epochs = 1, .verbose = 0, .shuffle = false});
  EXPECT_TRUE(std::isnan(h2.history.at("loss").at(0)));
}

}  // namespace
