// CPU kernels of MaxPool, AvgPool, AvgPoolGrad and MaxPoolGrad. float32
// MaxPool / AvgPool / AvgPoolGrad run oneDNN's pooling primitives (cached
// per shape in the shared context; average excludes padding, as TF);
// float64 runs plain loops (the conformance reference precision). MaxPoolGrad
// is a loop for both: TF's op gets MaxPool's input and output, not the
// workspace oneDNN's backward needs, and the loop routes each gradient to
// the window's first maximum as TF's CPU kernel does.
#include <algorithm>
#include <limits>

#include <oneapi/dnnl/dnnl.hpp>

#include "../../ops/nn_pool_schema.h"
#include "../../ops/nn_window.h"
#include "dnnl_context.h"
#include "kernels/kernel.h"

namespace tf::kernels {
namespace {

namespace dctx = cpu::dnnl_context;

// input dims [4] (in the op's data format) -> the window geometry.
window::Geometry2D pool_geometry(const KernelContext& ctx, const np::Shape& input) {
  if (input.size() != 4)
    throw errors::InvalidArgumentError("input must be 4-dimensional: " + np::shape_str(input) + " for '" +
                                       ctx.op_name() + "'");
  const window::Format f(ctx.attr<std::string>("data_format"));
  const auto& ksize = ctx.attr<std::vector<int64_t>>("ksize");
  try {
    return window::geometry(input, ksize[static_cast<size_t>(f.h())], ksize[static_cast<size_t>(f.w())],
                            ctx.attr<std::vector<int64_t>>("strides"), {1, 1, 1, 1},
                            ctx.attr<std::string>("padding"), f);
  } catch (const ShapeError& e) {
    throw errors::InvalidArgumentError(std::string(e.what()) + " for '" + ctx.op_name() + "'");
  }
}

// Element offset of (n, y, x, c) in the input (h, w = in) or output layout.
int64_t offset(const window::Geometry2D& g, bool output, int64_t n, int64_t y, int64_t x, int64_t c) {
  const int64_t h = output ? g.rows.out : g.in_h, w = output ? g.cols.out : g.in_w;
  return g.format.nhwc ? ((n * h + y) * w + x) * g.c + c : ((n * g.c + c) * h + y) * w + x;
}

// Calls f(input_offset) for each unpadded input of output (n, oy, ox, c)'s window.
template <class F>
void for_each_in_window(const window::Geometry2D& g, int64_t n, int64_t oy, int64_t ox, int64_t c, F f) {
  const int64_t y0 = oy * g.stride_h - g.rows.pad_before, x0 = ox * g.stride_w - g.cols.pad_before;
  for (int64_t y = std::max<int64_t>(y0, 0); y < std::min(y0 + g.k_h, g.in_h); ++y)
    for (int64_t x = std::max<int64_t>(x0, 0); x < std::min(x0 + g.k_w, g.in_w); ++x)
      f(offset(g, false, n, y, x, c));
}

// Calls f(n, oy, ox, c, output_offset) for every output, batch items in parallel.
template <class F> void for_each_output(const window::Geometry2D& g, F f) {
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oy = 0; oy < g.rows.out; ++oy)
      for (int64_t ox = 0; ox < g.cols.out; ++ox)
        for (int64_t c = 0; c < g.c; ++c) f(n, oy, ox, c, offset(g, true, n, oy, ox, c));
}

template <class T> void pool_loop(const window::Geometry2D& g, bool max, const T* x, T* y) {
  for_each_output(g, [&](int64_t n, int64_t oy, int64_t ox, int64_t c, int64_t o) {
    T acc = max ? -std::numeric_limits<T>::infinity() : T(0);
    int64_t count = 0;
    for_each_in_window(g, n, oy, ox, c, [&](int64_t i) {
      acc = max ? std::max(acc, x[i]) : acc + x[i];
      ++count;
    });
    y[o] = max ? acc : acc / static_cast<T>(count);
  });
}

// dx: zero, then each output's gradient spread evenly over its window.
template <class T> void avg_pool_grad_loop(const window::Geometry2D& g, const T* dy, T* dx, int64_t dx_size) {
  std::fill(dx, dx + dx_size, T(0));
  for_each_output(g, [&](int64_t n, int64_t oy, int64_t ox, int64_t c, int64_t o) {
    int64_t count = 0;
    for_each_in_window(g, n, oy, ox, c, [&](int64_t) { ++count; });
    const T share = dy[o] / static_cast<T>(count);
    for_each_in_window(g, n, oy, ox, c, [&](int64_t i) { dx[i] += share; });
  });
}

// ---- float32: oneDNN -------------------------------------------------------

struct Pool {
  dnnl::primitive prim;
  dnnl::memory::desc src, dst, scratchpad;
};

// kind 0: max forward, 1: average forward, 2: average backward.
const Pool& pool_primitive(const window::Geometry2D& g, int kind) {
  dctx::PrimitiveKey key(dnnl::primitive::kind::pooling);
  key.add(kind).add(g.format.nhwc).add(g.n).add(g.c).add(g.in_h).add(g.in_w).add(g.k_h).add(g.k_w);
  key.add(g.stride_h).add(g.stride_w).add(g.rows.pad_before).add(g.rows.pad_after);
  key.add(g.cols.pad_before).add(g.cols.pad_after);
  return dctx::cached<Pool>(key, [&] {
    using tag = dnnl::memory::format_tag;
    const auto f32 = dnnl::memory::data_type::f32;
    const tag t = g.format.nhwc ? tag::nhwc : tag::nchw;
    const dnnl::memory::desc src({g.n, g.c, g.in_h, g.in_w}, f32, t);
    const dnnl::memory::desc dst({g.n, g.c, g.rows.out, g.cols.out}, f32, t);
    const dnnl::memory::dims strides{g.stride_h, g.stride_w}, kernel{g.k_h, g.k_w},
        pad_l{g.rows.pad_before, g.cols.pad_before}, pad_r{g.rows.pad_after, g.cols.pad_after};
    const auto alg = kind == 0 ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
    // Inference: max pooling keeps no workspace (MaxPoolGrad recomputes).
    const auto prop = kind == 2 ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    dnnl::pooling_forward::primitive_desc fwd(
        dnnl::pooling_forward::desc(prop, alg, src, dst, strides, kernel, pad_l, pad_r), dctx::default_attr(),
        dctx::engine());
    if (kind != 2) return Pool{dnnl::pooling_forward(fwd), src, dst, fwd.scratchpad_desc()};
    dnnl::pooling_backward::primitive_desc bwd(
        dnnl::pooling_backward::desc(alg, src, dst, strides, kernel, pad_l, pad_r), dctx::default_attr(),
        dctx::engine(), fwd);
    return Pool{dnnl::pooling_backward(bwd), src, dst, bwd.scratchpad_desc()};
  });
}

void pool_f32(const window::Geometry2D& g, int kind, const float* src, const float* dst) {
  const Pool& p = pool_primitive(g, kind);
  dnnl::engine& eng = dctx::engine();
  dnnl::memory s(p.src, eng, const_cast<float*>(src)), d(p.dst, eng, const_cast<float*>(dst));
  dnnl::stream& stream = dctx::stream();
  p.prim.execute(stream, {{kind == 2 ? DNNL_ARG_DIFF_SRC : DNNL_ARG_SRC, s},
                          {kind == 2 ? DNNL_ARG_DIFF_DST : DNNL_ARG_DST, d},
                          {DNNL_ARG_SCRATCHPAD, dctx::scratchpad(p.scratchpad)}});
  stream.wait();
}

// ---- the kernels -------------------------------------------------------------

template <class T, bool kMax> void pool(KernelContext& ctx) {
  const np::Array& x = ctx.input(0);  // kMaxPool's "input", kAvgPool's "value"
  static_assert(schema::kMaxPool.index("input") == 0 && schema::kAvgPool.index("value") == 0);
  const window::Geometry2D g = pool_geometry(ctx, x.shape());
  np::Array& y = ctx.allocate_output(0, g.out_dims(g.c), x.dtype());
  if (y.size() == 0) return;
  if constexpr (std::is_same_v<T, float>)
    pool_f32(g, kMax ? 0 : 1, x.data<float>(), y.data<float>());
  else
    pool_loop(g, kMax, x.data<T>(), y.data<T>());
}

template <class T> void avg_pool_grad(KernelContext& ctx) {
  constexpr auto& s = schema::kAvgPoolGrad;
  const np::Array& sizes = ctx.input(s.index("orig_input_shape"));
  const np::Array& dy = ctx.input(s.index("grad"));
  if (sizes.ndim() != 1 || sizes.size() != 4)
    throw errors::InvalidArgumentError("out_backprop must be 1-dimensional and 4 elements for '" +
                                       ctx.op_name() + "'");
  np::Shape in(4);
  for (size_t i = 0; i < 4; ++i) in[i] = sizes.data<int32_t>()[i];
  const window::Geometry2D g = pool_geometry(ctx, in);
  if (dy.shape() != g.out_dims(g.c))
    throw errors::InvalidArgumentError("AvgPoolGrad: grad " + np::shape_str(dy.shape()) + " does not match " +
                                       np::shape_str(g.out_dims(g.c)) + " for '" + ctx.op_name() + "'");
  np::Array& dx = ctx.allocate_output(0, in, dy.dtype());
  if (dx.size() == 0) return;
  if constexpr (std::is_same_v<T, float>) {
    if (dy.size() > 0) {
      pool_f32(g, 2, dx.data<float>(), dy.data<float>());
      return;
    }
  }
  avg_pool_grad_loop(g, dy.data<T>(), dx.data<T>(), dx.size());
}

// MaxPoolGrad's routing: each output's gradient goes to the first input of
// its window (row-major order) equal to the output, added to dx (zeroed
// first). NHWC takes the window's positions outer and a block of channels
// inner, contiguous and vectorized (mnist_cnn's [128, 24, 24, 64] pool: 22
// -> 5 ms of CPU time single-threaded), NCHW the generic walk. Both add the
// outputs' shares to a dx element in the same (oy, ox) order, so the sums
// are the same.
template <class T>
void max_pool_grad_nhwc(const window::Geometry2D& g, const T* px, const T* py, const T* pg, T* pdx) {
  constexpr int64_t kBlock = 64;
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oy = 0; oy < g.rows.out; ++oy)
      for (int64_t ox = 0; ox < g.cols.out; ++ox) {
        const int64_t o = offset(g, true, n, oy, ox, 0);
        const int64_t y0 = oy * g.stride_h - g.rows.pad_before, x0 = ox * g.stride_w - g.cols.pad_before;
        for (int64_t c0 = 0; c0 < g.c; c0 += kBlock) {
          const int64_t width = std::min(kBlock, g.c - c0);
          // 1 while channel c's output has not been routed (an int, not a
          // bool, so the loop below vectorizes with masks).
          int32_t pending[kBlock];
          std::fill(pending, pending + width, 1);
          const T* __restrict out = py + o + c0;
          const T* __restrict grad = pg + o + c0;
          for (int64_t y = std::max<int64_t>(y0, 0); y < std::min(y0 + g.k_h, g.in_h); ++y)
            for (int64_t x = std::max<int64_t>(x0, 0); x < std::min(x0 + g.k_w, g.in_w); ++x) {
              const int64_t i = offset(g, false, n, y, x, c0);
              const T* __restrict in = px + i;
              T* __restrict d = pdx + i;
#pragma omp simd
              for (int64_t c = 0; c < width; ++c) {
                const int32_t first = pending[c] & static_cast<int32_t>(in[c] == out[c]);
                d[c] += first ? grad[c] : T(0);
                pending[c] ^= first;
              }
            }
        }
      }
}

template <class T> void max_pool_grad(KernelContext& ctx) {
  constexpr auto& s = schema::kMaxPoolGrad;
  const np::Array& x = ctx.input(s.index("orig_input"));
  const np::Array& y = ctx.input(s.index("orig_output"));
  const np::Array& dy = ctx.input(s.index("grad"));
  const window::Geometry2D g = pool_geometry(ctx, x.shape());
  if (y.shape() != g.out_dims(g.c) || dy.shape() != y.shape())
    throw errors::InvalidArgumentError("MaxPoolGrad: orig_output " + np::shape_str(y.shape()) + " and grad " +
                                       np::shape_str(dy.shape()) + " must be " + np::shape_str(g.out_dims(g.c)) +
                                       " for '" + ctx.op_name() + "'");
  np::Array& dx = ctx.allocate_output(0, x.shape(), x.dtype());
  const T *px = x.data<T>(), *py = y.data<T>(), *pg = dy.data<T>();
  T* pdx = dx.data<T>();
  std::fill(pdx, pdx + dx.size(), T(0));
  if (g.format.nhwc) {
    max_pool_grad_nhwc(g, px, py, pg, pdx);
    return;
  }
  for_each_output(g, [&](int64_t n, int64_t oy, int64_t ox, int64_t c, int64_t o) {
    int64_t at = -1;
    for_each_in_window(g, n, oy, ox, c, [&](int64_t i) {
      if (at < 0 && px[i] == py[o]) at = i;
    });
    if (at >= 0) pdx[at] += pg[o];
  });
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  r.add("MaxPool", "CPU", np::float32, pool<float, true>);
  r.add("MaxPool", "CPU", np::float64, pool<double, true>);
  r.add("AvgPool", "CPU", np::float32, pool<float, false>);
  r.add("AvgPool", "CPU", np::float64, pool<double, false>);
  r.add("AvgPoolGrad", "CPU", np::float32, avg_pool_grad<float>);
  r.add("AvgPoolGrad", "CPU", np::float64, avg_pool_grad<double>);
  r.add("MaxPoolGrad", "CPU", np::float32, max_pool_grad<float>);
  r.add("MaxPoolGrad", "CPU", np::float64, max_pool_grad<double>);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
