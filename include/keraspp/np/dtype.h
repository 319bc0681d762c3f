// np dtypes: the element types Keras++ arrays and graph tensors carry.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace np {

enum class DType : uint8_t { float32, float64, int32, int64, uint8, bool_ };

inline constexpr DType float32 = DType::float32;
inline constexpr DType float64 = DType::float64;
inline constexpr DType int32 = DType::int32;
inline constexpr DType int64 = DType::int64;
inline constexpr DType uint8 = DType::uint8;
inline constexpr DType bool_ = DType::bool_;

// Bytes per element.
size_t itemsize(DType t);
// numpy's name: "float32", "bool", ...
std::string dtype_name(DType t);
// TF's name used in error messages: "float", "double", "int32", "bool", ...
std::string tf_dtype_name(DType t);
bool is_floating(DType t);
bool is_integer(DType t);

// Maps a C++ element type to its DType (compile-time).
template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::float64; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::int32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::int64; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::uint8; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::bool_; };
template <class T> inline constexpr DType dtype_v = dtype_of<T>::value;

// Calls f(T{}) with T the C++ type of `t`; the one switch over dtypes that
// kernels and array code share.
template <class F> decltype(auto) dispatch(DType t, F&& f) {
  switch (t) {
    case DType::float32: return f(float{});
    case DType::float64: return f(double{});
    case DType::int32: return f(int32_t{});
    case DType::int64: return f(int64_t{});
    case DType::uint8: return f(uint8_t{});
    case DType::bool_: return f(bool{});
  }
  return f(float{});
}

}  // namespace np
