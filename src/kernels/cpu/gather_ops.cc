// CPU kernels of the gather family: Gather/GatherV2 (row copies),
// UnsortedSegmentSum (rows summed in index order: deterministic), OneHot.
#include <cstring>

#include "../../ops/gather_ops_schema.h"
#include "kernels/kernel.h"

namespace tf::kernels {
namespace {

// Integer index i of an int32/int64/uint8 array.
int64_t index_at(const np::Array& a, int64_t i) {
  switch (a.dtype()) {
    case np::int32: return a.data<int32_t>()[i];
    case np::int64: return a.data<int64_t>()[i];
    case np::uint8: return a.data<uint8_t>()[i];
    default: throw errors::InvalidArgumentError("indices must be an integer tensor");
  }
}

int64_t product(const np::Shape& s, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t i = from; i < to; ++i) n *= s[i];
  return n;
}

// out[o, i, :] = params[o, indices[i], :], params viewed as [outer, limit, inner].
void gather_rows(KernelContext& ctx, const np::Array& params, const np::Array& indices, int64_t axis) {
  const np::Shape& ps = params.shape();
  if (axis < 0) axis += static_cast<int64_t>(ps.size());
  if (axis < 0 || axis >= static_cast<int64_t>(ps.size()))
    throw errors::InvalidArgumentError("Expected axis in the range [" + std::to_string(-static_cast<int64_t>(ps.size())) +
                                       ", " + std::to_string(ps.size()) + "), but got " + std::to_string(axis) +
                                       " for '" + ctx.op_name() + "'");
  const auto a = static_cast<size_t>(axis);
  const int64_t outer = product(ps, 0, a), limit = ps[a], inner = product(ps, a + 1, ps.size());
  const int64_t n = indices.size();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = index_at(indices, i);
    if (k < 0 || k >= limit)
      throw errors::InvalidArgumentError("indices[" + std::to_string(i) + "] = " + std::to_string(k) +
                                         " is not in [0, " + std::to_string(limit) + ") for '" +
                                         ctx.op_name() + "'");
  }
  np::Shape out_shape(ps.begin(), ps.begin() + axis);
  out_shape.insert(out_shape.end(), indices.shape().begin(), indices.shape().end());
  out_shape.insert(out_shape.end(), ps.begin() + axis + 1, ps.end());
  np::Array& out = ctx.allocate_output(0, out_shape, params.dtype());
  const size_t row = static_cast<size_t>(inner) * np::itemsize(params.dtype());
  const auto* src = static_cast<const char*>(params.raw_data());
  auto* dst = static_cast<char*>(out.raw_data());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(dst + (o * n + i) * row, src + (o * limit + index_at(indices, i)) * row, row);
}

void gather_kernel(KernelContext& ctx) {
  gather_rows(ctx, ctx.input(schema::kGather.index("params")), ctx.input(schema::kGather.index("indices")), 0);
}

void gather_v2_kernel(KernelContext& ctx) {
  const np::Array& axis = ctx.input(schema::kGatherV2.index("axis"));
  gather_rows(ctx, ctx.input(schema::kGatherV2.index("params")), ctx.input(schema::kGatherV2.index("indices")),
              index_at(axis, 0));
}

void unsorted_segment_sum_kernel(KernelContext& ctx) {
  const np::Array& data = ctx.input(schema::kUnsortedSegmentSum.index("data"));
  const np::Array& ids = ctx.input(schema::kUnsortedSegmentSum.index("segment_ids"));
  const int64_t segments = index_at(ctx.input(schema::kUnsortedSegmentSum.index("num_segments")), 0);
  const np::Shape& ds = data.shape();
  const auto k = static_cast<size_t>(ids.ndim());
  if (k > ds.size() || !std::equal(ids.shape().begin(), ids.shape().end(), ds.begin()))
    throw errors::InvalidArgumentError("data.shape = " + np::shape_str(ds) + " does not start with segment_ids.shape = " +
                                       np::shape_str(ids.shape()) + " for '" + ctx.op_name() + "'");
  np::Shape out_shape{segments};
  out_shape.insert(out_shape.end(), ds.begin() + static_cast<int64_t>(k), ds.end());
  np::Array& out = ctx.allocate_output(0, out_shape, data.dtype());
  const int64_t inner = product(ds, k, ds.size()), n = ids.size();
  np::dispatch(data.dtype(), [&](auto t) {
    using T = decltype(t);
    if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
      T* o = out.data<T>();
      const T* d = data.data<T>();
      std::fill(o, o + out.size(), T(0));
      for (int64_t i = 0; i < n; ++i) {
        const int64_t s = index_at(ids, i);
        if (s < 0 || s >= segments)
          throw errors::InvalidArgumentError("segment_ids[" + std::to_string(i) + "] = " + std::to_string(s) +
                                             " is out of range [0, " + std::to_string(segments) + ") for '" +
                                             ctx.op_name() + "'");
        for (int64_t j = 0; j < inner; ++j) o[s * inner + j] += d[i * inner + j];
      }
    }
  });
}

// out: indices.shape with depth at axis, viewed as [before, depth, after].
void one_hot_kernel(KernelContext& ctx) {
  const np::Array& indices = ctx.input(schema::kOneHot.index("indices"));
  const int64_t depth = index_at(ctx.input(schema::kOneHot.index("depth")), 0);
  const np::Array& on = ctx.input(schema::kOneHot.index("on_value"));
  const np::Array& off = ctx.input(schema::kOneHot.index("off_value"));
  if (depth < 0)
    throw errors::InvalidArgumentError("depth must be non-negative, got: " + std::to_string(depth) +
                                       " for '" + ctx.op_name() + "'");
  int64_t axis = ctx.attr<int64_t>("axis");
  if (axis == -1) axis = indices.ndim();
  np::Shape out_shape = indices.shape();
  out_shape.insert(out_shape.begin() + axis, depth);
  np::Array& out = ctx.allocate_output(0, out_shape, on.dtype());
  const int64_t before = product(indices.shape(), 0, static_cast<size_t>(axis));
  const int64_t after = product(indices.shape(), static_cast<size_t>(axis), indices.shape().size());
  const size_t item = np::itemsize(on.dtype());
  auto* dst = static_cast<char*>(out.raw_data());
  for (int64_t b = 0; b < before; ++b)
    for (int64_t d = 0; d < depth; ++d)
      for (int64_t a = 0; a < after; ++a) {
        const bool hot = index_at(indices, b * after + a) == d;
        std::memcpy(dst + ((b * depth + d) * after + a) * item, (hot ? on : off).raw_data(), item);
      }
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  r.add("Gather", "CPU", std::nullopt, gather_kernel);
  r.add("GatherV2", "CPU", std::nullopt, gather_v2_kernel);
  r.add("UnsortedSegmentSum", "CPU", std::nullopt, unsorted_segment_sum_kernel);
  r.add("OneHot", "CPU", std::nullopt, one_hot_kernel);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
