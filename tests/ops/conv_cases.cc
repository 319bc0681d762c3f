// Conformance cases: Conv2D, DepthwiseConv2dNative, their backprops,
// MaxPool(Grad), AvgPool(Grad),
// and BiasAdd(Grad) in NCHW. The references enumerate TF's window taps
// directly (SAME: out = ceil(in / stride), pad_before = total / 2) on NHWC
// float64 arrays; NCHW cases transpose to NHWC and back.
#include <cmath>
#include <limits>

#include "conformance.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;
using Dims = std::vector<int64_t>;

// A spatial window: kernel, stride, dilation, padding, on a [N, H, W, C] input.
struct Win {
  int64_t kh, kw, sh = 1, sw = 1, dh = 1, dw = 1;
  std::string padding = "VALID";
  std::string format = "NHWC";
  Dims strides() const { return nchw() ? Dims{1, 1, sh, sw} : Dims{1, sh, sw, 1}; }
  Dims ksize() const { return nchw() ? Dims{1, 1, kh, kw} : Dims{1, kh, kw, 1}; }
  Dims dilations() const { return nchw() ? Dims{1, 1, dh, dw} : Dims{1, dh, dw, 1}; }
  bool nchw() const { return format == "NCHW"; }
  // Output size and pad before along one axis.
  std::pair<int64_t, int64_t> axis(int64_t in, int64_t k, int64_t s, int64_t d) const {
    const int64_t eff = (k - 1) * d + 1;
    if (padding == "VALID") return {(in - eff) / s + 1, 0};
    const int64_t out = (in + s - 1) / s;
    return {out, std::max<int64_t>((out - 1) * s + eff - in, 0) / 2};
  }
};

// NHWC <-> NCHW of a rank-4 float64 array (to_nchw: [N,H,W,C] -> [N,C,H,W]).
np::Array transpose4(const np::Array& a, bool to_nchw) {
  const Dims s = a.shape();
  const Dims out = to_nchw ? Dims{s[0], s[3], s[1], s[2]} : Dims{s[0], s[2], s[3], s[1]};
  np::Array r = np::Array::empty(out, np::float64);
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t i = 0; i < s[1]; ++i)
      for (int64_t j = 0; j < s[2]; ++j)
        for (int64_t k = 0; k < s[3]; ++k) {
          const int64_t from = ((n * s[1] + i) * s[2] + j) * s[3] + k;
          const int64_t to = to_nchw ? ((n * s[3] + k) * s[1] + i) * s[2] + j   // [n][k][i][j]
                                     : ((n * s[2] + j) * s[3] + k) * s[1] + i;  // [n][j][k][i]
          r.set_flat(to, a.get_flat(from));
        }
  return r;
}
np::Array to_nhwc(const np::Array& a, const Win& w) { return w.nchw() ? transpose4(a, false) : a; }
np::Array from_nhwc(const np::Array& a, const Win& w) { return w.nchw() ? transpose4(a, true) : a; }
Dims nhwc_dims(const Dims& d, const Win& w) { return w.nchw() ? Dims{d[0], d[2], d[3], d[1]} : d; }
Dims format_dims(const Dims& d, const Win& w) { return w.nchw() ? Dims{d[0], d[3], d[1], d[2]} : d; }

// Calls f(n, oy, ox, iy, ix, ky, kx) for every in-bounds tap of input
// [N, H, W] (NHWC) under window w.
template <class F> Dims for_each_tap(const Dims& in, const Win& w, F f) {
  const auto [oh, pt] = w.axis(in[1], w.kh, w.sh, w.dh);
  const auto [ow, pl] = w.axis(in[2], w.kw, w.sw, w.dw);
  for (int64_t n = 0; n < in[0]; ++n)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox)
        for (int64_t ky = 0; ky < w.kh; ++ky)
          for (int64_t kx = 0; kx < w.kw; ++kx) {
            const int64_t iy = oy * w.sh - pt + ky * w.dh, ix = ox * w.sw - pl + kx * w.dw;
            if (iy >= 0 && iy < in[1] && ix >= 0 && ix < in[2]) f(n, oy, ox, iy, ix, ky, kx);
          }
  return {in[0], oh, ow};
}

// mode 0: y = conv(x, f); 1: dx from (f, dy); 2: df from (x, dy). NHWC arrays.
np::Array ref_conv(int mode, const Dims& x_dims, const Dims& f_dims, const np::Array& a, const np::Array& b,
                   const Win& w) {
  const int64_t c = x_dims[3], oc = f_dims[3];
  const auto [oh, pt] = w.axis(x_dims[1], w.kh, w.sh, w.dh);
  const auto [ow, pl] = w.axis(x_dims[2], w.kw, w.sw, w.dw);
  const Dims y_dims{x_dims[0], oh, ow, oc};
  np::Array out = np::zeros(mode == 0 ? y_dims : mode == 1 ? x_dims : f_dims, np::float64);
  for_each_tap(x_dims, w, [&](int64_t n, int64_t oy, int64_t ox, int64_t iy, int64_t ix, int64_t ky, int64_t kx) {
    for (int64_t i = 0; i < c; ++i)
      for (int64_t o = 0; o < oc; ++o) {
        const int64_t xi = ((n * x_dims[1] + iy) * x_dims[2] + ix) * c + i;
        const int64_t fi = ((ky * w.kw + kx) * c + i) * oc + o;
        const int64_t yi = ((n * oh + oy) * ow + ox) * oc + o;
        if (mode == 0) out.set_flat(yi, out.get_flat(yi) + a.get_flat(xi) * b.get_flat(fi));
        if (mode == 1) out.set_flat(xi, out.get_flat(xi) + a.get_flat(fi) * b.get_flat(yi));
        if (mode == 2) out.set_flat(fi, out.get_flat(fi) + a.get_flat(xi) * b.get_flat(yi));
      }
  });
  return out;
}

Dims conv_out_dims(const Dims& x_nhwc, const Dims& f, const Win& w) {
  return {x_nhwc[0], w.axis(x_nhwc[1], w.kh, w.sh, w.dh).first, w.axis(x_nhwc[2], w.kw, w.sw, w.dw).first, f[3]};
}

tf::AttrMap conv_attrs(const Win& w) {
  return {{"strides", w.strides()}, {"padding", w.padding}, {"data_format", w.format},
          {"dilations", w.dilations()}};
}

// x: NHWC dims; filter [KH, KW, C, OC].
Case conv2d(const std::string& label, const Dims& x, const Dims& f, Win w) {
  w.kh = f[0];
  w.kw = f[1];
  return Case{.op = "Conv2D", .label = label, .input_shapes = {format_dims(x, w), f},
              .build = [w](const V& in) {
                return Built{tf::nn::conv2d(in[0], in[1], w.strides(), w.padding, w.format, w.dilations())};
              },
              .reference = [w, x, f](const A& in) {
                return from_nhwc(ref_conv(0, x, f, to_nhwc(in[0], w), in[1], w), w);
              }};
}
CONFORMANCE_CASE(conv2d("nhwc_valid", {2, 5, 4, 3}, {3, 2, 3, 2}, Win{.kh = 0, .kw = 0}));
// in 6, k 3, s 2: out 3, total pad 1, all of it after (TF's asymmetric SAME).
CONFORMANCE_CASE(conv2d("nhwc_same_stride2", {1, 6, 5, 2}, {3, 3, 2, 3},
                        Win{.kh = 0, .kw = 0, .sh = 2, .sw = 2, .padding = "SAME"}));
CONFORMANCE_CASE(conv2d("nhwc_same_dilated", {1, 6, 6, 2}, {2, 3, 2, 2},
                        Win{.kh = 0, .kw = 0, .dh = 2, .dw = 2, .padding = "SAME"}));
CONFORMANCE_CASE(conv2d("nchw_same", {2, 5, 5, 2}, {3, 3, 2, 3},
                        Win{.kh = 0, .kw = 0, .padding = "SAME", .format = "NCHW"}));
CONFORMANCE_CASE(conv2d("nchw_valid_stride2", {1, 7, 6, 3}, {3, 2, 3, 2},
                        Win{.kh = 0, .kw = 0, .sh = 2, .sw = 3, .format = "NCHW"}));

tf::Tensor int_constant(const Dims& d) {
  std::vector<int32_t> v(d.begin(), d.end());
  return tf::constant(np::Array::from_vector(v, {4}));
}

// Conv2DBackpropInput(input_sizes, filter, out_backprop) for input x (NHWC dims).
Case backprop_input(const std::string& label, const Dims& x, const Dims& f, Win w) {
  w.kh = f[0];
  w.kw = f[1];
  const Dims y = conv_out_dims(x, f, w);
  return Case{.op = "Conv2DBackpropInput", .label = label, .input_shapes = {f, format_dims(y, w)},
              .build = [w, x](const V& in) {
                return Built{tf::op_builder::create1("Conv2DBackpropInput",
                                                     {int_constant(format_dims(x, w)), in[0], in[1]}, conv_attrs(w))};
              },
              .reference = [w, x, f](const A& in) {
                return from_nhwc(ref_conv(1, x, f, in[0], to_nhwc(in[1], w), w), w);
              }};
}
CONFORMANCE_CASE(backprop_input("nhwc_same_stride2", {2, 6, 5, 2}, {3, 3, 2, 3},
                                Win{.kh = 0, .kw = 0, .sh = 2, .sw = 2, .padding = "SAME"}));
CONFORMANCE_CASE(backprop_input("nchw_valid", {1, 5, 4, 3}, {2, 2, 3, 2}, Win{.kh = 0, .kw = 0, .format = "NCHW"}));
CONFORMANCE_CASE(backprop_input("nhwc_valid_dilated", {1, 6, 6, 2}, {2, 2, 2, 2},
                                Win{.kh = 0, .kw = 0, .sh = 2, .sw = 1, .dh = 2, .dw = 2}));

// Conv2DBackpropFilter(input, filter_sizes, out_backprop).
Case backprop_filter(const std::string& label, const Dims& x, const Dims& f, Win w) {
  w.kh = f[0];
  w.kw = f[1];
  const Dims y = conv_out_dims(x, f, w);
  return Case{.op = "Conv2DBackpropFilter", .label = label, .input_shapes = {format_dims(x, w), format_dims(y, w)},
              .build = [w, f](const V& in) {
                return Built{tf::op_builder::create1("Conv2DBackpropFilter", {in[0], int_constant(f), in[1]},
                                                     conv_attrs(w))};
              },
              .reference = [w, x, f](const A& in) {
                return ref_conv(2, x, f, to_nhwc(in[0], w), to_nhwc(in[1], w), w);
              }};
}
CONFORMANCE_CASE(backprop_filter("nhwc_same_stride2", {2, 6, 5, 2}, {3, 3, 2, 3},
                                 Win{.kh = 0, .kw = 0, .sh = 2, .sw = 2, .padding = "SAME"}));
CONFORMANCE_CASE(backprop_filter("nchw_valid", {1, 5, 4, 3}, {2, 2, 3, 2}, Win{.kh = 0, .kw = 0, .format = "NCHW"}));

// DepthwiseConv2dNative and its backprops: input channel i meets filter
// [.., i, m] and writes output channel i * M + m. Same modes as ref_conv.
np::Array ref_depthwise(int mode, const Dims& x_dims, const Dims& f_dims, const np::Array& a,
                        const np::Array& b, const Win& w) {
  const int64_t c = x_dims[3], m = f_dims[3];
  const auto [oh, pt] = w.axis(x_dims[1], w.kh, w.sh, w.dh);
  const auto [ow, pl] = w.axis(x_dims[2], w.kw, w.sw, w.dw);
  const Dims y_dims{x_dims[0], oh, ow, c * m};
  np::Array out = np::zeros(mode == 0 ? y_dims : mode == 1 ? x_dims : f_dims, np::float64);
  for_each_tap(x_dims, w, [&](int64_t n, int64_t oy, int64_t ox, int64_t iy, int64_t ix, int64_t ky, int64_t kx) {
    for (int64_t i = 0; i < c; ++i)
      for (int64_t j = 0; j < m; ++j) {
        const int64_t xi = ((n * x_dims[1] + iy) * x_dims[2] + ix) * c + i;
        const int64_t fi = ((ky * w.kw + kx) * c + i) * m + j;
        const int64_t yi = ((n * oh + oy) * ow + ox) * c * m + i * m + j;
        if (mode == 0) out.set_flat(yi, out.get_flat(yi) + a.get_flat(xi) * b.get_flat(fi));
        if (mode == 1) out.set_flat(xi, out.get_flat(xi) + a.get_flat(fi) * b.get_flat(yi));
        if (mode == 2) out.set_flat(fi, out.get_flat(fi) + a.get_flat(xi) * b.get_flat(yi));
      }
  });
  return out;
}

// x: NHWC dims; filter [KH, KW, C, M].
Case depthwise(const std::string& label, const Dims& x, const Dims& f, Win w) {
  w.kh = f[0];
  w.kw = f[1];
  return Case{.op = "DepthwiseConv2dNative", .label = label, .input_shapes = {format_dims(x, w), f},
              .build = [w](const V& in) {
                return Built{tf::op_builder::create1("DepthwiseConv2dNative", {in[0], in[1]}, conv_attrs(w))};
              },
              .reference = [w, x, f](const A& in) {
                return from_nhwc(ref_depthwise(0, x, f, to_nhwc(in[0], w), in[1], w), w);
              }};
}
CONFORMANCE_CASE(depthwise("nhwc_valid_m2", {2, 5, 4, 3}, {3, 2, 3, 2}, Win{.kh = 0, .kw = 0}));
CONFORMANCE_CASE(depthwise("nhwc_same_stride2", {1, 6, 5, 2}, {3, 3, 2, 1},
                           Win{.kh = 0, .kw = 0, .sh = 2, .sw = 2, .padding = "SAME"}));
CONFORMANCE_CASE(depthwise("nhwc_same_dilated", {1, 6, 6, 2}, {2, 2, 2, 2},
                           Win{.kh = 0, .kw = 0, .dh = 2, .dw = 2, .padding = "SAME"}));
CONFORMANCE_CASE(depthwise("nchw_same_m3", {2, 5, 5, 2}, {3, 3, 2, 3},
                           Win{.kh = 0, .kw = 0, .padding = "SAME", .format = "NCHW"}));

Dims depthwise_out_dims(const Dims& x_nhwc, const Dims& f, const Win& w) {
  return {x_nhwc[0], w.axis(x_nhwc[1], w.kh, w.sh, w.dh).first, w.axis(x_nhwc[2], w.kw, w.sw, w.dw).first,
          f[2] * f[3]};
}

Case depthwise_backprop_input(const std::string& label, const Dims& x, const Dims& f, Win w) {
  w.kh = f[0];
  w.kw = f[1];
  const Dims y = depthwise_out_dims(x, f, w);
  return Case{.op = "DepthwiseConv2dNativeBackpropInput", .label = label, .input_shapes = {f, format_dims(y, w)},
              .build = [w, x](const V& in) {
                return Built{tf::op_builder::create1("DepthwiseConv2dNativeBackpropInput",
                                                     {int_constant(format_dims(x, w)), in[0], in[1]}, conv_attrs(w))};
              },
              .reference = [w, x, f](const A& in) {
                return from_nhwc(ref_depthwise(1, x, f, in[0], to_nhwc(in[1], w), w), w);
              }};
}
CONFORMANCE_CASE(depthwise_backprop_input("nhwc_same_stride2", {2, 6, 5, 2}, {3, 3, 2, 2},
                                          Win{.kh = 0, .kw = 0, .sh = 2, .sw = 2, .padding = "SAME"}));
CONFORMANCE_CASE(depthwise_backprop_input("nchw_valid", {1, 5, 4, 3}, {2, 2, 3, 1},
                                          Win{.kh = 0, .kw = 0, .format = "NCHW"}));

Case depthwise_backprop_filter(const std::string& label, const Dims& x, const Dims& f, Win w) {
  w.kh = f[0];
  w.kw = f[1];
  const Dims y = depthwise_out_dims(x, f, w);
  return Case{.op = "DepthwiseConv2dNativeBackpropFilter", .label = label,
              .input_shapes = {format_dims(x, w), format_dims(y, w)},
              .build = [w, f](const V& in) {
                return Built{tf::op_builder::create1("DepthwiseConv2dNativeBackpropFilter",
                                                     {in[0], int_constant(f), in[1]}, conv_attrs(w))};
              },
              .reference = [w, x, f](const A& in) {
                return ref_depthwise(2, x, f, to_nhwc(in[0], w), to_nhwc(in[1], w), w);
              }};
}
CONFORMANCE_CASE(depthwise_backprop_filter("nhwc_same_stride2", {2, 6, 5, 2}, {3, 3, 2, 2},
                                           Win{.kh = 0, .kw = 0, .sh = 2, .sw = 2, .padding = "SAME"}));
CONFORMANCE_CASE(depthwise_backprop_filter("nchw_valid", {1, 5, 4, 3}, {2, 2, 3, 2},
                                           Win{.kh = 0, .kw = 0, .format = "NCHW"}));

// Pooling reference: max, or mean of the unpadded window, on NHWC x.
np::Array ref_pool(bool max, const np::Array& x, const Win& w) {
  const Dims d = x.shape();
  const auto [oh, pt] = w.axis(d[1], w.kh, w.sh, 1);
  const auto [ow, pl] = w.axis(d[2], w.kw, w.sw, 1);
  np::Array out = np::Array::empty({d[0], oh, ow, d[3]}, np::float64);
  np::Array count = np::zeros({d[0], oh, ow, d[3]}, np::float64);
  for (int64_t i = 0; i < out.size(); ++i) out.set_flat(i, max ? -INFINITY : 0.0);
  for_each_tap(Dims{d[0], d[1], d[2]}, w, [&](int64_t n, int64_t oy, int64_t ox, int64_t iy, int64_t ix, int64_t, int64_t) {
    for (int64_t c = 0; c < d[3]; ++c) {
      const int64_t o = ((n * oh + oy) * ow + ox) * d[3] + c;
      const double v = x.get_flat(((n * d[1] + iy) * d[2] + ix) * d[3] + c);
      out.set_flat(o, max ? std::max(out.get_flat(o), v) : out.get_flat(o) + v);
      count.set_flat(o, count.get_flat(o) + 1);
    }
  });
  if (!max)
    for (int64_t i = 0; i < out.size(); ++i) out.set_flat(i, out.get_flat(i) / count.get_flat(i));
  return out;
}

Case pool(const std::string& op, const std::string& label, const Dims& x, Win w) {
  const bool max = op == "MaxPool";
  return Case{.op = op, .label = label, .input_shapes = {format_dims(x, w)},
              .build = [w, max](const V& in) {
                return Built{max ? tf::nn::max_pool(in[0], w.ksize(), w.strides(), w.padding, w.format)
                                 : tf::nn::avg_pool(in[0], w.ksize(), w.strides(), w.padding, w.format)};
              },
              .reference = [w, max](const A& in) { return from_nhwc(ref_pool(max, to_nhwc(in[0], w), w), w); }};
}
CONFORMANCE_CASE(pool("MaxPool", "nhwc_same_3x3_stride2", {2, 6, 5, 3}, Win{.kh = 3, .kw = 3, .sh = 2, .sw = 2, .padding = "SAME"}));
CONFORMANCE_CASE(pool("MaxPool", "nchw_valid_2x2", {2, 4, 6, 2}, Win{.kh = 2, .kw = 2, .sh = 2, .sw = 2, .format = "NCHW"}));
CONFORMANCE_CASE(pool("AvgPool", "nhwc_same_3x3_stride2", {2, 6, 5, 3}, Win{.kh = 3, .kw = 3, .sh = 2, .sw = 2, .padding = "SAME"}));
CONFORMANCE_CASE(pool("AvgPool", "nchw_valid_2x3", {1, 5, 7, 2}, Win{.kh = 2, .kw = 3, .sh = 1, .sw = 2, .format = "NCHW"}));
CONFORMANCE_CASE(pool("AvgPool", "nchw_same_stride2", {1, 5, 5, 2}, Win{.kh = 2, .kw = 2, .sh = 2, .sw = 2, .padding = "SAME", .format = "NCHW"}));

// AvgPoolGrad(orig_input_shape, grad): each gradient shared by its window.
Case avg_pool_grad(const std::string& label, const Dims& x, const Win& w) {
  const Dims y{x[0], w.axis(x[1], w.kh, w.sh, 1).first, w.axis(x[2], w.kw, w.sw, 1).first, x[3]};
  return Case{.op = "AvgPoolGrad", .label = label, .input_shapes = {format_dims(y, w)},
              .build = [w, x](const V& in) {
                return Built{tf::op_builder::create1(
                    "AvgPoolGrad", {int_constant(format_dims(x, w)), in[0]},
                    {{"ksize", w.ksize()}, {"strides", w.strides()}, {"padding", w.padding}, {"data_format", w.format}})};
              },
              .reference = [w, x](const A& in) {
                const np::Array g = to_nhwc(in[0], w);
                const Dims yd = g.shape();
                np::Array count = np::zeros(yd, np::float64), dx = np::zeros(x, np::float64);
                auto each = [&](auto f) {
                  for_each_tap(Dims{x[0], x[1], x[2]}, w, [&](int64_t n, int64_t oy, int64_t ox, int64_t iy,
                                                               int64_t ix, int64_t, int64_t) {
                    for (int64_t c = 0; c < x[3]; ++c)
                      f(((n * yd[1] + oy) * yd[2] + ox) * x[3] + c, ((n * x[1] + iy) * x[2] + ix) * x[3] + c);
                  });
                };
                each([&](int64_t o, int64_t) { count.set_flat(o, count.get_flat(o) + 1); });
                each([&](int64_t o, int64_t i) { dx.set_flat(i, dx.get_flat(i) + g.get_flat(o) / count.get_flat(o)); });
                return from_nhwc(dx, w);
              }};
}
CONFORMANCE_CASE(avg_pool_grad("nhwc_same_3x3_stride2", {2, 6, 5, 3}, Win{.kh = 3, .kw = 3, .sh = 2, .sw = 2, .padding = "SAME"}));
CONFORMANCE_CASE(avg_pool_grad("nchw_valid_2x2", {1, 4, 6, 2}, Win{.kh = 2, .kw = 2, .sh = 2, .sw = 2, .format = "NCHW"}));

// MaxPoolGrad(x, max_pool(x), grad): each gradient to its window's first
// maximum. Not differentiable (TF uses MaxPoolGradGrad).
Case max_pool_grad(const std::string& label, const Dims& x, const Win& w) {
  const Dims y{x[0], w.axis(x[1], w.kh, w.sh, 1).first, w.axis(x[2], w.kw, w.sw, 1).first, x[3]};
  return Case{.op = "MaxPoolGrad", .label = label, .input_shapes = {format_dims(x, w), format_dims(y, w)},
              .build = [w](const V& in) {
                const tf::Tensor out = tf::nn::max_pool(in[0], w.ksize(), w.strides(), w.padding, w.format);
                return Built{tf::op_builder::create1(
                    "MaxPoolGrad", {in[0], out, in[1]},
                    {{"ksize", w.ksize()}, {"strides", w.strides()}, {"padding", w.padding}, {"data_format", w.format}})};
              },
              .reference = [w, x](const A& in) {
                const np::Array xs = to_nhwc(in[0], w), g = to_nhwc(in[1], w);
                const np::Array y = ref_pool(true, xs, w);
                const Dims yd = y.shape();
                np::Array dx = np::zeros(x, np::float64), taken = np::zeros(yd, np::float64);
                for_each_tap(Dims{x[0], x[1], x[2]}, w, [&](int64_t n, int64_t oy, int64_t ox, int64_t iy, int64_t ix,
                                                             int64_t, int64_t) {
                  for (int64_t c = 0; c < x[3]; ++c) {
                    const int64_t o = ((n * yd[1] + oy) * yd[2] + ox) * x[3] + c;
                    const int64_t i = ((n * x[1] + iy) * x[2] + ix) * x[3] + c;
                    if (taken.get_flat(o) == 0 && xs.get_flat(i) == y.get_flat(o)) {
                      taken.set_flat(o, 1);
                      dx.set_flat(i, dx.get_flat(i) + g.get_flat(o));
                    }
                  }
                });
                return from_nhwc(dx, w);
              },
              .check_gradient = false};
}
CONFORMANCE_CASE(max_pool_grad("nhwc_same_3x3_stride2", {2, 6, 5, 3}, Win{.kh = 3, .kw = 3, .sh = 2, .sw = 2, .padding = "SAME"}));
CONFORMANCE_CASE(max_pool_grad("nchw_valid_2x2", {1, 4, 6, 2}, Win{.kh = 2, .kw = 2, .sh = 2, .sw = 2, .format = "NCHW"}));
// Overlapping windows (stride 1 < k 2) with ties from repeated values.
CONFORMANCE_CASE([] {
  Case c = max_pool_grad("nhwc_overlap_ties", {1, 4, 4, 1}, Win{.kh = 2, .kw = 2, .padding = "SAME"});
  c.inputs = [] {
    np::Array x = np::Array::empty({1, 4, 4, 1}, np::float64), g = np::Array::empty({1, 4, 4, 1}, np::float64);
    for (int64_t i = 0; i < 16; ++i) {
      x.set_flat(i, static_cast<double>((i * 7) % 3));
      g.set_flat(i, 1 + 0.25 * static_cast<double>(i));
    }
    return A{x, g};
  };
  return c;
}());

// BiasAdd / BiasAddGrad with NCHW: the bias runs along axis 1.
CONFORMANCE_CASE(Case{.op = "BiasAdd", .label = "nchw", .input_shapes = {{2, 3, 2, 4}, {3}},
                      .build = [](const V& in) { return Built{tf::nn::bias_add(in[0], in[1], "NCHW")}; },
                      .reference = [](const A& x) {
                        np::Array out = x[0].copy();
                        for (int64_t i = 0; i < out.size(); ++i)
                          out.set_flat(i, out.get_flat(i) + x[1].get_flat((i / 8) % 3));
                        return out;
                      }});
CONFORMANCE_CASE(Case{.op = "BiasAddGrad", .label = "nchw", .input_shapes = {{2, 3, 5}},
                      .build = [](const V& in) {
                        return Built{tf::op_builder::create1("BiasAddGrad", {in[0]},
                                                             {{"data_format", std::string("NCHW")}})};
                      },
                      .reference = [](const A& x) {
                        np::Array out = np::zeros({3}, np::float64);
                        for (int64_t i = 0; i < x[0].size(); ++i)
                          out.set_flat((i / 5) % 3, out.get_flat((i / 5) % 3) + x[0].get_flat(i));
                        return out;
                      }});

}  // namespace
}  // namespace conformance
