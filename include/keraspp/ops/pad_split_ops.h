// tf.pad (op "Pad", CONSTANT mode) and tf.split (ops "Split" / "SplitV").
#pragma once
#include <string>
#include <vector>

#include "keraspp/ops/builder.h"

namespace tf {

// tensor: rank r, paddings: r (before, after) pairs -> tensor with that many
// zeros added before and after along each axis. Only mode "CONSTANT" (with
// zeros) is supported; another mode raises ValueError.
Tensor pad(const Tensor& tensor, const std::vector<std::pair<int64_t, int64_t>>& paddings,
           const std::string& mode = "CONSTANT", const std::string& name = "");

// value split along `axis` into num_split equal parts (op "Split"), ValueError
// when the axis' known size does not divide evenly.
std::vector<Tensor> split(const Tensor& value, int64_t num_split, int axis = 0, const std::string& name = "split");
// value split along `axis` into parts of size_splits' sizes (op "SplitV"; one
// size may be -1: what is left).
std::vector<Tensor> split(const Tensor& value, const std::vector<int64_t>& size_splits, int axis = 0,
                          const std::string& name = "split");

}  // namespace tf
