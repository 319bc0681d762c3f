// Reductions: Sum, Mean, Max (static axes as attrs), ArgMax, and
// BroadcastReduced, the op that spreads a reduced gradient back over the
// reduced axes.
#include <algorithm>

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

namespace tf {

namespace {

// Reduced axes of a rank-`rank` input: all of them when reduce_all.
std::vector<int> reduced_axes(const AttrMap& attrs, int rank) {
  std::vector<int> axes;
  if (std::get<bool>(attrs.at("reduce_all"))) {
    for (int i = 0; i < rank; ++i) axes.push_back(i);
    return axes;
  }
  for (int64_t a : std::get<std::vector<int64_t>>(attrs.at("axis")))
    axes.push_back(op_builder::canonical_axis(static_cast<int>(a), rank));
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

void reduce_shape(InferenceContext& c) {
  const TensorShape& in = c.input_shapes[0];
  const bool keep = c.attr<bool>("keep_dims");
  if (!in.has_rank()) {
    c.set_output(0, c.input_dtypes[0], c.attr<bool>("reduce_all") && !keep
                                           ? TensorShape::scalar() : TensorShape::unknown());
    return;
  }
  std::vector<int> axes;
  try {
    axes = reduced_axes(*c.attrs, in.rank());
  } catch (const ShapeError& e) {
    throw ShapeError(std::string("Invalid reduction dimension: ") + e.what());
  }
  std::vector<int64_t> d;
  for (int i = 0; i < in.rank(); ++i) {
    const bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!reduced) d.push_back(in.dim(i));
    else if (keep) d.push_back(1);
  }
  c.set_output(0, c.input_dtypes[0], TensorShape(d));
}

AttrMap reduce_attrs(const Operation& op) {
  return {{"axis", op.get_attr<std::vector<int64_t>>("axis")},
          {"reduce_all", op.get_attr<bool>("reduce_all")},
          {"keep_dims", op.get_attr<bool>("keep_dims")}};
}

// g (reduced shape) -> x's shape.
Tensor spread(const Operation& op, const Tensor& g) {
  return op_builder::create1("BroadcastReduced", {g, op.input(0)}, reduce_attrs(op));
}

KPP_REGISTER_OP(OpDef{
    .name = "Sum",
    .inputs = {"input: T"},
    .outputs = {"output: T"},
    .attrs = {"T: type", "axis: list(int)", "reduce_all: bool = false", "keep_dims: bool = false"},
    .shape_fn = reduce_shape,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {spread(op, g[0])};
    },
    .zero_preserving = {"input"},
});

KPP_REGISTER_OP(OpDef{
    .name = "Mean",
    .inputs = {"input: T"},
    .outputs = {"output: T"},
    .attrs = {"T: type", "axis: list(int)", "reduce_all: bool = false", "keep_dims: bool = false"},
    .shape_fn = reduce_shape,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      const DType t = g[0].dtype();
      const Tensor count = divide(cast(size(op.input(0)), t), cast(size(op.output(0)), t));
      return {divide(spread(op, g[0]), count)};
    },
});

// The gradient goes to the maxima, split evenly among ties (as TF).
KPP_REGISTER_OP(OpDef{
    .name = "Max",
    .inputs = {"input: T"},
    .outputs = {"output: T"},
    .attrs = {"T: type", "axis: list(int)", "reduce_all: bool = false", "keep_dims: bool = false"},
    .shape_fn = reduce_shape,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      const Tensor x = op.input(0);
      const Tensor mask = cast(equal(x, spread(op, op.output(0))), g[0].dtype());
      const Tensor ties = spread(op, op_builder::create1("Sum", {mask}, reduce_attrs(op)));
      return {divide(multiply(spread(op, g[0]), mask), ties)};
    },
});

KPP_REGISTER_OP(OpDef{
    .name = "BroadcastReduced",
    .inputs = {"grad: T", "input: T"},
    .outputs = {"output: T"},
    .attrs = {"T: type", "axis: list(int)", "reduce_all: bool = false", "keep_dims: bool = false"},
    .shape_fn = [](InferenceContext& c) { c.set_output(0, c.input_dtypes[0], c.input_shapes[1]); },
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {op_builder::create1("Sum", {g[0]}, reduce_attrs(op)), Tensor()};
    },
});

KPP_REGISTER_OP(OpDef{
    .name = "ArgMax",
    .inputs = {"input: T"},
    .outputs = {"output: int64"},
    .attrs = {"T: type", "axis: int"},
    .shape_fn = [](InferenceContext& c) {
      const TensorShape& in = c.input_shapes[0];
      if (!in.has_rank()) {
        c.set_output(0, int64, TensorShape::unknown());
        return;
      }
      const int axis = op_builder::canonical_axis(static_cast<int>(c.attr<int64_t>("axis")), in.rank());
      std::vector<int64_t> d;
      for (int i = 0; i < in.rank(); ++i)
        if (i != axis) d.push_back(in.dim(i));
      c.set_output(0, int64, TensorShape(d));
    },
    .differentiable = false,
});

// TF's reduce_*: axis None sets reduce_all; a list (possibly empty) is the
// axis attr, and an empty one reduces nothing.
Tensor reduce(const char* type, const Tensor& x, const Axes& axis, const ReduceOptions& opts) {
  std::vector<int64_t> a(axis.list().begin(), axis.list().end());
  return op_builder::create1(type, {x},
                             {{"axis", a}, {"reduce_all", axis.all()}, {"keep_dims", opts.keepdims}},
                             opts.name.empty() ? type : opts.name);
}

}  // namespace

Tensor reduce_sum(const Tensor& x, const Axes& axis, const ReduceOptions& opts) {
  return reduce("Sum", x, axis, opts);
}
Tensor reduce_mean(const Tensor& x, const Axes& axis, const ReduceOptions& opts) {
  return reduce("Mean", x, axis, opts);
}
Tensor reduce_max(const Tensor& x, const Axes& axis, const ReduceOptions& opts) {
  return reduce("Max", x, axis, opts);
}

Tensor argmax(const Tensor& x, int axis, const std::string& name) {
  return op_builder::create1("ArgMax", {x}, {{"axis", static_cast<int64_t>(axis)}},
                             name.empty() ? "ArgMax" : name);
}

}  // namespace tf
