// GlobalMaxPooling1D/2D and GlobalAveragePooling1D/2D (Keras 2.0.x's
// pooling.py): K::max / K::mean over the steps or the rows and cols, with
// their configs and from_config registrations.
#include "keraspp/keras/layers/global_pooling.h"

#include "conv_from_config.h"
#include "conv_utils.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/ops/math_ops.h"
#include "layers_util.h"

namespace keras::layers {

namespace {

// spatial 1: [batch, steps, features]; 2: [batch, rows, cols, channels] or
// channels_first [batch, channels, rows, cols]. -> [batch, channels].
class GlobalPoolingImpl : public UnaryLayerImpl {
 public:
  GlobalPoolingImpl(const std::string& class_name, const LayerOptions& o, bool max, int spatial,
                    std::string data_format)
      : UnaryLayerImpl(class_name, o), max_(max), spatial_(spatial), data_format_(std::move(data_format)) {
    input_spec = {InputSpec{.ndim = spatial + 2}};
  }

  tf::TensorShape compute_output_shape(const tf::TensorShape& s) override {
    if (!s.has_rank() || s.rank() != spatial_ + 2)
      throw keraspp::ValueError(class_name + " " + name + " needs a rank-" + std::to_string(spatial_ + 2) +
                                " input shape, got " + s.keras_str());
    return tf::TensorShape({s.dim(0), s.dim(channels_first() ? 1 : -1)});
  }

  tf::Tensor call(const tf::Tensor& x, const CallArgs&) override {
    std::vector<int> axes;
    for (int k = 0; k < spatial_; ++k) axes.push_back((channels_first() ? 2 : 1) + k);
    return max_ ? tf::reduce_max(x, axes) : tf::reduce_mean(x, axes);
  }

  Config get_config() const override {
    Config c = LayerImpl::get_config();
    if (spatial_ == 2) c["data_format"] = data_format_;
    return c;
  }

 private:
  bool channels_first() const { return spatial_ == 2 && data_format_ == "channels_first"; }
  bool max_;
  int spatial_;
  std::string data_format_;
};

template <class Layer1D> LayerRegistration register_1d(const std::string& class_name) {
  return LayerRegistration(class_name, [](const Config& c, const CustomObjects&) -> Layer {
    return Layer1D(with_common_options(GlobalPooling1DOptions{}, c));
  });
}

template <class Layer2D> LayerRegistration register_2d(const std::string& class_name) {
  return LayerRegistration(class_name, [class_name](const Config& c, const CustomObjects&) -> Layer {
    auto o = with_common_options(GlobalPooling2DOptions{}, c);
    o.data_format = conv_config::string_or(c, "data_format", "", conv_config::what(c, class_name));
    return Layer2D(o);
  });
}

}  // namespace

GlobalMaxPooling1D::GlobalMaxPooling1D(const GlobalPooling1DOptions& o)
    : Layer(std::make_shared<GlobalPoolingImpl>("GlobalMaxPooling1D", engine::common_options(o), true, 1, "")) {}
GlobalAveragePooling1D::GlobalAveragePooling1D(const GlobalPooling1DOptions& o)
    : Layer(std::make_shared<GlobalPoolingImpl>("GlobalAveragePooling1D", engine::common_options(o), false, 1, "")) {}
GlobalMaxPooling2D::GlobalMaxPooling2D(const GlobalPooling2DOptions& o)
    : Layer(std::make_shared<GlobalPoolingImpl>("GlobalMaxPooling2D", engine::common_options(o), true, 2,
                                                conv_utils::normalize_data_format(o.data_format))) {}
GlobalAveragePooling2D::GlobalAveragePooling2D(const GlobalPooling2DOptions& o)
    : Layer(std::make_shared<GlobalPoolingImpl>("GlobalAveragePooling2D", engine::common_options(o), false, 2,
                                                conv_utils::normalize_data_format(o.data_format))) {}

namespace {
const LayerRegistration kGlobalMaxPooling1D = register_1d<GlobalMaxPooling1D>("GlobalMaxPooling1D");
const LayerRegistration kGlobalAveragePooling1D = register_1d<GlobalAveragePooling1D>("GlobalAveragePooling1D");
const LayerRegistration kGlobalMaxPooling2D = register_2d<GlobalMaxPooling2D>("GlobalMaxPooling2D");
const LayerRegistration kGlobalAveragePooling2D = register_2d<GlobalAveragePooling2D>("GlobalAveragePooling2D");
}  // namespace

}  // namespace keras::layers
