// Flatten, Reshape, Permute and RepeatVector (Keras 2.0.2), and Lambda.
#include <numeric>

#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/keras/layers/core.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

namespace {

std::vector<int64_t> tail(const tf::TensorShape& s) {
  return std::vector<int64_t>(s.dims().begin() + 1, s.dims().end());
}

tf::TensorShape with_batch(int64_t batch, const std::vector<int64_t>& rest) {
  std::vector<int64_t> d{batch};
  d.insert(d.end(), rest.begin(), rest.end());
  return tf::TensorShape(d);
}

class FlattenImpl : public UnaryLayerImpl {
 public:
  explicit FlattenImpl(const FlattenOptions& o) : UnaryLayerImpl("Flatten", engine::common_options(o)) {
    input_spec = {InputSpec{.min_ndim = 3}};
  }
  tf::TensorShape compute_output_shape(const tf::TensorShape& s) override {
    const std::vector<int64_t> rest = tail(s);
    if (std::any_of(rest.begin(), rest.end(), [](int64_t d) { return d < 0; }))
      throw keraspp::ValueError(
          "The shape of the input to \"Flatten\" is not fully defined (got " +
          tf::TensorShape(rest).keras_str() +
          ". Make sure to pass a complete \"input_shape\" or \"batch_input_shape\" argument to "
          "the first layer in your model.");
    return tf::TensorShape({s.dim(0), std::accumulate(rest.begin(), rest.end(), int64_t{1},
                                                      std::multiplies<>())});
  }
  tf::Tensor call(const tf::Tensor& x, const CallArgs&) override {
    compute_output_shape(engine::keras_shape(x));  // Keras's error for unknown dims
    return K::batch_flatten(x);
  }
};

class ReshapeImpl : public UnaryLayerImpl {
 public:
  ReshapeImpl(std::vector<int64_t> target, const ReshapeOptions& o)
      : UnaryLayerImpl("Reshape", engine::common_options(o)), target_shape(std::move(target)) {}

  // Keras's _fix_unknown_dimension: resolves the one -1 of the target.
  static std::vector<int64_t> fix_unknown(const std::vector<int64_t>& input,
                                          std::vector<int64_t> output) {
    const char* msg = "total size of new array must be unchanged";
    int64_t known = 1;
    int unknown = -1;
    for (size_t i = 0; i < output.size(); ++i) {
      if (output[i] < 0) {
        if (unknown >= 0) throw keraspp::ValueError("Can only specify one unknown dimension.");
        unknown = static_cast<int>(i);
      } else {
        known *= output[i];
      }
    }
    const int64_t original = std::accumulate(input.begin(), input.end(), int64_t{1}, std::multiplies<>());
    if (unknown >= 0) {
      if (known == 0 || original % known != 0) throw keraspp::ValueError(msg);
      output[static_cast<size_t>(unknown)] = original / known;
    } else if (original != known) {
      throw keraspp::ValueError(msg);
    }
    return output;
  }

  tf::TensorShape compute_output_shape(const tf::TensorShape& s) override {
    const std::vector<int64_t> rest = tail(s);
    if (std::any_of(rest.begin(), rest.end(), [](int64_t d) { return d < 0; }))
      return with_batch(s.dim(0), target_shape);
    return with_batch(s.dim(0), fix_unknown(rest, target_shape));
  }
  tf::Tensor call(const tf::Tensor& x, const CallArgs&) override {
    std::vector<int64_t> target = target_shape;
    if (std::find(target.begin(), target.end(), -1) != target.end() && x.shape().has_rank())
      target = tail(compute_output_shape(engine::keras_shape(x)));
    std::vector<int64_t> full{-1};
    full.insert(full.end(), target.begin(), target.end());
    return K::reshape(x, full);
  }
  Config get_config() const override {
    Config c = LayerImpl::get_config();
    c["target_shape"] = target_shape;
    return c;
  }
  std::vector<int64_t> target_shape;
};

class PermuteImpl : public UnaryLayerImpl {
 public:
  PermuteImpl(std::vector<int> d, const PermuteOptions& o)
      : UnaryLayerImpl("Permute", engine::common_options(o)), dims(std::move(d)) {
    std::vector<int> sorted = dims;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size(); ++i)
      if (sorted[i] != static_cast<int>(i) + 1)
        throw keraspp::ValueError("Layer " + name +
                                  ": `dims` must be a permutation of 1.." +
                                  std::to_string(dims.size()) + " (the axes after the batch axis)");
    input_spec = {InputSpec{.ndim = static_cast<int>(dims.size()) + 1}};
  }
  tf::TensorShape compute_output_shape(const tf::TensorShape& s) override {
    std::vector<int64_t> out = s.dims();
    for (size_t i = 0; i < dims.size(); ++i) out[i + 1] = s.dim(dims[i]);
    return tf::TensorShape(out);
  }
  tf::Tensor call(const tf::Tensor& x, const CallArgs&) override {
    std::vector<int> pattern{0};
    pattern.insert(pattern.end(), dims.begin(), dims.end());
    return K::permute_dimensions(x, pattern);
  }
  Config get_config() const override {
    Config c = LayerImpl::get_config();
    c["dims"] = dims;
    return c;
  }
  std::vector<int> dims;
};

class RepeatVectorImpl : public UnaryLayerImpl {
 public:
  RepeatVectorImpl(int64_t n_, const RepeatVectorOptions& o)
      : UnaryLayerImpl("RepeatVector", engine::common_options(o)), n(n_) {
    input_spec = {InputSpec{.ndim = 2}};
  }
  tf::TensorShape compute_output_shape(const tf::TensorShape& s) override {
    return tf::TensorShape({s.dim(0), n, s.dim(1)});
  }
  tf::Tensor call(const tf::Tensor& x, const CallArgs&) override { return K::repeat(x, n); }
  Config get_config() const override {
    Config c = LayerImpl::get_config();
    c["n"] = n;
    return c;
  }
  int64_t n;
};

class LambdaImpl : public UnaryLayerImpl {
 public:
  LambdaImpl(Lambda::Function fn, const LambdaOptions& o)
      : UnaryLayerImpl("Lambda", engine::common_options(o)), function(std::move(fn)), options(o) {
    if (!function) throw keraspp::ValueError("Lambda layer " + name + " needs a function");
  }
  tf::Tensor call(const tf::Tensor& x, const CallArgs&) override { return function(x); }
  tf::TensorShape compute_output_shape(const tf::TensorShape& s) override {
    if (options.output_shape_fn) return options.output_shape_fn(s);
    if (options.output_shape) return with_batch(s.has_rank() ? s.dim(0) : -1, *options.output_shape);
    // As Keras with TensorFlow: call the function on a placeholder of the
    // input shape and read the result's static shape.
    return K::int_shape(function(K::placeholder(s.has_rank() ? std::optional(s.dims()) : std::nullopt)));
  }
  Config get_config() const override {
    Config c = LayerImpl::get_config();
    // A C++ function has no portable serialised form.
    c["function"] = nullptr;
    c["function_type"] = "lambda";
    c["output_shape"] = options.output_shape ? shape_config(*options.output_shape) : Config(nullptr);
    c["output_shape_type"] = options.output_shape_fn ? "lambda" : "raw";
    c["arguments"] = Config::object();
    return c;
  }
  Lambda::Function function;
  LambdaOptions options;
};

}  // namespace

Flatten::Flatten(const FlattenOptions& options) : Layer(std::make_shared<FlattenImpl>(options)) {}

Reshape::Reshape(std::vector<int64_t> target_shape, const ReshapeOptions& options)
    : Layer(std::make_shared<ReshapeImpl>(std::move(target_shape), options)) {}

Permute::Permute(std::vector<int> dims, const PermuteOptions& options)
    : Layer(std::make_shared<PermuteImpl>(std::move(dims), options)) {}

RepeatVector::RepeatVector(int64_t n, const RepeatVectorOptions& options)
    : Layer(std::make_shared<RepeatVectorImpl>(n, options)) {}

Lambda::Lambda(Function function, const LambdaOptions& options)
    : Layer(std::make_shared<LambdaImpl>(std::move(function), options)) {}

}  // namespace keras::layers
