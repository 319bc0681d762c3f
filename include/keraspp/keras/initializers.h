// keras.initializers (Keras 2.0.2): weight initializers with Keras's names,
// defaults and configs. An initializer is a tf::Initializer — a callable
// (shape, dtype) -> tensor carrying its class name and config — so Keras's
// and TF's initializers are interchangeable where a layer takes one.
//
//   keras::layers::Dense(64, {.kernel_initializer = "he_normal"});
//   keras::layers::Dense(64, {.kernel_initializer = keras::initializers::RandomNormal({.stddev = 0.01})});
//
// Random initializers draw their op seed from np::random when none is given
// (Keras's `np.random.randint(10e6)`), so np::random::seed makes weight
// initialization reproducible.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keraspp/variables/initializers.h"

namespace keras::initializers {

using tf::Initializer;

// An initializer argument: a name ("glorot_uniform", "Zeros", ...) or an
// Initializer. Names resolve when constructed: ValueError "Unknown
// initializer: foo".
class InitializerArg {
 public:
  InitializerArg(const char* name);
  InitializerArg(const std::string& name);
  InitializerArg(Initializer init);
  const Initializer& get() const { return init_; }
  operator const Initializer&() const { return init_; }

 private:
  Initializer init_;
};

// Keras's _compute_fans: 2-d [in, out]; 3- to 5-d conv kernels by
// image_data_format(); otherwise sqrt(prod(shape)) for both.
std::pair<double, double> compute_fans(const std::vector<int64_t>& shape);

Initializer Zeros();
Initializer Ones();
Initializer Constant(double value = 0.0);

struct RandomNormalOptions {
  double mean = 0.0;
  double stddev = 0.05;
  std::optional<int64_t> seed = std::nullopt;
};
Initializer RandomNormal(const RandomNormalOptions& opts = {});
struct RandomUniformOptions {
  double minval = -0.05;
  double maxval = 0.05;
  std::optional<int64_t> seed = std::nullopt;
};
Initializer RandomUniform(const RandomUniformOptions& opts = {});
// Normal redrawn beyond two standard deviations.
Initializer TruncatedNormal(const RandomNormalOptions& opts = {});

// n = fan_in, fan_out or their mean; "normal": truncated normal with stddev
// sqrt(scale / n); "uniform": uniform within +-sqrt(3 * scale / n).
// ValueError "`scale` must be a positive float. Got: 0" and for an invalid
// mode/distribution, as Keras.
struct VarianceScalingOptions {
  double scale = 1.0;
  std::string mode = "fan_in";
  std::string distribution = "normal";
  std::optional<int64_t> seed = std::nullopt;
};
Initializer VarianceScaling(const VarianceScalingOptions& opts = {});

// A random orthogonal matrix (of the 2-d flattening (shape[0], prod(rest)))
// times gain, computed on the host from np::random as Keras does.
Initializer Orthogonal(double gain = 1.0, std::optional<int64_t> seed = std::nullopt);
// gain * I for 2-d square shapes; ValueError "Identity matrix initializer can
// only be used for 2D square matrices." otherwise.
Initializer Identity(double gain = 1.0);

// Keras's function-style names.
inline Initializer zeros() { return Zeros(); }
inline Initializer ones() { return Ones(); }
inline Initializer constant(double value = 0.0) { return Constant(value); }
inline Initializer random_normal(const RandomNormalOptions& o = {}) { return RandomNormal(o); }
inline Initializer random_uniform(const RandomUniformOptions& o = {}) { return RandomUniform(o); }
inline Initializer truncated_normal(const RandomNormalOptions& o = {}) { return TruncatedNormal(o); }
inline Initializer variance_scaling(const VarianceScalingOptions& o = {}) { return VarianceScaling(o); }
inline Initializer orthogonal(double gain = 1.0, std::optional<int64_t> seed = std::nullopt) {
  return Orthogonal(gain, seed);
}
inline Initializer identity(double gain = 1.0) { return Identity(gain); }
// VarianceScaling presets (Keras's scale/mode/distribution).
Initializer lecun_uniform(std::optional<int64_t> seed = std::nullopt);  // 1, fan_in, uniform
Initializer lecun_normal(std::optional<int64_t> seed = std::nullopt);   // 1, fan_in, normal
Initializer glorot_normal(std::optional<int64_t> seed = std::nullopt);  // 1, fan_avg, normal
Initializer glorot_uniform(std::optional<int64_t> seed = std::nullopt); // 1, fan_avg, uniform
Initializer he_normal(std::optional<int64_t> seed = std::nullopt);      // 2, fan_in, normal
Initializer he_uniform(std::optional<int64_t> seed = std::nullopt);     // 2, fan_in, uniform

// keras.initializers.get: by class or function name.
Initializer get(const std::string& name);

}  // namespace keras::initializers
