// tf::losses (TF 1.x): each loss computes per-element losses, weights them,
// reduces them (by default the weighted sum divided by the number of non-zero
// weights, SUM_BY_NONZERO_WEIGHTS), adds the result to the LOSSES collection
// and returns it, under a name scope of the loss's name
// ("softmax_cross_entropy_loss/value:0").
//
// Losses are computed in the dtype of the predictions/logits (float32 or
// float64); labels and weights are cast to it. weights: a number, an array or
// a tensor; a scalar, or of the losses' rank with each dimension 1 or equal
// (a trailing 1 beyond it is squeezed: [batch, 1] weights for [batch] losses).
// The LOSSES and REGULARIZATION_LOSSES collections hold std::shared_ptr<Tensor>.
#pragma once
#include <string>
#include <vector>

#include "keraspp/graph/graph.h"
#include "keraspp/ops/builder.h"

namespace tf::losses {

// How the weighted per-element losses become the result (tf.losses.Reduction).
enum class Reduction {
  NONE,                    // the weighted losses, unreduced
  SUM,                     // sum of the weighted losses
  MEAN,                    // sum / sum of the weights (broadcast to the losses)
  SUM_OVER_BATCH_SIZE,     // sum / number of elements of the losses
  SUM_BY_NONZERO_WEIGHTS,  // sum / number of non-zero weights (broadcast): the default
  SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS,
};

// The keyword arguments every loss takes, in TF's order. loss_collection ""
// adds the result to no collection (TF's None).
struct LossOptions {
  TensorLike weights = 1.0;
  std::string scope = "";
  std::string loss_collection = GraphKeys::LOSSES;
  Reduction reduction = Reduction::SUM_BY_NONZERO_WEIGHTS;
};
struct CrossEntropyOptions {
  TensorLike weights = 1.0;
  double label_smoothing = 0.0;
  std::string scope = "";
  std::string loss_collection = GraphKeys::LOSSES;
  Reduction reduction = Reduction::SUM_BY_NONZERO_WEIGHTS;
};
struct HuberLossOptions {
  TensorLike weights = 1.0;
  double delta = 1.0;
  std::string scope = "";
  std::string loss_collection = GraphKeys::LOSSES;
  Reduction reduction = Reduction::SUM_BY_NONZERO_WEIGHTS;
};
struct LogLossOptions {
  TensorLike weights = 1.0;
  double epsilon = 1e-7;
  std::string scope = "";
  std::string loss_collection = GraphKeys::LOSSES;
  Reduction reduction = Reduction::SUM_BY_NONZERO_WEIGHTS;
};

// losses: any shape -> reduced per opts.reduction (scope "weighted_loss").
// ValueError "weights can not be broadcast to values. ..." for weights that
// do not fit.
Tensor compute_weighted_loss(const Tensor& losses, const LossOptions& opts = {});

// onehot_labels, logits: [batch, num_classes] -> softmax cross-entropy of
// each row. label_smoothing ls: labels * (1 - ls) + ls / num_classes.
Tensor softmax_cross_entropy(const TensorLike& onehot_labels, const Tensor& logits,
                             const CrossEntropyOptions& opts = {});
// labels: int32/int64 [batch] (or [batch, 1]) class ids, logits: [batch, num_classes].
Tensor sparse_softmax_cross_entropy(const TensorLike& labels, const Tensor& logits,
                                    const LossOptions& opts = {});
// multi_class_labels, logits: same shape; independent sigmoid cross-entropies,
// max(x, 0) - x * z + log(1 + exp(-|x|)). label_smoothing ls: z * (1 - ls) + ls / 2.
Tensor sigmoid_cross_entropy(const TensorLike& multi_class_labels, const Tensor& logits,
                             const CrossEntropyOptions& opts = {});
// labels, predictions: same shape; (predictions - labels)^2.
Tensor mean_squared_error(const TensorLike& labels, const Tensor& predictions,
                          const LossOptions& opts = {});
// |predictions - labels|.
Tensor absolute_difference(const TensorLike& labels, const Tensor& predictions,
                           const LossOptions& opts = {});
// Binary cross-entropy on probabilities:
// -labels * log(predictions + eps) - (1 - labels) * log(1 - predictions + eps).
Tensor log_loss(const TensorLike& labels, const Tensor& predictions,
                const LogLossOptions& opts = {});
// labels in {0, 1} (mapped to -1, +1): max(0, 1 - labels * logits).
Tensor hinge_loss(const TensorLike& labels, const Tensor& logits, const LossOptions& opts = {});
// Quadratic below delta, linear above: 0.5 * min(|e|, delta)^2 + delta * (|e| - min(|e|, delta)).
Tensor huber_loss(const TensorLike& labels, const Tensor& predictions,
                  const HuberLossOptions& opts = {});

// Adds a loss tensor to a collection (tf.losses.add_loss).
void add_loss(const Tensor& loss, const std::string& loss_collection = GraphKeys::LOSSES);
// The collection's losses whose names match `scope` at their start (a regex,
// as Graph.get_collection filters); "" = all.
std::vector<Tensor> get_losses(const std::string& scope = "",
                               const std::string& loss_collection = GraphKeys::LOSSES);
std::vector<Tensor> get_regularization_losses(const std::string& scope = "");
// add_n of the regularization losses, or a 0.0 constant when there are none.
Tensor get_regularization_loss(const std::string& scope = "",
                               const std::string& name = "total_regularization_loss");
// add_n of get_losses() (+ get_regularization_losses()); ValueError when empty.
Tensor get_total_loss(bool add_regularization_losses = true,
                      const std::string& name = "total_loss");

}  // namespace tf::losses
