// Pad, Split and SplitV (schema, shape functions, gradients, builders), as
// TF 1.x's array_ops.cc / array_grad.py define them.
#include "keraspp/ops/pad_split_ops.h"

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/stack_ops.h"

#include "pad_split_ops_schema.h"

namespace tf {

namespace {

using Grads = std::vector<Tensor>;

// The int values of a constant input, or nullopt.
std::optional<std::vector<int64_t>> constant_ints(const InferenceContext& c, int i) {
  const np::Array* v = c.input_constants[static_cast<size_t>(i)];
  if (!v) return std::nullopt;
  std::vector<int64_t> out;
  for (int64_t k = 0; k < v->size(); ++k) out.push_back(static_cast<int64_t>(v->get_flat(k)));
  return out;
}

void pad_shape(InferenceContext& c) {
  const TensorShape& s = c.input_shapes[0];
  const TensorShape& p = c.input_shapes[1];
  if (p.has_rank() && (p.rank() != 2 || (p.dim(1) >= 0 && p.dim(1) != 2)))
    throw ShapeError("Shape must be rank 2 with 2 columns but is " + p.debug_str() + " (paddings)");
  if (s.has_rank() && p.has_rank() && p.dim(0) >= 0 && p.dim(0) != s.rank())
    throw ShapeError("Shape must be rank " + std::to_string(p.dim(0)) + " but is rank " +
                     std::to_string(s.rank()));
  const auto pads = constant_ints(c, 1);
  if (!s.has_rank()) {
    c.set_output(0, c.input_dtypes[0], TensorShape::unknown());
    return;
  }
  std::vector<int64_t> d = s.dims();
  for (size_t i = 0; i < d.size(); ++i) {
    if (!pads) {
      d[i] = -1;
      continue;
    }
    const int64_t before = (*pads)[2 * i], after = (*pads)[2 * i + 1];
    if (before < 0 || after < 0)
      throw ShapeError("Paddings must be non-negative: " + std::to_string(before) + " " + std::to_string(after));
    if (d[i] >= 0) d[i] += before + after;
  }
  c.set_output(0, c.input_dtypes[0], TensorShape(d));
}

// TF's _PadGrad: the gradient sliced at the padding's "before" column.
Grads pad_grad(const Operation& op, const Grads& g) {
  const Tensor x = op.input(0), paddings = op.input(1);
  const int rank = x.shape().rank();
  if (rank < 0) throw keraspp::ValueError("The gradient of '" + op.name() + "' needs an input of known rank");
  const Tensor before = slice(paddings, std::vector<int64_t>{0, 0}, std::vector<int64_t>{rank, 1});
  return {slice(g[0], reshape(before, std::vector<int64_t>{-1}), shape(x)), Tensor()};
}

KPP_REGISTER_OP(OpDef{
    .name = "Pad",
    .inputs = schema::kPad.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: type", "Tpaddings: {int32, int64}"},
    .shape_fn = pad_shape,
    .grad_fn = pad_grad,
    .zero_preserving = {"input"},
    .allocates_outputs = true,
});

// Split's and SplitV's outputs: value's shape with split_dim's size replaced
// by each part's (-1 where unknown). sizes: each part's size or -1.
void set_split_outputs(InferenceContext& c, int value, int64_t axis, const std::vector<int64_t>& sizes) {
  const TensorShape& s = c.input_shapes[static_cast<size_t>(value)];
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (!s.has_rank() || axis < 0) {
      c.set_output(static_cast<int>(i), c.input_dtypes[static_cast<size_t>(value)],
                   s.has_rank() ? TensorShape(std::vector<int64_t>(static_cast<size_t>(s.rank()), -1))
                                : TensorShape::unknown());
      continue;
    }
    std::vector<int64_t> d = s.dims();
    d[static_cast<size_t>(axis)] = sizes[i];
    c.set_output(static_cast<int>(i), c.input_dtypes[static_cast<size_t>(value)], TensorShape(d));
  }
}

// The constant split_dim made canonical for value's rank, or -1 when unknown.
int64_t split_axis(const InferenceContext& c, int split_dim, int value) {
  const auto a = constant_ints(c, split_dim);
  const TensorShape& s = c.input_shapes[static_cast<size_t>(value)];
  if (!a || !s.has_rank()) return -1;
  const int64_t axis = (*a)[0], rank = s.rank();
  if (axis < -rank || axis >= rank)
    throw ShapeError("Dimension must be in range [" + std::to_string(-rank) + ", " + std::to_string(rank) +
                     "), but is " + std::to_string(axis));
  return axis < 0 ? axis + rank : axis;
}

void split_shape(InferenceContext& c) {
  const auto n = c.attr<int64_t>("num_split");
  const int value = schema::kSplit.index("value");
  const int64_t axis = split_axis(c, schema::kSplit.index("split_dim"), value);
  int64_t part = -1;
  if (axis >= 0) {
    const int64_t dim = c.input_shapes[static_cast<size_t>(value)].dim(static_cast<int>(axis));
    if (dim >= 0 && dim % n != 0)
      throw ShapeError("Dimension size must be evenly divisible by " + std::to_string(n) + " but is " +
                       std::to_string(dim));
    if (dim >= 0) part = dim / n;
  }
  set_split_outputs(c, value, axis, std::vector<int64_t>(static_cast<size_t>(n), part));
}

void split_v_shape(InferenceContext& c) {
  const auto n = c.attr<int64_t>("num_split");
  const int value = schema::kSplitV.index("value");
  const int64_t axis = split_axis(c, schema::kSplitV.index("split_dim"), value);
  std::vector<int64_t> sizes(static_cast<size_t>(n), -1);
  if (const auto given = constant_ints(c, schema::kSplitV.index("size_splits"))) {
    if (static_cast<int64_t>(given->size()) != n)
      throw ShapeError("Length of size_splits should be equal to num_split: " + std::to_string(given->size()) +
                       " vs " + std::to_string(n));
    sizes = *given;
    const int64_t dim = axis >= 0 ? c.input_shapes[static_cast<size_t>(value)].dim(static_cast<int>(axis)) : -1;
    int64_t known = 0, unknown = 0;
    for (int64_t v : sizes) (v < 0 ? unknown : known) += v < 0 ? 1 : v;
    if (unknown > 1) throw ShapeError("Only one dimensions can have a value of -1. Second one found");
    if (dim >= 0 && (unknown == 0 ? known != dim : known > dim))
      throw ShapeError("Determined shape must either match input shape along split_dim exactly if fully "
                       "specified, or be less than the size of the input along split_dim if not fully "
                       "specified.  Got: " + std::to_string(known));
    for (int64_t& v : sizes)
      if (v < 0) v = dim >= 0 ? dim - known : -1;
  }
  set_split_outputs(c, value, axis, sizes);
}

// TF's _SplitGrad / _SplitVGrad: the parts' gradients (zeros for unused
// ones) joined again along the constant split_dim.
Tensor join_split_grads(const Operation& op, const Grads& g, const Tensor& split_dim) {
  if (split_dim.op().type() != "Const")
    throw keraspp::ValueError("The gradient of '" + op.name() + "' needs a constant split_dim");
  const auto axis = static_cast<int>(split_dim.op().get_attr<np::Array>("value").get_flat(0));
  std::vector<Tensor> parts;
  for (int i = 0; i < op.num_outputs(); ++i)
    parts.push_back(g[static_cast<size_t>(i)] ? g[static_cast<size_t>(i)] : zeros_like(op.output(i)));
  return concat(parts, axis);
}

KPP_REGISTER_OP(OpDef{
    .name = "Split",
    .inputs = schema::kSplit.specs(),
    .outputs = {"output: num_split * T"},
    .attrs = {"num_split: int", "T: type"},
    .shape_fn = split_shape,
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      return {Tensor(), join_split_grads(op, g, op.input(schema::kSplit.index("split_dim")))};
    },
    .allocates_outputs = true,
});

KPP_REGISTER_OP(OpDef{
    .name = "SplitV",
    .inputs = schema::kSplitV.specs(),
    .outputs = {"output: num_split * T"},
    .attrs = {"num_split: int", "T: type", "Tlen: {int32, int64}"},
    .shape_fn = split_v_shape,
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      return {join_split_grads(op, g, op.input(schema::kSplitV.index("split_dim"))), Tensor(), Tensor()};
    },
    .allocates_outputs = true,
});

Tensor int32_constant(const std::vector<int64_t>& v, const np::Shape& shape) {
  std::vector<int32_t> w(v.begin(), v.end());
  return constant(np::Array::from_vector(w, shape));
}

}  // namespace

Tensor pad(const Tensor& tensor, const std::vector<std::pair<int64_t, int64_t>>& paddings, const std::string& mode,
           const std::string& name) {
  if (mode != "CONSTANT" && mode != "constant")
    throw keraspp::ValueError("Unknown padding mode: " + mode + " (Keras++ pads with zeros only)");
  std::vector<int64_t> flat;
  for (const auto& [before, after] : paddings) {
    flat.push_back(before);
    flat.push_back(after);
  }
  const Tensor p = int32_constant(flat, {static_cast<int64_t>(paddings.size()), 2});
  return op_builder::create1("Pad", {tensor, p}, {}, name.empty() ? "Pad" : name);
}

std::vector<Tensor> split(const Tensor& value, int64_t num_split, int axis, const std::string& name) {
  if (num_split < 1) throw keraspp::ValueError("num_split must be >= 1, got " + std::to_string(num_split));
  return op_builder::create("Split", {int32_constant({axis}, {}), value}, {{"num_split", num_split}}, name)
      .outputs();
}

std::vector<Tensor> split(const Tensor& value, const std::vector<int64_t>& size_splits, int axis,
                          const std::string& name) {
  if (size_splits.empty()) throw keraspp::ValueError("Cannot infer num from shape (0,)");
  return op_builder::create("SplitV",
                            {value, int32_constant(size_splits, {static_cast<int64_t>(size_splits.size())}),
                             int32_constant({axis}, {})},
                            {{"num_split", static_cast<int64_t>(size_splits.size())}}, name)
      .outputs();
}

}  // namespace tf
