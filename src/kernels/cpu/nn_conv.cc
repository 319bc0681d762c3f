// CPU kernels of Conv2D, DepthwiseConv2dNative and their backprops (input,
// filter), and the plan's _FusedConv2D(Relu) (bias and relu as oneDNN
// bias / post-op): float32 on oneDNN's convolution primitives (forward, backward
// data, backward weights; a depthwise convolution is oneDNN's grouped one
// with one group per input channel), cached per shape in the shared context;
// float64 as plain loops (the conformance harness's reference precision;
// oneDNN has no f64 convolution).
#include <algorithm>
#include <cstdlib>
#include <limits>
#include <unordered_map>
#include <vector>

#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include "../../ops/nn_conv_schema.h"
#include "../../ops/nn_window.h"
#include "dnnl_context.h"
#include "kernels/kernel.h"

namespace tf::kernels {
namespace {

namespace dctx = cpu::dnnl_context;

// The geometry of one convolution from its input dims [4] and filter dims:
// [KH, KW, C, OC] (groups 1) or, depthwise, [KH, KW, C, M] (groups C,
// out_c C * M, output channel c * M + m); InvalidArgument (TF's runtime
// wording) for bad shapes.
struct Conv {
  window::Geometry2D g;
  int64_t out_c = 0;
  int64_t groups = 1;
};

Conv conv_geometry(const KernelContext& ctx, const np::Shape& input, const np::Shape& filter,
                   bool depthwise = false) {
  if (input.size() != 4)
    throw errors::InvalidArgumentError("input must be 4-dimensional" + np::shape_str(input) +
                                       " for '" + ctx.op_name() + "'");
  if (filter.size() != 4)
    throw errors::InvalidArgumentError("filter must be 4-dimensional: " + np::shape_str(filter) +
                                       " for '" + ctx.op_name() + "'");
  const window::Format f(ctx.attr<std::string>("data_format"));
  if (input[static_cast<size_t>(f.c())] != filter[2])
    throw errors::InvalidArgumentError(
        "input and filter must have the same depth: " + std::to_string(input[static_cast<size_t>(f.c())]) +
        " vs " + std::to_string(filter[2]) + " for '" + ctx.op_name() + "'");
  try {
    return Conv{window::geometry(input, filter[0], filter[1], ctx.attr<std::vector<int64_t>>("strides"),
                                 ctx.attr<std::vector<int64_t>>("dilations"),
                                 ctx.attr<std::string>("padding"), f),
                depthwise ? filter[2] * filter[3] : filter[3], depthwise ? filter[2] : 1};
  } catch (const ShapeError& e) {
    throw errors::InvalidArgumentError(std::string(e.what()) + " for '" + ctx.op_name() + "'");
  }
}

// The 4 dims held by an int32 sizes input.
np::Shape sizes(const KernelContext& ctx, int input) {
  const np::Array& a = ctx.input(input);
  if (a.ndim() != 1 || a.size() != 4)
    throw errors::InvalidArgumentError("Conv2D sizes must be a 4-vector, got " + np::shape_str(a.shape()) +
                                       " for '" + ctx.op_name() + "'");
  np::Shape s(4);
  for (int64_t i = 0; i < 4; ++i) s[static_cast<size_t>(i)] = a.data<int32_t>()[i];
  return s;
}

// ---- float64: plain loops ------------------------------------------------

// Element offset of (n, h, w, c) in a [N, H, W, C] or [N, C, H, W] buffer.
struct Indexer {
  bool nhwc;
  int64_t h, w, c;
  int64_t operator()(int64_t n, int64_t y, int64_t x, int64_t ch) const {
    return nhwc ? ((n * h + y) * w + x) * c + ch : ((n * c + ch) * h + y) * w + x;
  }
};

// Visits every (input element, filter element, output element) triple the
// convolution multiplies, for batch item n: f(input_off, filter_off, output_off).
// Input channel ic of group ic / in_per_group meets that group's outputs;
// the filter holds out_per_group values per input channel.
template <class F> void for_each_tap(const Conv& cv, int64_t n, F f) {
  const auto& g = cv.g;
  const Indexer in{g.format.nhwc, g.in_h, g.in_w, g.c};
  const Indexer out{g.format.nhwc, g.rows.out, g.cols.out, cv.out_c};
  const int64_t in_per_group = g.c / cv.groups, out_per_group = cv.out_c / cv.groups;
  for (int64_t oy = 0; oy < g.rows.out; ++oy)
    for (int64_t ox = 0; ox < g.cols.out; ++ox)
      for (int64_t ky = 0; ky < g.k_h; ++ky) {
        const int64_t iy = oy * g.stride_h - g.rows.pad_before + ky * g.dil_h;
        if (iy < 0 || iy >= g.in_h) continue;
        for (int64_t kx = 0; kx < g.k_w; ++kx) {
          const int64_t ix = ox * g.stride_w - g.cols.pad_before + kx * g.dil_w;
          if (ix < 0 || ix >= g.in_w) continue;
          for (int64_t ic = 0; ic < g.c; ++ic) {
            const int64_t first_oc = ic / in_per_group * out_per_group;
            for (int64_t o = 0; o < out_per_group; ++o)
              f(in(n, iy, ix, ic), ((ky * g.k_w + kx) * g.c + ic) * out_per_group + o,
                out(n, oy, ox, first_oc + o));
          }
        }
      }
}

// mode 0: forward (x, w -> y); 1: backprop input (w, dy -> dx); 2: backprop
// filter (x, dy -> dw). Each batch item writes its own slice in modes 0 and 1.
void conv_f64(const Conv& cv, int mode, const double* a, const double* b, double* out, int64_t out_size) {
  std::fill(out, out + out_size, 0.0);
  if (mode == 2) {
    for (int64_t n = 0; n < cv.g.n; ++n)
      for_each_tap(cv, n, [&](int64_t i, int64_t k, int64_t o) { out[k] += a[i] * b[o]; });
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < cv.g.n; ++n) {
    if (mode == 0)
      for_each_tap(cv, n, [&](int64_t i, int64_t k, int64_t o) { out[o] += a[i] * b[k]; });
    else
      for_each_tap(cv, n, [&](int64_t i, int64_t k, int64_t o) { out[i] += a[k] * b[o]; });
  }
}

// ---- float32: oneDNN -------------------------------------------------------

using dims = dnnl::memory::dims;
using tag = dnnl::memory::format_tag;

struct ConvDescs {
  dnnl::memory::desc src, weights, dst;
  dims strides, dilates, pad_l, pad_r;
};

ConvDescs descs(const Conv& cv) {
  const auto& g = cv.g;
  const auto f32 = dnnl::memory::data_type::f32;
  const tag t = g.format.nhwc ? tag::nhwc : tag::nchw;
  // TF's [KH, KW, C, M] depthwise filter is oneDNN's hwigo with i = 1.
  const dnnl::memory::desc weights =
      cv.groups == 1 ? dnnl::memory::desc({cv.out_c, g.c, g.k_h, g.k_w}, f32, tag::hwio)
                     : dnnl::memory::desc({cv.groups, cv.out_c / cv.groups, g.c / cv.groups, g.k_h, g.k_w}, f32,
                                          tag::hwigo);
  return ConvDescs{dnnl::memory::desc({g.n, g.c, g.in_h, g.in_w}, f32, t), weights,
                   dnnl::memory::desc({g.n, cv.out_c, g.rows.out, g.cols.out}, f32, t),
                   {g.stride_h, g.stride_w},
                   {g.dil_h - 1, g.dil_w - 1},
                   {g.rows.pad_before, g.cols.pad_before},
                   {g.rows.pad_after, g.cols.pad_after}};
}

dctx::PrimitiveKey conv_key(const Conv& cv, int mode) {
  const auto& g = cv.g;
  dctx::PrimitiveKey key(dnnl::primitive::kind::convolution);
  key.add(mode).add(g.format.nhwc).add(g.n).add(g.c).add(g.in_h).add(g.in_w).add(g.k_h).add(g.k_w);
  key.add(cv.out_c).add(cv.groups).add(g.stride_h).add(g.stride_w).add(g.dil_h).add(g.dil_w);
  key.add(g.rows.pad_before).add(g.rows.pad_after).add(g.cols.pad_before).add(g.cols.pad_after);
  return key;
}

// Modes: 0 forward, 1 backward data, 2 backward weights, 3 forward + bias
// (_FusedConv2D), 4 forward + bias + relu post-op (_FusedConv2DRelu).
constexpr int kForwardBias = 3, kForwardBiasRelu = 4;

// The descriptors with the weights in whatever format the primitive runs
// fastest in (format_tag::any): with TF's HWIO weights oneDNN falls back to
// its im2col + sgemm convolution, with its own blocked weights it picks the
// direct JIT / brgemm kernels, which take the NHWC / NCHW activations as they
// are (measured single-threaded on the mnist_cnn shapes, bench_conv_roofline:
// the step's convolutions 157 -> 89 ms). The kernel converts the weights at
// the call (a few KB; they change every training step).
ConvDescs with_any_weights(ConvDescs d) {
  d.weights = dnnl::memory::desc(d.weights.dims(), d.weights.data_type(), tag::any);
  return d;
}

// The forward primitive; with_bias adds a bias [OC], relu a relu post-op.
// `d`'s weights may be format_tag::any.
dnnl::convolution_forward::primitive_desc forward_pd(const ConvDescs& d, bool with_bias = false, bool relu = false) {
  dnnl::primitive_attr attr = dctx::default_attr();
  if (relu) {
    // Relu's kernel writes +0 for negatives; oneDNN's eltwise_relu (x * 0
    // there) writes -0, a clip to [0, max] the +0 Relu does.
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, 0.0f, std::numeric_limits<float>::max());
    attr.set_post_ops(ops);
  }
  const auto kind = dnnl::prop_kind::forward_training;
  const auto algo = dnnl::algorithm::convolution_direct;
  if (!with_bias)
    return dnnl::convolution_forward::primitive_desc(
        dnnl::convolution_forward::desc(kind, algo, d.src, d.weights, d.dst, d.strides, d.dilates, d.pad_l, d.pad_r),
        attr, dctx::engine());
  const dnnl::memory::desc bias({d.dst.dims()[1]}, dnnl::memory::data_type::f32, tag::a);
  return dnnl::convolution_forward::primitive_desc(
      dnnl::convolution_forward::desc(kind, algo, d.src, d.weights, bias, d.dst, d.strides, d.dilates, d.pad_l,
                                      d.pad_r),
      attr, dctx::engine());
}

// A cached convolution: `d` holds the caller's (plain) descriptors, `weights`
// the format the primitive reads or writes the weights in (d.weights when
// the primitive chose the plain one).
struct ConvPrimitive {
  dnnl::primitive prim;
  ConvDescs d;
  dnnl::memory::desc weights;
  dnnl::memory::desc scratchpad;
};

const ConvPrimitive& conv_primitive(const Conv& cv, int mode) {
  return dctx::cached<ConvPrimitive>(conv_key(cv, mode), [&] {
    const ConvDescs d = descs(cv), any = with_any_weights(d);
    if (mode >= kForwardBias) {
      const auto pd = forward_pd(any, true, mode == kForwardBiasRelu);
      return ConvPrimitive{dnnl::convolution_forward(pd), d, pd.weights_desc(), pd.scratchpad_desc()};
    }
    const auto fwd = forward_pd(any);
    if (mode == 0) return ConvPrimitive{dnnl::convolution_forward(fwd), d, fwd.weights_desc(), fwd.scratchpad_desc()};
    if (mode == 1) {
      dnnl::convolution_backward_data::primitive_desc pd(
          dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, any.src, any.weights, any.dst,
                                                d.strides, d.dilates, d.pad_l, d.pad_r),
          dctx::default_attr(), dctx::engine(), fwd);
      return ConvPrimitive{dnnl::convolution_backward_data(pd), d, pd.weights_desc(), pd.scratchpad_desc()};
    }
    dnnl::convolution_backward_weights::primitive_desc pd(
        dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, any.src, any.weights,
                                                 any.dst, d.strides, d.dilates, d.pad_l, d.pad_r),
        dctx::default_attr(), dctx::engine(), fwd);
    return ConvPrimitive{dnnl::convolution_backward_weights(pd), d, pd.diff_weights_desc(), pd.scratchpad_desc()};
  });
}

// The calling thread's buffer for weights in a primitive's own format,
// grown as needed and kept (so steady-state steps allocate nothing); apart
// from the scratchpad, which the primitive uses while it reads these.
float* weights_buffer(size_t bytes) {
  struct Buffer {
    float* data = nullptr;
    size_t bytes = 0;
    ~Buffer() { std::free(data); }
  };
  thread_local Buffer buf;
  if (bytes > buf.bytes) {
    const size_t rounded = (bytes + 4095) / 4096 * 4096;
    auto* p = static_cast<float*>(std::aligned_alloc(4096, rounded));
    if (!p) throw std::bad_alloc();
    std::free(buf.data);
    buf.data = p;
    buf.bytes = rounded;
  }
  return buf.data;
}

// Runs mode's primitive on (src, weights, dst) buffers, one of them the output.
// weights: TF's HWIO filter (read, or written by mode 2), converted from or
// to the primitive's format when it differs. bias: [OC], read by the fused
// modes only.
void conv_f32(const Conv& cv, int mode, const float* src, const float* weights, const float* dst,
              const float* bias = nullptr) {
  const ConvPrimitive& p = conv_primitive(cv, mode);
  const bool convert = p.weights != p.d.weights;
  float* own = convert ? weights_buffer(p.weights.get_size()) : const_cast<float*>(weights);
  if (convert && mode != 2) dctx::reorder(p.d.weights, weights, p.weights, own);
  dnnl::engine& eng = dctx::engine();
  dnnl::memory s(p.d.src, eng, const_cast<float*>(src)), w(p.weights, eng, own),
      o(p.d.dst, eng, const_cast<float*>(dst));
  const bool forward = mode == 0 || mode >= kForwardBias;
  const int src_arg = mode == 1 ? DNNL_ARG_DIFF_SRC : DNNL_ARG_SRC;
  const int weights_arg = mode == 2 ? DNNL_ARG_DIFF_WEIGHTS : DNNL_ARG_WEIGHTS;
  const int dst_arg = forward ? DNNL_ARG_DST : DNNL_ARG_DIFF_DST;
  dnnl::stream& stream = dctx::stream();
  std::unordered_map<int, dnnl::memory> args{
      {src_arg, s}, {weights_arg, w}, {dst_arg, o}, {DNNL_ARG_SCRATCHPAD, dctx::scratchpad(p.scratchpad)}};
  if (mode >= kForwardBias)
    args.emplace(DNNL_ARG_BIAS, dnnl::memory({{cv.out_c}, dnnl::memory::data_type::f32, tag::a}, eng,
                                             const_cast<float*>(bias)));
  p.prim.execute(stream, args);
  stream.wait();
  if (convert && mode == 2) dctx::reorder(p.weights, own, p.d.weights, const_cast<float*>(weights));
}

// Conv2DBackpropFilter in float32, summed over the batch in an order that
// does not depend on the team size (the thread governor changes it between
// runs; oneDNN's backward-weights reduction follows its thread partition):
// the batch is cut into a fixed number of chunks, each chunk's filter
// gradient is one oneDNN run (sequential inside the parallel loop), and the
// partial gradients are added in chunk order.
void backprop_filter_f32(const Conv& cv, const float* x, const float* dy, float* dw, int64_t dw_size) {
  constexpr int64_t kMaxChunks = 16;
  const auto& g = cv.g;
  const int64_t per_chunk = (g.n + kMaxChunks - 1) / kMaxChunks;
  const int64_t chunks = (g.n + per_chunk - 1) / per_chunk;
  const int64_t x_image = g.c * g.in_h * g.in_w, y_image = cv.out_c * g.rows.out * g.cols.out;
  // The calling thread's partial sums, grown as needed and kept.
  thread_local std::vector<float> partials;
  if (partials.size() < static_cast<size_t>(chunks * dw_size)) partials.resize(static_cast<size_t>(chunks * dw_size));
  float* const part = partials.data();
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < chunks; ++k) {
    // Each chunk's primitives must be built for (and keyed by) one thread:
    // omp_get_max_threads() in this region still says the outer team's size,
    // and a JIT kernel built for two threads that runs nested (a team of
    // one) computes part of the gradient or waits at its barrier forever.
    omp_set_num_threads(1);
    Conv chunk = cv;
    const int64_t n0 = k * per_chunk;
    chunk.g.n = std::min(per_chunk, g.n - n0);
    conv_f32(chunk, 2, x + n0 * x_image, part + k * dw_size, dy + n0 * y_image);
  }
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < dw_size; ++i) {
    float sum = part[i];
    for (int64_t k = 1; k < chunks; ++k) sum += part[k * dw_size + i];
    dw[i] = sum;
  }
}

// ---- the kernels -------------------------------------------------------------

template <class T> void run(const Conv& cv, int mode, const T* x, const T* w, const T* y, T* out,
                            int64_t out_size) {
  if (out_size == 0) return;
  if (cv.g.n == 0 || cv.g.rows.out == 0 || cv.g.cols.out == 0) {  // nothing to sum
    std::fill(out, out + out_size, T(0));
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    if (mode == 2)
      backprop_filter_f32(cv, x, y, out, out_size);
    else
      conv_f32(cv, mode, mode == 1 ? out : x, mode == 2 ? out : w, mode == 0 ? out : y);
  } else {
    conv_f64(cv, mode, mode == 1 ? w : x, mode == 0 ? w : y, out, out_size);
  }
}

// Depthwise ops share Conv2D's input names (checked here), so one kernel
// body serves both, the flag choosing the filter's meaning.
static_assert(schema::kDepthwiseConv2dNative.index("filter") == schema::kConv2D.index("filter"));
static_assert(schema::kDepthwiseConv2dNativeBackpropInput.index("out_backprop") ==
              schema::kConv2DBackpropInput.index("out_backprop"));
static_assert(schema::kDepthwiseConv2dNativeBackpropFilter.index("filter_sizes") ==
              schema::kConv2DBackpropFilter.index("filter_sizes"));

template <class T, bool kDepthwise> void conv2d(KernelContext& ctx) {
  const np::Array& x = ctx.input(schema::kConv2D.index("input"));
  const np::Array& w = ctx.input(schema::kConv2D.index("filter"));
  const Conv cv = conv_geometry(ctx, x.shape(), w.shape(), kDepthwise);
  np::Array& y = ctx.allocate_output(0, cv.g.out_dims(cv.out_c), x.dtype());
  run<T>(cv, 0, x.data<T>(), w.data<T>(), nullptr, y.data<T>(), y.size());
}

// Checks out_backprop against the forward output's shape.
void check_out_backprop(const KernelContext& ctx, const Conv& cv, const np::Array& dy) {
  if (dy.shape() != cv.g.out_dims(cv.out_c))
    throw errors::InvalidArgumentError(ctx.node().type + ": Size of out_backprop doesn't match computed: actual = " +
                                       np::shape_str(dy.shape()) + ", computed = " +
                                       np::shape_str(cv.g.out_dims(cv.out_c)) + " for '" + ctx.op_name() + "'");
}

template <class T, bool kDepthwise> void conv2d_backprop_input(KernelContext& ctx) {
  constexpr auto& s = schema::kConv2DBackpropInput;
  const np::Shape in = sizes(ctx, s.index("input_sizes"));
  const np::Array& w = ctx.input(s.index("filter"));
  const np::Array& dy = ctx.input(s.index("out_backprop"));
  const Conv cv = conv_geometry(ctx, in, w.shape(), kDepthwise);
  check_out_backprop(ctx, cv, dy);
  np::Array& dx = ctx.allocate_output(0, in, dy.dtype());
  run<T>(cv, 1, nullptr, w.data<T>(), dy.data<T>(), dx.data<T>(), dx.size());
}

template <class T, bool kDepthwise> void conv2d_backprop_filter(KernelContext& ctx) {
  constexpr auto& s = schema::kConv2DBackpropFilter;
  const np::Array& x = ctx.input(s.index("input"));
  const np::Shape filter = sizes(ctx, s.index("filter_sizes"));
  const np::Array& dy = ctx.input(s.index("out_backprop"));
  const Conv cv = conv_geometry(ctx, x.shape(), filter, kDepthwise);
  check_out_backprop(ctx, cv, dy);
  np::Array& dw = ctx.allocate_output(0, filter, dy.dtype());
  run<T>(cv, 2, x.data<T>(), nullptr, dy.data<T>(), dw.data<T>(), dw.size());
}

// The plan's Conv2D -> BiasAdd (-> Relu): one oneDNN convolution adding the
// bias (and applying relu) as it writes each output.
template <int kMode> void fused_conv2d(KernelContext& ctx) {
  constexpr auto& s = schema::kFusedConv2D;
  const np::Array& x = ctx.input(s.index("input"));
  const np::Array& w = ctx.input(s.index("filter"));
  const np::Array& b = ctx.input(s.index("bias"));
  const Conv cv = conv_geometry(ctx, x.shape(), w.shape());
  if (b.ndim() != 1 || b.size() != cv.out_c)
    throw errors::InvalidArgumentError("Must provide as many biases as the channel dimension of the input tensor: " +
                                       np::shape_str(b.shape()) + " vs. " + np::shape_str(cv.g.out_dims(cv.out_c)) +
                                       " for '" + ctx.op_name() + "'");
  np::Array& y = ctx.allocate_output(0, cv.g.out_dims(cv.out_c), x.dtype());
  if (y.size() == 0) return;
  conv_f32(cv, kMode, x.data<float>(), w.data<float>(), y.data<float>(), b.data<float>());
}

template <bool kDepthwise> void register_conv(KernelRegistry& r, const std::string& forward,
                                             const std::string& backprop) {
  r.add(forward, "CPU", np::float32, conv2d<float, kDepthwise>);
  r.add(forward, "CPU", np::float64, conv2d<double, kDepthwise>);
  r.add(backprop + "Input", "CPU", np::float32, conv2d_backprop_input<float, kDepthwise>);
  r.add(backprop + "Input", "CPU", np::float64, conv2d_backprop_input<double, kDepthwise>);
  r.add(backprop + "Filter", "CPU", np::float32, conv2d_backprop_filter<float, kDepthwise>);
  r.add(backprop + "Filter", "CPU", np::float64, conv2d_backprop_filter<double, kDepthwise>);
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  register_conv<false>(r, "Conv2D", "Conv2DBackprop");
  register_conv<true>(r, "DepthwiseConv2dNative", "DepthwiseConv2dNativeBackprop");
  r.add("_FusedConv2D", "CPU", np::float32, fused_conv2d<kForwardBias>);
  r.add("_FusedConv2DRelu", "CPU", np::float32, fused_conv2d<kForwardBiasRelu>);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
