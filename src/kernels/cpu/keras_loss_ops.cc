// CPU kernels of the fused Keras categorical cross-entropy (src/ops/
// keras_loss_ops.cc). Each works row by row over [rows, C] and performs the
// float operations of the composite graph it replaces, one rounding per
// composite op and in the same order, so results equal the composite's bit
// for bit (tests/ops/keras_xent_test.cc). Per row, with lo = T(eps) and
// hi = T(1.0 - eps):
//   s = 0 + y_0 + ... + y_{C-1}           Sum (keepdims): from 0, in order
//   q = y / s                             RealDiv
//   m = q <= hi || q != q ? q : hi       Minimum (clip_by_value; NaN kept)
//   c = m >= lo || m != m ? m : lo       Maximum
//   loss = -(0 + t_0 log c_0 + ...)       Log, Mul, Sum, Neg
// and, for an incoming gradient g of the row, the composite's gradient:
//   ng = -g                               Neg's gradient, spread by Sum's
//   d y_true = ng * log(c)                Mul's gradient
//   u = ((t * ng) / c) * [m >= lo] * [q <= hi]
//                                         Mul's, Log's (dy / x), Maximum's
//                                         and Minimum's (x >= y / x <= y masks)
//   e = -(u * (q / s))                    RealDiv's gradient w.r.t. s ...
//   gs = 0 + e_0 + ... (e_0 alone when C == 1: SumToShape of an equal shape
//                       is the identity)  ... summed down to [rows, 1]
//   d y_pred = u / s + gs                 AddN of RealDiv's x term and Sum's
//                                         broadcast gradient, in that order
#include <cmath>

#include "../../ops/keras_loss_ops_schema.h"
#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"

// Each product above is rounded before it is added, as the composite's
// separate Mul and Sum kernels round it: GCC's default -ffp-contract=fast
// (with -march=native's FMA) would fuse t * l + acc into one rounding.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace tf::kernels {
namespace {

// The composite's clip bounds: Consts made from the doubles eps and 1 - eps.
template <class T> struct Clip {
  T lo, hi;
  explicit Clip(double eps) : lo(static_cast<T>(eps)), hi(static_cast<T>(1.0 - eps)) {}
  // As the Minimum and Maximum kernels: a NaN operand propagates.
  T minimum(T q) const { return q <= hi || q != q ? q : hi; }
  T maximum(T m) const { return m >= lo || m != m ? m : lo; }
};

// Inputs [..., C] as rows of C (rows from the leading dims, so C may be 0).
struct Rows {
  int64_t rows = 1, classes = 0;
  np::Shape leading;
};

// Input indices (keras_loss_ops_schema.h).
constexpr int kLossTrue = schema::kKerasXent.index("y_true");
constexpr int kLossPred = schema::kKerasXent.index("y_pred");
constexpr int kGrad = schema::kKerasXentGrad.index("grad");
constexpr int kGradTrue = schema::kKerasXentGrad.index("y_true");
constexpr int kGradPred = schema::kKerasXentGrad.index("y_pred");

// y_true and y_pred (inputs y_true, y_pred) must have one shape of rank >= 1.
Rows rows_of(const KernelContext& ctx, int y_true, int y_pred) {
  const np::Shape& t = ctx.input(y_true).shape();
  const np::Shape& y = ctx.input(y_pred).shape();
  if (t != y)
    throw errors::InvalidArgumentError("Incompatible shapes: " + np::shape_str(t) + " vs. " +
                                       np::shape_str(y) + " for '" + ctx.op_name() + "'");
  if (y.empty())
    throw errors::InvalidArgumentError("y_pred must be at least rank 1, got shape [] for '" +
                                       ctx.op_name() + "'");
  Rows r;
  r.classes = y.back();
  r.leading.assign(y.begin(), y.end() - 1);
  for (int64_t d : r.leading) r.rows *= d;
  return r;
}

// The gradient ops' incoming gradient must be shaped like the loss.
void check_grad(const KernelContext& ctx, const Rows& r) {
  const np::Shape& g = ctx.input(kGrad).shape();
  if (g != r.leading)
    throw errors::InvalidArgumentError("grad must have the loss's shape " + np::shape_str(r.leading) +
                                       ", got " + np::shape_str(g) + " for '" + ctx.op_name() + "'");
}

// body(row) for every row; on the OpenMP threads only above the parallel
// grain (rows are independent, so results do not depend on the split).
template <class F> void for_rows(const Rows& r, F body) {
  if (r.rows * r.classes > np::kParallelGrainTranscendental) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < r.rows; ++i) body(i);
  } else {
    for (int64_t i = 0; i < r.rows; ++i) body(i);
  }
}

// The Sum kernel's order: from 0, left to right.
template <class T> T row_sum(const T* y, int64_t n) {
  T s = T(0);
  for (int64_t j = 0; j < n; ++j) s = s + y[j];
  return s;
}

// (y_true, y_pred): [..., C] -> loss [...].
template <class T> void loss_kernel(KernelContext& ctx) {
  const Rows r = rows_of(ctx, kLossTrue, kLossPred);
  const Clip<T> clip(ctx.attr<double>("epsilon"));
  np::Array& out = ctx.allocate_output(0, r.leading, np::dtype_v<T>);
  const T* pt = ctx.input(kLossTrue).data<T>();
  const T* py = ctx.input(kLossPred).data<T>();
  T* po = out.data<T>();
  const int64_t n = r.classes;
  for_rows(r, [=](int64_t i) {
    const T* t = pt + i * n;
    const T* y = py + i * n;
    const T s = row_sum(y, n);
    T acc = T(0);
    for (int64_t j = 0; j < n; ++j) {
      const T log_c = std::log(clip.maximum(clip.minimum(y[j] / s)));
      const T term = t[j] * log_c;
      acc = acc + term;
    }
    po[i] = -acc;
  });
}

// The gradient kernels' frame, for inputs (grad [...], y_true, y_pred [..., C])
// -> output [..., C]: body(t, y, d, n, ng, s) on every row, with the row's
// y_true, y_pred and output (n = C values each), ng = -grad and s = sum(y). The output may
// take y_pred's buffer, so a body reads each y value before writing its slot.
template <class T, class Body> void for_grad_rows(KernelContext& ctx, Body body) {
  const Rows r = rows_of(ctx, kGradTrue, kGradPred);
  check_grad(ctx, r);
  np::Array& out =
      ctx.forward_input_or_allocate(kGradPred, 0, ctx.input(kGradPred).shape(), np::dtype_v<T>);
  const T* pg = ctx.input(kGrad).data<T>();
  const T* pt = ctx.input(kGradTrue).data<T>();
  const T* py = ctx.input(kGradPred).data<T>();
  T* po = out.data<T>();
  const int64_t n = r.classes;
  for_rows(r, [=](int64_t i) {
    const T* y = py + i * n;
    body(pt + i * n, y, po + i * n, n, -pg[i], row_sum(y, n));
  });
}

// -> d loss / d y_pred.
template <class T> void grad_kernel(KernelContext& ctx) {
  const Clip<T> clip(ctx.attr<double>("epsilon"));
  for_grad_rows<T>(ctx, [=](const T* t, const T* y, T* d, int64_t n, T ng, T s) {
    T gs = T(0);
    for (int64_t j = 0; j < n; ++j) {
      const T q = y[j] / s;
      const T m = clip.minimum(q);
      const T c = clip.maximum(m);
      const T dc = (t[j] * ng) / c;
      const T dm = dc * T(m >= clip.lo ? 1 : 0);
      const T u = dm * T(q <= clip.hi ? 1 : 0);
      const T e = -(u * (q / s));
      gs = n == 1 ? e : gs + e;
      d[j] = u / s;
    }
    for (int64_t j = 0; j < n; ++j) d[j] = d[j] + gs;
  });
}

// -> d loss / d y_true.
template <class T> void target_grad_kernel(KernelContext& ctx) {
  const Clip<T> clip(ctx.attr<double>("epsilon"));
  for_grad_rows<T>(ctx, [=](const T*, const T* y, T* d, int64_t n, T ng, T s) {
    for (int64_t j = 0; j < n; ++j) d[j] = ng * std::log(clip.maximum(clip.minimum(y[j] / s)));
  });
}

template <class T> void register_for() {
  constexpr DType t = np::dtype_v<T>;
  auto& r = KernelRegistry::global();
  r.add("KerasCategoricalCrossentropy", "CPU", t, loss_kernel<T>);
  r.add("KerasCategoricalCrossentropyGrad", "CPU", t, grad_kernel<T>);
  r.add("KerasCategoricalCrossentropyTargetGrad", "CPU", t, target_grad_kernel<T>);
}

const bool registered = [] {
  register_for<float>();
  register_for<double>();
  return true;
}();

}  // namespace
}  // namespace tf::kernels
