// SpatialDropout1D/2D (Keras 2.0.x's core.py): Dropout whose noise shape
// keeps the batch and channel axes and is 1 on the spatial ones, so whole
// feature maps are dropped; the mask's batch dimension is taken at run time.
#include "keraspp/keras/layers/spatial_dropout.h"

#include "conv_from_config.h"
#include "conv_utils.h"
#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/stack_ops.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

namespace {

class SpatialDropoutImpl : public UnaryLayerImpl {
 public:
  SpatialDropoutImpl(const std::string& class_name, const LayerOptions& o, double rate, int spatial,
                     std::string data_format, std::optional<int64_t> seed)
      : UnaryLayerImpl(class_name, o), rate_(rate), spatial_(spatial), data_format_(std::move(data_format)), seed_(seed) {
    if (!(rate >= 0.0 && rate < 1.0))
      throw keraspp::ValueError("Invalid value received for `rate` of layer " + name +
                                ": expected a value in [0, 1), got " + std::to_string(rate));
    input_spec = {InputSpec{.ndim = spatial + 2}};
    supports_masking = true;
  }

  tf::Tensor call(const tf::Tensor& x, const CallArgs& args) override {
    if (!(rate_ > 0.0)) return x;
    return K::in_train_phase([&] { return K::dropout(x, rate_, noise_shape(x), seed_); }, x, args.training);
  }

  Config get_config() const override {
    Config c = LayerImpl::get_config();
    c["rate"] = rate_;
    c["noise_shape"] = nullptr;
    c["seed"] = seed_ ? Config(*seed_) : Config(nullptr);
    if (spatial_ == 2) c["data_format"] = data_format_;
    return c;
  }

 private:
  // [batch, 1, features], [batch, 1, 1, channels] or [batch, channels, 1, 1],
  // batch and channels from tf::shape(x) as Keras's _get_noise_shape does.
  tf::Tensor noise_shape(const tf::Tensor& x) const {
    const tf::Tensor s = tf::shape(x);
    const bool first = spatial_ == 2 && data_format_ == "channels_first";
    const int channel_axis = first ? 1 : spatial_ + 1;
    const tf::Tensor batch = tf::slice(s, std::vector<int64_t>{0}, std::vector<int64_t>{1});
    const tf::Tensor channels = tf::slice(s, std::vector<int64_t>{channel_axis}, std::vector<int64_t>{1});
    std::vector<int32_t> ones_v(static_cast<size_t>(spatial_), 1);
    const tf::Tensor ones = tf::constant(np::Array::from_vector(ones_v, {spatial_}));
    return first ? tf::concat({batch, channels, ones}, 0) : tf::concat({batch, ones, channels}, 0);
  }

  double rate_;
  int spatial_;
  std::string data_format_;
  std::optional<int64_t> seed_;
};

}  // namespace

SpatialDropout1D::SpatialDropout1D(double rate, const SpatialDropout1DOptions& o)
    : Layer(std::make_shared<SpatialDropoutImpl>("SpatialDropout1D", engine::common_options(o), rate, 1, "", o.seed)) {}

SpatialDropout2D::SpatialDropout2D(double rate, const SpatialDropout2DOptions& o)
    : Layer(std::make_shared<SpatialDropoutImpl>("SpatialDropout2D", engine::common_options(o), rate, 2,
                                                 conv_utils::normalize_data_format(o.data_format), o.seed)) {}

namespace {

const LayerRegistration kSpatialDropout1D("SpatialDropout1D", [](const Config& c, const CustomObjects&) -> Layer {
  const std::string w = conv_config::what(c, "SpatialDropout1D");
  auto o = with_common_options(SpatialDropout1DOptions{}, c);
  o.seed = saving::optional_int(c, "seed", w);
  return SpatialDropout1D(saving::as_number(saving::require(c, "rate", w), w + " 'rate'"), o);
});

const LayerRegistration kSpatialDropout2D("SpatialDropout2D", [](const Config& c, const CustomObjects&) -> Layer {
  const std::string w = conv_config::what(c, "SpatialDropout2D");
  auto o = with_common_options(SpatialDropout2DOptions{}, c);
  o.seed = saving::optional_int(c, "seed", w);
  o.data_format = conv_config::string_or(c, "data_format", "", w);
  return SpatialDropout2D(saving::as_number(saving::require(c, "rate", w), w + " 'rate'"), o);
});

}  // namespace

}  // namespace keras::layers
