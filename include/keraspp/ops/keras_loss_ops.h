// Fused Keras loss ops (src/ops/keras_loss_ops.cc). Keras 2.0.2 builds its
// categorical_crossentropy on probabilities as a chain of small ops; this op
// computes the same loss in one kernel, with gradients equal to the chain's
// bit for bit. keras::losses::categorical_crossentropy uses it where it
// covers the call (one float dtype, equal-rank shapes).
#pragma once
#include "keraspp/ops/builder.h"

namespace tf {

// y_true, y_pred: [..., C] of one float dtype -> [...]:
//   p = clip(y_pred / sum(y_pred, -1), epsilon, 1 - epsilon)
//   loss = -sum(y_true * log(p), -1)
// with the clip bounds epsilon and 1 - epsilon (computed in double) rounded
// to the inputs' dtype, as the composite's constants are.
Tensor keras_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, double epsilon,
                                      const std::string& name = "KerasCategoricalCrossentropy");

}  // namespace tf
