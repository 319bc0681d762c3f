// CPU kernels of the rearranging ops. Pack/Unpack copy contiguous blocks;
// Tile, ReverseV2, Slice and SliceGrad map each output coordinate to an
// input coordinate (copy_mapped); Squeeze is a reshaped view.
#include <cstring>

#include "../../ops/stack_ops_schema.h"
#include "kernels/kernel.h"

namespace tf::kernels {
namespace {

int64_t product(const np::Shape& s, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t i = from; i < to; ++i) n *= s[i];
  return n;
}

std::vector<int64_t> int_list(const np::Array& a) {
  std::vector<int64_t> v(static_cast<size_t>(a.size()));
  for (int64_t i = 0; i < a.size(); ++i) v[static_cast<size_t>(i)] = static_cast<int64_t>(a.get_flat(i));
  return v;
}

// Calls f(flat index, coordinates) for every element of `shape`, in order.
template <class F> void for_each_coord(const np::Shape& shape, const F& f) {
  const int64_t n = np::shape_size(shape);
  std::vector<int64_t> c(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    f(i, c);
    for (size_t k = shape.size(); k-- > 0;) {
      if (++c[k] < shape[k]) break;
      c[k] = 0;
    }
  }
}

// Flat offset of coordinates in a row-major shape.
int64_t offset(const np::Shape& shape, const std::vector<int64_t>& c) {
  int64_t o = 0;
  for (size_t k = 0; k < shape.size(); ++k) o = o * shape[k] + c[k];
  return o;
}

// out[c] = in[map(c)], map rewriting coordinates in place.
template <class Map> void copy_mapped(const np::Array& in, np::Array& out, const Map& map) {
  const size_t item = np::itemsize(in.dtype());
  const auto* src = static_cast<const char*>(in.raw_data());
  auto* dst = static_cast<char*>(out.raw_data());
  std::vector<int64_t> at(in.shape().size());
  for_each_coord(out.shape(), [&](int64_t i, const std::vector<int64_t>& c) {
    for (size_t k = 0; k < c.size(); ++k) at[k] = map(k, c[k]);
    std::memcpy(dst + i * static_cast<int64_t>(item), src + offset(in.shape(), at) * static_cast<int64_t>(item), item);
  });
}

int canonical(int64_t axis, int64_t rank, const KernelContext& ctx) {
  if (axis < -rank || axis >= rank)
    throw errors::InvalidArgumentError("axis = " + std::to_string(axis) + " not in [" + std::to_string(-rank) +
                                       ", " + std::to_string(rank) + ") for '" + ctx.op_name() + "'");
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

// out: [outer, N, inner] from N inputs of [outer, inner].
void pack_kernel(KernelContext& ctx) {
  const np::Array& first = ctx.input(0);
  const int n = ctx.num_inputs();
  for (int i = 1; i < n; ++i)
    if (ctx.input(i).shape() != first.shape())
      throw errors::InvalidArgumentError("Shapes of all inputs must match: values[0].shape = " +
                                         TensorShape(first.shape()).debug_str() + " != values[" + std::to_string(i) +
                                         "].shape = " + TensorShape(ctx.input(i).shape()).debug_str() + " for '" +
                                         ctx.op_name() + "'");
  const auto axis = static_cast<size_t>(canonical(ctx.attr<int64_t>("axis"), first.ndim() + 1, ctx));
  np::Shape out_shape = first.shape();
  out_shape.insert(out_shape.begin() + static_cast<int64_t>(axis), n);
  np::Array& out = ctx.allocate_output(0, out_shape, first.dtype());
  const size_t block = static_cast<size_t>(product(first.shape(), axis, first.shape().size())) * np::itemsize(first.dtype());
  const int64_t outer = product(first.shape(), 0, axis);
  auto* dst = static_cast<char*>(out.raw_data());
  for (int64_t o = 0; o < outer; ++o)
    for (int i = 0; i < n; ++i)
      std::memcpy(dst + (o * n + i) * static_cast<int64_t>(block),
                  static_cast<const char*>(ctx.input(i).raw_data()) + o * static_cast<int64_t>(block), block);
}

void unpack_kernel(KernelContext& ctx) {
  const np::Array& value = ctx.input(schema::kUnpack.index("value"));
  const auto axis = static_cast<size_t>(canonical(ctx.attr<int64_t>("axis"), value.ndim(), ctx));
  const int64_t num = ctx.attr<int64_t>("num");
  if (value.shape(static_cast<int>(axis)) != num)
    throw errors::InvalidArgumentError("Input shape axis " + std::to_string(axis) + " must equal " +
                                       std::to_string(num) + ", got shape " + TensorShape(value.shape()).debug_str() +
                                       " for '" + ctx.op_name() + "'");
  np::Shape part = value.shape();
  part.erase(part.begin() + static_cast<int64_t>(axis));
  const size_t block = static_cast<size_t>(product(value.shape(), axis + 1, value.shape().size())) *
                       np::itemsize(value.dtype());
  const int64_t outer = product(value.shape(), 0, axis);
  const auto* src = static_cast<const char*>(value.raw_data());
  for (int64_t i = 0; i < num; ++i) {
    np::Array& out = ctx.allocate_output(static_cast<int>(i), part, value.dtype());
    auto* dst = static_cast<char*>(out.raw_data());
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(dst + o * static_cast<int64_t>(block), src + (o * num + i) * static_cast<int64_t>(block), block);
  }
}

void tile_kernel(KernelContext& ctx) {
  const np::Array& in = ctx.input(schema::kTile.index("input"));
  const std::vector<int64_t> m = int_list(ctx.input(schema::kTile.index("multiples")));
  if (static_cast<int>(m.size()) != in.ndim())
    throw errors::InvalidArgumentError("Expected multiples argument to be a vector of length " +
                                       std::to_string(in.ndim()) + " but got length " + std::to_string(m.size()) +
                                       " for '" + ctx.op_name() + "'");
  np::Shape out_shape = in.shape();
  for (size_t k = 0; k < m.size(); ++k) {
    if (m[k] < 0)
      throw errors::InvalidArgumentError("Expected multiples[" + std::to_string(k) + "] >= 0, but got " +
                                         std::to_string(m[k]) + " for '" + ctx.op_name() + "'");
    out_shape[k] *= m[k];
  }
  np::Array& out = ctx.allocate_output(0, out_shape, in.dtype());
  copy_mapped(in, out, [&](size_t k, int64_t c) { return c % in.shape()[k]; });
}

void squeeze_kernel(KernelContext& ctx) {
  constexpr int kInput = schema::kSqueeze.index("input");
  const np::Array& in = ctx.input(kInput);
  const auto& dims = ctx.attr<std::vector<int64_t>>("squeeze_dims");
  std::vector<bool> drop(in.shape().size(), dims.empty());
  if (!dims.empty())
    for (int64_t a : dims) drop[static_cast<size_t>(canonical(a, in.ndim(), ctx))] = true;
  np::Shape out;
  for (size_t k = 0; k < in.shape().size(); ++k) {
    if (drop[k] && in.shape()[k] == 1) continue;
    if (drop[k] && !dims.empty())
      throw errors::InvalidArgumentError("Can not squeeze dim[" + std::to_string(k) +
                                         "], expected a dimension of 1, got " + std::to_string(in.shape()[k]) +
                                         " for '" + ctx.op_name() + "'");
    out.push_back(in.shape()[k]);
  }
  ctx.forward_input(kInput, 0, out);
}

void reverse_kernel(KernelContext& ctx) {
  const np::Array& in = ctx.input(schema::kReverseV2.index("tensor"));
  std::vector<bool> flip(in.shape().size(), false);
  for (int64_t a : int_list(ctx.input(schema::kReverseV2.index("axis")))) {
    const auto k = static_cast<size_t>(canonical(a, in.ndim(), ctx));
    if (flip[k])
      throw errors::InvalidArgumentError("axis " + std::to_string(k) + " specified more than once for '" +
                                         ctx.op_name() + "'");
    flip[k] = true;
  }
  np::Array& out = ctx.allocate_output(0, in.shape(), in.dtype());
  copy_mapped(in, out, [&](size_t k, int64_t c) { return flip[k] ? in.shape()[k] - 1 - c : c; });
}

// out[..b.., t, ...] = in[..b.., len[b] - 1 - t, ...] for t < len[b].
void reverse_sequence_kernel(KernelContext& ctx) {
  const np::Array& in = ctx.input(schema::kReverseSequence.index("input"));
  const std::vector<int64_t> lengths = int_list(ctx.input(schema::kReverseSequence.index("seq_lengths")));
  const auto seq = static_cast<size_t>(ctx.attr<int64_t>("seq_dim"));
  const auto batch = static_cast<size_t>(ctx.attr<int64_t>("batch_dim"));
  if (seq >= in.shape().size() || batch >= in.shape().size() || static_cast<int64_t>(lengths.size()) != in.shape()[batch])
    throw errors::InvalidArgumentError("Length of seq_lengths != input.dims(" + std::to_string(batch) + "), (" +
                                       std::to_string(lengths.size()) + " vs. " +
                                       TensorShape(in.shape()).debug_str() + ") for '" + ctx.op_name() + "'");
  for (size_t b = 0; b < lengths.size(); ++b)
    if (lengths[b] < 0 || lengths[b] > in.shape()[seq])
      throw errors::InvalidArgumentError("seq_lens(" + std::to_string(b) + ") > input.dims(" + std::to_string(seq) +
                                         ") for '" + ctx.op_name() + "'");
  np::Array& out = ctx.allocate_output(0, in.shape(), in.dtype());
  const auto item = static_cast<int64_t>(np::itemsize(in.dtype()));
  const auto* src = static_cast<const char*>(in.raw_data());
  auto* dst = static_cast<char*>(out.raw_data());
  std::vector<int64_t> at;
  for_each_coord(in.shape(), [&](int64_t i, const std::vector<int64_t>& c) {
    at = c;
    const int64_t len = lengths[static_cast<size_t>(c[batch])];
    if (c[seq] < len) at[seq] = len - 1 - c[seq];
    std::memcpy(dst + i * item, src + offset(in.shape(), at) * item, static_cast<size_t>(item));
  });
}

// begin and size of input `in` checked against `shape`, size -1 resolved.
np::Shape slice_extent(const KernelContext& ctx, const np::Shape& shape, const std::vector<int64_t>& begin,
                       std::vector<int64_t> size) {
  if (begin.size() != shape.size() || size.size() != shape.size())
    throw errors::InvalidArgumentError("Expected begin and size arguments to be 1-D tensors of size " +
                                       std::to_string(shape.size()) + ", but got shapes [" +
                                       std::to_string(begin.size()) + "] and [" + std::to_string(size.size()) +
                                       "] instead. for '" + ctx.op_name() + "'");
  for (size_t k = 0; k < shape.size(); ++k) {
    if (size[k] == -1) size[k] = shape[k] - begin[k];
    if (begin[k] < 0 || size[k] < 0 || begin[k] + size[k] > shape[k])
      throw errors::InvalidArgumentError("Expected begin[" + std::to_string(k) + "] in [0, " +
                                         std::to_string(shape[k]) + "] and size[" + std::to_string(k) + "] in [0, " +
                                         std::to_string(shape[k] - begin[k]) + "], but got " +
                                         std::to_string(begin[k]) + " and " + std::to_string(size[k]) + " for '" +
                                         ctx.op_name() + "'");
  }
  return np::Shape(size.begin(), size.end());
}

void slice_kernel(KernelContext& ctx) {
  constexpr auto& in_args = schema::kSlice;
  const np::Array& in = ctx.input(in_args.index("input"));
  const std::vector<int64_t> begin = int_list(ctx.input(in_args.index("begin")));
  const np::Shape size = slice_extent(ctx, in.shape(), begin, int_list(ctx.input(in_args.index("size"))));
  np::Array& out = ctx.allocate_output(0, size, in.dtype());
  copy_mapped(in, out, [&](size_t k, int64_t c) { return c + begin[k]; });
}

// out = zeros shaped like input, with grad written at begin.
void slice_grad_kernel(KernelContext& ctx) {
  constexpr auto& args = schema::kSliceGrad;
  const np::Array& grad = ctx.input(args.index("grad"));
  const np::Array& input = ctx.input(args.index("input"));
  const std::vector<int64_t> begin = int_list(ctx.input(args.index("begin")));
  const np::Shape size = slice_extent(ctx, input.shape(), begin, int_list(ctx.input(args.index("size"))));
  if (size != grad.shape())
    throw errors::InvalidArgumentError("grad shape " + TensorShape(grad.shape()).debug_str() +
                                       " does not match the slice " + TensorShape(size).debug_str() + " for '" +
                                       ctx.op_name() + "'");
  np::Array& out = ctx.allocate_output(0, input.shape(), grad.dtype());
  const size_t item = np::itemsize(grad.dtype());
  auto* dst = static_cast<char*>(out.raw_data());
  std::memset(dst, 0, out.nbytes());
  const auto* src = static_cast<const char*>(grad.raw_data());
  std::vector<int64_t> at(begin.size());
  for_each_coord(grad.shape(), [&](int64_t i, const std::vector<int64_t>& c) {
    for (size_t k = 0; k < c.size(); ++k) at[k] = c[k] + begin[k];
    std::memcpy(dst + offset(input.shape(), at) * static_cast<int64_t>(item), src + i * static_cast<int64_t>(item), item);
  });
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  r.add("Pack", "CPU", std::nullopt, pack_kernel);
  r.add("Unpack", "CPU", std::nullopt, unpack_kernel);
  r.add("Tile", "CPU", std::nullopt, tile_kernel);
  r.add("Squeeze", "CPU", std::nullopt, squeeze_kernel);
  r.add("ReverseV2", "CPU", std::nullopt, reverse_kernel);
  r.add("ReverseSequence", "CPU", std::nullopt, reverse_sequence_kernel);
  r.add("Slice", "CPU", std::nullopt, slice_kernel);
  r.add("SliceGrad", "CPU", std::nullopt, slice_grad_kernel);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
