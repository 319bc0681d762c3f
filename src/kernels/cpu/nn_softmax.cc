// CPU kernels of Softmax, LogSoftmax and the fused softmax cross-entropies.
// Every row is max-subtracted before exp, so large logits never overflow;
// sums accumulate in double. Rows run in parallel, each row sequentially, so
// results do not depend on the thread count.
#include <cmath>
#include <sstream>

#include "../../ops/nn_softmax_schema.h"
#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"

namespace tf::kernels {
namespace {

// x: [outer, n, inner] around `axis`.
struct Rows {
  int64_t outer = 1, n = 1, inner = 1;
};

Rows rows_around(const KernelContext& ctx, const np::Shape& s, int64_t axis) {
  const auto rank = static_cast<int64_t>(s.size());
  if (rank < 1)
    throw errors::InvalidArgumentError("logits must have >= 1 dimension, got shape " +
                                       np::shape_str(s) + " for '" + ctx.op_name() + "'");
  if (axis < -rank || axis >= rank)
    throw errors::InvalidArgumentError("axis " + std::to_string(axis) + " out of range for rank " +
                                       std::to_string(rank) + " for '" + ctx.op_name() + "'");
  if (axis < 0) axis += rank;
  Rows r;
  for (int64_t i = 0; i < rank; ++i) {
    if (i < axis) r.outer *= s[static_cast<size_t>(i)];
    else if (i == axis) r.n = s[static_cast<size_t>(i)];
    else r.inner *= s[static_cast<size_t>(i)];
  }
  return r;
}

// out = softmax (or log_softmax) of x along the axis; out may alias x.
template <class T, bool kLog> void softmax_kernel(KernelContext& ctx) {
  constexpr int kLogits = schema::kSoftmax.index("logits");
  const np::Array& x = ctx.input(kLogits);
  const Rows r = rows_around(ctx, x.shape(), ctx.attr<int64_t>("axis"));
  np::Array& out = ctx.forward_input_or_allocate(kLogits, 0, x.shape(), x.dtype());
  const T* px = x.data<T>();
  T* po = out.data<T>();
  const int64_t lines = r.n ? r.outer * r.inner : 0, n = r.n, inner = r.inner;
#pragma omp parallel for if (x.size() > np::kParallelGrainTranscendental) schedule(static)
  for (int64_t line = 0; line < lines; ++line) {
    const int64_t o = line / inner, i = line % inner;
    const T* xl = px + o * n * inner + i;
    T* ol = po + o * n * inner + i;
    T m = xl[0];
    for (int64_t j = 1; j < n; ++j) m = xl[j * inner] > m ? xl[j * inner] : m;
    double sum = 0;
    for (int64_t j = 0; j < n; ++j) {
      const T e = std::exp(xl[j * inner] - m);
      sum += e;
      if constexpr (!kLog) ol[j * inner] = e;  // written after reading xl[j]
      else (void)ol;
    }
    if constexpr (kLog) {
      const T lse = static_cast<T>(std::log(sum));
      for (int64_t j = 0; j < n; ++j) ol[j * inner] = xl[j * inner] - m - lse;
    } else {
      const T inv = static_cast<T>(1.0 / sum);
      for (int64_t j = 0; j < n; ++j) ol[j * inner] *= inv;
    }
  }
}

// Shared by both cross-entropies: one row of logits -> its max and log-sum-exp.
template <class T> void row_stats(const T* x, int64_t c, T* max, T* lse) {
  T m = x[0];
  for (int64_t j = 1; j < c; ++j) m = x[j] > m ? x[j] : m;
  double s = 0;
  for (int64_t j = 0; j < c; ++j) s += std::exp(static_cast<double>(x[j] - m));
  *max = m;
  *lse = static_cast<T>(std::log(s));
}

// features, labels: [..., C] -> loss [...] = sum(labels * (lse - (x - max))),
// backprop [..., C] = softmax - labels.
template <class T> void xent_kernel(KernelContext& ctx) {
  const np::Array& x = ctx.input(schema::kSoftmaxCrossEntropyWithLogits.index("features"));
  const np::Array& l = ctx.input(schema::kSoftmaxCrossEntropyWithLogits.index("labels"));
  if (x.shape() != l.shape() || x.ndim() < 1)
    throw errors::InvalidArgumentError("logits and labels must be same size: logits_size=" +
                                       np::shape_str(x.shape()) + " labels_size=" +
                                       np::shape_str(l.shape()) + " for '" + ctx.op_name() + "'");
  const int64_t c = x.shape(-1), rows = c ? x.size() / c : 0;
  np::Shape ls(x.shape().begin(), x.shape().end() - 1);
  np::Array& loss = ctx.allocate_output(0, ls, x.dtype());
  np::Array& back = ctx.allocate_output(1, x.shape(), x.dtype());
  const T *px = x.data<T>(), *pl = l.data<T>();
  T *ploss = loss.data<T>(), *pb = back.data<T>();
#pragma omp parallel for if (x.size() > np::kParallelGrainTranscendental) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = px + r * c;
    const T* lr = pl + r * c;
    T* br = pb + r * c;
    T m, lse;
    row_stats(xr, c, &m, &lse);
    double s = 0;
    for (int64_t j = 0; j < c; ++j) {
      const T shifted = xr[j] - m;
      s += static_cast<double>(lr[j]) * static_cast<double>(lse - shifted);
      br[j] = std::exp(shifted - lse) - lr[j];
    }
    ploss[r] = static_cast<T>(s);
  }
  if (c == 0) loss.fill(0);
}

// features: [..., C], labels: int [...] in [0, C) -> loss [...] = lse - (x[label] - max),
// backprop = softmax - one_hot(label).
constexpr int kSparseLabels = schema::kSparseSoftmaxCrossEntropyWithLogits.index("labels");

template <class T, class L> void sparse_xent(KernelContext& ctx) {
  const np::Array& x = ctx.input(schema::kSparseSoftmaxCrossEntropyWithLogits.index("features"));
  const np::Array& l = ctx.input(kSparseLabels);
  const np::Shape lead(x.shape().begin(), x.shape().end() - (x.ndim() ? 1 : 0));
  if (x.ndim() < 1 || l.shape() != lead)
    throw errors::InvalidArgumentError("logits and labels must have the same first dimension, got "
                                       "logits shape " + np::shape_str(x.shape()) +
                                       " and labels shape " + np::shape_str(l.shape()) + " for '" +
                                       ctx.op_name() + "'");
  const int64_t c = x.shape(-1), rows = l.size();
  const L* pl = l.data<L>();
  for (int64_t r = 0; r < rows; ++r) {
    if (pl[r] >= 0 && pl[r] < c) continue;
    std::ostringstream os;
    os << "Received a label value of " << pl[r] << " which is outside the valid range of [0, " << c
       << ").  Label values:";
    for (int64_t k = 0; k < rows; ++k) os << ' ' << pl[k];
    throw errors::InvalidArgumentError(os.str());
  }
  np::Array& loss = ctx.allocate_output(0, l.shape(), x.dtype());
  np::Array& back = ctx.allocate_output(1, x.shape(), x.dtype());
  const T* px = x.data<T>();
  T *ploss = loss.data<T>(), *pb = back.data<T>();
#pragma omp parallel for if (x.size() > np::kParallelGrainTranscendental) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = px + r * c;
    T* br = pb + r * c;
    T m, lse;
    row_stats(xr, c, &m, &lse);
    for (int64_t j = 0; j < c; ++j) br[j] = std::exp(xr[j] - m - lse);
    const auto label = static_cast<int64_t>(pl[r]);
    br[label] -= T(1);
    ploss[r] = lse - (xr[label] - m);
  }
}

// Selected by the float output; dispatches on the labels' int type.
template <class T> void sparse_xent_kernel(KernelContext& ctx) {
  if (ctx.input(kSparseLabels).dtype() == int64) sparse_xent<T, int64_t>(ctx);
  else sparse_xent<T, int32_t>(ctx);
}

template <class T> void register_for() {
  constexpr DType t = np::dtype_v<T>;
  auto& r = KernelRegistry::global();
  r.add("Softmax", "CPU", t, softmax_kernel<T, false>);
  r.add("LogSoftmax", "CPU", t, softmax_kernel<T, true>);
  r.add("SoftmaxCrossEntropyWithLogits", "CPU", t, xent_kernel<T>);
  r.add("SparseSoftmaxCrossEntropyWithLogits", "CPU", t, sparse_xent_kernel<T>);
}

const bool registered = [] {
  register_for<float>();
  register_for<double>();
  return true;
}();

}  // namespace
}  // namespace tf::kernels
