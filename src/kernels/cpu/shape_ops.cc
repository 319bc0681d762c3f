// CPU kernels of the shape ops: Shape, Size, Reshape, Fill, ZerosLike,
// OnesLike, Cast, SumToShape, BroadcastTo, Select, ConcatV2, ConcatGrad, AddN.
#include <cstring>

#include "../../ops/shape_ops_schema.h"
#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"

namespace tf::kernels {
namespace {

np::Shape shape_arg(const KernelContext& ctx, int i) {
  const np::Array& a = ctx.input(i);
  if (a.ndim() != 1)
    throw errors::InvalidArgumentError("shape must be a vector for '" + ctx.op_name() +
                                       "', got shape " + np::shape_str(a.shape()));
  np::Shape s(static_cast<size_t>(a.size()));
  for (int64_t k = 0; k < a.size(); ++k) s[static_cast<size_t>(k)] = static_cast<int64_t>(a.get_flat(k));
  return s;
}

void shape_kernel(KernelContext& ctx) {
  const np::Shape& s = ctx.input(schema::kShape.index("input")).shape();
  np::Array& out = ctx.allocate_output(0, {static_cast<int64_t>(s.size())}, int32);
  for (size_t i = 0; i < s.size(); ++i) out.data<int32_t>()[i] = static_cast<int32_t>(s[i]);
}

void size_kernel(KernelContext& ctx) {
  np::Array& out = ctx.allocate_output(0, {}, ctx.node().out_dtypes[0]);
  out.set_flat(0, static_cast<double>(ctx.input(schema::kShape.index("input")).size()));
}

void reshape_kernel(KernelContext& ctx) {
  constexpr int kTensor = schema::kReshape.index("tensor");
  const np::Array& x = ctx.input(kTensor);
  np::Shape s = shape_arg(ctx, schema::kReshape.index("shape"));
  int64_t known = 1;
  int unknown = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1 && unknown < 0) {
      unknown = static_cast<int>(i);
    } else if (s[i] < 0) {
      throw errors::InvalidArgumentError("Only one input size may be -1, not both for '" +
                                         ctx.op_name() + "'");
    } else if (__builtin_mul_overflow(known, s[i], &known)) {
      throw errors::InvalidArgumentError("Encountered overflow computing the size of shape " +
                                         np::shape_str(s) + " for '" + ctx.op_name() + "'");
    }
  }
  if (unknown >= 0 && known > 0 && x.size() % known == 0) s[static_cast<size_t>(unknown)] = x.size() / known;
  if (np::shape_size(s) != x.size() || (unknown >= 0 && known == 0))
    throw errors::InvalidArgumentError(
        "Input to reshape is a tensor with " + std::to_string(x.size()) +
        " values, but the requested shape has " + std::to_string(unknown >= 0 ? known : np::shape_size(s)) +
        " for '" + ctx.op_name() + "'");
  ctx.forward_input(kTensor, 0, s);
}

void fill_kernel(KernelContext& ctx) {
  const np::Array& v = ctx.input(schema::kFill.index("value"));
  if (v.size() != 1)
    throw errors::InvalidArgumentError("value must be a scalar for '" + ctx.op_name() + "'");
  np::Array& out = ctx.allocate_output(0, shape_arg(ctx, schema::kFill.index("dims")), v.dtype());
  out.fill(v.get_flat(0));
}

template <int Value> void fill_like(KernelContext& ctx) {
  constexpr int kX = schema::kLike.index("x");
  const np::Array& x = ctx.input(kX);
  ctx.forward_input_or_allocate(kX, 0, x.shape(), x.dtype()).fill(Value);
}

void cast_kernel(KernelContext& ctx) {
  const np::Array& x = ctx.input(schema::kCast.index("x"));
  const DType dst = ctx.attr<DType>("DstT");
  np::Array& out = ctx.allocate_output(0, x.shape(), dst);
  np::dispatch(dst, [&](auto d) {
    using D = decltype(d);
    np::dispatch(x.dtype(), [&](auto s) {
      using S = decltype(s);
      if constexpr (std::is_same_v<D, bool>) {
        np::unary_loop(static_cast<const S*>(x.raw_data()), out.data<bool>(), x.size(),
                       [](S v) { return v != S(0); });
      } else {
        np::unary_loop(static_cast<const S*>(x.raw_data()), out.data<D>(), x.size(),
                       [](S v) { return static_cast<D>(v); });
      }
    });
  });
}

// Sums x down to `target` (a shape x broadcasts from).
template <class T> void sum_to_shape_kernel(KernelContext& ctx) {
  constexpr int kInput = schema::kToShape.index("input");
  const np::Array& x = ctx.input(kInput);
  const np::Shape target = shape_arg(ctx, schema::kToShape.index("shape"));
  try {
    if (np::broadcast_shapes(target, x.shape()) != x.shape()) throw keraspp::ValueError("");
  } catch (const keraspp::ValueError&) {
    throw errors::InvalidArgumentError("Cannot sum shape " + np::shape_str(x.shape()) +
                                       " down to shape " + np::shape_str(target) + " for '" +
                                       ctx.op_name() + "'");
  }
  // Nothing was broadcast (the usual case for gradients of same-shape
  // operands): the sum is x itself.
  if (target == x.shape()) return ctx.forward_input(kInput, 0);
  np::Array& out = ctx.allocate_output(0, target, np::dtype_v<T>);
  T* po = out.data<T>();
  const T* px = x.data<T>();
  const int64_t n_out = out.size(), n = x.size();
  std::fill(po, po + n_out, T(0));
  if (n_out == 0 || n == 0) return;
  // Fast path: target equals x's trailing dims (bias gradients): column sums.
  const np::Shape& xs = x.shape();
  bool trailing = target.size() <= xs.size();
  for (size_t i = 0; trailing && i < target.size(); ++i)
    trailing = target[target.size() - 1 - i] == xs[xs.size() - 1 - i];
  if (trailing) {
    const int64_t rows = n / n_out;
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = px + r * n_out;
#pragma omp simd
      for (int64_t j = 0; j < n_out; ++j) po[j] += row[j];
    }
    return;
  }
  const auto st = np::broadcast_strides(target, xs);
  const int nd = static_cast<int>(xs.size());
  std::vector<int64_t> idx(static_cast<size_t>(nd), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t o = 0;
    for (int d = 0; d < nd; ++d) o += idx[static_cast<size_t>(d)] * st[static_cast<size_t>(d)];
    po[o] += px[i];
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[static_cast<size_t>(d)] < xs[static_cast<size_t>(d)]) break;
      idx[static_cast<size_t>(d)] = 0;
    }
  }
}

void broadcast_to_kernel(KernelContext& ctx) {
  const np::Array& x = ctx.input(schema::kToShape.index("input"));
  const np::Shape target = shape_arg(ctx, schema::kToShape.index("shape"));
  np::Shape s;
  try {
    s = np::broadcast_shapes(x.shape(), target);
  } catch (const keraspp::ValueError&) {
    throw errors::InvalidArgumentError("Incompatible shapes: " + np::shape_str(x.shape()) +
                                       " vs. " + np::shape_str(target) + " for '" + ctx.op_name() + "'");
  }
  np::Array& out = ctx.allocate_output(0, s, x.dtype());
  np::dispatch(x.dtype(), [&](auto t) {
    using T = decltype(t);
    np::binary_loop<T, T, T>(x, out, out, [](T a, T) { return a; });
  });
}

np::Array broadcast_copy(const np::Array& a, const np::Shape& s) {
  if (a.shape() == s) return a;
  np::Array out = np::Array::empty(s, a.dtype());
  np::dispatch(a.dtype(), [&](auto t) {
    using T = decltype(t);
    np::binary_loop<T, T, T>(a, out, out, [](T v, T) { return v; });
  });
  return out;
}

void select_kernel(KernelContext& ctx) {
  constexpr int kT = schema::kSelect.index("t"), kE = schema::kSelect.index("e");
  const np::Array& c = ctx.input(schema::kSelect.index("condition"));
  const np::Array &t = ctx.input(kT), &e = ctx.input(kE);
  // A scalar condition with same-shaped branches (Keras's in_train_phase)
  // picks a whole branch: no copy.
  if (c.size() == 1 && c.ndim() == 0 && t.shape() == e.shape()) {
    ctx.forward_input(c.data<bool>()[0] ? kT : kE, 0);
    return;
  }
  np::Shape s = np::broadcast_shapes(c.shape(), np::broadcast_shapes(t.shape(), e.shape()));
  const np::Array cb = broadcast_copy(c, s), xb = broadcast_copy(t, s), yb = broadcast_copy(e, s);
  np::Array& out = ctx.allocate_output(0, s, xb.dtype());
  np::dispatch(xb.dtype(), [&](auto t) {
    using T = decltype(t);
    const bool* pc = cb.data<bool>();
    const T *px = xb.data<T>(), *py = yb.data<T>();
    T* po = out.data<T>();
    for (int64_t i = 0, n = out.size(); i < n; ++i) po[i] = pc[i] ? px[i] : py[i];
  });
}

// Copies `n` inputs (first_input..) into out along `axis`.
void concat_kernel(KernelContext& ctx) {
  constexpr int kValues = schema::kConcatV2.index("values");
  const int n = ctx.num_inputs() - kValues;
  const np::Array& first = ctx.input(kValues);
  const int rank = first.ndim();
  // The static checks cannot see the rank of unknown-rank inputs: check the
  // axis and ranks of the values actually fed (TF's ConcatOp wording).
  const int64_t attr_axis = ctx.attr<int64_t>("axis");
  if (rank == 0)
    throw errors::InvalidArgumentError("ConcatOp : Can't concatenate scalars (use tf.stack instead) for '" +
                                       ctx.op_name() + "'");
  if (attr_axis < -rank || attr_axis >= rank)
    throw errors::InvalidArgumentError("ConcatOp : Expected concatenating dimensions in the range [" +
                                       std::to_string(-rank) + ", " + std::to_string(rank) + "), but got " +
                                       std::to_string(attr_axis) + " for '" + ctx.op_name() + "'");
  const int axis = static_cast<int>(attr_axis < 0 ? attr_axis + rank : attr_axis);
  np::Shape s = first.shape();
  s[static_cast<size_t>(axis)] = 0;
  for (int i = 0; i < n; ++i) {
    const np::Array& a = ctx.input(kValues + i);
    if (a.ndim() != rank)
      throw errors::InvalidArgumentError("ConcatOp : Ranks of all input tensors should match: shape[0] = " +
                                         np::shape_str(first.shape()) + " vs. shape[" + std::to_string(i) +
                                         "] = " + np::shape_str(a.shape()) + " for '" + ctx.op_name() + "'");
    for (int d = 0; d < rank; ++d)
      if (d != axis && a.shape(d) != first.shape(d))
        throw errors::InvalidArgumentError("ConcatOp : Dimensions of inputs should match: shape[0] = " +
                                           np::shape_str(first.shape()) + " vs. shape[" + std::to_string(i) +
                                           "] = " + np::shape_str(a.shape()) + " for '" + ctx.op_name() + "'");
    s[static_cast<size_t>(axis)] += a.shape(axis);
  }
  np::Array& out = ctx.allocate_output(0, s, first.dtype());
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= s[static_cast<size_t>(d)];
  const size_t item = np::itemsize(first.dtype());
  const size_t out_row = static_cast<size_t>(out.size() / std::max<int64_t>(outer, 1)) * item;
  size_t offset = 0;
  for (int i = 0; i < n; ++i) {
    const np::Array& a = ctx.input(kValues + i);
    const size_t row = static_cast<size_t>(a.size() / std::max<int64_t>(outer, 1)) * item;
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(static_cast<char*>(out.raw_data()) + o * out_row + offset,
                  static_cast<const char*>(a.raw_data()) + o * row, row);
    offset += row;
  }
}

void concat_grad_kernel(KernelContext& ctx) {
  constexpr int kInputs = schema::kConcatGrad.index("inputs");
  const np::Array& g = ctx.input(schema::kConcatGrad.index("grad"));
  const int index = static_cast<int>(ctx.attr<int64_t>("index"));
  const np::Array& mine = ctx.input(kInputs + index);
  int axis = static_cast<int>(ctx.attr<int64_t>("axis"));
  if (axis < 0) axis += g.ndim();
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= g.shape(d);
  const size_t item = np::itemsize(g.dtype());
  size_t offset = 0;
  for (int i = 0; i < index; ++i)
    offset += static_cast<size_t>(ctx.input(kInputs + i).size() / std::max<int64_t>(outer, 1)) * item;
  np::Array& out = ctx.allocate_output(0, mine.shape(), g.dtype());
  const size_t g_row = static_cast<size_t>(g.size() / std::max<int64_t>(outer, 1)) * item;
  const size_t row = static_cast<size_t>(mine.size() / std::max<int64_t>(outer, 1)) * item;
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(static_cast<char*>(out.raw_data()) + o * row,
                static_cast<const char*>(g.raw_data()) + o * g_row + offset, row);
}

template <class T> void add_n_kernel(KernelContext& ctx) {
  constexpr int kInputs = schema::kAddN.index("inputs");  // the terms, from here on
  const np::Array& a = ctx.input(kInputs);
  for (int i = kInputs + 1; i < ctx.num_inputs(); ++i)
    if (ctx.input(i).shape() != a.shape())
      throw errors::InvalidArgumentError("Inputs to operation " + ctx.op_name() +
                                         " of type AddN must have the same size and shape.");
  np::Array& out = ctx.forward_input_or_allocate(kInputs, 0, a.shape(), a.dtype());
  T* po = out.data<T>();
  const int64_t n = a.size();
  if (po != a.data<T>()) std::memcpy(po, a.data<T>(), a.nbytes());
  for (int i = kInputs + 1; i < ctx.num_inputs(); ++i) {
    const T* p = ctx.input(i).data<T>();
    np::simd_for(n, [&](int64_t k) { po[k] += p[k]; });
  }
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  r.add("Shape", "CPU", std::nullopt, shape_kernel);
  r.add("Size", "CPU", std::nullopt, size_kernel);
  r.add("Reshape", "CPU", std::nullopt, reshape_kernel);
  r.add("Fill", "CPU", std::nullopt, fill_kernel);
  r.add("ZerosLike", "CPU", std::nullopt, fill_like<0>);
  r.add("OnesLike", "CPU", std::nullopt, fill_like<1>);
  r.add("Cast", "CPU", std::nullopt, cast_kernel);
  r.add("BroadcastTo", "CPU", std::nullopt, broadcast_to_kernel);
  r.add("Select", "CPU", std::nullopt, select_kernel);
  r.add("ConcatV2", "CPU", std::nullopt, concat_kernel);
  r.add("ConcatGrad", "CPU", std::nullopt, concat_grad_kernel);
  r.add("SumToShape", "CPU", float32, sum_to_shape_kernel<float>);
  r.add("SumToShape", "CPU", float64, sum_to_shape_kernel<double>);
  r.add("SumToShape", "CPU", int32, sum_to_shape_kernel<int32_t>);
  r.add("SumToShape", "CPU", int64, sum_to_shape_kernel<int64_t>);
  r.add("AddN", "CPU", float32, add_n_kernel<float>);
  r.add("AddN", "CPU", float64, add_n_kernel<double>);
  r.add("AddN", "CPU", int32, add_n_kernel<int32_t>);
  r.add("AddN", "CPU", int64, add_n_kernel<int64_t>);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
