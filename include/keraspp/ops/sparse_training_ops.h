// Sparse variable updates: only the rows named by `indices` are read and
// written (TF's scatter ops and SparseApply* training ops). var: [rows, ...];
// indices: int32/int64 of shape s; updates/grad: s + var.shape[1:]. Repeated
// indices apply one after another, in order. An index outside [0, rows)
// raises InvalidArgumentError at run time.
#pragma once
#include "keraspp/ops/builder.h"

namespace tf {

// ref[indices[i]] += updates[i] (tf.scatter_add).
Tensor scatter_add(const Tensor& ref, const TensorLike& indices, const Tensor& updates,
                   const std::string& name = "");
// ref[indices[i]] -= updates[i] (tf.scatter_sub).
Tensor scatter_sub(const Tensor& ref, const TensorLike& indices, const Tensor& updates,
                   const std::string& name = "");
// Per named row: accum += g^2; var -= lr * g / sqrt(accum).
Tensor sparse_apply_adagrad(const Tensor& var, const Tensor& accum, const Tensor& lr,
                            const Tensor& grad, const Tensor& indices, const std::string& name = "");
// Per named row: accum = momentum * accum + g; var -= lr * accum (Nesterov:
// var -= lr * g + lr * momentum * accum).
Tensor sparse_apply_momentum(const Tensor& var, const Tensor& accum, const Tensor& lr,
                             const Tensor& grad, const Tensor& indices, const Tensor& momentum,
                             bool use_nesterov = false, const std::string& name = "");
// Per named row: ms = rho * ms + (1 - rho) * g^2;
// mom = momentum * mom + lr * g / sqrt(ms + epsilon); var -= mom.
Tensor sparse_apply_rms_prop(const Tensor& var, const Tensor& ms, const Tensor& mom,
                             const Tensor& lr, const Tensor& rho, const Tensor& momentum,
                             const Tensor& epsilon, const Tensor& grad, const Tensor& indices,
                             const std::string& name = "");

}  // namespace tf
