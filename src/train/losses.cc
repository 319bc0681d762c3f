// tf::losses: the per-element losses of TF 1.x, their weighting and
// reduction (compute_weighted_loss), and the LOSSES collection helpers.
#include "keraspp/losses/losses.h"

#include <regex>

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/nn_ops.h"

namespace tf::losses {

namespace {

// A loss input as a tensor of dtype `t` (numbers and arrays become Consts).
Tensor as_dtype(const TensorLike& x, DType t) { return cast(x.to_tensor(t), t); }

// The dtype losses are computed in: the predictions' when floating, else
// float32 (TF converts to float).
DType loss_dtype(const Tensor& predictions) {
  return np::is_floating(predictions.dtype()) ? predictions.dtype() : float32;
}

// TF's TensorShape.assert_is_compatible_with.
void assert_compatible(const Tensor& a, const Tensor& b) {
  if (!a.shape().is_compatible_with(b.shape()))
    throw keraspp::ValueError("Shapes " + a.shape().str() + " and " + b.shape().str() +
                              " are incompatible");
}

// TF's weights_broadcast_ops.assert_broadcastable, on static shapes: weights
// are a scalar, or of the values' rank with every dimension 1 or equal.
void assert_broadcastable(const Tensor& weights, const Tensor& values) {
  const TensorShape& w = weights.shape();
  const TensorShape& v = values.shape();
  if (!w.has_rank() || !v.has_rank() || w.rank() == 0) return;
  const std::string prefix = "weights can not be broadcast to values.";
  if (w.rank() != v.rank())
    throw keraspp::ValueError(prefix + " values.rank=" + std::to_string(v.rank()) +
                              ". weights.rank=" + std::to_string(w.rank()) +
                              ". values.shape=" + v.str() + ". weights.shape=" + w.str() + ".");
  for (int i = 0; i < w.rank(); ++i)
    if (w.dim(i) >= 0 && v.dim(i) >= 0 && w.dim(i) != 1 && w.dim(i) != v.dim(i))
      throw keraspp::ValueError(prefix + " Mismatch at dim " + std::to_string(i) +
                                ". values.shape=" + v.str() + " weights.shape=" + w.str() + ".");
}

// Drops a trailing dimension of size 1 ([batch, 1] -> [batch]).
Tensor squeeze_last(const Tensor& x) {
  std::vector<int64_t> dims(x.shape().dims().begin(), x.shape().dims().end() - 1);
  int unknown = 0;
  for (auto& d : dims)
    if (d < 0) ++unknown;
  if (unknown > 1)
    throw keraspp::ValueError("Cannot squeeze the last dimension of " + x.name() + " with shape " +
                              x.shape().str() + ": more than one unknown dimension");
  return reshape(x, dims);
}

bool last_dim_is_one(const TensorShape& s) { return s.has_rank() && s.rank() > 0 && s.dim(-1) == 1; }

// numerator / denominator where denominator > 0, else 0 (TF's _safe_div,
// named "value": the loss tensor's name).
Tensor safe_div(const Tensor& numerator, const Tensor& denominator) {
  Tensor positive = greater(denominator, 0.0);
  Tensor safe_den = where(equal(denominator, 0.0), ones_like(denominator), denominator);
  return where(positive, divide(numerator, safe_den), zeros_like(numerator), "value");
}

// Weights, reduces and collects `losses` inside the loss's name scope.
Tensor weighted(const Tensor& losses, const TensorLike& weights_arg, Reduction reduction,
                const std::string& loss_collection) {
  const DType t = losses.dtype();
  Tensor weights = as_dtype(weights_arg, t);
  Tensor weighted_losses, num_present;
  if (weights_arg.is_number()) {
    // A number: nothing to broadcast, and the count of non-zero weights is
    // the element count (or 0); the result equals TF's general path.
    const double w = weights.op().get_attr<np::Array>("value").get_flat(0);
    weighted_losses = w == 1.0 ? losses : multiply(losses, weights);
    if (reduction == Reduction::SUM_BY_NONZERO_WEIGHTS)
      num_present = w != 0.0 ? size(losses, t) : constant(0.0, t);
  } else {
    // Weights [batch, 1] for losses [batch] (as TF 1.1 squeezes them).
    if (weights.shape().has_rank() && losses.shape().has_rank() &&
        weights.shape().rank() == losses.shape().rank() + 1 && last_dim_is_one(weights.shape()))
      weights = squeeze_last(weights);
    assert_broadcastable(weights, losses);
    weighted_losses = multiply(losses, weights);
    if (reduction == Reduction::SUM_BY_NONZERO_WEIGHTS) {
      Tensor present = where(equal(weights, 0.0), zeros_like(weights), ones_like(weights));
      num_present =
          reduce_sum(multiply(present, ones_like(losses)), all_axes, {.name = "num_present"});
    }
  }
  Tensor loss;
  switch (reduction) {
    case Reduction::NONE:
      loss = weighted_losses;
      break;
    case Reduction::SUM:
      loss = reduce_sum(weighted_losses);
      break;
    case Reduction::MEAN:
      loss = safe_div(reduce_sum(weighted_losses), reduce_sum(multiply(ones_like(losses), weights)));
      break;
    case Reduction::SUM_OVER_BATCH_SIZE:
      loss = safe_div(reduce_sum(weighted_losses), size(losses, t));
      break;
    case Reduction::SUM_BY_NONZERO_WEIGHTS:
      loss = safe_div(reduce_sum(weighted_losses), num_present);
      break;
  }
  if (!loss_collection.empty()) add_loss(loss, loss_collection);
  return loss;
}

// Opens the loss's scope: the caller's `scope`, else the loss's default name.
std::string scope_name(const std::string& scope, const char* default_name) {
  return scope.empty() ? default_name : scope;
}

// TF's sigmoid_cross_entropy_with_logits in its overflow-free form,
// max(x, 0) - x * z + log(1 + exp(-|x|)), written with selects so the
// gradient at x = 0 is sigmoid(0) - z.
Tensor sigmoid_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits) {
  Tensor zeros = zeros_like(logits);
  Tensor cond = greater_equal(logits, zeros);
  Tensor relu_logits = where(cond, logits, zeros);
  Tensor neg_abs_logits = where(cond, negative(logits), logits);
  return add(relu_logits - logits * labels, log(1.0 + exp(neg_abs_logits)), "xentropy");
}

}  // namespace

Tensor compute_weighted_loss(const Tensor& losses, const LossOptions& opts) {
  name_scope scope(scope_name(opts.scope, "weighted_loss"));
  Tensor l = np::is_floating(losses.dtype()) ? losses : cast(losses, float32);
  return weighted(l, opts.weights, opts.reduction, opts.loss_collection);
}

Tensor softmax_cross_entropy(const TensorLike& onehot_labels, const Tensor& logits,
                             const CrossEntropyOptions& opts) {
  name_scope scope(scope_name(opts.scope, "softmax_cross_entropy_loss"));
  const DType t = loss_dtype(logits);
  Tensor x = cast(logits, t);
  Tensor labels = as_dtype(onehot_labels, t);
  assert_compatible(x, labels);
  if (opts.label_smoothing > 0) {
    // num_classes: the static last dimension, else counted at run time.
    const TensorShape& s = labels.shape();
    Tensor num_classes = s.has_rank() && s.rank() > 0 && s.dim(-1) >= 0
                             ? constant(static_cast<double>(s.dim(-1)), t)
                             : reduce_sum(ones_like(labels), -1, {.keepdims = true});
    labels = labels * (1.0 - opts.label_smoothing) + opts.label_smoothing / num_classes;
  }
  Tensor losses = nn::softmax_cross_entropy_with_logits(labels, x, -1, "xentropy");
  return weighted(losses, opts.weights, opts.reduction, opts.loss_collection);
}

Tensor sparse_softmax_cross_entropy(const TensorLike& labels_arg, const Tensor& logits,
                                    const LossOptions& opts) {
  name_scope scope(scope_name(opts.scope, "sparse_softmax_cross_entropy_loss"));
  const DType t = loss_dtype(logits);
  Tensor x = cast(logits, t);
  Tensor labels = labels_arg.to_tensor(int64);
  // Class ids [batch, 1] are squeezed to [batch] (weights [batch, 1] are
  // squeezed in weighted()).
  if (labels.shape().has_rank() && x.shape().has_rank() &&
      labels.shape().rank() == x.shape().rank() && last_dim_is_one(labels.shape()))
    labels = squeeze_last(labels);
  Tensor losses = nn::sparse_softmax_cross_entropy_with_logits(labels, x, "xentropy");
  return weighted(losses, opts.weights, opts.reduction, opts.loss_collection);
}

Tensor sigmoid_cross_entropy(const TensorLike& multi_class_labels, const Tensor& logits,
                             const CrossEntropyOptions& opts) {
  name_scope scope(scope_name(opts.scope, "sigmoid_cross_entropy_loss"));
  const DType t = loss_dtype(logits);
  Tensor x = cast(logits, t);
  Tensor labels = as_dtype(multi_class_labels, t);
  assert_compatible(x, labels);
  if (opts.label_smoothing > 0)
    labels = labels * (1.0 - opts.label_smoothing) + 0.5 * opts.label_smoothing;
  Tensor losses = sigmoid_cross_entropy_with_logits(labels, x);
  return weighted(losses, opts.weights, opts.reduction, opts.loss_collection);
}

Tensor mean_squared_error(const TensorLike& labels, const Tensor& predictions,
                          const LossOptions& opts) {
  name_scope scope(scope_name(opts.scope, "mean_squared_error"));
  const DType t = loss_dtype(predictions);
  Tensor p = cast(predictions, t), y = as_dtype(labels, t);
  assert_compatible(p, y);
  return weighted(squared_difference(p, y), opts.weights, opts.reduction, opts.loss_collection);
}

Tensor absolute_difference(const TensorLike& labels, const Tensor& predictions,
                           const LossOptions& opts) {
  name_scope scope(scope_name(opts.scope, "absolute_difference"));
  const DType t = loss_dtype(predictions);
  Tensor p = cast(predictions, t), y = as_dtype(labels, t);
  assert_compatible(p, y);
  return weighted(abs(subtract(p, y)), opts.weights, opts.reduction, opts.loss_collection);
}

Tensor log_loss(const TensorLike& labels, const Tensor& predictions, const LogLossOptions& opts) {
  name_scope scope(scope_name(opts.scope, "log_loss"));
  const DType t = loss_dtype(predictions);
  Tensor p = cast(predictions, t), y = as_dtype(labels, t);
  assert_compatible(p, y);
  Tensor losses = negative(multiply(y, log(p + opts.epsilon))) -
                  multiply(1.0 - y, log(1.0 - p + opts.epsilon));
  return weighted(losses, opts.weights, opts.reduction, opts.loss_collection);
}

Tensor hinge_loss(const TensorLike& labels, const Tensor& logits, const LossOptions& opts) {
  name_scope scope(scope_name(opts.scope, "hinge_loss"));
  const DType t = loss_dtype(logits);
  Tensor x = cast(logits, t), y = as_dtype(labels, t);
  assert_compatible(x, y);
  // Labels {0, 1} become {-1, +1}.
  Tensor all_ones = ones_like(y);
  Tensor signs = subtract(2.0 * y, all_ones);
  Tensor losses = nn::relu(subtract(all_ones, multiply(signs, x)));
  return weighted(losses, opts.weights, opts.reduction, opts.loss_collection);
}

Tensor huber_loss(const TensorLike& labels, const Tensor& predictions,
                  const HuberLossOptions& opts) {
  name_scope scope(scope_name(opts.scope, "huber_loss"));
  const DType t = loss_dtype(predictions);
  Tensor p = cast(predictions, t), y = as_dtype(labels, t);
  assert_compatible(p, y);
  Tensor abs_error = abs(subtract(p, y));
  Tensor quadratic = minimum(abs_error, opts.delta);
  Tensor linear = subtract(abs_error, quadratic);
  Tensor losses = add(0.5 * square(quadratic), opts.delta * linear);
  return weighted(losses, opts.weights, opts.reduction, opts.loss_collection);
}

void add_loss(const Tensor& loss, const std::string& loss_collection) {
  if (loss_collection.empty()) return;
  loss.graph().add_to_collection(loss_collection, loss);
}

std::vector<Tensor> get_losses(const std::string& scope, const std::string& loss_collection) {
  std::vector<Tensor> out;
  const std::regex pattern(scope.empty() ? std::string(".*") : scope);
  for (const Tensor& t : get_default_graph().get_collection_tensors(loss_collection)) {
    // Python's re.match: anchored at the start only.
    if (scope.empty() ||
        std::regex_search(t.name(), pattern, std::regex_constants::match_continuous))
      out.push_back(t);
  }
  return out;
}

std::vector<Tensor> get_regularization_losses(const std::string& scope) {
  return get_losses(scope, GraphKeys::REGULARIZATION_LOSSES);
}

Tensor get_regularization_loss(const std::string& scope, const std::string& name) {
  const std::vector<Tensor> losses = get_regularization_losses(scope);
  if (losses.empty()) return constant(0.0, float32);
  return add_n(losses, name);
}

Tensor get_total_loss(bool add_regularization_losses, const std::string& name) {
  std::vector<Tensor> losses = get_losses();
  if (add_regularization_losses)
    for (const Tensor& r : get_regularization_losses()) losses.push_back(r);
  if (losses.empty())
    throw keraspp::ValueError("inputs must be a list of at least one Tensor with the same dtype "
                              "and shape");
  return add_n(losses, name);
}

}  // namespace tf::losses
