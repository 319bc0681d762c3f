// np::Array core: storage, construction, shape manipulation, element access.
#include "keraspp/np/array.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

namespace np {

namespace {
std::atomic<uint64_t> g_allocations{0};
}

size_t itemsize(DType t) {
  switch (t) {
    case DType::float32: return 4;
    case DType::float64: return 8;
    case DType::int32: return 4;
    case DType::int64: return 8;
    case DType::uint8: return 1;
    case DType::bool_: return 1;
  }
  return 1;
}

std::string dtype_name(DType t) {
  switch (t) {
    case DType::float32: return "float32";
    case DType::float64: return "float64";
    case DType::int32: return "int32";
    case DType::int64: return "int64";
    case DType::uint8: return "uint8";
    case DType::bool_: return "bool";
  }
  return "?";
}

std::string tf_dtype_name(DType t) {
  switch (t) {
    case DType::float32: return "float";
    case DType::float64: return "double";
    default: return dtype_name(t);
  }
}

bool is_floating(DType t) { return t == DType::float32 || t == DType::float64; }
bool is_integer(DType t) {
  return t == DType::int32 || t == DType::int64 || t == DType::uint8;
}

// numpy's rule (PyArray_NewFromDescr): the product of the nonzero dims must
// fit, even when a zero dim makes the array empty, so a size never wraps.
int64_t shape_size(const Shape& s) {
  int64_t n = 1, nonzero = 1;
  bool empty = false;
  for (int64_t d : s) {
    if (d == 0) {
      empty = true;
      continue;
    }
    if (__builtin_mul_overflow(nonzero, d, &nonzero))
      throw ValueError("array is too big; shape " + shape_str(s) +
                       " has more elements than fit in 64 bits");
    n = nonzero;
  }
  return empty ? 0 : n;
}

std::string shape_str(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  if (s.size() == 1) out += ",";
  return out + ")";
}

Storage::Storage(size_t bytes, Allocator& allocator)
    : data_(allocator.allocate(bytes)), bytes_(bytes), allocator_(&allocator),
      host_accessible_(allocator.host_accessible()) {
  ++g_allocations;
}
std::shared_ptr<Storage> Storage::borrow(void* data, size_t bytes, std::function<void()> release) {
  return std::shared_ptr<Storage>(new Storage(data, bytes, std::move(release)));
}
Storage::Storage(void* data, size_t bytes, std::function<void()> release)
    : data_(data), bytes_(bytes), allocator_(&host_allocator()), host_accessible_(true),
      release_(std::move(release)) {}
Storage::~Storage() {
  if (release_) release_();
  else allocator_->deallocate(data_, bytes_);
}
uint64_t Storage::allocation_count() { return g_allocations.load(); }

namespace detail {
void throw_dtype_mismatch(DType have, DType want) {
  throw TypeError("array has dtype " + dtype_name(have) + ", accessed as " + dtype_name(want));
}
void throw_index_error(int64_t index, int axis, int64_t size) {
  throw ValueError("index " + std::to_string(index) + " is out of bounds for axis " +
                   std::to_string(axis) + " with size " + std::to_string(size));
}
[[noreturn]] void throw_not_plain(const Array& a) {
  if (!a.is_plain())
    throw TypeError("array of shape " + shape_str(a.shape()) + " is in the kernel-private layout " +
                    a.layout()->name() + "; convert it with to_plain() first");
  throw TypeError("array of shape " + shape_str(a.shape()) + " lives on " +
                  a.storage()->device().str() + ", not in host memory");
}
void throw_ndim_mismatch(int have, int want) {
  throw ValueError("too many indices for array: array is " + std::to_string(want) +
                   "-dimensional, but " + std::to_string(have) + " were indexed");
}
}  // namespace detail

// No storage: default arrays (empty slots) cost no allocation.
Array::Array() = default;

Array::Array(std::initializer_list<float> values)
    : Array(from_vector(std::vector<float>(values), {static_cast<int64_t>(values.size())})) {}

Array::Array(std::shared_ptr<Storage> storage, size_t byte_offset, Shape shape, DType dtype,
             std::shared_ptr<const Layout> layout)
    : storage_(std::move(storage)), offset_(byte_offset), shape_(std::move(shape)), dtype_(dtype),
      layout_(std::move(layout)) {
  for (int64_t d : shape_)
    if (d < 0) throw ValueError("negative dimensions are not allowed");
  if (offset_ + (layout_ ? layout_->bytes(shape_, dtype_) : nbytes()) > storage_->bytes())
    throw ValueError("array of shape " + shape_str(shape_) + " does not fit its buffer");
}

Array Array::empty(const Shape& shape, DType dtype) {
  for (int64_t d : shape)
    if (d < 0) throw ValueError("negative dimensions are not allowed");
  int64_t bytes = 0;
  if (__builtin_mul_overflow(shape_size(shape), static_cast<int64_t>(itemsize(dtype)), &bytes))
    throw ValueError("array is too big; `arr.size * arr.dtype.itemsize` is larger than the "
                     "maximum possible size (shape " + shape_str(shape) + ")");
  auto st = std::make_shared<Storage>(static_cast<size_t>(bytes));
  return Array(std::move(st), 0, shape, dtype);
}

int64_t Array::shape(int i) const {
  int n = ndim();
  int j = i < 0 ? i + n : i;
  if (j < 0 || j >= n)
    throw ValueError("tuple index " + std::to_string(i) + " out of range for array of " +
                     std::to_string(n) + " dimensions");
  return shape_[j];
}

void* Array::raw_data() const {
  if (!storage_) return nullptr;
  if (layout_ || !storage_->host_accessible()) detail::throw_not_plain(*this);
  return static_cast<char*>(storage_->data()) + offset_;
}

void* Array::layout_data() const {
  return storage_ ? static_cast<char*>(storage_->data()) + offset_ : nullptr;
}

Array Array::to_plain() const {
  if (!layout_) return *this;
  if (!storage_->host_accessible()) detail::throw_not_plain(*this);
  Array out = empty(shape_, dtype_);
  layout_->to_plain(layout_data(), out.raw_data(), shape_, dtype_);
  return out;
}

Array Array::reshape(const Shape& shape) const {
  // A view of an opaque layout under another shape would misplace elements.
  if (layout_) detail::throw_not_plain(*this);
  Shape out = shape;
  int unknown = -1;
  int64_t known = 1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (unknown >= 0) throw ValueError("can only specify one unknown dimension");
      unknown = static_cast<int>(i);
    } else if (out[i] < 0) {
      throw ValueError("negative dimensions are not allowed");
    } else {
      known *= out[i];
    }
  }
  if (unknown >= 0) {
    if (known == 0 || size() % known != 0)
      throw ValueError("cannot reshape array of size " + std::to_string(size()) +
                       " into shape " + shape_str(shape));
    out[unknown] = size() / known;
  }
  if (shape_size(out) != size())
    throw ValueError("cannot reshape array of size " + std::to_string(size()) + " into shape " +
                     shape_str(shape));
  return Array(storage_, offset_, out, dtype_);
}

namespace {
// Converts n elements from src (type S) to dst (type D).
template <class D, class S> void convert(D* dst, const S* src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<D>(src[i]);
}
}  // namespace

Array Array::astype(DType dtype) const {
  Array out = empty(shape_, dtype);
  const int64_t n = size();
  dispatch(dtype, [&](auto d) {
    using D = decltype(d);
    dispatch(dtype_, [&](auto s) {
      using S = decltype(s);
      convert(static_cast<D*>(out.raw_data()), static_cast<const S*>(raw_data()), n);
    });
  });
  return out;
}

Array Array::copy() const {
  if (!storage_) return Array();
  if (layout_) return to_plain();
  Array out = empty(shape_, dtype_);
  if (nbytes()) std::memcpy(out.raw_data(), raw_data(), nbytes());
  return out;
}

Array Array::slice(int64_t begin, int64_t end) const {
  if (layout_) detail::throw_not_plain(*this);
  if (ndim() == 0) throw ValueError("cannot slice a 0-d array");
  const int64_t rows = shape_[0];
  if (begin < 0) begin += rows;
  if (end < 0) end += rows;
  begin = std::clamp<int64_t>(begin, 0, rows);
  end = std::clamp<int64_t>(end, begin, rows);
  Shape s = shape_;
  s[0] = end - begin;
  const size_t row_bytes = static_cast<size_t>(shape_size(shape_) / std::max<int64_t>(rows, 1)) *
                           itemsize(dtype_);
  return Array(storage_, offset_ + static_cast<size_t>(begin) * row_bytes, s, dtype_);
}

Array Array::take(const std::vector<int64_t>& indices) const {
  if (ndim() == 0) throw ValueError("cannot take rows of a 0-d array");
  const int64_t rows = shape_[0];
  Shape s = shape_;
  s[0] = static_cast<int64_t>(indices.size());
  Array out = empty(s, dtype_);
  const size_t row_bytes = rows ? nbytes() / static_cast<size_t>(rows) : 0;
  auto* dst = static_cast<char*>(out.raw_data());
  const auto* src = static_cast<const char*>(raw_data());
  for (size_t i = 0; i < indices.size(); ++i) {
    int64_t r = indices[i] < 0 ? indices[i] + rows : indices[i];
    if (r < 0 || r >= rows) detail::throw_index_error(indices[i], 0, rows);
    std::memcpy(dst + i * row_bytes, src + static_cast<size_t>(r) * row_bytes, row_bytes);
  }
  return out;
}

Array Array::take(const Array& indices) const { return take(indices.to_vector<int64_t>()); }

void Array::assign(const Array& src) const {
  if (src.shape() != shape_)
    throw ValueError("could not broadcast input array from shape " + shape_str(src.shape()) +
                     " into shape " + shape_str(shape_));
  if (src.dtype() == dtype_) {
    if (nbytes()) std::memmove(raw_data(), src.raw_data(), nbytes());
    return;
  }
  Array conv = src.astype(dtype_);
  if (nbytes()) std::memcpy(raw_data(), conv.raw_data(), nbytes());
}

void Array::fill(double value) const {
  dispatch(dtype_, [&](auto t) {
    using T = decltype(t);
    T* p = static_cast<T*>(raw_data());
    const T v = static_cast<T>(value);
    for (int64_t i = 0, n = size(); i < n; ++i) p[i] = v;
  });
}

double Array::get_flat(int64_t i) const {
  return dispatch(dtype_, [&](auto t) -> double {
    using T = decltype(t);
    return static_cast<double>(static_cast<const T*>(raw_data())[i]);
  });
}

void Array::set_flat(int64_t i, double v) const {
  dispatch(dtype_, [&](auto t) {
    using T = decltype(t);
    static_cast<T*>(raw_data())[i] = static_cast<T>(v);
  });
}

Array zeros(const Shape& shape, DType dtype) {
  Array a = Array::empty(shape, dtype);
  if (a.nbytes()) std::memset(a.raw_data(), 0, a.nbytes());
  return a;
}

Array ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }

Array full(const Shape& shape, double value, DType dtype) {
  Array a = Array::empty(shape, dtype);
  a.fill(value);
  return a;
}

Array arange(int64_t stop, DType dtype) {
  Array a = Array::empty({std::max<int64_t>(stop, 0)}, dtype);
  for (int64_t i = 0; i < a.size(); ++i) a.set_flat(i, static_cast<double>(i));
  return a;
}

Array arange(double start, double stop, double step, DType dtype) {
  if (step == 0) throw ValueError("Maximum allowed size exceeded");
  int64_t n = static_cast<int64_t>(std::ceil((stop - start) / step));
  Array a = Array::empty({std::max<int64_t>(n, 0)}, dtype);
  for (int64_t i = 0; i < a.size(); ++i) a.set_flat(i, start + static_cast<double>(i) * step);
  return a;
}

DType promote_types(DType a, DType b) {
  auto rank = [](DType t) {
    switch (t) {
      case DType::bool_: return 0;
      case DType::uint8: return 1;
      case DType::int32: return 2;
      case DType::int64: return 3;
      case DType::float32: return 4;
      case DType::float64: return 5;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

}  // namespace np
