// The inputs of the Keras categorical cross-entropy ops (keras_loss_ops.cc),
// shared with their kernels (kernels/cpu/keras_loss_ops.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

// KerasCategoricalCrossentropy: (y_true, y_pred) [..., C] -> loss [...].
inline constexpr ArgList kKerasXent{"y_true: T", "y_pred: T"};
// Its gradient ops: (grad [...], y_true, y_pred [..., C]) -> [..., C].
inline constexpr ArgList kKerasXentGrad{"grad: T", "y_true: T", "y_pred: T"};

}  // namespace tf::schema
