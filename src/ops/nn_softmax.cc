// Softmax, LogSoftmax (attr axis), and the fused cross-entropies
// SoftmaxCrossEntropyWithLogits / SparseSoftmaxCrossEntropyWithLogits with
// outputs (loss, backprop) as TF's, with their gradients and builders.
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/nn_ops.h"

#include "nn_softmax_schema.h"

namespace tf {

namespace {

using Grads = std::vector<Tensor>;



// logits: rank >= 1 -> same shape; attr axis in [-rank, rank).
void softmax_shape(InferenceContext& c) {
  const TensorShape& s = c.input_shapes[0];
  if (s.has_rank()) {
    if (s.rank() < 1) throw ShapeError("Shape must be at least rank 1 but is rank 0");
    op_builder::canonical_axis(static_cast<int>(c.attr<int64_t>("axis")), s.rank());
  }
  shape_fns::unchanged(c);
}

// y = softmax(x): dx = (dy - sum(dy * y, axis)) * y.
KPP_REGISTER_OP(OpDef{
    .name = "Softmax",
    .inputs = schema::kSoftmax.specs(),
    .outputs = {"softmax: T"},
    .attrs = {"T: {float, double}", "axis: int = -1"},
    .shape_fn = softmax_shape,
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      const Tensor y = op.output(0);
      const int axis = static_cast<int>(op.get_attr<int64_t>("axis"));
      const Tensor dot = reduce_sum(multiply(g[0], y), axis, {.keepdims = true});
      return {multiply(subtract(g[0], dot), y)};
    },
});

// y = log_softmax(x): dx = dy - exp(y) * sum(dy, axis).
KPP_REGISTER_OP(OpDef{
    .name = "LogSoftmax",
    .inputs = schema::kSoftmax.specs(),
    .outputs = {"logsoftmax: T"},
    .attrs = {"T: {float, double}", "axis: int = -1"},
    .shape_fn = softmax_shape,
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      const Tensor y = op.output(0);
      const int axis = static_cast<int>(op.get_attr<int64_t>("axis"));
      return {subtract(g[0], multiply(exp(y), reduce_sum(g[0], axis, {.keepdims = true})))};
    },
});

// features, labels: [..., C] -> loss [...], backprop [..., C].
void xent_shape(InferenceContext& c) {
  shape_fns::require_same_dtypes(c);
  const TensorShape& a = c.input_shapes[0];
  const TensorShape& b = c.input_shapes[1];
  const DType t = c.input_dtypes[0];
  if (!a.has_rank() && !b.has_rank()) {
    c.set_output(0, t, TensorShape::unknown());
    c.set_output(1, t, TensorShape::unknown());
    return;
  }
  const TensorShape& known = a.has_rank() ? a : b;
  if (known.rank() < 1) throw ShapeError("Shape must be at least rank 1 but is rank 0");
  std::vector<int64_t> d;
  if (a.has_rank() && b.has_rank()) {
    if (a.rank() != b.rank())
      throw ShapeError("Shapes must be equal rank, but are " + std::to_string(a.rank()) + " and " +
                       std::to_string(b.rank()));
    shape_fns::merge_dims(a, b, a.rank(), d);
  } else {
    d = known.dims();
  }
  c.set_output(1, t, TensorShape(d));
  d.pop_back();
  c.set_output(0, t, TensorShape(d));
}

// features: [..., C], labels: int32/int64 [...] -> loss [...], backprop [..., C].
void sparse_xent_shape(InferenceContext& c) {
  const TensorShape& f = c.input_shapes[0];
  const TensorShape& l = c.input_shapes[1];
  const DType t = c.input_dtypes[0];
  if (!f.has_rank()) {
    c.set_output(0, t, l);
    c.set_output(1, t, TensorShape::unknown());
    return;
  }
  if (f.rank() < 1) throw ShapeError("Shape must be at least rank 1 but is rank 0");
  std::vector<int64_t> d;
  if (l.has_rank()) {
    if (l.rank() != f.rank() - 1)
      throw ShapeError("Shape must be rank " + std::to_string(f.rank() - 1) + " but is rank " +
                       std::to_string(l.rank()));
    shape_fns::merge_dims(f, l, l.rank(), d);
  } else {
    d.assign(f.dims().begin(), f.dims().end() - 1);
  }
  c.set_output(0, t, TensorShape(d));
  d.push_back(f.dim(-1));
  c.set_output(1, t, TensorShape(d));
}

// g: [...] -> [..., C] like `like`, repeating along the last axis.
Tensor expand_last(const Tensor& g, const Tensor& like) {
  return op_builder::create1(
      "BroadcastReduced", {g, like},
      {{"axis", std::vector<int64_t>{-1}}, {"reduce_all", false}, {"keep_dims", false}});
}

// Gradient w.r.t. logits from the loss (g0 * backprop) and, when the backprop
// output is used, from it: d(softmax - labels) = (g1 - sum(g1 * sm)) * sm.
Tensor xent_logits_grad(const Operation& op, const Grads& g) {
  Tensor out;
  if (g[0]) out = multiply(expand_last(g[0], op.output(1)), op.output(1));
  if (g.size() > 1 && g[1]) {
    const Tensor sm = nn::softmax(op.input(0));
    const Tensor t = multiply(subtract(g[1], reduce_sum(multiply(g[1], sm), -1, {.keepdims = true})), sm);
    out = out ? add(out, t) : t;
  }
  return out;
}

KPP_REGISTER_OP(OpDef{
    .name = "SoftmaxCrossEntropyWithLogits",
    .inputs = schema::kSoftmaxCrossEntropyWithLogits.specs(),
    .outputs = {"loss: T", "backprop: T"},
    .attrs = {"T: {float, double}"},
    .shape_fn = xent_shape,
    // labels: -log_softmax(logits) * g0, and -g1 through backprop.
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      Tensor g_labels;
      if (g[0])
        g_labels = multiply(expand_last(g[0], op.output(1)), negative(nn::log_softmax(op.input(0))));
      if (g.size() > 1 && g[1]) g_labels = g_labels ? subtract(g_labels, g[1]) : negative(g[1]);
      return {xent_logits_grad(op, g), g_labels};
    },
});

KPP_REGISTER_OP(OpDef{
    .name = "SparseSoftmaxCrossEntropyWithLogits",
    .inputs = schema::kSparseSoftmaxCrossEntropyWithLogits.specs(),
    .outputs = {"loss: T", "backprop: T"},
    .attrs = {"T: {float, double}", "Tlabels: {int32, int64}"},
    .shape_fn = sparse_xent_shape,
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      return {xent_logits_grad(op, g), Tensor()};
    },
});

}  // namespace

namespace nn {

namespace detail {
Tensor SoftmaxFn::operator()(const Tensor& logits, int axis, const std::string& name) const {
  return op_builder::create1(op, {logits}, {{"axis", static_cast<int64_t>(axis)}}, name);
}
}  // namespace detail

Tensor softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits, int dim,
                                         const std::string& name) {
  const TensorShape& s = logits.shape();
  if (dim != -1 && !(s.has_rank() && dim == s.rank() - 1)) {
    // Classes on another axis: the same loss from log_softmax along `dim`.
    if (!s.has_rank())
      throw keraspp::ValueError("softmax_cross_entropy_with_logits: dim=" + std::to_string(dim) +
                                " needs logits of known rank, got shape " + s.str());
    op_builder::canonical_axis(dim, s.rank());
    name_scope scope(name.empty() ? "softmax_cross_entropy_with_logits" : name);
    return negative(reduce_sum(multiply(labels, log_softmax(logits, dim)), dim), "Neg");
  }
  return op_builder::create("SoftmaxCrossEntropyWithLogits", {logits, labels}, {}, name).output(0);
}

Tensor softmax_cross_entropy_with_logits(const SoftmaxCrossEntropyArgs& args) {
  if (!args.labels || !args.logits)
    throw keraspp::ValueError(
        "Both labels and logits must be provided to softmax_cross_entropy_with_logits");
  return softmax_cross_entropy_with_logits(args.labels, args.logits, args.dim, args.name);
}

Tensor sparse_softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits,
                                                const std::string& name) {
  const DType lt = labels.dtype();
  if (lt != int32 && lt != int64)
    throw keraspp::TypeError("Value passed to parameter 'labels' has DataType " +
                             np::tf_dtype_name(lt) + " not in list of allowed values: int32, int64");
  const TensorShape& ls = labels.shape();
  const TensorShape& fs = logits.shape();
  if (fs.has_rank() && fs.rank() == 0)
    throw keraspp::ValueError("Logits cannot be scalars - received shape " + fs.str() + ".");
  if (fs.has_rank() && ls.has_rank() && ls.rank() != fs.rank() - 1)
    throw keraspp::ValueError("Rank mismatch: Rank of labels (received " + std::to_string(ls.rank()) +
                              ") should equal rank of logits minus 1 (received " +
                              std::to_string(fs.rank()) + ").");
  const std::string n = name.empty() ? "SparseSoftmaxCrossEntropyWithLogits" : name;
  name_scope scope(n);
  return op_builder::create("SparseSoftmaxCrossEntropyWithLogits", {logits, labels}, {}, n).output(0);
}

Tensor sparse_softmax_cross_entropy_with_logits(const SparseSoftmaxCrossEntropyArgs& args) {
  if (!args.labels || !args.logits)
    throw keraspp::ValueError(
        "Both labels and logits must be provided to sparse_softmax_cross_entropy_with_logits");
  return sparse_softmax_cross_entropy_with_logits(args.labels, args.logits, args.name);
}

}  // namespace nn
}  // namespace tf
