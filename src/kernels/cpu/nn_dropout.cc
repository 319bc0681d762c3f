// CPU kernels of the fused dropout (src/ops/nn_dropout.cc). The forward op
// draws the uniforms a RandomUniform of x's size would (random_stream.h) a
// chunk at a time into a stack buffer and writes y and the mask in the same
// pass, doing the composite's float operations in its order: mask =
// floor(keep_prob + u), y = (x / keep_prob) * mask. The gradient is the
// composite's (dy * mask) / keep_prob. Same operations, same rounding: the
// results equal the composite's bit for bit.
#include <cmath>

#include "../../ops/nn_dropout_schema.h"
#include "random_stream.h"

namespace tf::kernels {
namespace {

// One chunk: m[i] = floor(kp + u[i]), y[i] = (x[i] / kp) * m[i]. y may be
// x (each element is read before it is written).
//
// With kp in (0, 1] and u in [0, 1), v = kp + u lies in (0, 2] after
// rounding (2 itself when kp is 1 and u is 1 - ulp: the sum is a tie that
// rounds to even), so floor(v) is 0, 1 or 2 by comparisons. std::floor would
// give the same values but GCC vectorises it only under -fno-trapping-math;
// the scalar loop costs several times more (its divisions are scalar too).
template <class T> void dropout_chunk(const T* x, const T* u, T* y, T* m, int64_t n, T kp) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const T v = kp + u[i];
    const T keep = v >= T(2) ? T(2) : v >= T(1) ? T(1) : T(0);
    m[i] = keep;
    y[i] = static_cast<T>(x[i] / kp) * keep;
  }
}

// x -> y = x / keep_prob * mask (in x's buffer when x dies here), mask.
template <class T> void fused_dropout(KernelContext& ctx) {
  constexpr int kX = schema::kFusedDropout.index("x");
  const np::Array& x = ctx.input(kX);
  const T kp = static_cast<T>(ctx.attr<double>("keep_prob"));
  if (!(kp > 0 && kp <= 1))
    throw errors::InvalidArgumentError("keep_prob must be in (0, 1], got " + std::to_string(kp) +
                                       " for '" + ctx.op_name() + "'");
  np::Array& y = ctx.forward_input_or_allocate(kX, 0, x.shape(), x.dtype());
  np::Array& mask = ctx.allocate_output(1, x.shape(), x.dtype());
  const T* px = x.data<T>();
  T* py = y.data<T>();
  T* pm = mask.data<T>();
  random_stream::for_uniform_chunks<T>(ctx, x.size(), [=](int64_t first, int64_t count, const T* u) {
    dropout_chunk(px + first, u, py + first, pm + first, count, kp);
  });
}

// dy, mask (equal shapes) -> (dy * mask) / keep_prob.
template <class T> void fused_dropout_grad(KernelContext& ctx) {
  constexpr int kDy = schema::kFusedDropoutGrad.index("dy");
  const np::Array& dy = ctx.input(kDy);
  const np::Array& mask = ctx.input(schema::kFusedDropoutGrad.index("mask"));
  if (dy.shape() != mask.shape())
    throw errors::InvalidArgumentError("Incompatible shapes: " + np::shape_str(dy.shape()) + " vs. " +
                                       np::shape_str(mask.shape()) + " for '" + ctx.op_name() + "'");
  const T kp = static_cast<T>(ctx.attr<double>("keep_prob"));
  np::Array& out = ctx.forward_input_or_allocate(kDy, 0, dy.shape(), dy.dtype());
  const T* pg = dy.data<T>();
  const T* pm = mask.data<T>();
  T* po = out.data<T>();
  np::simd_for(dy.size(), [=](int64_t i) { po[i] = static_cast<T>(pg[i] * pm[i]) / kp; });
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  r.add("_FusedDropout", "CPU", float32, fused_dropout<float>);
  r.add("_FusedDropout", "CPU", float64, fused_dropout<double>);
  r.add("_FusedDropoutGrad", "CPU", float32, fused_dropout_grad<float>);
  r.add("_FusedDropoutGrad", "CPU", float64, fused_dropout_grad<double>);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
