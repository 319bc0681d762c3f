// keras.utils.np_utils: to_categorical and normalize, as plain loops over the
// arrays' elements (no dependence on np's broadcasting math).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "keraspp/errors.h"
#include "keraspp/keras/utils.h"
#include "keraspp/np/memory_limit.h"

namespace keras::utils {

using keraspp::ValueError;

np::Array to_categorical(const np::Array& y, int64_t num_classes) {
  // Keras first makes y an int array and flattens it: (N, 1) columns work,
  // and float labels are truncated.
  const int64_t n = y.size();
  std::vector<int64_t> ids(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double v = y.get_flat(i);
    if (!std::isfinite(v))
      throw ValueError("to_categorical: label at index " + std::to_string(i) + " is not finite");
    if (!(std::abs(v) < 0x1p62))  // the cast would be undefined; no such class exists
      throw ValueError("to_categorical: label at index " + std::to_string(i) +
                       " is out of range for a class id");
    ids[i] = static_cast<int64_t>(v);
  }
  if (num_classes <= 0) {
    if (n == 0) throw ValueError("zero-size array to reduction operation maximum which has no identity");
    num_classes = *std::max_element(ids.begin(), ids.end()) + 1;
  }
  // 3e9 classes would be 12 GB of zeros: the cap is checked first.
  np::check_allocation({n, num_classes}, np::float32, "to_categorical");
  np::Array out = np::zeros({n, num_classes}, np::float32);
  float* p = out.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    // numpy would wrap a negative index round; a negative class id is
    // always a bug in the labels, so it is an error here.
    if (ids[i] < 0 || ids[i] >= num_classes)
      throw ValueError("to_categorical: label " + std::to_string(ids[i]) + " at index " +
                       std::to_string(i) + " is out of range for num_classes=" +
                       std::to_string(num_classes));
    p[i * num_classes + ids[i]] = 1.0f;
  }
  return out;
}

namespace {

// |x|-norm of one line of `len` elements `stride` apart.
template <class T>
double line_norm(const T* x, int64_t len, int64_t stride, int order) {
  double acc = 0;
  if (order == 0) {
    for (int64_t k = 0; k < len; ++k) acc += x[k * stride] != 0 ? 1.0 : 0.0;
    return acc;
  }
  if (order == 1) {
    for (int64_t k = 0; k < len; ++k) acc += std::abs(static_cast<double>(x[k * stride]));
    return acc;
  }
  if (order == 2) {
    for (int64_t k = 0; k < len; ++k) {
      const double v = static_cast<double>(x[k * stride]);
      acc += v * v;
    }
    return std::sqrt(acc);
  }
  for (int64_t k = 0; k < len; ++k)
    acc += std::pow(std::abs(static_cast<double>(x[k * stride])), static_cast<double>(order));
  return std::pow(acc, 1.0 / order);
}

template <class T, class O>
void normalize_impl(const T* x, O* out, int64_t outer, int64_t len, int64_t inner, int order) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* line = x + o * len * inner + i;
      O* dst = out + o * len * inner + i;
      double norm = line_norm(line, len, inner, order);
      // Keras leaves all-zero lines as they are (norm 0 -> divide by 1).
      if (norm == 0) norm = 1;
      for (int64_t k = 0; k < len; ++k)
        dst[k * inner] = static_cast<O>(static_cast<double>(line[k * inner]) / norm);
    }
  }
}

}  // namespace

np::Array normalize(const np::Array& x, int axis, int order) {
  const int nd = x.ndim();
  if (nd == 0) throw ValueError("normalize: x must have at least 1 dimension, got a scalar");
  const int a = axis < 0 ? axis + nd : axis;
  // numpy's AxisError (a ValueError) text.
  if (a < 0 || a >= nd)
    throw ValueError("axis " + std::to_string(axis) + " is out of bounds for array of dimension " +
                     std::to_string(nd));
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < a; ++d) outer *= x.shape(d);
  for (int d = a + 1; d < nd; ++d) inner *= x.shape(d);
  const int64_t len = x.shape(a);

  const np::DType out_dtype = x.dtype() == np::float64 ? np::float64 : np::float32;
  np::Array out = np::Array::empty(x.shape(), out_dtype);
  np::dispatch(x.dtype(), [&](auto t) {
    using T = decltype(t);
    const T* src = static_cast<const T*>(x.raw_data());
    if (out_dtype == np::float64)
      normalize_impl(src, out.data<double>(), outer, len, inner, order);
    else
      normalize_impl(src, out.data<float>(), outer, len, inner, order);
  });
  return out;
}

}  // namespace keras::utils
