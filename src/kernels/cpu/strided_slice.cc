// CPU kernels of StridedSlice (a strided gather of the resolved ranges) and
// StridedSliceGrad (the same walk, writing dy into zeros). New and shrunk
// axes do not change the order of the elements, so both walk the per-input-
// dim counts.
#include <cstring>
#include <stdexcept>

#include "../../ops/strided_slice_schema.h"
#include "kernels/kernel.h"

namespace tf::kernels {
namespace {

std::vector<int64_t> int_list(const np::Array& a) {
  std::vector<int64_t> v(static_cast<size_t>(a.size()));
  for (int64_t i = 0; i < a.size(); ++i) v[static_cast<size_t>(i)] = static_cast<int64_t>(a.get_flat(i));
  return v;
}

strided::Masks masks(const KernelContext& ctx) {
  return {ctx.attr<int64_t>("begin_mask"), ctx.attr<int64_t>("end_mask"), ctx.attr<int64_t>("ellipsis_mask"),
          ctx.attr<int64_t>("new_axis_mask"), ctx.attr<int64_t>("shrink_axis_mask")};
}

strided::Resolved resolve(const KernelContext& ctx, const np::Shape& shape, int begin, int end, int strides) {
  try {
    return strided::resolve(std::vector<int64_t>(shape.begin(), shape.end()), int_list(ctx.input(begin)),
                            int_list(ctx.input(end)), int_list(ctx.input(strides)), masks(ctx));
  } catch (const std::invalid_argument& e) {
    throw errors::InvalidArgumentError(std::string(e.what()) + " for '" + ctx.op_name() + "'");
  }
}

// Calls f(flat offset in `shape` of the k-th selected element, k) in order.
template <class F> void walk(const np::Shape& shape, const strided::Resolved& r, const F& f) {
  const size_t rank = shape.size();
  int64_t total = 1;
  for (int64_t c : r.count) total *= c;
  std::vector<int64_t> strides(rank, 1), at(rank, 0);
  for (size_t d = rank; d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  for (int64_t k = 0; k < total; ++k) {
    int64_t off = 0;
    for (size_t d = 0; d < rank; ++d) off += (r.start[d] + at[d] * r.stride[d]) * strides[d];
    f(off, k);
    for (size_t d = rank; d-- > 0;) {
      if (++at[d] < r.count[d]) break;
      at[d] = 0;
    }
  }
}

void strided_slice_kernel(KernelContext& ctx) {
  constexpr auto& in = schema::kStridedSlice;
  const np::Array& x = ctx.input(in.index("input"));
  const strided::Resolved r = resolve(ctx, x.shape(), in.index("begin"), in.index("end"), in.index("strides"));
  np::Array& out = ctx.allocate_output(0, np::Shape(r.output.begin(), r.output.end()), x.dtype());
  const size_t item = np::itemsize(x.dtype());
  const auto* src = static_cast<const char*>(x.raw_data());
  auto* dst = static_cast<char*>(out.raw_data());
  walk(x.shape(), r, [&](int64_t off, int64_t k) {
    std::memcpy(dst + k * static_cast<int64_t>(item), src + off * static_cast<int64_t>(item), item);
  });
}

void strided_slice_grad_kernel(KernelContext& ctx) {
  constexpr auto& in = schema::kStridedSliceGrad;
  const std::vector<int64_t> dims = int_list(ctx.input(in.index("shape")));
  const np::Array& dy = ctx.input(in.index("dy"));
  const np::Shape shape(dims.begin(), dims.end());
  const strided::Resolved r = resolve(ctx, shape, in.index("begin"), in.index("end"), in.index("strides"));
  if (np::shape_size(np::Shape(r.output.begin(), r.output.end())) != dy.size())
    throw errors::InvalidArgumentError("shape of dy was " + TensorShape(dy.shape()).debug_str() +
                                       " instead of " + TensorShape(r.output).debug_str() + " for '" +
                                       ctx.op_name() + "'");
  np::Array& out = ctx.allocate_output(0, shape, dy.dtype());
  const size_t item = np::itemsize(dy.dtype());
  std::memset(out.raw_data(), 0, out.nbytes());
  const auto* src = static_cast<const char*>(dy.raw_data());
  auto* dst = static_cast<char*>(out.raw_data());
  walk(shape, r, [&](int64_t off, int64_t k) {
    std::memcpy(dst + off * static_cast<int64_t>(item), src + k * static_cast<int64_t>(item), item);
  });
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  r.add("StridedSlice", "CPU", std::nullopt, strided_slice_kernel);
  r.add("StridedSliceGrad", "CPU", std::nullopt, strided_slice_grad_kernel);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
