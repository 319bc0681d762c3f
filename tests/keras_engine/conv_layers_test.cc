// Conv2D, MaxPooling2D, AveragePooling2D: names, weights, shapes, values in
// both data formats, configs, errors (Keras's and TF's texts), and the
// golden summary of Keras's mnist_cnn.py.
#include <gtest/gtest.h>

#include <sstream>

#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace K = keras::backend;
namespace L = keras::layers;
using keras::models::Sequential;

namespace {

class ConvLayersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    K::clear_session();
    np::random::seed(1337);
  }
  void TearDown() override {
    K::set_image_data_format("channels_last");
    K::clear_session();
  }
  np::Array run(const tf::Tensor& t, tf::FeedDict feeds = {}) { return K::get_session().run(t, feeds); }
};

template <class F> std::string value_error(F&& f) {
  try {
    f();
  } catch (const keraspp::ValueError& e) {
    return e.what();
  }
  return "<no ValueError>";
}

// Keras's examples/mnist_cnn.py model.
Sequential mnist_cnn() {
  Sequential model;
  model.add(L::Conv2D(32, {3, 3}, {.activation = "relu", .input_shape = {28, 28, 1}}));
  model.add(L::Conv2D(64, {3, 3}, {.activation = "relu"}));
  model.add(L::MaxPooling2D({.pool_size = {2, 2}}));
  model.add(L::Dropout(0.25));
  model.add(L::Flatten());
  model.add(L::Dense(128, {.activation = "relu"}));
  model.add(L::Dropout(0.5));
  model.add(L::Dense(10, {.activation = "softmax"}));
  return model;
}

TEST_F(ConvLayersTest, MnistCnnSummaryIsKeras202s) {
  Sequential model = mnist_cnn();
  std::ostringstream os;
  model.summary(os);
  EXPECT_EQ(os.str(),
            "_________________________________________________________________\n"
            "Layer (type)                 Output Shape              Param #   \n"
            "=================================================================\n"
            "conv2d_1 (Conv2D)            (None, 26, 26, 32)        320       \n"
            "_________________________________________________________________\n"
            "conv2d_2 (Conv2D)            (None, 24, 24, 64)        18496     \n"
            "_________________________________________________________________\n"
            "max_pooling2d_1 (MaxPooling2 (None, 12, 12, 64)        0         \n"
            "_________________________________________________________________\n"
            "dropout_1 (Dropout)          (None, 12, 12, 64)        0         \n"
            "_________________________________________________________________\n"
            "flatten_1 (Flatten)          (None, 9216)              0         \n"
            "_________________________________________________________________\n"
            "dense_1 (Dense)              (None, 128)               1179776   \n"
            "_________________________________________________________________\n"
            "dropout_2 (Dropout)          (None, 128)               0         \n"
            "_________________________________________________________________\n"
            "dense_2 (Dense)              (None, 10)                1290      \n"
            "=================================================================\n"
            "Total params: 1,199,882\n"
            "Trainable params: 1,199,882\n"
            "Non-trainable params: 0\n"
            "_________________________________________________________________\n");
}

TEST_F(ConvLayersTest, Conv2DNamesWeightsAndOps) {
  tf::Tensor x = L::Input({.shape = {8, 7, 3}});
  L::Conv2D conv(4, {3, 2}, {.strides = {2, 1}, .padding = "same", .activation = "relu"});
  tf::Tensor y = conv(x);
  EXPECT_EQ(conv.name(), "conv2d_1");
  EXPECT_EQ(conv.kernel().name(), "conv2d_1/kernel:0");
  EXPECT_EQ(conv.bias().name(), "conv2d_1/bias:0");
  EXPECT_EQ(conv.kernel().value().shape(), tf::TensorShape({3, 2, 3, 4}));
  EXPECT_EQ(y.name(), "conv2d_1/Relu:0");
  EXPECT_EQ(y.op().input(0).op().type(), "BiasAdd");
  EXPECT_EQ(y.op().input(0).op().input(0).name(), "conv2d_1/convolution:0");
  EXPECT_EQ(y.shape(), tf::TensorShape({-1, 4, 7, 4}));
  L::MaxPooling2D pool;
  tf::Tensor p = pool(y);
  EXPECT_EQ(pool.name(), "max_pooling2d_1");
  EXPECT_EQ(p.name(), "max_pooling2d_1/MaxPool:0");
  EXPECT_EQ(p.shape(), tf::TensorShape({-1, 2, 3, 4}));
  L::AveragePooling2D avg({.pool_size = {3, 3}, .strides = {{2, 2}}, .padding = "same"});
  tf::Tensor a = avg(y);
  EXPECT_EQ(avg.name(), "average_pooling2d_1");
  EXPECT_EQ(a.name(), "average_pooling2d_1/AvgPool:0");
  EXPECT_EQ(a.shape(), tf::TensorShape({-1, 2, 4, 4}));
}

TEST_F(ConvLayersTest, Conv2DConfig) {
  L::Conv2D conv(8, 3, {.strides = 2, .name = "c"});
  const keras::Config c = conv.get_config();
  EXPECT_EQ(c["name"], "c");
  EXPECT_EQ(c["filters"], 8);
  EXPECT_EQ(c["kernel_size"].dump(), "[3,3]");
  EXPECT_EQ(c["strides"].dump(), "[2,2]");
  EXPECT_EQ(c["padding"], "valid");
  EXPECT_EQ(c["data_format"], "channels_last");
  EXPECT_EQ(c["dilation_rate"].dump(), "[1,1]");
  EXPECT_EQ(c["activation"], "linear");
  EXPECT_EQ(c["use_bias"], true);
  EXPECT_EQ(c["kernel_initializer"]["class_name"], "VarianceScaling");
  const keras::Config p = L::MaxPooling2D({.pool_size = {3, 2}}).get_config();
  EXPECT_EQ(p["pool_size"].dump(), "[3,2]");
  EXPECT_EQ(p["strides"].dump(), "[3,2]");
  EXPECT_EQ(p["padding"], "valid");
  EXPECT_EQ(p["data_format"], "channels_last");
}

// One 3x3 kernel of ones with bias 0.5 on a 4x4 ramp, stride 1, valid:
// each output is the window's sum + 0.5; then a 2x2 max pool / average.
TEST_F(ConvLayersTest, ValuesInBothDataFormats) {
  for (const std::string format : {"channels_last", "channels_first"}) {
    K::clear_session();
    K::set_image_data_format(format);
    const bool first = format == "channels_first";
    tf::Tensor x = L::Input({.shape = first ? std::vector<int64_t>{1, 4, 4} : std::vector<int64_t>{4, 4, 1}});
    L::Conv2D conv(2, 3);
    tf::Tensor y = conv(x);
    conv.set_weights({np::ones({3, 3, 1, 2}, np::float32), np::full({2}, 0.5, np::float32)});
    tf::Tensor m = L::MaxPooling2D()(y);
    tf::Tensor a = L::AveragePooling2D({.pool_size = 2, .strides = {{1, 1}}, .padding = "same"})(y);
    const np::Array in = np::arange(0, 16, 1, np::float32).reshape(first ? np::Shape{1, 1, 4, 4} : np::Shape{1, 4, 4, 1});
    const np::Array yv = run(y, {{x, in}}), mv = run(m, {{x, in}}), av = run(a, {{x, in}});
    // window sums of the ramp: rows 0..1, cols 0..1 -> 45, 54, 81, 90.
    const std::vector<double> want = {45.5, 54.5, 81.5, 90.5};
    ASSERT_EQ(yv.shape(), np::Shape({1, 2, 2, 2}));
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t ch = 0; ch < 2; ++ch)
        EXPECT_FLOAT_EQ(yv.get_flat(first ? ch * 4 + i : i * 2 + ch), want[static_cast<size_t>(i)]) << format;
    EXPECT_FLOAT_EQ(mv.get_flat(0), 90.5f) << format;
    // SAME 2x2 stride 1 on 2x2: the last row/col average fewer (unpadded) elements.
    EXPECT_FLOAT_EQ(av.get_flat(0), (45.5f + 54.5f + 81.5f + 90.5f) / 4) << format;
    EXPECT_FLOAT_EQ(av.get_flat(first ? 3 : 6), 90.5f) << format;
  }
}

TEST_F(ConvLayersTest, ErrorsAtConstructionAndBuild) {
  EXPECT_EQ(value_error([] { L::Conv2D(4, 3, {.padding = "full"}); }),
            "The `padding` argument must be one of \"valid\", \"same\". Received: full");
  EXPECT_EQ(value_error([] { L::Conv2D(4, 3, {.data_format = "channels_middle"}); }),
            "The `data_format` argument must be one of \"channels_first\", \"channels_last\". Received: "
            "channels_middle");
  EXPECT_EQ(value_error([] { L::MaxPooling2D({.padding = "causal"}); }),
            "The `padding` argument must be one of \"valid\", \"same\". Received: causal");
  tf::Tensor rank3 = L::Input({.shape = {28, 28}});
  EXPECT_EQ(value_error([&] { L::Conv2D(4, 3)(rank3); }),
            "Input 0 is incompatible with layer conv2d_3: expected ndim=4, found ndim=3");
  tf::Tensor small = L::Input({.shape = {2, 2, 1}});
  EXPECT_EQ(value_error([&] { L::Conv2D(4, 3)(small); }),
            "Negative dimension size caused by subtracting 3 from 2 for 'conv2d_4/convolution' (op: 'Conv2D') "
            "with input shapes: [?,2,2,1], [3,3,1,4].");
  tf::Tensor big = L::Input({.shape = {8, 8, 1}});
  EXPECT_EQ(value_error([&] { L::Conv2D(4, 3, {.strides = 0})(big); }),
            "stride must be > 0, but got 0 for 'conv2d_5/convolution' (op: 'Conv2D') with input shapes: "
            "[?,8,8,1], [3,3,1,4].");
  L::Conv2D shared(4, 3);
  shared(big);
  tf::Tensor two_channels = L::Input({.shape = {8, 8, 2}});
  EXPECT_EQ(value_error([&] { shared(two_channels); }),
            "Input 0 is incompatible with layer conv2d_6: expected axis -1 of input shape to have value 1 but got "
            "shape (None, 8, 8, 2)");
}

// Conv1D with a kernel of ones over a ramp: each output is its window's sum
// (dilation 2 skips every other step); then 1-D max / average pooling.
TEST_F(ConvLayersTest, OneDimensionalForms) {
  tf::Tensor x = L::Input({.shape = {6, 2}});
  L::Conv1D conv(1, 3);
  L::Conv1D dilated(1, 2, {.dilation_rate = 2, .use_bias = false});
  tf::Tensor y = conv(x), yd = dilated(x);
  EXPECT_EQ(conv.name(), "conv1d_1");
  EXPECT_EQ(conv.kernel().value().shape(), tf::TensorShape({3, 2, 1}));
  EXPECT_EQ(y.shape(), tf::TensorShape({-1, 4, 1}));
  EXPECT_EQ(yd.shape(), tf::TensorShape({-1, 4, 1}));
  conv.set_weights({np::ones({3, 2, 1}, np::float32), np::full({1}, 0.5, np::float32)});
  dilated.set_weights({np::ones({2, 2, 1}, np::float32)});
  L::MaxPooling1D max_pool;
  L::AveragePooling1D avg_pool({.pool_size = 3, .strides = 1, .padding = "same"});
  tf::Tensor m = max_pool(x), a = avg_pool(x);
  EXPECT_EQ(max_pool.name(), "max_pooling1d_1");
  EXPECT_EQ(avg_pool.name(), "average_pooling1d_1");
  EXPECT_EQ(m.shape(), tf::TensorShape({-1, 3, 2}));
  EXPECT_EQ(a.shape(), tf::TensorShape({-1, 6, 2}));
  const np::Array in = np::arange(0, 12, 1, np::float32).reshape({1, 6, 2});
  const np::Array yv = run(y, {{x, in}}), ydv = run(yd, {{x, in}}), mv = run(m, {{x, in}}), av = run(a, {{x, in}});
  // Step t holds (in[2t], in[2t+1]); each output sums its window of steps.
  for (int64_t t = 0; t < 4; ++t) {
    double sum = 0, dsum = 0;
    for (int64_t k = 0; k < 3; ++k) sum += in.get_flat((t + k) * 2) + in.get_flat((t + k) * 2 + 1);
    for (int64_t k = 0; k < 2; ++k) dsum += in.get_flat((t + 2 * k) * 2) + in.get_flat((t + 2 * k) * 2 + 1);
    EXPECT_FLOAT_EQ(yv.get_flat(t), sum + 0.5);
    EXPECT_FLOAT_EQ(ydv.get_flat(t), dsum);
  }
  EXPECT_FLOAT_EQ(mv.get_flat(0), 2);   // max(x[0,0], x[1,0])
  EXPECT_FLOAT_EQ(mv.get_flat(5), 11);  // max(x[4,1], x[5,1])
  EXPECT_FLOAT_EQ(av.get_flat(0), 1);   // (0 + 2) / 2: the padded step is excluded
  EXPECT_FLOAT_EQ(av.get_flat(5), 5);   // (3 + 5 + 7) / 3
  EXPECT_EQ(conv.get_config()["kernel_size"].dump(), "[3]");
  EXPECT_EQ(max_pool.get_config()["pool_size"].dump(), "[2]");
}

}  // namespace
