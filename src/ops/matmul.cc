// MatMul: a [m,k] x b [k,n] -> [m,n], with optional transposes.
#include "keraspp/ops/math_ops.h"

#include "matmul_schema.h"

namespace tf {

namespace {

void matmul_shape(InferenceContext& c) {
  shape_fns::require_same_dtypes(c);
  shape_fns::require_rank(c, 0, 2);
  shape_fns::require_rank(c, 1, 2);
  const bool ta = c.attr<bool>("transpose_a"), tb = c.attr<bool>("transpose_b");
  const TensorShape &a = c.input_shapes[0], &b = c.input_shapes[1];
  const int64_t m = a.has_rank() ? a.dim(ta ? 1 : 0) : -1;
  const int64_t ka = a.has_rank() ? a.dim(ta ? 0 : 1) : -1;
  const int64_t kb = b.has_rank() ? b.dim(tb ? 1 : 0) : -1;
  const int64_t n = b.has_rank() ? b.dim(tb ? 0 : 1) : -1;
  if (ka >= 0 && kb >= 0 && ka != kb)
    throw ShapeError("Dimensions must be equal, but are " + std::to_string(ka) + " and " +
                     std::to_string(kb));
  c.set_output(0, c.input_dtypes[0], TensorShape({m, n}));
}

// dA = dC B^T, dB = A^T dC, adjusted for the forward transposes.
std::vector<Tensor> matmul_grad(const Operation& op, const std::vector<Tensor>& g) {
  const bool ta = op.get_attr<bool>("transpose_a"), tb = op.get_attr<bool>("transpose_b");
  const Tensor a = op.input(0), b = op.input(1), d = g[0];
  if (!ta && !tb)
    return {matmul(d, b, {.transpose_b = true}), matmul(a, d, {.transpose_a = true})};
  if (!ta && tb)
    return {matmul(d, b), matmul(d, a, {.transpose_a = true})};
  if (ta && !tb)
    return {matmul(b, d, {.transpose_b = true}), matmul(a, d)};
  return {matmul(b, d, {.transpose_a = true, .transpose_b = true}),
          matmul(d, a, {.transpose_a = true, .transpose_b = true})};
}

KPP_REGISTER_OP(OpDef{.name = "MatMul",
                      .inputs = schema::kMatMul.specs(),
                      .outputs = {"product: T"},
                      .attrs = {"T: {float, double}", "transpose_a: bool = false",
                                "transpose_b: bool = false"},
                      .shape_fn = matmul_shape,
                      .grad_fn = matmul_grad,
                      .zero_preserving = {"a", "b"},
                      .allocates_outputs = true,
                      .matrix_product = true});

// Plan-made (fuse.h): MatMul -> BiasAdd (-> Relu) as one step adding the
// bias and applying relu while the product is in cache.
// MatMul + BiasAdd (+ Relu) as one plan step; both fused ops share a
// signature (inputs "a: T", "b: T", "bias: T") and differ in the chain.
OpDef fused_matmul_def(const char* name) {
  return OpDef{.name = name,
               .inputs = schema::kFusedMatMul.specs(),
               .outputs = {"product: T"},
               .attrs = {"T: {float}", "transpose_a: bool = false", "transpose_b: bool = false"},
               .differentiable = false,
               .allocates_outputs = true,
               .plan_only = true};
}

KPP_REGISTER_OP(fused_matmul_def("_FusedMatMul"));
KPP_REGISTER_FUSION(FusionPattern{.fused_op = "_FusedMatMul",
                                  .chain = {{"MatMul", ""}, {"BiasAdd", "value"}},
                                  .inputs = {{0, "a"}, {0, "b"}, {1, "bias"}},
                                  .outputs = {1}});

KPP_REGISTER_OP(fused_matmul_def("_FusedMatMulRelu"));
KPP_REGISTER_FUSION(FusionPattern{.fused_op = "_FusedMatMulRelu",
                                  .chain = {{"MatMul", ""}, {"BiasAdd", "value"}, {"Relu", "features"}},
                                  .inputs = {{0, "a"}, {0, "b"}, {1, "bias"}},
                                  .outputs = {2}});

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, const MatMulOptions& opts) {
  return op_builder::create1("MatMul", {a, b},
                             {{"transpose_a", opts.transpose_a}, {"transpose_b", opts.transpose_b}},
                             opts.name);
}

}  // namespace tf
