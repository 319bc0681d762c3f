// CPU kernels of BiasAdd, BiasAddGrad and Floor, and the backprop steps the
// plan fuses into BiasAddGrad (src/runtime/fuse.h): ReluGrad, optionally
// after _FusedDropoutGrad, computed in BiasAddGrad's pass.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "../../ops/nn_ops_schema.h"
#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"

namespace tf::kernels {
namespace {

// value: [N, ..., C] (NHWC) or [N, C, ...] (NCHW), viewed as [outer, C, inner]
// (NHWC: inner = 1; NCHW: outer = N).
struct ChannelView {
  int64_t outer = 0, c = 0, inner = 0;
};
ChannelView channel_view(const np::Array& v, bool nchw) {
  const int axis = nchw ? 1 : v.ndim() - 1;
  ChannelView cv{1, v.shape(axis), 1};
  for (int i = 0; i < v.ndim(); ++i) {
    if (i < axis) cv.outer *= v.shape(i);
    if (i > axis) cv.inner *= v.shape(i);
  }
  return cv;
}

bool is_nchw(const KernelContext& ctx) {
  return ctx.has_attr("data_format") && ctx.attr<std::string>("data_format") == "NCHW";
}

// value + bias (in place when value dies here).
template <class T> void bias_add_kernel(KernelContext& ctx) {
  constexpr int kValue = schema::kBiasAdd.index("value");
  const np::Array& v = ctx.input(kValue);
  const np::Array& b = ctx.input(schema::kBiasAdd.index("bias"));
  const bool nchw = is_nchw(ctx);
  if (v.ndim() < (nchw ? 3 : 2))
    throw errors::InvalidArgumentError("Input tensor must be at least " + std::string(nchw ? "3D: " : "2D: ") +
                                       np::shape_str(v.shape()) + " for '" + ctx.op_name() + "'");
  if (b.ndim() != 1)
    throw errors::InvalidArgumentError("Biases must be 1D: " + np::shape_str(b.shape()) + " for '" +
                                       ctx.op_name() + "'");
  const ChannelView cv = channel_view(v, nchw);
  if (b.size() != cv.c)
    throw errors::InvalidArgumentError(
        "Must provide as many biases as the channel dimension of the input tensor: " +
        np::shape_str(b.shape()) + " vs. " + np::shape_str(v.shape()) + " for '" + ctx.op_name() + "'");
  np::Array& out = ctx.forward_input_or_allocate(kValue, 0, v.shape(), v.dtype());
  const T* pv = v.data<T>();
  const T* pb = b.data<T>();
  T* po = out.data<T>();
  const int64_t c = cv.c, inner = cv.inner;
  if (inner == 1) {
    const int64_t rows = c ? v.size() / c : 0;
#pragma omp parallel for if (v.size() > np::kParallelGrain) schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const T* vr = pv + r * c;
      T* orow = po + r * c;
#pragma omp simd
      for (int64_t j = 0; j < c; ++j) orow[j] = vr[j] + pb[j];
    }
    return;
  }
  const int64_t planes = cv.outer * c;  // NCHW: one bias per [inner] plane
#pragma omp parallel for if (v.size() > np::kParallelGrain) schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const T bias = pb[p % c];
#pragma omp simd
    for (int64_t j = 0; j < inner; ++j) po[p * inner + j] = pv[p * inner + j] + bias;
  }
}

// out_backprop -> [C]. NHWC: threads split the channels, each summing its
// channels over the rows in order; NCHW: each channel sums its planes in
// order. Either way the result is the same for any thread count.
template <class T> void bias_add_grad_kernel(KernelContext& ctx) {
  const np::Array& g = ctx.input(schema::kBiasAddGrad.index("out_backprop"));
  const bool nchw = is_nchw(ctx);
  if (g.ndim() < (nchw ? 3 : 2))
    throw errors::InvalidArgumentError("Input tensor must be at least " + std::string(nchw ? "3D: " : "2D: ") +
                                       np::shape_str(g.shape()) + " for '" + ctx.op_name() + "'");
  const ChannelView cv = channel_view(g, nchw);
  const int64_t c = cv.c;
  np::Array& out = ctx.allocate_output(0, {c}, g.dtype());
  const T* pg = g.data<T>();
  T* po = out.data<T>();
  if (cv.inner != 1) {
#pragma omp parallel for if (g.size() > np::kParallelGrain && c > 1) schedule(static)
    for (int64_t ch = 0; ch < c; ++ch) {
      T acc = 0;
      for (int64_t o = 0; o < cv.outer; ++o) {
        const T* plane = pg + (o * c + ch) * cv.inner;
        for (int64_t j = 0; j < cv.inner; ++j) acc += plane[j];
      }
      po[ch] = acc;
    }
    return;
  }
  const int64_t rows = c ? g.size() / c : 0;
  constexpr int64_t kChunk = 64;
  const int64_t chunks = (c + kChunk - 1) / kChunk;
#pragma omp parallel for if (g.size() > np::kParallelGrain && chunks > 1) schedule(static)
  for (int64_t k = 0; k < chunks; ++k) {
    const int64_t c0 = k * kChunk, w = std::min(kChunk, c - c0);
    T acc[kChunk] = {};
    for (int64_t r = 0; r < rows; ++r) {
      const T* gr = pg + r * c + c0;
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) acc[j] += gr[j];
    }
    std::copy(acc, acc + w, po + c0);
  }
}

// The fused backprop of Dense -> relu (-> dropout): inputs dy (, mask), y;
// outputs dz = relu'(y) * g with g = dy (or (dy * mask) / keep_prob), and
// db = dz summed over rows. Each element goes through the unfused kernels'
// float operations, and db's sums run in BiasAddGrad's chunks and order, so
// both outputs equal the unfused steps' bit for bit.
// dy, mask, y: [N, ..., C] -> dz: [N, ..., C], db: [C].
template <class T, bool kDropout> void relu_bias_add_grad(KernelContext& ctx) {
  // Input indices (nn_ops_schema.h); the gradient is input 0 of both forms.
  constexpr int kGrad = kDropout ? schema::kFusedDropoutReluBiasAddGrad.index("dy")
                                 : schema::kFusedReluBiasAddGrad.index("gradients");
  constexpr int kMask = schema::kFusedDropoutReluBiasAddGrad.index("mask");
  constexpr int kFeatures = kDropout ? schema::kFusedDropoutReluBiasAddGrad.index("features")
                                     : schema::kFusedReluBiasAddGrad.index("features");
  const np::Array& dy = ctx.input(kGrad);
  const np::Array& y = ctx.input(kFeatures);
  if (dy.shape() != y.shape() || (kDropout && ctx.input(kMask).shape() != dy.shape()))
    throw errors::InvalidArgumentError(
        "Inputs to operation " + ctx.op_name() + " of type " + ctx.node().type +
        " must have the same size and shape.  Input " + std::to_string(kGrad) + ": " +
        np::shape_str(dy.shape()) + " != input " + std::to_string(kFeatures) + ": " +
        np::shape_str(y.shape()));
  if (dy.ndim() < 2)
    throw errors::InvalidArgumentError("Input tensor must be at least 2D: " +
                                       np::shape_str(dy.shape()) + " for '" + ctx.op_name() + "'");
  const T kp = kDropout ? static_cast<T>(ctx.attr<double>("keep_prob")) : T(1);
  const T* pg = dy.data<T>();
  const T* pm = kDropout ? ctx.input(kMask).data<T>() : nullptr;
  const T* py = y.data<T>();
  np::Array& dz = ctx.forward_input_or_allocate(kGrad, 0, dy.shape(), dy.dtype());
  const int64_t c = dy.shape(-1), rows = c ? dy.size() / c : 0;
  np::Array& db = ctx.allocate_output(1, {c}, dy.dtype());
  T* pz = dz.data<T>();  // may be dy's buffer: each element is read before it is written
  T* pb = db.data<T>();
  constexpr int64_t kChunk = 64;  // BiasAddGrad's
  const int64_t chunks = (c + kChunk - 1) / kChunk;
#pragma omp parallel for if (dy.size() > np::kParallelGrain && chunks > 1) schedule(static)
  for (int64_t k = 0; k < chunks; ++k) {
    const int64_t c0 = k * kChunk, w = std::min(kChunk, c - c0);
    T acc[kChunk] = {};
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t o = r * c + c0;
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) {
        T g = pg[o + j];
        if constexpr (kDropout) g = static_cast<T>(g * pm[o + j]) / kp;
        const T v = py[o + j] > T(0) ? g : T(0);
        pz[o + j] = v;
        acc[j] += v;
      }
    }
    std::copy(acc, acc + w, pb + c0);
  }
}

template <class T> void floor_kernel(KernelContext& ctx) {
  constexpr int kX = schema::kFloor.index("x");
  const np::Array& x = ctx.input(kX);
  np::Array& out = ctx.forward_input_or_allocate(kX, 0, x.shape(), x.dtype());
  np::unary_loop(x.data<T>(), out.data<T>(), x.size(), [](T v) { return std::floor(v); });
}

template <class T> void register_for() {
  constexpr DType t = np::dtype_v<T>;
  auto& r = KernelRegistry::global();
  r.add("BiasAdd", "CPU", t, bias_add_kernel<T>);
  r.add("BiasAddGrad", "CPU", t, bias_add_grad_kernel<T>);
  if constexpr (std::is_floating_point_v<T>) {
    r.add("Floor", "CPU", t, floor_kernel<T>);
    // Plan-made ops (src/ops/nn_ops.cc, src/runtime/fuse.h).
    r.add("_FusedReluBiasAddGrad", "CPU", t, relu_bias_add_grad<T, false>);
    r.add("_FusedDropoutReluBiasAddGrad", "CPU", t, relu_bias_add_grad<T, true>);
  }
}

const bool registered = [] {
  register_for<float>();
  register_for<double>();
  register_for<int32_t>();
  register_for<int64_t>();
  return true;
}();

}  // namespace
}  // namespace tf::kernels
