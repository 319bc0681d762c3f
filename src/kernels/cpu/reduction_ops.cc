// CPU kernels of the reductions. A reduction over a contiguous block of axes
// runs as (outer, reduced, inner) loops; other axis sets use a strided walk.
#include <algorithm>
#include <limits>

#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"

namespace tf::kernels {
namespace {

std::vector<int> axes_of(const KernelContext& ctx, int rank) {
  std::vector<int> axes;
  if (ctx.attr<bool>("reduce_all")) {
    for (int i = 0; i < rank; ++i) axes.push_back(i);
    return axes;
  }
  for (int64_t a : ctx.attr<std::vector<int64_t>>("axis")) {
    if (a < -rank || a >= rank)
      throw errors::InvalidArgumentError("Invalid reduction dimension " + std::to_string(a) +
                                         " for input with " + std::to_string(rank) +
                                         " dimensions. for '" + ctx.op_name() + "'");
    axes.push_back(static_cast<int>(a < 0 ? a + rank : a));
  }
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

// x's shape with reduced axes set to 1.
np::Shape kept_shape(const np::Shape& s, const std::vector<int>& axes) {
  np::Shape k = s;
  for (int a : axes) k[static_cast<size_t>(a)] = 1;
  return k;
}

np::Shape out_shape(const np::Shape& s, const std::vector<int>& axes, bool keep) {
  np::Shape o;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool r = std::find(axes.begin(), axes.end(), static_cast<int>(i)) != axes.end();
    if (!r) o.push_back(s[i]);
    else if (keep) o.push_back(1);
  }
  return o;
}

// Reduces x over `axes` into out (laid out as kept_shape) with op(acc, v).
template <class T, class Op>
void reduce_into(const np::Array& x, const std::vector<int>& axes, T init, T* out, Op op) {
  const np::Shape& s = x.shape();
  const np::Shape k = kept_shape(s, axes);
  const int64_t n_out = np::shape_size(k);
  const T* px = x.data<T>();
  std::fill(out, out + n_out, init);
  const bool contiguous = axes.empty() || axes.back() - axes.front() + 1 == static_cast<int>(axes.size());
  if (contiguous && !axes.empty()) {
    int64_t outer = 1, r = 1, inner = 1;
    for (int i = 0; i < static_cast<int>(s.size()); ++i) {
      if (i < axes.front()) outer *= s[static_cast<size_t>(i)];
      else if (i <= axes.back()) r *= s[static_cast<size_t>(i)];
      else inner *= s[static_cast<size_t>(i)];
    }
    if (inner == 1) {
#pragma omp parallel for if (outer * r > np::kParallelGrain && outer > 1)
      for (int64_t o = 0; o < outer; ++o) {
        T acc = init;
        const T* row = px + o * r;
        for (int64_t j = 0; j < r; ++j) acc = op(acc, row[j]);
        out[o] = acc;
      }
    } else {
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < r; ++j) {
          const T* row = px + (o * r + j) * inner;
          T* dst = out + o * inner;
          for (int64_t i = 0; i < inner; ++i) dst[i] = op(dst[i], row[i]);
        }
    }
    return;
  }
  if (axes.empty()) {
    for (int64_t i = 0; i < n_out; ++i) out[i] = op(init, px[i]);
    return;
  }
  const auto st = np::broadcast_strides(k, s);
  const int nd = static_cast<int>(s.size());
  std::vector<int64_t> idx(static_cast<size_t>(nd), 0);
  for (int64_t i = 0, n = x.size(); i < n; ++i) {
    int64_t o = 0;
    for (int d = 0; d < nd; ++d) o += idx[static_cast<size_t>(d)] * st[static_cast<size_t>(d)];
    out[o] = op(out[o], px[i]);
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[static_cast<size_t>(d)] < s[static_cast<size_t>(d)]) break;
      idx[static_cast<size_t>(d)] = 0;
    }
  }
}

enum class Kind { kSum, kMean, kMax };

template <class T, Kind K> void reduce_kernel(KernelContext& ctx) {
  const np::Array& x = ctx.input(0);
  const std::vector<int> axes = axes_of(ctx, x.ndim());
  np::Array& out = ctx.allocate_output(0, out_shape(x.shape(), axes, ctx.attr<bool>("keep_dims")),
                                       np::dtype_v<T>);
  T* po = out.data<T>();
  if constexpr (K == Kind::kMax) {
    if (x.size() == 0 && out.size() > 0)
      throw errors::InvalidArgumentError("Max of an empty reduction for '" + ctx.op_name() + "'");
    reduce_into<T>(x, axes, std::numeric_limits<T>::lowest(), po,
                   [](T a, T b) { return b > a || b != b ? b : a; });  // NaN propagates
  } else {
    reduce_into<T>(x, axes, T(0), po, [](T a, T b) { return static_cast<T>(a + b); });
    if constexpr (K == Kind::kMean) {
      const int64_t count = out.size() ? x.size() / out.size() : 0;
      for (int64_t i = 0; i < out.size(); ++i)
        // The mean of nothing: NaN for floats (0 / 0, as TF and numpy), 0 for integers.
        po[i] = count || std::is_floating_point_v<T> ? static_cast<T>(po[i] / static_cast<T>(count)) : T(0);
    }
  }
}

template <class T> void broadcast_reduced_kernel(KernelContext& ctx) {
  const np::Array& g = ctx.input(0);
  const np::Array& x = ctx.input(1);
  const np::Shape k = kept_shape(x.shape(), axes_of(ctx, x.ndim()));
  np::Array& out = ctx.allocate_output(0, x.shape(), np::dtype_v<T>);
  np::binary_loop<T, T, T>(g.reshape(k), out, out, [](T a, T) { return a; });
}

template <class T> void argmax_kernel(KernelContext& ctx) {
  const np::Array& x = ctx.input(0);
  const int rank = x.ndim();
  int64_t axis = ctx.attr<int64_t>("axis");
  if (axis < -rank || axis >= rank)
    throw errors::InvalidArgumentError("Expected dimension in the range [" + std::to_string(-rank) +
                                       ", " + std::to_string(rank) + "), but got " +
                                       std::to_string(axis) + " for '" + ctx.op_name() + "'");
  if (axis < 0) axis += rank;
  int64_t outer = 1, r = x.shape(static_cast<int>(axis)), inner = 1;
  for (int i = 0; i < rank; ++i) {
    if (i < axis) outer *= x.shape(i);
    else if (i > axis) inner *= x.shape(i);
  }
  if (r == 0) throw errors::InvalidArgumentError("Reduction axis " + std::to_string(axis) + " is empty in shape " + np::shape_str(x.shape()));
  np::Shape os = x.shape();
  os.erase(os.begin() + axis);
  np::Array& out = ctx.allocate_output(0, os, int64);
  const T* px = x.data<T>();
  int64_t* po = out.data<int64_t>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      T bv = px[o * r * inner + i];
      for (int64_t j = 1; j < r; ++j) {
        const T v = px[(o * r + j) * inner + i];
        if (v > bv) { bv = v; best = j; }
      }
      po[o * inner + i] = best;
    }
}

template <class T> void register_for() {
  constexpr DType t = np::dtype_v<T>;
  auto& r = KernelRegistry::global();
  r.add("Sum", "CPU", t, reduce_kernel<T, Kind::kSum>);
  r.add("Mean", "CPU", t, reduce_kernel<T, Kind::kMean>);
  r.add("Max", "CPU", t, reduce_kernel<T, Kind::kMax>);
  r.add("BroadcastReduced", "CPU", t, broadcast_reduced_kernel<T>);
}

const bool registered = [] {
  register_for<float>();
  register_for<double>();
  register_for<int32_t>();
  register_for<int64_t>();
  // ArgMax is selected by its int64 output; dispatch on the input.
  KernelRegistry::global().add("ArgMax", "CPU", std::nullopt, [](KernelContext& ctx) {
    np::dispatch(ctx.input(0).dtype(), [&](auto tag) { argmax_kernel<decltype(tag)>(ctx); });
  });
  return true;
}();

}  // namespace
}  // namespace tf::kernels
