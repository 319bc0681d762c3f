// The Initializer object, config printing, fan computation, and the constant
// and plain random initializers.
#include "keraspp/variables/initializers.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/random_ops.h"

namespace tf {

namespace {

// Python's repr of a float: the shortest text that reads back the same value,
// always with a '.' or exponent ("1.0", "0.05", "1e-07").
std::string float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[40];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string value_repr(const ConfigValue& v) {
  struct {
    std::string operator()(std::monostate) const { return "None"; }
    std::string operator()(bool b) const { return b ? "True" : "False"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return float_repr(d); }
    std::string operator()(const std::string& s) const { return "'" + s + "'"; }
    std::string operator()(const std::vector<double>& l) const {
      std::string out = "[";
      for (size_t i = 0; i < l.size(); ++i) out += (i ? ", " : "") + float_repr(l[i]);
      return out + "]";
    }
  } visit;
  return std::visit(visit, v);
}

ConfigValue seed_value(std::optional<int64_t> seed) {
  return seed ? ConfigValue(*seed) : ConfigValue(std::monostate{});
}

int64_t num_elements(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

}  // namespace

std::string config_str(const InitializerConfig& config) {
  std::string out = "{";
  for (size_t i = 0; i < config.size(); ++i)
    out += (i ? ", '" : "'") + config[i].first + "': " + value_repr(config[i].second);
  return out + "}";
}

Initializer::Initializer(std::string class_name, InitializerConfig config, Fn fn)
    : d_(std::make_shared<const Data>(
          Data{std::move(class_name), std::move(config), std::move(fn)})) {}

Tensor Initializer::operator()(const std::vector<int64_t>& shape, DType dtype) const {
  if (!d_) throw keraspp::ValueError("Cannot call an empty (None) initializer");
  return d_->fn(shape, dtype);
}

const std::string& Initializer::class_name() const {
  static const std::string none = "None";
  return d_ ? d_->class_name : none;
}

const InitializerConfig& Initializer::get_config() const {
  static const InitializerConfig empty;
  return d_ ? d_->config : empty;
}

std::pair<double, double> compute_fans(const std::vector<int64_t>& shape) {
  if (shape.empty()) return {1.0, 1.0};
  if (shape.size() == 1) return {double(shape[0]), double(shape[0])};
  if (shape.size() == 2) return {double(shape[0]), double(shape[1])};
  // Convolution kernels [..., in_channels, out_channels]: the spatial dims
  // form the receptive field every input/output channel connects through.
  double receptive_field = 1.0;
  for (size_t i = 0; i + 2 < shape.size(); ++i) receptive_field *= double(shape[i]);
  return {double(shape[shape.size() - 2]) * receptive_field,
          double(shape[shape.size() - 1]) * receptive_field};
}

Initializer zeros_initializer() {
  return Initializer("Zeros", {}, [](const std::vector<int64_t>& shape, DType dtype) {
    return tf::zeros(shape, dtype);
  });
}

Initializer ones_initializer() {
  return Initializer("Ones", {}, [](const std::vector<int64_t>& shape, DType dtype) {
    return tf::ones(shape, dtype);
  });
}

namespace {

// TF 1.x constant(value, shape): a scalar fills the shape, a shorter list is
// padded with its last element, a longer one is an error.
Tensor constant_of_shape(const np::Array& value, const std::vector<int64_t>& shape, DType dtype,
                         bool verify_shape) {
  if (verify_shape && value.shape() != shape)
    throw keraspp::TypeError("Expected Tensor's shape: " + np::shape_str(shape) + ", got " +
                             np::shape_str(value.shape()) + ".");
  const int64_t n = num_elements(shape), k = value.size();
  if (k > n)
    throw keraspp::ValueError("Too many elements provided. Needed at most " + std::to_string(n) +
                              ", but received " + std::to_string(k));
  if (k == 0 && n > 0)
    throw keraspp::ValueError("Cannot fill a tensor of shape " + np::shape_str(shape) +
                              " from an empty value");
  np::Array out = np::Array::empty(shape, dtype);
  for (int64_t i = 0; i < n; ++i) out.set_flat(i, value.get_flat(std::min(i, k - 1)));
  return constant(out);
}

}  // namespace

Initializer constant_initializer(double value, const ConstantInitializerOptions& opts) {
  const np::Array v = np::Array::scalar(value);
  return Initializer("Constant", {{"value", value}, {"verify_shape", opts.verify_shape}},
                     [v](const std::vector<int64_t>& shape, DType dtype) {
                       // A scalar always fills (verify_shape compares lists only).
                       return constant_of_shape(v, shape, dtype, false);
                     });
}

Initializer constant_initializer(const np::Array& value, const ConstantInitializerOptions& opts) {
  const np::Array v = value.copy();
  std::vector<double> flat;
  for (int64_t i = 0; i < v.size(); ++i) flat.push_back(v.get_flat(i));
  InitializerConfig config;
  if (v.ndim() == 0)
    config.emplace_back("value", flat[0]);
  else
    config.emplace_back("value", flat);
  config.emplace_back("verify_shape", opts.verify_shape);
  return Initializer("Constant", std::move(config),
                     [v, opts](const std::vector<int64_t>& shape, DType dtype) {
                       return constant_of_shape(v, shape, dtype, opts.verify_shape && v.ndim() > 0);
                     });
}

Initializer random_uniform_initializer(const RandomUniformInitializerOptions& opts) {
  return Initializer(
      "RandomUniform",
      {{"minval", opts.minval}, {"maxval", opts.maxval}, {"seed", seed_value(opts.seed)}},
      [opts](const std::vector<int64_t>& shape, DType dtype) {
        return random_uniform(
            shape,
            {.minval = opts.minval, .maxval = opts.maxval, .dtype = dtype, .seed = opts.seed});
      });
}
Initializer random_uniform_initializer(double minval, double maxval, std::optional<int64_t> seed) {
  return random_uniform_initializer({.minval = minval, .maxval = maxval, .seed = seed});
}

namespace {
Initializer normal_initializer(const char* class_name, bool truncated,
                               const RandomNormalInitializerOptions& opts) {
  return Initializer(
      class_name, {{"mean", opts.mean}, {"stddev", opts.stddev}, {"seed", seed_value(opts.seed)}},
      [opts, truncated](const std::vector<int64_t>& shape, DType dtype) {
        const RandomNormalOptions o{
            .mean = opts.mean, .stddev = opts.stddev, .dtype = dtype, .seed = opts.seed};
        return truncated ? truncated_normal(shape, o) : random_normal(shape, o);
      });
}
}  // namespace

Initializer random_normal_initializer(const RandomNormalInitializerOptions& opts) {
  return normal_initializer("RandomNormal", false, opts);
}
Initializer random_normal_initializer(double mean, double stddev, std::optional<int64_t> seed) {
  return random_normal_initializer({.mean = mean, .stddev = stddev, .seed = seed});
}
Initializer truncated_normal_initializer(const RandomNormalInitializerOptions& opts) {
  return normal_initializer("TruncatedNormal", true, opts);
}
Initializer truncated_normal_initializer(double mean, double stddev, std::optional<int64_t> seed) {
  return truncated_normal_initializer({.mean = mean, .stddev = stddev, .seed = seed});
}

}  // namespace tf
