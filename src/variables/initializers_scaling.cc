// VarianceScaling and its presets (glorot, he, lecun), and Orthogonal.
#include <algorithm>
#include <cmath>

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/init_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/random_ops.h"
#include "keraspp/ops/transpose_ops.h"
#include "keraspp/variables/initializers.h"

namespace tf {

namespace {
ConfigValue seed_value(std::optional<int64_t> seed) {
  return seed ? ConfigValue(*seed) : ConfigValue(std::monostate{});
}
}  // namespace

Initializer variance_scaling_initializer(const VarianceScalingOptions& opts) {
  if (!(opts.scale > 0.0)) throw keraspp::ValueError("`scale` must be positive float.");
  if (opts.mode != "fan_in" && opts.mode != "fan_out" && opts.mode != "fan_avg")
    throw keraspp::ValueError("Invalid `mode` argument: " + opts.mode);
  if (opts.distribution != "normal" && opts.distribution != "uniform")
    throw keraspp::ValueError("Invalid `distribution` argument: " + opts.distribution);
  InitializerConfig config{{"scale", opts.scale},
                           {"mode", opts.mode},
                           {"distribution", opts.distribution},
                           {"seed", seed_value(opts.seed)}};
  return Initializer(
      "VarianceScaling", std::move(config), [opts](const std::vector<int64_t>& shape, DType dtype) {
        const auto [fan_in, fan_out] = compute_fans(shape);
        const double n = opts.mode == "fan_in"    ? fan_in
                         : opts.mode == "fan_out" ? fan_out
                                                  : (fan_in + fan_out) / 2.0;
        const double scale = opts.scale / std::max(1.0, n);
        if (opts.distribution == "normal")
          return truncated_normal(
              shape, {.mean = 0.0, .stddev = std::sqrt(scale), .dtype = dtype, .seed = opts.seed});
        const double limit = std::sqrt(3.0 * scale);
        return random_uniform(
            shape, {.minval = -limit, .maxval = limit, .dtype = dtype, .seed = opts.seed});
      });
}

Initializer glorot_uniform_initializer(std::optional<int64_t> seed) {
  return variance_scaling_initializer(
      {.scale = 1.0, .mode = "fan_avg", .distribution = "uniform", .seed = seed});
}
Initializer glorot_normal_initializer(std::optional<int64_t> seed) {
  return variance_scaling_initializer(
      {.scale = 1.0, .mode = "fan_avg", .distribution = "normal", .seed = seed});
}
Initializer he_normal(std::optional<int64_t> seed) {
  return variance_scaling_initializer(
      {.scale = 2.0, .mode = "fan_in", .distribution = "normal", .seed = seed});
}
Initializer he_uniform(std::optional<int64_t> seed) {
  return variance_scaling_initializer(
      {.scale = 2.0, .mode = "fan_in", .distribution = "uniform", .seed = seed});
}
Initializer lecun_normal(std::optional<int64_t> seed) {
  return variance_scaling_initializer(
      {.scale = 1.0, .mode = "fan_in", .distribution = "normal", .seed = seed});
}
Initializer lecun_uniform(std::optional<int64_t> seed) {
  return variance_scaling_initializer(
      {.scale = 1.0, .mode = "fan_in", .distribution = "uniform", .seed = seed});
}

Initializer orthogonal_initializer(double gain, std::optional<int64_t> seed) {
  return Initializer(
      "Orthogonal", {{"gain", gain}, {"seed", seed_value(seed)}},
      [gain, seed](const std::vector<int64_t>& shape, DType dtype) {
        if (shape.size() < 2)
          throw keraspp::ValueError("The tensor to initialize must be at least two-dimensional");
        int64_t rows = 1;
        for (size_t i = 0; i + 1 < shape.size(); ++i) rows *= shape[i];
        const int64_t cols = shape.back();
        // QR of a tall normal matrix gives orthonormal columns; a wide shape
        // takes the transpose of the tall one (orthonormal rows). Our Qr's R
        // has a non-negative diagonal, which is TF's "make Q uniform" step.
        const bool wide = rows < cols;
        const Tensor a = random_normal(std::vector<int64_t>{wide ? cols : rows, wide ? rows : cols},
                                       {.dtype = dtype, .seed = seed});
        Tensor q = qr(a).first;
        if (wide) q = transpose(q);
        return multiply(reshape(q, shape), gain);
      });
}

}  // namespace tf
