// Transpose and ExpandDims: definitions, shape functions, gradients, builders.
#include "keraspp/ops/transpose_ops.h"

#include <numeric>

#include "keraspp/ops/array_ops.h"

#include "transpose_ops_schema.h"

namespace tf {

namespace {

void transpose_shape(InferenceContext& c) {
  const auto& perm = c.attr<std::vector<int64_t>>("perm");
  const TensorShape& x = c.input_shapes[0];
  if (x.has_rank() && x.rank() != static_cast<int>(perm.size()))
    throw ShapeError("Dimension must be " + std::to_string(x.rank()) + " but is " +
                     std::to_string(perm.size()));
  std::vector<bool> seen(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(perm.size()) || seen[static_cast<size_t>(p)])
      throw ShapeError("perm is not a permutation of 0.." + std::to_string(perm.size() - 1));
    seen[static_cast<size_t>(p)] = true;
  }
  std::vector<int64_t> dims(perm.size(), -1);
  if (x.has_rank())
    for (size_t i = 0; i < perm.size(); ++i) dims[i] = x.dim(static_cast<int>(perm[i]));
  c.set_output(0, c.input_dtypes[0], TensorShape(dims));
}

// The gradient of a permutation is the inverse permutation.
std::vector<Tensor> transpose_grad(const Operation& op, const std::vector<Tensor>& g) {
  const auto& perm = op.get_attr<std::vector<int64_t>>("perm");
  std::vector<int> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[static_cast<size_t>(perm[i])] = static_cast<int>(i);
  return {transpose(g[0], inverse)};
}

KPP_REGISTER_OP(OpDef{.name = "Transpose",
                      .inputs = schema::kTranspose.specs(),
                      .outputs = {"y: T"},
                      .attrs = {"T: type", "perm: list(int)"},
                      .shape_fn = transpose_shape,
                      .grad_fn = transpose_grad});

void expand_dims_shape(InferenceContext& c) {
  const TensorShape& x = c.input_shapes[0];
  if (!x.has_rank()) {
    c.set_output(0, c.input_dtypes[0], TensorShape::unknown());
    return;
  }
  const int64_t dim = c.attr<int64_t>("dim");
  std::vector<int64_t> dims = x.dims();
  dims.insert(dims.begin() + dim, 1);
  c.set_output(0, c.input_dtypes[0], TensorShape(dims));
}

KPP_REGISTER_OP(OpDef{
    .name = "ExpandDims",
    .inputs = schema::kExpandDims.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: type", "dim: int"},
    .shape_fn = expand_dims_shape,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {reshape(g[0], shape(op.input(0)))};
    },
});

}  // namespace

Tensor transpose(const Tensor& x, std::vector<int> perm, const std::string& name) {
  const int rank = x.shape().rank();
  if (perm.empty()) {
    if (rank < 0)
      throw keraspp::ValueError("transpose of a tensor of unknown rank needs an explicit perm");
    perm.resize(static_cast<size_t>(rank));
    std::iota(perm.rbegin(), perm.rend(), 0);
  }
  std::vector<int64_t> p;
  for (int v : perm) p.push_back(rank >= 0 && v < 0 ? v + rank : v);
  return op_builder::create1("Transpose", {x}, {{"perm", p}}, name);
}

Tensor expand_dims(const Tensor& x, int axis, const std::string& name) {
  const int rank = x.shape().rank();
  if (rank < 0 && axis < 0)
    throw keraspp::ValueError("expand_dims with a negative axis needs a tensor of known rank");
  if (rank >= 0 && (axis < -rank - 1 || axis > rank))
    throw keraspp::ValueError("Tried to expand dim index " + std::to_string(axis) +
                              " for tensor with " + std::to_string(rank) + " dimensions.");
  if (axis < 0) axis += rank + 1;
  return op_builder::create1("ExpandDims", {x}, {{"dim", static_cast<int64_t>(axis)}}, name);
}

}  // namespace tf
