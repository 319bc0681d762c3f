// keras.backend: activations, dropout, the learning-phase switch and random
// tensors (seeded from np::random as Keras seeds from numpy).
#include "keraspp/keras/backend.h"
#include "keraspp/np/random.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/control_flow_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/nn_ops.h"
#include "keraspp/ops/random_ops.h"

namespace keras::backend {

namespace {

// Keras: `seed = np.random.randint(10e6)` when no seed is given.
int64_t seed_or_draw(std::optional<int64_t> seed) {
  return seed ? *seed : np::random::randint(0, 10000000).item<int64_t>();
}

}  // namespace

tf::Tensor relu(const tf::Tensor& x, double alpha, std::optional<double> max_value) {
  tf::Tensor negative_part;
  if (alpha != 0.0) negative_part = tf::nn::relu(tf::negative(x));
  tf::Tensor y = tf::nn::relu(x);
  if (max_value) y = tf::clip_by_value(y, 0.0, *max_value);
  if (alpha != 0.0) y = tf::subtract(y, tf::multiply(negative_part, alpha));
  return y;
}

tf::Tensor elu(const tf::Tensor& x, double alpha) {
  tf::Tensor res = tf::nn::elu(x);
  if (alpha == 1.0) return res;
  return tf::where(tf::greater(x, 0.0), res, tf::multiply(res, alpha));
}

tf::Tensor softmax(const tf::Tensor& x) { return tf::nn::softmax(x); }
tf::Tensor softplus(const tf::Tensor& x) { return tf::nn::softplus(x); }
tf::Tensor softsign(const tf::Tensor& x) { return tf::nn::softsign(x); }
tf::Tensor sigmoid(const tf::Tensor& x) { return tf::sigmoid(x); }
tf::Tensor tanh(const tf::Tensor& x) { return tf::tanh(x); }

tf::Tensor hard_sigmoid(const tf::Tensor& x) {
  return tf::clip_by_value(tf::add(tf::multiply(x, 0.2), 0.5), 0.0, 1.0);
}

tf::Tensor dropout(const tf::Tensor& x, double level,
                   const std::optional<std::vector<int64_t>>& noise_shape,
                   std::optional<int64_t> seed) {
  if (level < 0.0 || level >= 1.0)
    throw keraspp::ValueError("Dropout level must be in interval [0, 1[.");
  tf::nn::DropoutOptions opts{.seed = seed_or_draw(seed)};
  if (noise_shape) opts.noise_shape = tf::ShapeLike(*noise_shape);
  return tf::nn::dropout(x, 1.0 - level, opts);
}

tf::Tensor dropout(const tf::Tensor& x, double level, const tf::Tensor& noise_shape, std::optional<int64_t> seed) {
  if (level < 0.0 || level >= 1.0)
    throw keraspp::ValueError("Dropout level must be in interval [0, 1[.");
  return tf::nn::dropout(x, 1.0 - level, {.noise_shape = tf::ShapeLike(noise_shape), .seed = seed_or_draw(seed)});
}

tf::Tensor switch_(const tf::Tensor& condition, const Branch& then_expression,
                   const Branch& else_expression) {
  tf::Tensor cond = condition.dtype() == tf::bool_ ? condition : tf::cast(condition, tf::bool_);
  // Keras 2.0.x: a scalar condition (the learning phase) is a tf.cond, so
  // only the branch taken runs (a dropout mask is drawn in training only).
  if (cond.shape().has_rank() && cond.shape().rank() == 0)
    return tf::cond(cond, [&] { return then_expression.get(); }, [&] { return else_expression.get(); });
  // An elementwise condition computes both.
  const tf::Tensor t = then_expression.get(), e = else_expression.get();
  return tf::where(tf::broadcast_to(cond, tf::shape(t)), t, e);
}

tf::Tensor in_train_phase(const Branch& x, const Branch& alt, std::optional<bool> training) {
  if (training) return *training ? x.get() : alt.get();
  if (const std::optional<int> phase = learning_phase_value()) return *phase ? x.get() : alt.get();
  tf::Tensor out = switch_(learning_phase(), x, alt);
  set_uses_learning_phase(out, true);
  return out;
}

tf::Tensor in_train_phase(const Branch& x, const Branch& alt, const tf::Tensor& training) {
  if (!training) return in_train_phase(x, alt, std::optional<bool>{});
  return switch_(training, x, alt);
}

tf::Tensor in_test_phase(const Branch& x, const Branch& alt, std::optional<bool> training) {
  return in_train_phase(alt, x, training);
}

tf::Tensor random_uniform(const std::vector<int64_t>& shape, double minval, double maxval,
                          const std::string& dtype, std::optional<int64_t> seed) {
  return tf::random_uniform(shape, {.minval = minval, .maxval = maxval,
                                    .dtype = dtype_from_string(dtype), .seed = seed_or_draw(seed)});
}

tf::Tensor random_normal(const std::vector<int64_t>& shape, double mean, double stddev,
                         const std::string& dtype, std::optional<int64_t> seed) {
  return tf::random_normal(shape, {.mean = mean, .stddev = stddev,
                                   .dtype = dtype_from_string(dtype), .seed = seed_or_draw(seed)});
}

tf::Tensor truncated_normal(const std::vector<int64_t>& shape, double mean, double stddev,
                            const std::string& dtype, std::optional<int64_t> seed) {
  return tf::truncated_normal(shape, {.mean = mean, .stddev = stddev,
                                      .dtype = dtype_from_string(dtype),
                                      .seed = seed_or_draw(seed)});
}

}  // namespace keras::backend
