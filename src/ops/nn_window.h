// TF 1.x's window arithmetic for convolutions and pooling (shared by the op
// files nn_conv.cc / nn_pool.cc and their kernels): output sizes and
// padding for "SAME" and "VALID", strides and dilations, the data format's
// axes, and the attr checks TF's shape functions make.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "keraspp/graph/op_registry.h"
#include "keraspp/ops/array_ops.h"

namespace tf::window {

// One spatial axis: output size and the padding TF adds before and after.
struct Axis {
  int64_t out = -1;
  int64_t pad_before = 0, pad_after = 0;
};

// TF's GetWindowedOutputSizeVerboseV2. in: input size (-1 unknown), k: window
// size, stride > 0, dilation > 0. VALID: out = ceil((in - k_eff + 1) / stride);
// SAME: out = ceil(in / stride) with total padding
// max((out - 1) * stride + k_eff - in, 0), pad_before = total / 2 (the odd
// one goes after). Throws ShapeError "Negative dimension size ..." when the
// window is larger than the (VALID) input.
inline Axis axis(int64_t in, int64_t k, int64_t stride, int64_t dilation, bool same) {
  const int64_t k_eff = (k - 1) * dilation + 1;
  Axis a;
  if (in < 0) return a;
  if (same) {
    a.out = (in + stride - 1) / stride;
    const int64_t total = std::max<int64_t>((a.out - 1) * stride + k_eff - in, 0);
    a.pad_before = total / 2;
    a.pad_after = total - a.pad_before;
  } else {
    a.out = (in - k_eff + stride) / stride;
    if (in < k_eff)
      throw ShapeError("Negative dimension size caused by subtracting " + std::to_string(k_eff) +
                       " from " + std::to_string(in));
  }
  return a;
}

// Axes of a rank-4 tensor in a data format ("NHWC" or "NCHW").
struct Format {
  bool nhwc = true;
  explicit Format(const std::string& data_format) : nhwc(data_format != "NCHW") {}
  int n() const { return 0; }
  int c() const { return nhwc ? 3 : 1; }
  int h() const { return nhwc ? 1 : 2; }
  int w() const { return nhwc ? 2 : 3; }
  // [n, h, w, c] in this format's order.
  std::vector<int64_t> dims(int64_t n, int64_t h, int64_t w, int64_t c) const {
    return nhwc ? std::vector<int64_t>{n, h, w, c} : std::vector<int64_t>{n, c, h, w};
  }
};

// A 4-value list attr (strides, ksize, dilations) in the data format's
// order; TF's checks: 4 values, positive, and none in the batch or depth
// dimension. `what` is TF's word ("stride", "dilation", "ksize").
inline void check_list(const std::string& op, const std::string& what,
                       const std::vector<int64_t>& v, const Format& f) {
  if (v.size() != 4)
    throw ShapeError(op + " requires the " + what + " attribute to contain 4 values, but got: " +
                     std::to_string(v.size()));
  for (int64_t x : v)
    if (x <= 0) throw ShapeError(what + " must be > 0, but got " + std::to_string(x));
  if (v[f.n()] != 1 || v[f.c()] != 1)
    throw ShapeError(what == "ksize"
                         ? "Pooling is not yet supported on the batch nor depth dimension."
                         : "Current implementation does not yet support " + what +
                               "s in the batch and depth dimensions.");
}

// Everything a 2-D window op's kernel needs, from known shapes.
// input: [n, in_h, in_w, c] (in `format`), window k_h x k_w.
struct Geometry2D {
  Format format{"NHWC"};
  int64_t n = 0, in_h = 0, in_w = 0, c = 0;
  int64_t k_h = 0, k_w = 0;
  int64_t stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
  Axis rows, cols;
  std::vector<int64_t> out_dims(int64_t out_c) const {
    return format.dims(n, rows.out, cols.out, out_c);
  }
};

// input_dims: the input's 4 dims in `format`; strides/dilations in `format`'s order.
inline Geometry2D geometry(const std::vector<int64_t>& input_dims, int64_t k_h, int64_t k_w,
                           const std::vector<int64_t>& strides, const std::vector<int64_t>& dilations,
                           const std::string& padding, const Format& f) {
  Geometry2D g;
  g.format = f;
  g.n = input_dims[f.n()];
  g.in_h = input_dims[f.h()];
  g.in_w = input_dims[f.w()];
  g.c = input_dims[f.c()];
  g.k_h = k_h;
  g.k_w = k_w;
  g.stride_h = strides[f.h()];
  g.stride_w = strides[f.w()];
  g.dil_h = dilations[f.h()];
  g.dil_w = dilations[f.w()];
  const bool same = padding == "SAME";
  g.rows = axis(g.in_h, k_h, g.stride_h, g.dil_h, same);
  g.cols = axis(g.in_w, k_w, g.stride_w, g.dil_w, same);
  return g;
}

// The dims of x as an int32 tensor for a gradient's sizes input: a constant
// when x's shape is known (the backprop op then has a static shape), else Shape(x).
inline Tensor sizes_of(const Tensor& x) {
  const TensorShape& s = x.shape();
  if (!s.fully_defined()) return shape(x);
  std::vector<int32_t> v(s.dims().begin(), s.dims().end());
  return constant(np::Array::from_vector(v, {static_cast<int64_t>(v.size())}));
}

}  // namespace tf::window
