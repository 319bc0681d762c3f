// keras.initializers: Keras 2.0.2's initializers, built on keras::backend's
// random tensors (op seeds drawn from np::random when none is given).
#include "keraspp/keras/initializers.h"

#include <cmath>
#include <functional>
#include <map>
#include <sstream>

#include "keraspp/keras/backend.h"
#include "keraspp/np/random.h"
#include "keraspp/ops/array_ops.h"

namespace keras::initializers {

namespace K = keras::backend;

namespace {

tf::ConfigValue seed_value(std::optional<int64_t> seed) {
  return seed ? tf::ConfigValue(*seed) : tf::ConfigValue(std::monostate{});
}

std::string dt(tf::DType d) { return np::dtype_name(d); }

std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// Orthonormalises the columns of a (rows >= cols) matrix in place
// (modified Gram-Schmidt, in double precision).
void orthonormalize_columns(std::vector<double>& a, int64_t rows, int64_t cols) {
  for (int64_t j = 0; j < cols; ++j) {
    for (int64_t k = 0; k < j; ++k) {
      double dot = 0;
      for (int64_t i = 0; i < rows; ++i) dot += a[i * cols + j] * a[i * cols + k];
      for (int64_t i = 0; i < rows; ++i) a[i * cols + j] -= dot * a[i * cols + k];
    }
    double norm = 0;
    for (int64_t i = 0; i < rows; ++i) norm += a[i * cols + j] * a[i * cols + j];
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < rows; ++i) a[i * cols + j] /= norm;
  }
}

}  // namespace

InitializerArg::InitializerArg(const char* name) : init_(initializers::get(name)) {}
InitializerArg::InitializerArg(const std::string& name) : init_(initializers::get(name)) {}
InitializerArg::InitializerArg(Initializer init) : init_(std::move(init)) {}

std::pair<double, double> compute_fans(const std::vector<int64_t>& shape) {
  const size_t n = shape.size();
  if (n == 2) return {static_cast<double>(shape[0]), static_cast<double>(shape[1])};
  if (n >= 3 && n <= 5) {
    if (K::image_data_format() == "channels_first") {
      double rf = 1;
      for (size_t i = 2; i < n; ++i) rf *= static_cast<double>(shape[i]);
      return {static_cast<double>(shape[1]) * rf, static_cast<double>(shape[0]) * rf};
    }
    const double rf = static_cast<double>(shape[0]) * static_cast<double>(shape[1]);
    return {static_cast<double>(shape[n - 2]) * rf, static_cast<double>(shape[n - 1]) * rf};
  }
  double total = 1;
  for (int64_t d : shape) total *= static_cast<double>(d);
  const double f = std::sqrt(total);
  return {f, f};
}

Initializer Zeros() {
  return Initializer("Zeros", {}, [](const std::vector<int64_t>& shape, tf::DType dtype) {
    return tf::zeros(shape, dtype);
  });
}

Initializer Ones() {
  return Initializer("Ones", {}, [](const std::vector<int64_t>& shape, tf::DType dtype) {
    return tf::ones(shape, dtype);
  });
}

Initializer Constant(double value) {
  return Initializer("Constant", {{"value", value}},
                     [value](const std::vector<int64_t>& shape, tf::DType dtype) {
                       return K::constant(value, dt(dtype), shape);
                     });
}

Initializer RandomNormal(const RandomNormalOptions& o) {
  return Initializer("RandomNormal",
                     {{"mean", o.mean}, {"stddev", o.stddev}, {"seed", seed_value(o.seed)}},
                     [o](const std::vector<int64_t>& shape, tf::DType dtype) {
                       return K::random_normal(shape, o.mean, o.stddev, dt(dtype), o.seed);
                     });
}

Initializer RandomUniform(const RandomUniformOptions& o) {
  return Initializer("RandomUniform",
                     {{"minval", o.minval}, {"maxval", o.maxval}, {"seed", seed_value(o.seed)}},
                     [o](const std::vector<int64_t>& shape, tf::DType dtype) {
                       return K::random_uniform(shape, o.minval, o.maxval, dt(dtype), o.seed);
                     });
}

Initializer TruncatedNormal(const RandomNormalOptions& o) {
  return Initializer("TruncatedNormal",
                     {{"mean", o.mean}, {"stddev", o.stddev}, {"seed", seed_value(o.seed)}},
                     [o](const std::vector<int64_t>& shape, tf::DType dtype) {
                       return K::truncated_normal(shape, o.mean, o.stddev, dt(dtype), o.seed);
                     });
}

Initializer VarianceScaling(const VarianceScalingOptions& o) {
  if (o.scale <= 0.0)
    throw keraspp::ValueError("`scale` must be a positive float. Got: " + num(o.scale));
  if (o.mode != "fan_in" && o.mode != "fan_out" && o.mode != "fan_avg")
    throw keraspp::ValueError(
        "Invalid `mode` argument: expected on of {\"fan_in\", \"fan_out\", \"fan_avg\"} but got " +
        o.mode);
  if (o.distribution != "normal" && o.distribution != "uniform")
    throw keraspp::ValueError(
        "Invalid `distribution` argument: expected one of {\"normal\", \"uniform\"} but got " +
        o.distribution);
  return Initializer(
      "VarianceScaling",
      {{"scale", o.scale}, {"mode", o.mode}, {"distribution", o.distribution},
       {"seed", seed_value(o.seed)}},
      [o](const std::vector<int64_t>& shape, tf::DType dtype) {
        const auto [fan_in, fan_out] = compute_fans(shape);
        double scale = o.scale;
        if (o.mode == "fan_in")
          scale /= std::max(1.0, fan_in);
        else if (o.mode == "fan_out")
          scale /= std::max(1.0, fan_out);
        else
          scale /= std::max(1.0, (fan_in + fan_out) / 2.0);
        if (o.distribution == "normal")
          return K::truncated_normal(shape, 0.0, std::sqrt(scale), dt(dtype), o.seed);
        const double limit = std::sqrt(3.0 * scale);
        return K::random_uniform(shape, -limit, limit, dt(dtype), o.seed);
      });
}

Initializer Orthogonal(double gain, std::optional<int64_t> seed) {
  return Initializer(
      "Orthogonal", {{"gain", gain}, {"seed", seed_value(seed)}},
      [gain, seed](const std::vector<int64_t>& shape, tf::DType dtype) {
        if (shape.size() < 2)
          throw keraspp::ValueError("The tensor to initialize must be at least two-dimensional");
        int64_t rows = 1;
        for (size_t i = 0; i + 1 < shape.size(); ++i) rows *= shape[i];
        const int64_t cols = shape.back();
        // Keras seeds numpy's global generator when a seed is given.
        if (seed) np::random::seed(static_cast<uint64_t>(*seed));
        std::vector<double> a = np::random::normal(0.0, 1.0, {rows, cols}).to_vector<double>();
        if (rows >= cols) {
          orthonormalize_columns(a, rows, cols);
        } else {
          // Wide: orthonormal rows, via the transpose.
          std::vector<double> t(a.size());
          for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j) t[j * rows + i] = a[i * cols + j];
          orthonormalize_columns(t, cols, rows);
          for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j) a[i * cols + j] = t[j * rows + i];
        }
        for (double& v : a) v *= gain;
        return tf::constant(np::Array::from_vector(a, shape).astype(dtype));
      });
}

Initializer Identity(double gain) {
  return Initializer("Identity", {{"gain", gain}},
                     [gain](const std::vector<int64_t>& shape, tf::DType dtype) {
                       if (shape.size() != 2 || shape[0] != shape[1])
                         throw keraspp::ValueError(
                             "Identity matrix initializer can only be used for 2D square matrices.");
                       np::Array eye = np::zeros(shape, dtype);
                       for (int64_t i = 0; i < shape[0]; ++i) eye.set_flat(i * shape[0] + i, gain);
                       return tf::constant(eye);
                     });
}

Initializer lecun_uniform(std::optional<int64_t> seed) {
  return VarianceScaling({.scale = 1.0, .mode = "fan_in", .distribution = "uniform", .seed = seed});
}
Initializer lecun_normal(std::optional<int64_t> seed) {
  return VarianceScaling({.scale = 1.0, .mode = "fan_in", .distribution = "normal", .seed = seed});
}
Initializer glorot_normal(std::optional<int64_t> seed) {
  return VarianceScaling({.scale = 1.0, .mode = "fan_avg", .distribution = "normal", .seed = seed});
}
Initializer glorot_uniform(std::optional<int64_t> seed) {
  return VarianceScaling({.scale = 1.0, .mode = "fan_avg", .distribution = "uniform", .seed = seed});
}
Initializer he_normal(std::optional<int64_t> seed) {
  return VarianceScaling({.scale = 2.0, .mode = "fan_in", .distribution = "normal", .seed = seed});
}
Initializer he_uniform(std::optional<int64_t> seed) {
  return VarianceScaling({.scale = 2.0, .mode = "fan_in", .distribution = "uniform", .seed = seed});
}

Initializer get(const std::string& name) {
  using Make = std::function<Initializer()>;
  static const std::map<std::string, Make> known = {
      {"Zeros", [] { return Zeros(); }},
      {"zeros", [] { return Zeros(); }},
      {"zero", [] { return Zeros(); }},
      {"Ones", [] { return Ones(); }},
      {"ones", [] { return Ones(); }},
      {"one", [] { return Ones(); }},
      {"Constant", [] { return Constant(); }},
      {"constant", [] { return Constant(); }},
      {"RandomNormal", [] { return RandomNormal(); }},
      {"random_normal", [] { return RandomNormal(); }},
      {"normal", [] { return RandomNormal(); }},
      {"RandomUniform", [] { return RandomUniform(); }},
      {"random_uniform", [] { return RandomUniform(); }},
      {"uniform", [] { return RandomUniform(); }},
      {"TruncatedNormal", [] { return TruncatedNormal(); }},
      {"truncated_normal", [] { return TruncatedNormal(); }},
      {"VarianceScaling", [] { return VarianceScaling(); }},
      {"variance_scaling", [] { return VarianceScaling(); }},
      {"Orthogonal", [] { return Orthogonal(); }},
      {"orthogonal", [] { return Orthogonal(); }},
      {"Identity", [] { return Identity(); }},
      {"identity", [] { return Identity(); }},
      {"lecun_uniform", [] { return lecun_uniform(); }},
      {"lecun_normal", [] { return lecun_normal(); }},
      {"glorot_normal", [] { return glorot_normal(); }},
      {"glorot_uniform", [] { return glorot_uniform(); }},
      {"he_normal", [] { return he_normal(); }},
      {"he_uniform", [] { return he_uniform(); }},
  };
  auto it = known.find(name);
  if (it == known.end()) throw keraspp::ValueError("Unknown initializer: " + name);
  return it->second();
}

}  // namespace keras::initializers
