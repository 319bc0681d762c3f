// CPU kernels of Pad, Split and SplitV, for every dtype: byte copies of
// contiguous rows (Pad: the innermost axis; Split: everything inside
// split_dim), so nothing here depends on the element type.
#include <array>
#include <cstring>

#include "../../ops/pad_split_ops_schema.h"
#include "kernels/kernel.h"

namespace tf::kernels {
namespace {

// TF's Pad kernel handles ranks up to 6; a fixed bound keeps the coordinate
// walk on the stack.
constexpr int kMaxPadRank = 8;

int64_t int_at(const np::Array& a, int64_t i) { return static_cast<int64_t>(a.get_flat(i)); }

// out = input with paddings [rank, 2] of zeros around it.
void pad_kernel(KernelContext& ctx) {
  const np::Array& in = ctx.input(schema::kPad.index("input"));
  const np::Array& pads = ctx.input(schema::kPad.index("paddings"));
  const int rank = in.ndim();
  if (pads.ndim() != 2 || pads.shape(0) != rank || pads.shape(1) != 2)
    throw errors::InvalidArgumentError("The first dimension of paddings must be the rank of inputs" +
                                       np::shape_str(pads.shape()) + " " + np::shape_str(in.shape()) + " for '" +
                                       ctx.op_name() + "'");
  if (rank > kMaxPadRank)
    throw errors::InvalidArgumentError("Pad supports tensors of rank up to " + std::to_string(kMaxPadRank) +
                                       ", got " + std::to_string(rank) + " for '" + ctx.op_name() + "'");
  np::Shape out_shape = in.shape();
  for (int i = 0; i < rank; ++i) {
    const int64_t before = int_at(pads, 2 * i), after = int_at(pads, 2 * i + 1);
    if (before < 0 || after < 0)
      throw errors::InvalidArgumentError("Paddings must be non-negative: " + std::to_string(before) + " " +
                                         std::to_string(after) + " for '" + ctx.op_name() + "'");
    out_shape[static_cast<size_t>(i)] += before + after;
  }
  np::Array& out = ctx.allocate_output(0, out_shape, in.dtype());
  const auto item = static_cast<int64_t>(np::itemsize(in.dtype()));
  auto* dst = static_cast<char*>(out.raw_data());
  std::memset(dst, 0, static_cast<size_t>(out.size() * item));
  if (in.size() == 0) return;
  if (rank == 0) {
    std::memcpy(dst, in.raw_data(), static_cast<size_t>(item));
    return;
  }
  // Each input row (all axes but the last) lands at its shifted place.
  const int64_t row = in.shape(rank - 1), rows = in.size() / row;
  std::array<int64_t, kMaxPadRank> at{};
  const auto* src = static_cast<const char*>(in.raw_data());
  for (int64_t r = 0; r < rows; ++r) {
    int64_t o = 0;
    for (int k = 0; k < rank; ++k) o = o * out_shape[static_cast<size_t>(k)] + at[static_cast<size_t>(k)] + int_at(pads, 2 * k);
    std::memcpy(dst + o * item, src + r * row * item, static_cast<size_t>(row * item));
    for (int k = rank - 2; k >= 0; --k) {
      if (++at[static_cast<size_t>(k)] < in.shape(k)) break;
      at[static_cast<size_t>(k)] = 0;
    }
  }
}

// Copies value's parts along axis into outputs of `sizes` (summing to the axis).
template <class Sizes> void split_into(KernelContext& ctx, const np::Array& value, int axis, int n, const Sizes& sizes) {
  int64_t outer = 1, inner = 1;
  for (int k = 0; k < axis; ++k) outer *= value.shape(k);
  for (int k = axis + 1; k < value.ndim(); ++k) inner *= value.shape(k);
  const auto item = static_cast<int64_t>(np::itemsize(value.dtype()));
  const int64_t dim = value.shape(axis);
  const auto* src = static_cast<const char*>(value.raw_data());
  int64_t start = 0;
  for (int i = 0; i < n; ++i) {
    const int64_t size = sizes(i);
    np::Shape part = value.shape();
    part[static_cast<size_t>(axis)] = size;
    np::Array& out = ctx.allocate_output(i, part, value.dtype());
    auto* dst = static_cast<char*>(out.raw_data());
    const int64_t block = size * inner * item;
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(dst + o * block, src + (o * dim + start) * inner * item, static_cast<size_t>(block));
    start += size;
  }
}

int split_axis(const KernelContext& ctx, const np::Array& split_dim, const np::Array& value) {
  const int64_t a = int_at(split_dim, 0), rank = value.ndim();
  if (a < -rank || a >= rank)
    throw errors::InvalidArgumentError("-input rank(-" + std::to_string(rank) + ") <= split_dim < input rank (" +
                                       std::to_string(rank) + "), but got " + std::to_string(a) + " for '" +
                                       ctx.op_name() + "'");
  return static_cast<int>(a < 0 ? a + rank : a);
}

void split_kernel(KernelContext& ctx) {
  const np::Array& value = ctx.input(schema::kSplit.index("value"));
  const int axis = split_axis(ctx, ctx.input(schema::kSplit.index("split_dim")), value);
  const auto n = static_cast<int>(ctx.attr<int64_t>("num_split"));
  if (value.shape(axis) % n != 0)
    throw errors::InvalidArgumentError("Number of ways to split should evenly divide the split dimension, but got "
                                       "split_dim " + std::to_string(axis) + " (size = " +
                                       std::to_string(value.shape(axis)) + ") and num_split " + std::to_string(n) +
                                       " for '" + ctx.op_name() + "'");
  const int64_t part = value.shape(axis) / n;
  split_into(ctx, value, axis, n, [part](int) { return part; });
}

void split_v_kernel(KernelContext& ctx) {
  const np::Array& value = ctx.input(schema::kSplitV.index("value"));
  const np::Array& sizes = ctx.input(schema::kSplitV.index("size_splits"));
  const int axis = split_axis(ctx, ctx.input(schema::kSplitV.index("split_dim")), value);
  const auto n = static_cast<int>(ctx.attr<int64_t>("num_split"));
  if (sizes.size() != n)
    throw errors::InvalidArgumentError("Number of ways to split should match size_splits' length: " +
                                       std::to_string(sizes.size()) + " vs " + std::to_string(n) + " for '" +
                                       ctx.op_name() + "'");
  int64_t known = 0;
  int unknown = -1;
  for (int i = 0; i < n; ++i) {
    if (int_at(sizes, i) >= 0) {
      known += int_at(sizes, i);
    } else if (unknown >= 0) {
      throw errors::InvalidArgumentError("There can only be one -1 in the input. for '" + ctx.op_name() + "'");
    } else {
      unknown = i;
    }
  }
  const int64_t dim = value.shape(axis);
  if (unknown < 0 ? known != dim : known > dim)
    throw errors::InvalidArgumentError("Determined shape must either match input shape along split_dim exactly "
                                       "if fully specified, or be less than the size of the input along split_dim "
                                       "if not fully specified.  Got: " + std::to_string(known) + " for '" +
                                       ctx.op_name() + "'");
  split_into(ctx, value, axis, n, [&](int i) { return i == unknown ? dim - known : int_at(sizes, i); });
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  r.add("Pad", "CPU", std::nullopt, pad_kernel);
  r.add("Split", "CPU", std::nullopt, split_kernel);
  r.add("SplitV", "CPU", std::nullopt, split_v_kernel);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
