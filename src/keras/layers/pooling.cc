// MaxPooling1D/2D and AveragePooling1D/2D (Keras 2.0.2's _Pooling1D / _Pooling2D).
#include "keraspp/keras/layers/pooling.h"

#include "keraspp/keras/engine/config.h"
#include "conv_utils.h"
#include "layer_config.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

namespace {

class Pooling2DImpl : public UnaryLayerImpl {
 public:
  Pooling2DImpl(const std::string& class_name, const std::string& mode, const Pooling2DOptions& o)
      : UnaryLayerImpl(class_name, engine::common_options(o)),
        pool_mode(mode),
        pool_size(o.pool_size),
        strides(o.strides.value_or(o.pool_size)),
        padding(conv_utils::normalize_padding(o.padding)),
        data_format(conv_utils::normalize_data_format(o.data_format)) {
    input_spec = {InputSpec{.ndim = 4}};
  }

  tf::TensorShape compute_output_shape(const tf::TensorShape& s) override {
    if (!s.has_rank() || s.rank() != 4)
      throw keraspp::ValueError(class_name + " " + name + " needs a rank-4 input shape, got " + s.keras_str());
    const bool first = data_format == "channels_first";
    const int64_t rows = conv_utils::conv_output_length(s.dim(first ? 2 : 1), pool_size.rows, padding, strides.rows);
    const int64_t cols = conv_utils::conv_output_length(s.dim(first ? 3 : 2), pool_size.cols, padding, strides.cols);
    return first ? tf::TensorShape({s.dim(0), s.dim(1), rows, cols}) : tf::TensorShape({s.dim(0), rows, cols, s.dim(3)});
  }

  tf::Tensor call(const tf::Tensor& x, const CallArgs&) override {
    return K::pool2d(x, pool_size, strides, padding, data_format, pool_mode);
  }

  Config get_config() const override {
    Config c = LayerImpl::get_config();
    c["pool_size"] = conv_utils::pair_config(pool_size);
    c["padding"] = padding;
    c["strides"] = conv_utils::pair_config(strides);
    c["data_format"] = data_format;
    return c;
  }

  std::string pool_mode;
  K::IntPair pool_size, strides;
  std::string padding, data_format;
};

class Pooling1DImpl : public UnaryLayerImpl {
 public:
  Pooling1DImpl(const std::string& class_name, const std::string& mode, const Pooling1DOptions& o)
      : UnaryLayerImpl(class_name, engine::common_options(o)),
        pool_mode(mode),
        pool_size(o.pool_size),
        strides(o.strides.value_or(o.pool_size)),
        padding(conv_utils::normalize_padding(o.padding)) {
    input_spec = {InputSpec{.ndim = 3}};
  }

  tf::TensorShape compute_output_shape(const tf::TensorShape& s) override {
    if (!s.has_rank() || s.rank() != 3)
      throw keraspp::ValueError(class_name + " " + name + " needs a rank-3 input shape, got " + s.keras_str());
    return tf::TensorShape({s.dim(0), conv_utils::conv_output_length(s.dim(1), pool_size, padding, strides), s.dim(2)});
  }

  tf::Tensor call(const tf::Tensor& x, const CallArgs&) override {
    return K::pool1d(x, pool_size, strides, padding, pool_mode);
  }

  Config get_config() const override {
    Config c = LayerImpl::get_config();
    c["strides"] = Config::array({strides});
    c["pool_size"] = Config::array({pool_size});
    c["padding"] = padding;
    return c;
  }

  std::string pool_mode;
  int64_t pool_size, strides;
  std::string padding;
};

}  // namespace

MaxPooling1D::MaxPooling1D(const Pooling1DOptions& options)
    : Layer(std::make_shared<Pooling1DImpl>("MaxPooling1D", "max", options)) {}

AveragePooling1D::AveragePooling1D(const Pooling1DOptions& options)
    : Layer(std::make_shared<Pooling1DImpl>("AveragePooling1D", "avg", options)) {}

MaxPooling2D::MaxPooling2D(const Pooling2DOptions& options)
    : Layer(std::make_shared<Pooling2DImpl>("MaxPooling2D", "max", options)) {}

AveragePooling2D::AveragePooling2D(const Pooling2DOptions& options)
    : Layer(std::make_shared<Pooling2DImpl>("AveragePooling2D", "avg", options)) {}

// ---- from_config (Keras 2.x, tf.keras and Keras 3 spellings) ---------------------

namespace {

// Strides null (Keras 3) means the pool size, as the constructors' nullopt.
Pooling2DOptions pooling2d_options(const Config& c, const std::string& class_name) {
  const std::string w = layer_config::what(c, class_name);
  Pooling2DOptions o = with_common_options(Pooling2DOptions{}, c);
  if (const Config* v = saving::find(c, "pool_size")) o.pool_size = layer_config::int_pair(*v, w + " 'pool_size'");
  if (const Config* v = saving::find(c, "strides")) o.strides = layer_config::int_pair(*v, w + " 'strides'");
  o.padding = layer_config::string_or(c, "padding", o.padding, w);
  o.data_format = layer_config::string_or(c, "data_format", o.data_format, w);
  return o;
}

Pooling1DOptions pooling1d_options(const Config& c, const std::string& class_name) {
  const std::string w = layer_config::what(c, class_name);
  Pooling1DOptions o = with_common_options(Pooling1DOptions{}, c);
  if (const Config* v = saving::find(c, "pool_size")) o.pool_size = layer_config::single_int(*v, w + " 'pool_size'");
  if (const Config* v = saving::find(c, "strides")) o.strides = layer_config::single_int(*v, w + " 'strides'");
  o.padding = layer_config::string_or(c, "padding", o.padding, w);
  if (layer_config::string_or(c, "data_format", "channels_last", w) != "channels_last")
    throw keraspp::ValueError(w + ": only data_format \"channels_last\" is supported for 1D pooling");
  return o;
}

[[maybe_unused]] const LayerRegistration kMaxPooling2D("MaxPooling2D", [](const Config& c, const CustomObjects&) -> Layer {
  return MaxPooling2D(pooling2d_options(c, "MaxPooling2D"));
});
[[maybe_unused]] const LayerRegistration kAveragePooling2D(
    "AveragePooling2D",
    [](const Config& c, const CustomObjects&) -> Layer { return AveragePooling2D(pooling2d_options(c, "AveragePooling2D")); });
[[maybe_unused]] const LayerRegistration kMaxPooling1D("MaxPooling1D", [](const Config& c, const CustomObjects&) -> Layer {
  return MaxPooling1D(pooling1d_options(c, "MaxPooling1D"));
});
[[maybe_unused]] const LayerRegistration kAveragePooling1D(
    "AveragePooling1D",
    [](const Config& c, const CustomObjects&) -> Layer { return AveragePooling1D(pooling1d_options(c, "AveragePooling1D")); });

}  // namespace

}  // namespace keras::layers
