// UpSampling1D/2D, ZeroPadding1D/2D and Cropping1D/2D (Keras 2.0.x's
// convolutional.py): weightless layers that resize the spatial axes, with
// their output shapes, configs and from_config registrations.
#include "keraspp/keras/layers/resizing.h"

#include <functional>

#include "conv_from_config.h"
#include "conv_utils.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/ops/strided_slice.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

namespace {

Config padding_config(IntPadding p) { return Config::array({p.before, p.after}); }

// The spatial axes of a rank-(spatial + 2) input: 1.. (channels_last or 1-D), 2.. (channels_first).
int first_spatial_axis(const std::string& data_format) { return data_format == "channels_first" ? 2 : 1; }

void check_rank(const std::string& class_name, const std::string& name, const tf::TensorShape& s, int rank) {
  if (!s.has_rank() || s.rank() != rank)
    throw keraspp::ValueError(class_name + " " + name + " needs a rank-" + std::to_string(rank) +
                              " input shape, got " + s.keras_str());
}

void check_non_negative(const std::string& name, const std::string& what, IntPadding p) {
  if (p.before < 0 || p.after < 0)
    throw keraspp::ValueError("Layer " + name + ": `" + what + "` must be non-negative, got (" +
                              std::to_string(p.before) + ", " + std::to_string(p.after) + ")");
}

// A weightless layer over `spatial` axes: out dim = resize(axis k, in dim)
// for each spatial axis k (-1 stays -1), call builds the ops.
class ResizingImpl : public UnaryLayerImpl {
 public:
  using Resize = std::function<int64_t(int, int64_t)>;
  using Call = std::function<tf::Tensor(const tf::Tensor&)>;
  ResizingImpl(const std::string& class_name, const LayerOptions& o, int spatial, std::string data_format,
               Resize resize, Call build, Config config)
      : UnaryLayerImpl(class_name, o),
        spatial_(spatial),
        data_format_(std::move(data_format)),
        resize_(std::move(resize)),
        build_(std::move(build)),
        config_(std::move(config)) {
    input_spec = {InputSpec{.ndim = spatial + 2}};
  }

  tf::TensorShape compute_output_shape(const tf::TensorShape& s) override {
    check_rank(class_name, name, s, spatial_ + 2);
    std::vector<int64_t> d = s.dims();
    const int first = spatial_ == 1 ? 1 : first_spatial_axis(data_format_);
    for (int k = 0; k < spatial_; ++k) {
      int64_t& v = d[static_cast<size_t>(first + k)];
      if (v >= 0) v = resize_(k, v);
    }
    return tf::TensorShape(d);
  }

  tf::Tensor call(const tf::Tensor& x, const CallArgs&) override {
    compute_output_shape(x.shape());  // the checks, naming the layer
    return build_(x);
  }

  Config get_config() const override {
    Config c = LayerImpl::get_config();
    for (auto it = config_.begin(); it != config_.end(); ++it) c[it.key()] = it.value();
    return c;
  }

 private:
  int spatial_;
  std::string data_format_;
  Resize resize_;
  Call build_;
  Config config_;
};

// A cropped axis' length; ValueError when nothing would be left.
int64_t cropped(const std::string& name, int64_t dim, IntPadding crop) {
  const int64_t left = dim - crop.before - crop.after;
  if (left <= 0)
    throw keraspp::ValueError("Layer " + name + ": cropping (" + std::to_string(crop.before) + ", " +
                              std::to_string(crop.after) + ") leaves nothing of an axis of length " +
                              std::to_string(dim));
  return left;
}

// x[.., before:-after, ..] on the given axes (Keras's slicing).
tf::Tensor crop(const tf::Tensor& x, int rank, const std::vector<std::pair<int, IntPadding>>& crops) {
  std::vector<tf::SliceSpec> spec(static_cast<size_t>(rank), tf::SliceSpec::range());
  for (const auto& [axis, c] : crops)
    spec[static_cast<size_t>(axis)] =
        tf::SliceSpec::range(c.before, c.after > 0 ? std::optional<int64_t>(-c.after) : std::nullopt);
  return tf::strided_slice(x, spec);
}

}  // namespace

UpSampling1D::UpSampling1D(const UpSampling1DOptions& o)
    : Layer([&] {
        if (o.size <= 0)
          throw keraspp::ValueError("UpSampling1D: `size` must be a positive integer, got " + std::to_string(o.size));
        const int64_t size = o.size;
        return std::make_shared<ResizingImpl>(
            "UpSampling1D", engine::common_options(o), 1, "", [size](int, int64_t d) { return d * size; },
            [size](const tf::Tensor& x) { return K::repeat_elements(x, size, 1); }, Config{{"size", size}});
      }()) {}

UpSampling2D::UpSampling2D(const UpSampling2DOptions& o)
    : Layer([&] {
        const std::string format = conv_utils::normalize_data_format(o.data_format);
        const K::IntPair size = o.size;
        if (size.rows <= 0 || size.cols <= 0)
          throw keraspp::ValueError("UpSampling2D: `size` must be positive, got (" + std::to_string(size.rows) +
                                    ", " + std::to_string(size.cols) + ")");
        return std::make_shared<ResizingImpl>(
            "UpSampling2D", engine::common_options(o), 2, format,
            [size](int k, int64_t d) { return d * (k == 0 ? size.rows : size.cols); },
            [size, format](const tf::Tensor& x) { return K::resize_images(x, size.rows, size.cols, format); },
            Config{{"size", conv_utils::pair_config(size)}, {"data_format", format}});
      }()) {}

ZeroPadding1D::ZeroPadding1D(IntPadding padding, const ZeroPadding1DOptions& o)
    : Layer([&] {
        check_non_negative(o.name.empty() ? "zero_padding1d" : o.name, "padding", padding);
        return std::make_shared<ResizingImpl>(
            "ZeroPadding1D", engine::common_options(o), 1, "",
            [padding](int, int64_t d) { return d + padding.before + padding.after; },
            [padding](const tf::Tensor& x) { return K::temporal_padding(x, {padding.before, padding.after}); },
            Config{{"padding", padding_config(padding)}});
      }()) {}

ZeroPadding2D::ZeroPadding2D(IntPadding2D padding, const ZeroPadding2DOptions& o)
    : Layer([&] {
        const std::string format = conv_utils::normalize_data_format(o.data_format);
        const IntPadding rows = padding.rows, cols = padding.cols;
        check_non_negative(o.name.empty() ? "zero_padding2d" : o.name, "padding", rows);
        check_non_negative(o.name.empty() ? "zero_padding2d" : o.name, "padding", cols);
        return std::make_shared<ResizingImpl>(
            "ZeroPadding2D", engine::common_options(o), 2, format,
            [rows, cols](int k, int64_t d) {
              const IntPadding p = k == 0 ? rows : cols;
              return d + p.before + p.after;
            },
            [rows, cols, format](const tf::Tensor& x) {
              return K::spatial_2d_padding(x, {rows.before, rows.after}, {cols.before, cols.after}, format);
            },
            Config{{"padding", Config::array({padding_config(rows), padding_config(cols)})}, {"data_format", format}});
      }()) {}

Cropping1D::Cropping1D(IntPadding cropping, const Cropping1DOptions& o)
    : Layer([&] {
        const std::string name = o.name.empty() ? "cropping1d" : o.name;
        check_non_negative(name, "cropping", cropping);
        return std::make_shared<ResizingImpl>(
            "Cropping1D", engine::common_options(o), 1, "",
            [cropping, name](int, int64_t d) { return cropped(name, d, cropping); },
            [cropping](const tf::Tensor& x) { return crop(x, 3, {{1, cropping}}); },
            Config{{"cropping", padding_config(cropping)}});
      }()) {}

Cropping2D::Cropping2D(IntPadding2D cropping, const Cropping2DOptions& o)
    : Layer([&] {
        const std::string format = conv_utils::normalize_data_format(o.data_format);
        const std::string name = o.name.empty() ? "cropping2d" : o.name;
        const IntPadding rows = cropping.rows, cols = cropping.cols;
        check_non_negative(name, "cropping", rows);
        check_non_negative(name, "cropping", cols);
        const int axis = first_spatial_axis(format);
        return std::make_shared<ResizingImpl>(
            "Cropping2D", engine::common_options(o), 2, format,
            [rows, cols, name](int k, int64_t d) { return cropped(name, d, k == 0 ? rows : cols); },
            [rows, cols, axis](const tf::Tensor& x) { return crop(x, 4, {{axis, rows}, {axis + 1, cols}}); },
            Config{{"cropping", Config::array({padding_config(rows), padding_config(cols)})}, {"data_format", format}});
      }()) {}

// ---- from_config ---------------------------------------------------------------------------

namespace {

const LayerRegistration kUpSampling1D("UpSampling1D", [](const Config& c, const CustomObjects&) -> Layer {
  auto o = with_common_options(UpSampling1DOptions{}, c);
  o.size = conv_config::single(c, "size", 2, conv_config::what(c, "UpSampling1D"));
  return UpSampling1D(o);
});

const LayerRegistration kUpSampling2D("UpSampling2D", [](const Config& c, const CustomObjects&) -> Layer {
  const std::string w = conv_config::what(c, "UpSampling2D");
  auto o = with_common_options(UpSampling2DOptions{}, c);
  o.size = conv_config::pair(c, "size", 2, w);
  o.data_format = conv_config::string_or(c, "data_format", "", w);
  return UpSampling2D(o);
});

const LayerRegistration kZeroPadding1D("ZeroPadding1D", [](const Config& c, const CustomObjects&) -> Layer {
  const Config* p = saving::find(c, "padding");
  const std::string w = conv_config::what(c, "ZeroPadding1D") + " 'padding'";
  return ZeroPadding1D(p ? conv_config::padding_1d<IntPadding>(*p, w) : IntPadding(1),
                       with_common_options(ZeroPadding1DOptions{}, c));
});

const LayerRegistration kZeroPadding2D("ZeroPadding2D", [](const Config& c, const CustomObjects&) -> Layer {
  const std::string w = conv_config::what(c, "ZeroPadding2D");
  auto o = with_common_options(ZeroPadding2DOptions{}, c);
  o.data_format = conv_config::string_or(c, "data_format", "", w);
  const Config* p = saving::find(c, "padding");
  if (!p) return ZeroPadding2D(1, o);
  const auto [rows, cols] = conv_config::padding_2d<IntPadding>(*p, w + " 'padding'");
  return ZeroPadding2D({rows, cols}, o);
});

const LayerRegistration kCropping1D("Cropping1D", [](const Config& c, const CustomObjects&) -> Layer {
  const Config* p = saving::find(c, "cropping");
  const std::string w = conv_config::what(c, "Cropping1D") + " 'cropping'";
  return Cropping1D(p ? conv_config::padding_1d<IntPadding>(*p, w) : IntPadding(1),
                    with_common_options(Cropping1DOptions{}, c));
});

const LayerRegistration kCropping2D("Cropping2D", [](const Config& c, const CustomObjects&) -> Layer {
  const std::string w = conv_config::what(c, "Cropping2D");
  auto o = with_common_options(Cropping2DOptions{}, c);
  o.data_format = conv_config::string_or(c, "data_format", "", w);
  const Config* p = saving::find(c, "cropping");
  if (!p) return Cropping2D(0, o);
  const auto [rows, cols] = conv_config::padding_2d<IntPadding>(*p, w + " 'cropping'");
  return Cropping2D({rows, cols}, o);
});

}  // namespace

}  // namespace keras::layers
