// Conv2DTranspose, SeparableConv2D, UpSampling1D/2D, ZeroPadding1D/2D,
// Cropping1D/2D, GlobalMax/AveragePooling1D/2D and SpatialDropout1D/2D:
// names, weights, shapes, values in both data formats, configs, the
// summary rows, and Keras's errors at construction and call time.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace K = keras::backend;
namespace L = keras::layers;
using keras::models::Sequential;

namespace {

class ConvFamilyLayersTest : public ::testing::Test {
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

np::Array ramp(const np::Shape& s) { return np::arange(0, static_cast<double>(np::shape_size(s)), 1, np::float32).reshape(s); }

TEST_F(ConvFamilyLayersTest, SummaryRowsAreKeras2s) {
  Sequential model;
  model.add(L::ZeroPadding2D({1, 1}, {.input_shape = {8, 8, 3}}));
  model.add(L::SeparableConv2D(8, {3, 3}, {.activation = "relu"}));
  model.add(L::Conv2DTranspose(4, {3, 3}, {.strides = 2, .padding = "same"}));
  model.add(L::Cropping2D(L::IntPadding2D{{2, 2}, {1, 3}}));
  model.add(L::UpSampling2D());
  model.add(L::SpatialDropout2D(0.2));
  model.add(L::GlobalAveragePooling2D());
  std::ostringstream os;
  model.summary(os);
  EXPECT_EQ(os.str(),
            "_________________________________________________________________\n"
            "Layer (type)                 Output Shape              Param #   \n"
            "=================================================================\n"
            "zero_padding2d_1 (ZeroPaddin (None, 10, 10, 3)         0         \n"
            "_________________________________________________________________\n"
            "separable_conv2d_1 (Separabl (None, 8, 8, 8)           59        \n"
            "_________________________________________________________________\n"
            "conv2d_transpose_1 (Conv2DTr (None, 16, 16, 4)         292       \n"
            "_________________________________________________________________\n"
            "cropping2d_1 (Cropping2D)    (None, 12, 12, 4)         0         \n"
            "_________________________________________________________________\n"
            "up_sampling2d_1 (UpSampling2 (None, 24, 24, 4)         0         \n"
            "_________________________________________________________________\n"
            "spatial_dropout2d_1 (Spatial (None, 24, 24, 4)         0         \n"
            "_________________________________________________________________\n"
            "global_average_pooling2d_1 ( (None, 4)                 0         \n"
            "=================================================================\n"
            "Total params: 351\n"
            "Trainable params: 351\n"
            "Non-trainable params: 0\n"
            "_________________________________________________________________\n");
}

TEST_F(ConvFamilyLayersTest, WeightsAreNamedAndShapedAsKeras) {
  tf::Tensor x = L::Input({.shape = {6, 5, 3}});
  L::SeparableConv2D sep(4, {3, 2}, {.padding = "same", .depth_multiplier = 2});
  L::Conv2DTranspose up(2, {3, 3}, {.strides = {2, 1}});
  tf::Tensor s = sep(x), t = up(s);
  EXPECT_EQ(sep.depthwise_kernel().name(), "separable_conv2d_1/depthwise_kernel:0");
  EXPECT_EQ(sep.pointwise_kernel().name(), "separable_conv2d_1/pointwise_kernel:0");
  EXPECT_EQ(sep.bias().name(), "separable_conv2d_1/bias:0");
  EXPECT_EQ(sep.depthwise_kernel().value().shape(), tf::TensorShape({3, 2, 3, 2}));
  EXPECT_EQ(sep.pointwise_kernel().value().shape(), tf::TensorShape({1, 1, 6, 4}));
  ASSERT_EQ(sep.weights().size(), 3u);
  EXPECT_EQ(sep.weights()[0].name(), "separable_conv2d_1/depthwise_kernel:0");
  EXPECT_EQ(s.shape(), tf::TensorShape({-1, 6, 5, 4}));
  EXPECT_EQ(up.kernel().name(), "conv2d_transpose_1/kernel:0");
  EXPECT_EQ(up.kernel().value().shape(), tf::TensorShape({3, 3, 2, 4}));  // [kh, kw, filters, in]
  // valid: rows * 2 + max(3 - 2, 0), cols * 1 + max(3 - 1, 0).
  EXPECT_EQ(t.shape(), tf::TensorShape({-1, 13, 7, 2}));
  const np::Array tv = run(t, {{x, np::ones({3, 6, 5, 3}, np::float32)}});
  EXPECT_EQ(tv.shape(), np::Shape({3, 13, 7, 2}));
}

// A 1-channel 2x2 input through a 2x2 stride-2 transpose with a kernel of
// ones: each input value fills its own 2x2 block (+ bias 0.5).
TEST_F(ConvFamilyLayersTest, TransposeAndSeparableValuesInBothFormats) {
  for (const std::string format : {"channels_last", "channels_first"}) {
    K::clear_session();
    K::set_image_data_format(format);
    const bool first = format == "channels_first";
    tf::Tensor x = L::Input({.shape = first ? std::vector<int64_t>{1, 2, 2} : std::vector<int64_t>{2, 2, 1}});
    L::Conv2DTranspose up(1, {2, 2}, {.strides = 2});
    L::SeparableConv2D sep(1, {2, 2}, {.use_bias = false});
    tf::Tensor t = up(x), s = sep(x);
    up.set_weights({np::ones({2, 2, 1, 1}, np::float32), np::full({1}, 0.5, np::float32)});
    sep.set_weights({np::full({2, 2, 1, 1}, 2.0, np::float32), np::full({1, 1, 1, 1}, 3.0, np::float32)});
    const np::Array in = ramp(first ? np::Shape{1, 1, 2, 2} : np::Shape{1, 2, 2, 1});
    const np::Array tv = run(t, {{x, in}}), sv = run(s, {{x, in}});
    ASSERT_EQ(tv.size(), 16) << format;
    for (int64_t r = 0; r < 4; ++r)
      for (int64_t c = 0; c < 4; ++c)
        EXPECT_FLOAT_EQ(tv.get_flat(r * 4 + c), static_cast<float>((r / 2) * 2 + c / 2) + 0.5f) << format;
    ASSERT_EQ(sv.size(), 1) << format;
    EXPECT_FLOAT_EQ(sv.get_flat(0), 6.0f * (0 + 1 + 2 + 3)) << format;
  }
}

TEST_F(ConvFamilyLayersTest, ResizingValuesInBothFormats) {
  for (const std::string format : {"channels_last", "channels_first"}) {
    K::clear_session();
    K::set_image_data_format(format);
    const bool first = format == "channels_first";
    // One channel, so both formats hold the same 3x4 image.
    tf::Tensor x = L::Input({.shape = first ? std::vector<int64_t>{1, 3, 4} : std::vector<int64_t>{3, 4, 1}});
    tf::Tensor up = L::UpSampling2D({.size = {2, 3}})(x);
    tf::Tensor pad = L::ZeroPadding2D(L::IntPadding2D{{1, 0}, {0, 2}})(x);
    tf::Tensor crop = L::Cropping2D(L::IntPadding2D{{1, 1}, {1, 0}})(x);
    tf::Tensor gmax = L::GlobalMaxPooling2D()(x), gavg = L::GlobalAveragePooling2D()(x);
    EXPECT_EQ(up.shape().dim(first ? 2 : 1), 6);
    const np::Array in = ramp(first ? np::Shape{1, 1, 3, 4} : np::Shape{1, 3, 4, 1});
    const np::Array uv = run(up, {{x, in}}), pv = run(pad, {{x, in}}), cv = run(crop, {{x, in}});
    ASSERT_EQ(uv.size(), 6 * 12);
    for (int64_t r = 0; r < 6; ++r)
      for (int64_t c = 0; c < 12; ++c) EXPECT_EQ(uv.get_flat(r * 12 + c), (r / 2) * 4 + c / 3) << format;
    ASSERT_EQ(pv.size(), 4 * 6);
    for (int64_t r = 0; r < 4; ++r)
      for (int64_t c = 0; c < 6; ++c)
        EXPECT_EQ(pv.get_flat(r * 6 + c), r >= 1 && c < 4 ? (r - 1) * 4 + c : 0.0) << format;
    ASSERT_EQ(cv.size(), 1 * 3);
    for (int64_t c = 0; c < 3; ++c) EXPECT_EQ(cv.get_flat(c), 4 + 1 + c) << format;
    EXPECT_EQ(run(gmax, {{x, in}}).get_flat(0), 11) << format;
    EXPECT_EQ(run(gavg, {{x, in}}).get_flat(0), 5.5) << format;
  }
}

TEST_F(ConvFamilyLayersTest, OneDimensionalForms) {
  tf::Tensor x = L::Input({.shape = {4, 2}});
  L::UpSampling1D up({.size = 3});
  L::ZeroPadding1D pad({1, 2});
  L::Cropping1D crop({1, 2});
  tf::Tensor u = up(x), p = pad(x), c = crop(x);
  tf::Tensor gmax = L::GlobalMaxPooling1D()(x), gavg = L::GlobalAveragePooling1D()(x);
  EXPECT_EQ(up.name(), "up_sampling1d_1");
  EXPECT_EQ(pad.name(), "zero_padding1d_1");
  EXPECT_EQ(crop.name(), "cropping1d_1");
  EXPECT_EQ(u.shape(), tf::TensorShape({-1, 12, 2}));
  EXPECT_EQ(p.shape(), tf::TensorShape({-1, 7, 2}));
  EXPECT_EQ(c.shape(), tf::TensorShape({-1, 1, 2}));
  EXPECT_EQ(gmax.shape(), tf::TensorShape({-1, 2}));
  const np::Array in = ramp({1, 4, 2});
  const np::Array uv = run(u, {{x, in}}), pv = run(p, {{x, in}}), cv = run(c, {{x, in}});
  for (int64_t t = 0; t < 12; ++t) EXPECT_EQ(uv.get_flat(t * 2 + 1), (t / 3) * 2 + 1);
  for (int64_t t = 0; t < 7; ++t) EXPECT_EQ(pv.get_flat(t * 2), t >= 1 && t < 5 ? (t - 1) * 2 : 0.0);
  EXPECT_EQ(cv.get_flat(0), 2);
  EXPECT_EQ(cv.get_flat(1), 3);
  const np::Array mv = run(gmax, {{x, in}}), av = run(gavg, {{x, in}});
  EXPECT_EQ(mv.get_flat(0), 6);
  EXPECT_EQ(mv.get_flat(1), 7);
  EXPECT_EQ(av.get_flat(0), 3);
  EXPECT_EQ(av.get_flat(1), 4);
}

// In the training phase a dropped channel is zero at every position, a
// kept one scaled by 1 / (1 - rate) everywhere; the test phase is the identity.
TEST_F(ConvFamilyLayersTest, SpatialDropoutDropsWholeChannels) {
  for (const std::string format : {"channels_last", "channels_first"}) {
    K::clear_session();
    K::set_image_data_format(format);
    const bool first = format == "channels_first";
    tf::Tensor x = L::Input({.shape = first ? std::vector<int64_t>{16, 3, 3} : std::vector<int64_t>{3, 3, 16}});
    tf::Tensor y = L::SpatialDropout2D(0.5, {.seed = 5})(x);
    const np::Array in = np::ones(first ? np::Shape{2, 16, 3, 3} : np::Shape{2, 3, 3, 16}, np::float32);
    const np::Array train = run(y, {{x, in}, {K::learning_phase(), np::Array::scalar(true)}});
    int dropped = 0;
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t ch = 0; ch < 16; ++ch) {
        auto at = [&](int64_t pos) { return train.get_flat(first ? (n * 16 + ch) * 9 + pos : (n * 9 + pos) * 16 + ch); };
        for (int64_t pos = 1; pos < 9; ++pos) EXPECT_EQ(at(pos), at(0)) << format;
        EXPECT_TRUE(at(0) == 0 || at(0) == 2) << format;
        dropped += at(0) == 0;
      }
    EXPECT_GT(dropped, 0) << format;
    EXPECT_LT(dropped, 32) << format;
    EXPECT_TRUE(np::array_equal(run(y, {{x, in}}), in)) << format;
  }
  tf::Tensor seq = L::Input({.shape = {5, 8}});
  const np::Array ones = np::ones({1, 5, 8}, np::float32);
  const np::Array v = run(L::SpatialDropout1D(0.5, {.seed = 3})(seq), {{seq, ones}, {K::learning_phase(), np::Array::scalar(true)}});
  for (int64_t t = 1; t < 5; ++t)
    for (int64_t f = 0; f < 8; ++f) EXPECT_EQ(v.get_flat(t * 8 + f), v.get_flat(f));
}

TEST_F(ConvFamilyLayersTest, Configs) {
  const keras::Config t = L::Conv2DTranspose(8, 3, {.strides = 2, .name = "t"}).get_config();
  EXPECT_EQ(t["kernel_size"].dump(), "[3,3]");
  EXPECT_EQ(t["strides"].dump(), "[2,2]");
  EXPECT_FALSE(t.contains("dilation_rate"));
  EXPECT_EQ(t["kernel_initializer"]["class_name"], "VarianceScaling");
  const keras::Config s = L::SeparableConv2D(8, 3, {.depth_multiplier = 2}).get_config();
  EXPECT_EQ(s["depth_multiplier"], 2);
  EXPECT_FALSE(s.contains("kernel_initializer"));
  EXPECT_EQ(s["depthwise_initializer"]["class_name"], "VarianceScaling");
  EXPECT_EQ(s["pointwise_initializer"]["class_name"], "VarianceScaling");
  EXPECT_EQ(L::ZeroPadding2D(L::IntPadding2D{{1, 2}, {3, 4}}).get_config()["padding"].dump(), "[[1,2],[3,4]]");
  EXPECT_EQ(L::ZeroPadding2D(2).get_config()["padding"].dump(), "[[2,2],[2,2]]");
  EXPECT_EQ(L::Cropping1D({1, 2}).get_config()["cropping"].dump(), "[1,2]");
  EXPECT_EQ(L::UpSampling2D().get_config()["size"].dump(), "[2,2]");
  EXPECT_EQ(L::UpSampling1D().get_config()["size"], 2);
  EXPECT_EQ(L::GlobalMaxPooling2D().get_config()["data_format"], "channels_last");
  EXPECT_EQ(L::SpatialDropout1D(0.3).get_config()["rate"], 0.3);
}

TEST_F(ConvFamilyLayersTest, ErrorsAtConstructionAndCall) {
  EXPECT_EQ(value_error([] { L::Conv2DTranspose(4, 3, {.padding = "full"}); }),
            "The `padding` argument must be one of \"valid\", \"same\". Received: full");
  EXPECT_EQ(value_error([] { L::SeparableConv2D(4, 3, {.data_format = "NHWC"}); }),
            "The `data_format` argument must be one of \"channels_first\", \"channels_last\". Received: NHWC");
  EXPECT_EQ(value_error([] { L::UpSampling2D({.data_format = "channels"}); }),
            "The `data_format` argument must be one of \"channels_first\", \"channels_last\". Received: channels");
  EXPECT_EQ(value_error([] { L::Conv2DTranspose(4, 3, {.strides = {0, 1}, .name = "t"}); }),
            "Layer t: `strides` must be positive, got (0, 1)");
  EXPECT_EQ(value_error([] { L::SeparableConv2D(4, 3, {.strides = -1, .name = "s"}); }),
            "Layer s: `strides` must be positive, got (-1, -1)");
  EXPECT_EQ(value_error([] { L::ZeroPadding1D({-1, 0}, {.name = "z"}); }),
            "Layer z: `padding` must be non-negative, got (-1, 0)");
  tf::Tensor rank3 = L::Input({.shape = {28, 28}});
  EXPECT_EQ(value_error([&] { L::SeparableConv2D(4, 3, {.name = "sep"})(rank3); }),
            "Input 0 is incompatible with layer sep: expected ndim=4, found ndim=3");
  EXPECT_EQ(value_error([&] { L::Conv2DTranspose(4, 3, {.name = "tr"})(rank3); }),
            "Input 0 is incompatible with layer tr: expected ndim=4, found ndim=3");
  EXPECT_EQ(value_error([&] { L::GlobalAveragePooling2D({.name = "g"})(rank3); }),
            "Input 0 is incompatible with layer g: expected ndim=4, found ndim=3");
  tf::Tensor small = L::Input({.shape = {2, 2, 1}});
  EXPECT_NE(value_error([&] { L::SeparableConv2D(4, 3)(small); })
                .find("Negative dimension size caused by subtracting 3 from 2 for 'separable_conv2d_2/separable_conv2d/"
                      "depthwise' (op: 'DepthwiseConv2dNative')"),
            std::string::npos);
  EXPECT_EQ(value_error([&] { L::Cropping2D({{1, 1}, {0, 0}}, {.name = "crop"})(small); }),
            "Layer crop: cropping (1, 1) leaves nothing of an axis of length 2");
  tf::Tensor unknown_channels = L::Input({.batch_shape = {-1, 4, 4, -1}});
  EXPECT_EQ(value_error([&] { L::Conv2DTranspose(4, 3)(unknown_channels); }),
            "The channel dimension of the inputs to `Conv2DTranspose` should be defined. Found `None`.");
  L::SeparableConv2D shared(4, 3, {.name = "shared"});
  tf::Tensor big = L::Input({.shape = {8, 8, 1}});
  shared(big);
  tf::Tensor two_channels = L::Input({.shape = {8, 8, 2}});
  EXPECT_EQ(value_error([&] { shared(two_channels); }),
            "Input 0 is incompatible with layer shared: expected axis -1 of input shape to have value 1 but got "
            "shape (None, 8, 8, 2)");
}

// Trains a small model of the new layers: the loss falls and the gradients
// flow through every one of them.
TEST_F(ConvFamilyLayersTest, ModelOfTheNewLayersTrains) {
  Sequential model;
  model.add(L::ZeroPadding2D(1, {.input_shape = {6, 6, 2}}));
  model.add(L::SeparableConv2D(4, 3, {.activation = "relu"}));
  model.add(L::SpatialDropout2D(0.1, {.seed = 1}));
  model.add(L::Conv2DTranspose(3, 2, {.strides = 2}));
  model.add(L::Cropping2D(L::IntPadding2D{{1, 1}, {1, 1}}));
  model.add(L::UpSampling2D());
  model.add(L::GlobalMaxPooling2D());
  model.compile({.optimizer = "adam", .loss = "mse"});
  np::Array x = np::Array::empty({16, 6, 6, 2}, np::float32), y = np::Array::empty({16, 3}, np::float32);
  for (int64_t i = 0; i < x.size(); ++i) x.set_flat(i, std::sin(0.1 * static_cast<double>(i)));
  for (int64_t i = 0; i < y.size(); ++i) y.set_flat(i, 0.5 + 0.25 * std::cos(0.7 * static_cast<double>(i)));
  const auto history = model.fit(x, y, {.batch_size = 8, .epochs = 30, .verbose = 0});
  const std::vector<double>& loss = history.history.at("loss");
  EXPECT_LT(loss.back(), loss.front() * 0.5);
}

}  // namespace
