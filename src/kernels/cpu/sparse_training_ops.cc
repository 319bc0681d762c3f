// CPU kernels of the sparse variable updates: each named row of the variable
// (and its slots) is updated in place, the others are not read or written.
// Rows are visited in index order, so repeated indices apply in turn
// (deterministic). The per-element arithmetic is the dense update's
// (training_ops.cc), so a step on distinct rows equals the dense step there.
#include <array>
#include <cmath>

#include "../../ops/sparse_training_ops_schema.h"
#include "kernels/kernel.h"

namespace tf::kernels {
namespace {

int64_t index_at(const np::Array& a, int64_t i) {
  return a.dtype() == np::int64 ? a.data<int64_t>()[i] : a.data<int32_t>()[i];
}

// The variable of ref input i, initialized and shaped like ref input 0.
template <class T> T* ref_rows(KernelContext& ctx, int i, std::string_view what) {
  const Node& node = ctx.input_node(i);
  const np::Array* value = ctx.variable(node.id);
  if (!value) throw errors::FailedPreconditionError("Attempting to use uninitialized value " + node.name);
  if (i > 0 && value->shape() != ctx.variable(ctx.input_node(0).id)->shape())
    throw errors::InvalidArgumentError("var and " + std::string(what) + " do not have the same shape" +
                                       TensorShape(ctx.variable(ctx.input_node(0).id)->shape()).debug_str() +
                                       " " + TensorShape(value->shape()).debug_str() + " for '" +
                                       ctx.op_name() + "'");
  return value->data<T>();
}

template <class T> T scalar(const KernelContext& ctx, int i) {
  const np::Array& a = ctx.input(i);
  if (a.ndim() != 0)
    throw errors::InvalidArgumentError("Hyper-parameter input " + std::to_string(i) + " is not a scalar: " +
                                       TensorShape(a.shape()).debug_str() + " for '" + ctx.op_name() + "'");
  return a.data<T>()[0];
}

// Runs step(g, var, slots...) on every element of each named row.
// refs: the variable then its slots; values: indices.shape + row shape.
template <class T, size_t N, class Step>
void update_rows(KernelContext& ctx, const std::array<T*, N>& refs, int values_input, int indices_input,
                 const Step& step) {
  const np::Array& var = *ctx.variable(ctx.input_node(0).id);
  const np::Array& values = ctx.input(values_input);
  const np::Array& indices = ctx.input(indices_input);
  if (var.ndim() < 1)
    throw errors::InvalidArgumentError("var must be at least 1 dimensional for '" + ctx.op_name() + "'");
  const int64_t rows = var.shape(0), inner = var.size() / std::max<int64_t>(rows, 1), n = indices.size();
  if (values.size() != n * inner)
    throw errors::InvalidArgumentError("var and grad do not have the same shape[1:] or grad does not match "
                                       "indices: var " + TensorShape(var.shape()).debug_str() + ", grad " +
                                       TensorShape(values.shape()).debug_str() + ", indices " +
                                       TensorShape(indices.shape()).debug_str() + " for '" + ctx.op_name() + "'");
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = index_at(indices, i);
    if (r < 0 || r >= rows)
      throw errors::InvalidArgumentError("indices[" + std::to_string(i) + "] = " + std::to_string(r) +
                                         " is not in [0, " + std::to_string(rows) + ") for '" +
                                         ctx.op_name() + "'");
  }
  const T* g = values.data<T>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t base = index_at(indices, i) * inner;
    for (int64_t j = 0; j < inner; ++j)
      std::apply([&](auto*... p) { step(g[i * inner + j], p[base + j]...); }, refs);
  }
  ctx.set_output(0, var);
}

template <class T, int Sign> void scatter(KernelContext& ctx) {
  constexpr auto& in = schema::kScatterAdd;
  const std::array<T*, 1> refs{ref_rows<T>(ctx, in.index("ref"), "ref")};
  update_rows<T>(ctx, refs, in.index("updates"), in.index("indices"), [](T u, T& v) { v += Sign * u; });
}

template <class T> void sparse_apply_adagrad(KernelContext& ctx) {
  constexpr auto& in = schema::kSparseApplyAdagrad;
  const std::array<T*, 2> refs{ref_rows<T>(ctx, 0, "var"), ref_rows<T>(ctx, in.index("accum"), "accum")};
  const T lr = scalar<T>(ctx, in.index("lr"));
  update_rows<T>(ctx, refs, in.index("grad"), in.index("indices"), [=](T g, T& var, T& accum) {
    accum = std::fma(g, g, accum);
    var -= lr * g / std::sqrt(accum);
  });
}

template <class T> void sparse_apply_momentum(KernelContext& ctx) {
  constexpr auto& in = schema::kSparseApplyMomentum;
  const std::array<T*, 2> refs{ref_rows<T>(ctx, 0, "var"), ref_rows<T>(ctx, in.index("accum"), "accum")};
  const T lr = scalar<T>(ctx, in.index("lr"));
  const T momentum = scalar<T>(ctx, in.index("momentum"));
  const int grad = in.index("grad"), indices = in.index("indices");
  if (ctx.has_attr("use_nesterov") && ctx.attr<bool>("use_nesterov")) {
    update_rows<T>(ctx, refs, grad, indices, [=](T g, T& var, T& accum) {
      accum = std::fma(accum, momentum, g);
      var -= std::fma(g, lr, accum * momentum * lr);
    });
  } else {
    update_rows<T>(ctx, refs, grad, indices, [=](T g, T& var, T& accum) {
      accum = std::fma(accum, momentum, g);
      var = std::fma(-lr, accum, var);
    });
  }
}

template <class T> void sparse_apply_rms_prop(KernelContext& ctx) {
  constexpr auto& in = schema::kSparseApplyRMSProp;
  const std::array<T*, 3> refs{ref_rows<T>(ctx, 0, "var"), ref_rows<T>(ctx, in.index("ms"), "ms"),
                               ref_rows<T>(ctx, in.index("mom"), "mom")};
  const T lr = scalar<T>(ctx, in.index("lr"));
  const T rho = scalar<T>(ctx, in.index("rho"));
  const T momentum = scalar<T>(ctx, in.index("momentum"));
  const T epsilon = scalar<T>(ctx, in.index("epsilon"));
  update_rows<T>(ctx, refs, in.index("grad"), in.index("indices"), [=](T g, T& var, T& ms, T& mom) {
    ms = std::fma(std::fma(g, g, -ms), T(1) - rho, ms);
    mom = std::fma(mom, momentum, lr * g / std::sqrt(ms + epsilon));
    var -= mom;
  });
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  r.add("ScatterAdd", "CPU", float32, scatter<float, 1>);
  r.add("ScatterAdd", "CPU", float64, scatter<double, 1>);
  r.add("ScatterSub", "CPU", float32, scatter<float, -1>);
  r.add("ScatterSub", "CPU", float64, scatter<double, -1>);
  r.add("SparseApplyAdagrad", "CPU", float32, sparse_apply_adagrad<float>);
  r.add("SparseApplyAdagrad", "CPU", float64, sparse_apply_adagrad<double>);
  r.add("SparseApplyMomentum", "CPU", float32, sparse_apply_momentum<float>);
  r.add("SparseApplyMomentum", "CPU", float64, sparse_apply_momentum<double>);
  r.add("SparseApplyRMSProp", "CPU", float32, sparse_apply_rms_prop<float>);
  r.add("SparseApplyRMSProp", "CPU", float64, sparse_apply_rms_prop<double>);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
