// Initializers (tf.*_initializer, TF 1.x): callable objects that build the ops
// producing a variable's initial value for a given shape and dtype.
//
// An Initializer carries its class name ("VarianceScaling") and its config
// ({'scale': 1.0, 'mode': 'fan_avg', ...}) so keras::initializers can wrap the
// same math under Keras's names and defaults, and print/serialise configs.
// Random initializers draw through tf::random_uniform / random_normal /
// truncated_normal, so their seeds follow TF's graph-seed/op-seed rules.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "keraspp/graph/graph.h"

namespace tf {

// A value of a config as Python's get_config() dict holds it; monostate is None.
using ConfigValue =
    std::variant<std::monostate, bool, int64_t, double, std::string, std::vector<double>>;
// Insertion-ordered, as the spec's dicts print.
using InitializerConfig = std::vector<std::pair<std::string, ConfigValue>>;
// Python's repr of a config: {'minval': 0.0, 'maxval': 1.0, 'seed': None}.
std::string config_str(const InitializerConfig& config);

class Initializer {
 public:
  // shape: the variable's full shape, dtype: its dtype -> a tensor of that
  // shape and dtype (ops created in the current name scope).
  using Fn = std::function<Tensor(const std::vector<int64_t>& shape, DType dtype)>;

  // No initializer (Python's None).
  Initializer() = default;
  Initializer(std::string class_name, InitializerConfig config, Fn fn);

  explicit operator bool() const { return d_ != nullptr; }
  // ValueError when empty.
  Tensor operator()(const std::vector<int64_t>& shape, DType dtype = float32) const;
  // "Zeros", "Constant", "RandomUniform", "VarianceScaling", "Orthogonal", ...
  const std::string& class_name() const;
  const InitializerConfig& get_config() const;

 private:
  struct Data {
    std::string class_name;
    InitializerConfig config;
    Fn fn;
  };
  std::shared_ptr<const Data> d_;
};

// TF's _compute_fans: shape -> (fan_in, fan_out). Scalars: (1, 1); vectors:
// (n, n); matrices [in, out]; conv kernels [..., in, out] multiply both by the
// receptive field size (the product of the leading dims).
std::pair<double, double> compute_fans(const std::vector<int64_t>& shape);

// Zeros / ones of any dtype (op "zeros" / "ones").
Initializer zeros_initializer();
Initializer ones_initializer();

// A constant (op "Const"). A scalar fills the shape; a list with fewer elements
// than the shape is padded with its last value, as TF 1.x's constant(value,
// shape); more elements -> ValueError "Too many elements provided. Needed at
// most 4, but received 5". verify_shape: the value's shape must equal the
// variable's (TypeError "Expected Tensor's shape: (2, 2), got (4,).").
struct ConstantInitializerOptions {
  bool verify_shape = false;
};
Initializer constant_initializer(double value = 0.0, const ConstantInitializerOptions& opts = {});
Initializer constant_initializer(const np::Array& value,
                                 const ConstantInitializerOptions& opts = {});

// Uniform in [minval, maxval) (op "random_uniform"); float dtypes only.
struct RandomUniformInitializerOptions {
  double minval = 0.0;
  double maxval = 1.0;
  std::optional<int64_t> seed = std::nullopt;
};
Initializer random_uniform_initializer(const RandomUniformInitializerOptions& opts = {});
Initializer random_uniform_initializer(double minval, double maxval = 1.0,
                                       std::optional<int64_t> seed = std::nullopt);

// Normal(mean, stddev) (op "random_normal"), and redrawn beyond two stddev
// (op "truncated_normal").
struct RandomNormalInitializerOptions {
  double mean = 0.0;
  double stddev = 1.0;
  std::optional<int64_t> seed = std::nullopt;
};
Initializer random_normal_initializer(const RandomNormalInitializerOptions& opts = {});
Initializer random_normal_initializer(double mean, double stddev = 1.0,
                                      std::optional<int64_t> seed = std::nullopt);
Initializer truncated_normal_initializer(const RandomNormalInitializerOptions& opts = {});
Initializer truncated_normal_initializer(double mean, double stddev = 1.0,
                                         std::optional<int64_t> seed = std::nullopt);

// TF 1.x VarianceScaling: n = fan_in, fan_out or their mean (at least 1);
// "normal": truncated normal with stddev sqrt(scale / n) (TF 1.x applies no
// truncation correction); "uniform": uniform in +-sqrt(3 * scale / n).
// ValueError on scale <= 0 or an unknown mode/distribution.
struct VarianceScalingOptions {
  double scale = 1.0;
  std::string mode = "fan_in";          // "fan_in", "fan_out", "fan_avg"
  std::string distribution = "normal";  // "normal", "uniform"
  std::optional<int64_t> seed = std::nullopt;
};
Initializer variance_scaling_initializer(const VarianceScalingOptions& opts = {});

// VarianceScaling presets. glorot_uniform: limit sqrt(6 / (fan_in + fan_out)).
Initializer glorot_uniform_initializer(std::optional<int64_t> seed = std::nullopt);
Initializer glorot_normal_initializer(std::optional<int64_t> seed = std::nullopt);
Initializer he_normal(std::optional<int64_t> seed = std::nullopt);
Initializer he_uniform(std::optional<int64_t> seed = std::nullopt);
Initializer lecun_normal(std::optional<int64_t> seed = std::nullopt);
Initializer lecun_uniform(std::optional<int64_t> seed = std::nullopt);

// A (semi-)orthogonal matrix times gain, for shapes of rank >= 2 flattened to
// [prod(shape[:-1]), shape[-1]]: the Q of the QR decomposition of a normal
// random matrix with R's diagonal made positive (so Q is Haar-distributed).
// Tall shapes get orthonormal columns, wide ones orthonormal rows.
// ValueError "The tensor to initialize must be at least two-dimensional".
Initializer orthogonal_initializer(double gain = 1.0, std::optional<int64_t> seed = std::nullopt);

}  // namespace tf
