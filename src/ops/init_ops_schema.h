// The input of Qr (init_ops.cc), shared with its kernel (kernels/cpu/init_ops.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

// input: [..., M, N].
inline constexpr ArgList kQr{"input: T"};

}  // namespace tf::schema
