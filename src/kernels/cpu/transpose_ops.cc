// CPU kernels of Transpose (a strided copy, parallel over output rows) and
// ExpandDims (a reshaped view of the input, like Reshape).
#include <cstring>

#include "../../ops/transpose_ops_schema.h"
#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"

namespace tf::kernels {
namespace {

template <class T>
void permute(const T* in, T* out, const np::Shape& in_shape, const std::vector<int64_t>& perm) {
  const int nd = static_cast<int>(perm.size());
  np::Shape in_strides(static_cast<size_t>(nd), 1), out_shape(static_cast<size_t>(nd));
  for (int d = nd - 2; d >= 0; --d)
    in_strides[static_cast<size_t>(d)] = in_strides[static_cast<size_t>(d) + 1] * in_shape[static_cast<size_t>(d) + 1];
  // Output axis d walks input axis perm[d].
  np::Shape stride(static_cast<size_t>(nd));
  for (int d = 0; d < nd; ++d) {
    out_shape[static_cast<size_t>(d)] = in_shape[static_cast<size_t>(perm[static_cast<size_t>(d)])];
    stride[static_cast<size_t>(d)] = in_strides[static_cast<size_t>(perm[static_cast<size_t>(d)])];
  }
  const int64_t inner = nd ? out_shape[static_cast<size_t>(nd) - 1] : 1;
  const int64_t inner_stride = nd ? stride[static_cast<size_t>(nd) - 1] : 1;
  const int64_t rows = inner ? np::shape_size(out_shape) / inner : 0;
#pragma omp parallel for if (rows * inner > np::kParallelGrain)
  for (int64_t r = 0; r < rows; ++r) {
    // Decompose the row index over the outer output axes.
    int64_t rem = r, src = 0;
    for (int d = nd - 2; d >= 0; --d) {
      const int64_t n = out_shape[static_cast<size_t>(d)];
      src += (rem % n) * stride[static_cast<size_t>(d)];
      rem /= n;
    }
    T* o = out + r * inner;
    for (int64_t j = 0; j < inner; ++j) o[j] = in[src + j * inner_stride];
  }
}

void transpose_kernel(KernelContext& ctx) {
  const np::Array& x = ctx.input(schema::kTranspose.index("x"));
  const auto& perm = ctx.attr<std::vector<int64_t>>("perm");
  if (x.ndim() != static_cast<int>(perm.size()))
    throw errors::InvalidArgumentError("transpose expects a vector of size " +
                                       std::to_string(x.ndim()) + ". But input(1) is a vector of size " +
                                       std::to_string(perm.size()) + " for '" + ctx.op_name() + "'");
  np::Shape out_shape;
  for (int64_t p : perm) out_shape.push_back(x.shape(static_cast<int>(p)));
  np::Array& out = ctx.allocate_output(0, out_shape, x.dtype());
  np::dispatch(x.dtype(), [&](auto t) {
    using T = decltype(t);
    permute<T>(static_cast<const T*>(x.raw_data()), static_cast<T*>(out.raw_data()), x.shape(), perm);
  });
}

void expand_dims_kernel(KernelContext& ctx) {
  constexpr int kInput = schema::kExpandDims.index("input");
  const np::Array& x = ctx.input(kInput);
  np::Shape s = x.shape();
  const int64_t dim = ctx.attr<int64_t>("dim");
  if (dim < 0 || dim > static_cast<int64_t>(s.size()))
    throw errors::InvalidArgumentError("Tried to expand dim index " + std::to_string(dim) +
                                       " for tensor with " + std::to_string(s.size()) +
                                       " dimensions. for '" + ctx.op_name() + "'");
  s.insert(s.begin() + dim, 1);
  ctx.forward_input(kInput, 0, s);
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  r.add("Transpose", "CPU", std::nullopt, transpose_kernel);
  r.add("ExpandDims", "CPU", std::nullopt, expand_dims_kernel);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
