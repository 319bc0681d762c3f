// Ops the initializers need beyond the generic families: Qr, the QR
// decomposition the orthogonal initializer draws its matrices from.
#pragma once
#include <utility>

#include "keraspp/ops/builder.h"

namespace tf {

// input: [..., M, N] float -> (q, r) with input = q r, q's columns orthonormal
// and r upper triangular with a non-negative diagonal (which makes the
// decomposition unique for full-rank input). full_matrices=false: q [..., M, K],
// r [..., K, N] with K = min(M, N); true: q [..., M, M], r [..., M, N].
// Op "Qr" (two outputs); no gradient, as in TF 1.x.
std::pair<Tensor, Tensor> qr(const Tensor& input, bool full_matrices = false,
                             const std::string& name = "");

}  // namespace tf
