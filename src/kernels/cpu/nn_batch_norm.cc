// CPU kernels of FusedBatchNorm and FusedBatchNormGrad, following TF's CPU
// functors:
//   training:  mean = sum(x) / m, var = sum((x - mean)^2) / m (m = N*H*W),
//              y = (x - mean) * rsqrt(var + eps) * scale + offset,
//              outputs batch_mean = mean, batch_variance = var * m / (m - 1)
//              (Bessel's correction), reserve_space_1/2 = mean, var;
//   inference: the given mean and variance take the batch's place and are
//              passed through as outputs 1-4.
// Per-channel sums (statistics, the gradient's sums) run in blocks fixed by
// the shape and are added in block order, in double, so training is
// bit-identical at any team size; oneDNN's training-mode primitives split
// their reductions by thread and are not. float32's normalization pass is
// oneDNN's batch_normalization primitive with those statistics
// (use_global_stats, cached per shape and epsilon in the shared context);
// float64 runs the plain reference loop (the conformance precision).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "../../ops/nn_batch_norm_schema.h"
#include "../../ops/nn_window.h"
#include "dnnl_context.h"
#include "kernels/kernel.h"

namespace tf::kernels {
namespace {

namespace dctx = cpu::dnnl_context;

// x [N, H, W, C] or [N, C, H, W] viewed as [outer, C, inner]: NHWC has
// outer = N*H*W, inner = 1; NCHW outer = N, inner = H*W.
struct Geometry {
  bool nhwc = true;
  int64_t n = 0, c = 0, h = 0, w = 0;
  int64_t outer = 0, inner = 0;
  int64_t count() const { return outer * inner; }  // elements per channel
  int64_t at(int64_t o, int64_t ch, int64_t i) const { return (o * c + ch) * inner + i; }
};

Geometry geometry(const KernelContext& ctx, const np::Array& x, const char* what) {
  if (x.ndim() != 4)
    throw errors::InvalidArgumentError(std::string(what) + " must be 4-dimensional" + np::shape_str(x.shape()) +
                                       " for '" + ctx.op_name() + "'");
  const window::Format f(ctx.attr<std::string>("data_format"));
  const np::Shape& d = x.shape();
  Geometry g{.nhwc = f.nhwc, .n = d[0], .c = d[static_cast<size_t>(f.c())], .h = d[static_cast<size_t>(f.h())],
             .w = d[static_cast<size_t>(f.w())]};
  g.outer = f.nhwc ? g.n * g.h * g.w : g.n;
  g.inner = f.nhwc ? 1 : g.h * g.w;
  return g;
}

// A statistics input: 1-dimensional with one element per channel.
void check_vector(const KernelContext& ctx, const np::Array& v, const char* what, const Geometry& g) {
  if (v.ndim() != 1)
    throw errors::InvalidArgumentError(std::string(what) + " must be 1-dimensional" + np::shape_str(v.shape()) +
                                       " for '" + ctx.op_name() + "'");
  if (v.size() != g.c)
    throw errors::InvalidArgumentError(std::string(what) + " must have the same number of elements as the "
                                       "channels of x, got " + std::to_string(v.size()) + " and " +
                                       std::to_string(g.c) + " for '" + ctx.op_name() + "'");
}

// TF's Bessel correction factor m / (m - 1), with m - 1 at least 1.
template <class T> T bessel(int64_t m) { return static_cast<T>(m) / static_cast<T>(std::max<int64_t>(m - 1, 1)); }

// ---- per-channel sums, independent of the team size -------------------------

// Rows of [outer, C, inner] per block of a reduction: fixed by the shape.
constexpr int64_t kBlockElements = 16384;

// out[ch * kSums + s] = the sum over channel ch's elements k of the values
// add(k, ch, acc) adds to acc[s]. Blocks of rows are fixed by the shape alone
// and summed in block order, so the sums do not depend on the OpenMP team
// (oneDNN's training-mode batch norm splits its reductions by thread, and
// the runtime's team size changes between runs: thread_governor.h).
template <int kSums, class Add> void channel_sums(const Geometry& g, Add add, double* out) {
  const int64_t row = std::max<int64_t>(g.c * g.inner, 1);
  const int64_t rows_per_block = std::max<int64_t>(1, kBlockElements / row);
  const int64_t blocks = (g.outer + rows_per_block - 1) / rows_per_block;
  // The calling thread's partial sums, kept between runs (no steady-state allocation).
  static thread_local std::vector<double> partial;
  partial.assign(static_cast<size_t>(blocks * g.c * kSums), 0.0);
  double* p = partial.data();
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t o = b * rows_per_block; o < std::min(g.outer, (b + 1) * rows_per_block); ++o)
      for (int64_t ch = 0; ch < g.c; ++ch)
        for (int64_t i = 0; i < g.inner; ++i) add(g.at(o, ch, i), ch, p + (b * g.c + ch) * kSums);
  std::fill_n(out, g.c * kSums, 0.0);
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t j = 0; j < g.c * kSums; ++j) out[j] += p[b * g.c * kSums + j];
}

// mean[c], var[c] (biased) of x per channel; two passes, as TF's functor.
template <class T> void batch_moments(const Geometry& g, const T* x, T* mean, T* var) {
  static thread_local std::vector<double> sums;
  sums.resize(static_cast<size_t>(g.c));
  const double m = static_cast<double>(g.count());
  channel_sums<1>(g, [x](int64_t k, int64_t, double* acc) { acc[0] += x[k]; }, sums.data());
  for (int64_t ch = 0; ch < g.c; ++ch) mean[ch] = static_cast<T>(sums[static_cast<size_t>(ch)] / m);
  channel_sums<1>(
      g,
      [x, mean](int64_t k, int64_t ch, double* acc) {
        const double d = static_cast<double>(x[k]) - static_cast<double>(mean[ch]);
        acc[0] += d * d;
      },
      sums.data());
  for (int64_t ch = 0; ch < g.c; ++ch) var[ch] = static_cast<T>(sums[static_cast<size_t>(ch)] / m);
}

// Calls f(k, ch) for every element, rows in parallel.
template <class F> void for_each_element(const Geometry& g, F f) {
#pragma omp parallel for schedule(static)
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t ch = 0; ch < g.c; ++ch)
      for (int64_t i = 0; i < g.inner; ++i) f(g.at(o, ch, i), ch);
}

// The reference normalization (float64): y = (x - mean) * (rsqrt(var +
// eps) * scale) + offset.
template <class T>
void normalize(const Geometry& g, T eps, const T* x, const T* scale, const T* offset, const T* mean, const T* var,
               T* y) {
  for_each_element(g, [&](int64_t k, int64_t ch) {
    y[k] = (x[k] - mean[ch]) * (scale[ch] / std::sqrt(var[ch] + eps)) + offset[ch];
  });
}

// TF's FusedBatchNormGrad CPU functor. training: dx = scale * rsqrt(var +
// eps) * (dy - mean(dy) - (x - mean) * mean(dy * (x - mean)) / (var + eps));
// inference: dx = dy * scale * rsqrt(var + eps). Both: dscale =
// sum(dy * (x - mean)) * rsqrt(var + eps), doffset = sum(dy).
template <class T>
void batch_norm_grad_loop(const Geometry& g, T eps, bool training, const T* dy, const T* x, const T* scale,
                          const T* mean, const T* var, T* dx, T* dscale, T* doffset) {
  static thread_local std::vector<double> sums;  // [C, 2]: sum(dy), sum(dy * (x - mean))
  sums.resize(static_cast<size_t>(2 * g.c));
  channel_sums<2>(
      g,
      [&](int64_t k, int64_t ch, double* acc) {
        acc[0] += dy[k];
        acc[1] += static_cast<double>(dy[k]) * (static_cast<double>(x[k]) - static_cast<double>(mean[ch]));
      },
      sums.data());
  const double m = static_cast<double>(std::max<int64_t>(g.count(), 1));
  // dx = dy * coef - (mean_dy * coef + (x - mean) * xc_coef), per channel.
  static thread_local std::vector<T> coef, mean_dy_coef, xc_coef;
  coef.resize(static_cast<size_t>(g.c));
  mean_dy_coef.resize(static_cast<size_t>(g.c));
  xc_coef.resize(static_cast<size_t>(g.c));
  for (int64_t ch = 0; ch < g.c; ++ch) {
    const size_t c = static_cast<size_t>(ch);
    const double var_eps = static_cast<double>(var[ch]) + static_cast<double>(eps);
    const double inv_std = 1 / std::sqrt(var_eps), sc = static_cast<double>(scale[ch]) * inv_std;
    dscale[ch] = static_cast<T>(sums[2 * c + 1] * inv_std);
    doffset[ch] = static_cast<T>(sums[2 * c]);
    coef[c] = static_cast<T>(sc);
    mean_dy_coef[c] = training ? static_cast<T>(sums[2 * c] / m * sc) : T(0);
    xc_coef[c] = training ? static_cast<T>(sums[2 * c + 1] / m / var_eps * sc) : T(0);
  }
  const T *pc = coef.data(), *pm = mean_dy_coef.data(), *px = xc_coef.data();
  for_each_element(g, [&](int64_t k, int64_t ch) {
    dx[k] = dy[k] * pc[ch] - (pm[ch] + (x[k] - mean[ch]) * px[ch]);
  });
}

// ---- float32: oneDNN's normalization ------------------------------------------

struct BatchNorm {
  dnnl::primitive prim;
  dnnl::memory::desc data, stat, scratchpad;
};

// The forward primitive with given statistics (use_global_stats): an
// elementwise pass per channel, the same at any team size. Training runs it
// on the statistics channel_sums computed.
const BatchNorm& batch_norm_primitive(const Geometry& g, float eps) {
  int32_t eps_bits;
  std::memcpy(&eps_bits, &eps, sizeof eps_bits);
  dctx::PrimitiveKey key(dnnl::primitive::kind::batch_normalization);
  key.add(g.nhwc).add(g.n).add(g.c).add(g.h).add(g.w).add(eps_bits);
  return dctx::cached<BatchNorm>(key, [&] {
    using tag = dnnl::memory::format_tag;
    using flags = dnnl::normalization_flags;
    const auto f32 = dnnl::memory::data_type::f32;
    const dnnl::memory::desc data({g.n, g.c, g.h, g.w}, f32, g.nhwc ? tag::nhwc : tag::nchw);
    const dnnl::memory::desc stat({g.c}, f32, tag::a);
    dnnl::batch_normalization_forward::primitive_desc fwd(
        dnnl::batch_normalization_forward::desc(dnnl::prop_kind::forward_inference, data, eps,
                                                flags::use_scale | flags::use_shift | flags::use_global_stats),
        dctx::default_attr(), dctx::engine());
    return BatchNorm{dnnl::batch_normalization_forward(fwd), data, stat, fwd.scratchpad_desc()};
  });
}

void normalize_f32(const Geometry& g, float eps, const float* x, const float* scale, const float* offset,
                   const float* mean, const float* var, float* y) {
  const BatchNorm& p = batch_norm_primitive(g, eps);
  dnnl::engine& eng = dctx::engine();
  auto stat = [&](const float* v) { return dnnl::memory(p.stat, eng, const_cast<float*>(v)); };
  dnnl::stream& stream = dctx::stream();
  p.prim.execute(stream, {{DNNL_ARG_SRC, dnnl::memory(p.data, eng, const_cast<float*>(x))},
                          {DNNL_ARG_DST, dnnl::memory(p.data, eng, y)},
                          {DNNL_ARG_SCALE, stat(scale)},
                          {DNNL_ARG_SHIFT, stat(offset)},
                          {DNNL_ARG_MEAN, stat(mean)},
                          {DNNL_ARG_VARIANCE, stat(var)},
                          {DNNL_ARG_SCRATCHPAD, dctx::scratchpad(p.scratchpad)}});
  stream.wait();
}

// ---- the kernels --------------------------------------------------------------

template <class T> void fused_batch_norm(KernelContext& ctx) {
  constexpr auto& s = schema::kFusedBatchNorm;
  const np::Array& x = ctx.input(s.index("x"));
  const np::Array& scale = ctx.input(s.index("scale"));
  const np::Array& offset = ctx.input(s.index("offset"));
  const Geometry g = geometry(ctx, x, "input");
  check_vector(ctx, scale, "scale", g);
  check_vector(ctx, offset, "offset", g);
  const bool training = ctx.attr<bool>("is_training");
  const T eps = static_cast<T>(ctx.attr<double>("epsilon"));
  T* y = ctx.allocate_output(0, x.shape(), x.dtype()).template data<T>();
  T* batch_mean = ctx.allocate_output(1, {g.c}, x.dtype()).template data<T>();
  T* batch_var = ctx.allocate_output(2, {g.c}, x.dtype()).template data<T>();
  T* saved_mean = ctx.allocate_output(3, {g.c}, x.dtype()).template data<T>();
  T* saved_var = ctx.allocate_output(4, {g.c}, x.dtype()).template data<T>();
  const T *px = x.data<T>(), *pscale = scale.data<T>(), *poffset = offset.data<T>();
  if (!training) {
    const np::Array& mean = ctx.input(s.index("mean"));
    const np::Array& var = ctx.input(s.index("variance"));
    check_vector(ctx, mean, "estimated_mean", g);
    check_vector(ctx, var, "estimated_variance", g);
    std::copy_n(mean.data<T>(), g.c, batch_mean);
    std::copy_n(var.data<T>(), g.c, batch_var);
  } else if (g.count() == 0) {
    std::fill_n(batch_mean, g.c, T(0));
    std::fill_n(batch_var, g.c, T(0));
  }
  if (training && g.count() > 0) batch_moments(g, px, batch_mean, saved_var);
  const T* var = training ? saved_var : batch_var;
  if constexpr (std::is_same_v<T, float>) {
    if (x.size() > 0) normalize_f32(g, eps, px, pscale, poffset, batch_mean, var, y);
  } else {
    normalize(g, eps, px, pscale, poffset, batch_mean, var, y);
  }
  if (training) {
    if (g.count() == 0) std::fill_n(saved_var, g.c, T(0));
    const T adjust = bessel<T>(g.count());
    for (int64_t ch = 0; ch < g.c; ++ch) batch_var[ch] = saved_var[ch] * adjust;
  } else {
    std::copy_n(batch_var, g.c, saved_var);
  }
  std::copy_n(batch_mean, g.c, saved_mean);
}

template <class T> void fused_batch_norm_grad(KernelContext& ctx) {
  constexpr auto& s = schema::kFusedBatchNormGrad;
  const np::Array& dy = ctx.input(s.index("y_backprop"));
  const np::Array& x = ctx.input(s.index("x"));
  const np::Array& scale = ctx.input(s.index("scale"));
  const np::Array& mean = ctx.input(s.index("reserve_space_1"));
  const np::Array& var = ctx.input(s.index("reserve_space_2"));
  const Geometry g = geometry(ctx, x, "input");
  geometry(ctx, dy, "y_backprop");
  if (dy.shape() != x.shape())
    throw errors::InvalidArgumentError("x and y_backprop must have same shape, but x has shape " +
                                       np::shape_str(x.shape()) + " and y_backprop has shape " +
                                       np::shape_str(dy.shape()) + " for '" + ctx.op_name() + "'");
  check_vector(ctx, scale, "scale", g);
  check_vector(ctx, mean, "saved mean", g);
  check_vector(ctx, var, "saved variance", g);
  const bool training = ctx.attr<bool>("is_training");
  const T eps = static_cast<T>(ctx.attr<double>("epsilon"));
  T* dx = ctx.allocate_output(0, x.shape(), x.dtype()).template data<T>();
  T* dscale = ctx.allocate_output(1, {g.c}, x.dtype()).template data<T>();
  T* doffset = ctx.allocate_output(2, {g.c}, x.dtype()).template data<T>();
  ctx.allocate_output(3, {0}, x.dtype());
  ctx.allocate_output(4, {0}, x.dtype());
  batch_norm_grad_loop(g, eps, training, dy.data<T>(), x.data<T>(), scale.data<T>(), mean.data<T>(),
                       var.data<T>(), dx, dscale, doffset);
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  r.add("FusedBatchNorm", "CPU", np::float32, fused_batch_norm<float>);
  r.add("FusedBatchNorm", "CPU", np::float64, fused_batch_norm<double>);
  r.add("FusedBatchNormGrad", "CPU", np::float32, fused_batch_norm_grad<float>);
  r.add("FusedBatchNormGrad", "CPU", np::float64, fused_batch_norm_grad<double>);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
