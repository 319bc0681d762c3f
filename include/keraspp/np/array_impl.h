// Template definitions of np::Array (included at the end of array.h; on its
// own it includes array.h first, so it compiles by itself too).
#pragma once
#include <cstdint>
#include <cstring>

#include "keraspp/np/array.h"

namespace np {

namespace detail {
[[noreturn]] void throw_dtype_mismatch(DType have, DType want);
[[noreturn]] void throw_index_error(int64_t index, int axis, int64_t size);
[[noreturn]] void throw_ndim_mismatch(int have, int want);
}  // namespace detail

template <class T> T* Array::data() const {
  if (dtype_v<T> != dtype_) detail::throw_dtype_mismatch(dtype_, dtype_v<T>);
  return static_cast<T*>(raw_data());
}

template <class T, class... I> T& Array::at(I... idx) const {
  constexpr int n = sizeof...(I);
  if (n != ndim()) detail::throw_ndim_mismatch(n, ndim());
  const int64_t ids[] = {static_cast<int64_t>(idx)..., 0};
  int64_t flat = 0;
  for (int d = 0; d < n; ++d) {
    int64_t i = ids[d];
    if (i < 0) i += shape_[d];
    if (i < 0 || i >= shape_[d]) detail::throw_index_error(ids[d], d, shape_[d]);
    flat = flat * shape_[d] + i;
  }
  return data<T>()[flat];
}

template <class T> T Array::item() const {
  if (size() != 1) throw ValueError("can only convert an array of size 1 to a Python scalar");
  return static_cast<T>(get_flat(0));
}

template <class T> std::vector<T> Array::to_vector() const {
  std::vector<T> out(static_cast<size_t>(size()));
  for (int64_t i = 0; i < size(); ++i) out[i] = static_cast<T>(get_flat(i));
  return out;
}

template <class T>
Array Array::from_vector(const std::vector<T>& values, const Shape& shape) {
  if (static_cast<int64_t>(values.size()) != shape_size(shape))
    throw ValueError("cannot reshape array of size " + std::to_string(values.size()) +
                     " into shape " + shape_str(shape));
  Array a = empty(shape, dtype_v<T>);
  if constexpr (std::is_same_v<T, bool>) {
    for (size_t i = 0; i < values.size(); ++i) a.data<bool>()[i] = values[i];
  } else {
    if (!values.empty()) std::memcpy(a.raw_data(), values.data(), values.size() * sizeof(T));
  }
  return a;
}

template <class T> Array Array::scalar(T value) {
  Array a = empty({}, dtype_v<T>);
  *a.data<T>() = value;
  return a;
}

}  // namespace np
