// Qr: batched QR decomposition (the orthogonal initializer's building block).
#include "keraspp/ops/init_ops.h"

#include "init_ops_schema.h"

#include <algorithm>

namespace tf {

namespace {

// input [..., M, N] -> q [..., M, K|M], r [..., K|M, N].
void qr_shape(InferenceContext& c) {
  const DType t = c.input_dtypes[0];
  const TensorShape& s = c.input_shapes[0];
  if (!s.has_rank()) {
    c.set_output(0, t, TensorShape::unknown());
    c.set_output(1, t, TensorShape::unknown());
    return;
  }
  if (s.rank() < 2)
    throw ShapeError("Shape must be at least rank 2 but is rank " + std::to_string(s.rank()));
  const bool full = c.attr<bool>("full_matrices");
  const int64_t m = s.dim(-2), n = s.dim(-1);
  const int64_t k = (m < 0 || n < 0) ? -1 : std::min(m, n);
  std::vector<int64_t> q(s.dims().begin(), s.dims().end() - 2), r = q;
  q.push_back(m);
  q.push_back(full ? m : k);
  r.push_back(full ? m : k);
  r.push_back(n);
  c.set_output(0, t, TensorShape(q));
  c.set_output(1, t, TensorShape(r));
}

KPP_REGISTER_OP(OpDef{.name = "Qr",
                      .inputs = schema::kQr.specs(),
                      .outputs = {"q: T", "r: T"},
                      .attrs = {"T: {double, float}", "full_matrices: bool = false"},
                      .shape_fn = qr_shape,
                      .differentiable = false});

}  // namespace

std::pair<Tensor, Tensor> qr(const Tensor& input, bool full_matrices, const std::string& name) {
  const Operation op = op_builder::create("Qr", {input}, {{"full_matrices", full_matrices}}, name);
  return {op.output(0), op.output(1)};
}

}  // namespace tf
