// The inputs of the cross-entropy ops (nn_softmax.cc), shared with their
// kernels (kernels/cpu/nn_softmax.cc). Outputs: (loss, backprop).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

// Softmax, LogSoftmax: logits of rank >= 1, normalized along attr axis.
inline constexpr ArgList kSoftmax{"logits: T"};
// features, labels: [..., C].
inline constexpr ArgList kSoftmaxCrossEntropyWithLogits{"features: T", "labels: T"};
// features: [..., C], labels: int [...].
inline constexpr ArgList kSparseSoftmaxCrossEntropyWithLogits{"features: T", "labels: Tlabels"};

}  // namespace tf::schema
