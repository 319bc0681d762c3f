// np::Array: a host n-d array with numpy's semantics where the spec uses them.
// C-contiguous unless a kernel put it in an opaque layout (device.h). Copies
// share the buffer (numpy view semantics): assignment aliases, `copy()`
// duplicates. Buffers the library allocates are 64-byte aligned; borrowed
// ones (Storage::borrow) and views need only their dtype's alignment.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "keraspp/errors.h"
#include "keraspp/np/device.h"
#include "keraspp/np/dtype.h"

namespace np {

using Shape = std::vector<int64_t>;

// Number of elements of a shape (1 for a scalar shape {}).
int64_t shape_size(const Shape& s);
// "(60000, 784)" / "(512,)" / "()" as numpy prints shapes.
std::string shape_str(const Shape& s);

// A reference-counted block of bytes made by an allocator (host memory,
// 64-byte aligned, unless told otherwise), which records the device the bytes
// live on. The runtime recycles these between steps; `allocation_count()`
// lets tests assert that a steady state allocates nothing.
class Storage {
 public:
  explicit Storage(size_t bytes, Allocator& allocator = host_allocator());
  // Host memory someone else owns (a numpy array's buffer handed to fit or
  // fed to a session): no copy, no allocation counted; `release` runs when
  // the last np::Array over it goes (it drops the owner's reference).
  static std::shared_ptr<Storage> borrow(void* data, size_t bytes, std::function<void()> release);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Allocator& allocator() const { return *allocator_; }
  Device device() const { return allocator_->device(); }
  // Whether host code may touch the bytes (cached from the allocator).
  bool host_accessible() const { return host_accessible_; }
  // Total Storage allocations made by this process so far.
  static uint64_t allocation_count();

 private:
  Storage(void* data, size_t bytes, std::function<void()> release);
  void* data_;
  size_t bytes_;
  Allocator* allocator_;
  bool host_accessible_;
  std::function<void()> release_;  // set for borrowed memory only
};

class Array {
 public:
  // An empty float32 array of shape (0,).
  Array();
  // A float32 vector: np::Array({1.f, 2.f}).
  Array(std::initializer_list<float> values);
  // Uninitialised array of the given shape and dtype (use np::zeros for zeros).
  static Array empty(const Shape& shape, DType dtype = float32);
  // Wraps an existing storage (no copy); byte_offset into it. With a layout,
  // the bytes hold the elements in that kernel-private arrangement.
  Array(std::shared_ptr<Storage> storage, size_t byte_offset, Shape shape, DType dtype,
        std::shared_ptr<const Layout> layout = nullptr);
  // Array from a flat vector of values and a shape.
  template <class T>
  static Array from_vector(const std::vector<T>& values, const Shape& shape);
  // Scalar (shape ()) array.
  template <class T>
  static Array scalar(T value);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  // Dimension i; negative i counts from the end. Throws ValueError out of range.
  int64_t shape(int i) const;
  int ndim() const { return static_cast<int>(shape_.size()); }
  int64_t size() const { return shape_size(shape_); }
  size_t nbytes() const { return static_cast<size_t>(size()) * itemsize(dtype_); }

  // The elements; TypeError unless the array is plain and in host memory.
  void* raw_data() const;
  template <class T> T* data() const;  // checks T matches dtype
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  size_t byte_offset() const { return offset_; }

  // Null for the plain layout (device.h).
  const std::shared_ptr<const Layout>& layout() const { return layout_; }
  bool is_plain() const { return !layout_; }
  // The bytes whatever their layout or device, for the kernels that
  // produce or take an opaque layout.
  void* layout_data() const;
  // This array when plain, else a plain host copy (Layout::to_plain).
  Array to_plain() const;

  // Element access with per-axis indices (negative allowed). Checks dtype and bounds.
  template <class T, class... I> T& at(I... idx) const;
  // The single element of a size-1 array, converted to T.
  template <class T> T item() const;

  // Same buffer, new shape; one dimension may be -1.
  Array reshape(const Shape& shape) const;
  // Converted copy (always a new buffer).
  Array astype(DType dtype) const;
  // Deep copy.
  Array copy() const;
  // Rows [begin, end) of axis 0, as a view (numpy a[begin:end]).
  Array slice(int64_t begin, int64_t end) const;
  // Gather rows of axis 0 by index (numpy a[indices]); a new buffer.
  Array take(const std::vector<int64_t>& indices) const;
  Array take(const Array& indices) const;
  // Overwrites this array's elements with `src`'s (same shape; dtype converted).
  void assign(const Array& src) const;
  // Fills with a value converted to the dtype.
  void fill(double value) const;
  // Flat element i as double (any dtype) and setter; for generic code and tests.
  double get_flat(int64_t i) const;
  void set_flat(int64_t i, double v) const;
  // The elements as a std::vector<T> (converted).
  template <class T> std::vector<T> to_vector() const;

  bool empty_storage() const { return !storage_; }

 private:
  std::shared_ptr<Storage> storage_;
  size_t offset_ = 0;
  Shape shape_{0};
  DType dtype_ = float32;
  std::shared_ptr<const Layout> layout_;
};

// ---- construction -------------------------------------------------------
Array zeros(const Shape& shape, DType dtype = float32);
Array ones(const Shape& shape, DType dtype = float32);
Array full(const Shape& shape, double value, DType dtype = float32);
Array arange(int64_t stop, DType dtype = int64);
Array arange(double start, double stop, double step = 1, DType dtype = float32);
// Result dtype of combining two dtypes (numpy promotion, simplified: bool <
// uint8 < int32 < int64 < float32 < float64).
DType promote_types(DType a, DType b);

// ---- elementwise with numpy broadcasting (defined in math.cc) -------------
Array operator+(const Array& a, const Array& b);
Array operator-(const Array& a, const Array& b);
Array operator*(const Array& a, const Array& b);
Array operator/(const Array& a, const Array& b);
Array operator-(const Array& a);
// Scalars take the array's dtype (numpy's rule for Python scalars).
Array operator+(const Array& a, double s);
Array operator-(const Array& a, double s);
Array operator*(const Array& a, double s);
Array operator/(const Array& a, double s);
Array operator+(double s, const Array& a);
Array operator-(double s, const Array& a);
Array operator*(double s, const Array& a);
Array operator/(double s, const Array& a);
// Comparisons give bool arrays.
Array operator==(const Array& a, const Array& b);
Array operator!=(const Array& a, const Array& b);
Array operator<(const Array& a, const Array& b);
Array operator<=(const Array& a, const Array& b);
Array operator>(const Array& a, const Array& b);
Array operator>=(const Array& a, const Array& b);
Array operator==(const Array& a, double s);
Array operator<(const Array& a, double s);
Array operator>(const Array& a, double s);
Array sqrt(const Array& a);
Array exp(const Array& a);
Array log(const Array& a);
Array abs(const Array& a);
Array maximum(const Array& a, const Array& b);
Array minimum(const Array& a, const Array& b);
Array clip(const Array& a, double lo, double hi);
Array matmul(const Array& a, const Array& b);  // 2-d only
// Shape numpy gives when broadcasting a with b; ValueError with numpy's text if not.
Shape broadcast_shapes(const Shape& a, const Shape& b);

// ---- reductions (axis = none means all; negative axes allowed) ----------
inline constexpr int kNoAxis = INT32_MIN;
Array sum(const Array& a, int axis = kNoAxis, bool keepdims = false);
Array mean(const Array& a, int axis = kNoAxis, bool keepdims = false);
Array max(const Array& a, int axis = kNoAxis, bool keepdims = false);
Array min(const Array& a, int axis = kNoAxis, bool keepdims = false);
Array argmax(const Array& a, int axis);  // int64 result
Array argmin(const Array& a, int axis);  // int64 result
bool array_equal(const Array& a, const Array& b);
bool allclose(const Array& a, const Array& b, double rtol = 1e-5, double atol = 1e-8);
Array concatenate(const std::vector<Array>& arrays, int axis = 0);

// numpy-style printing: [[1. 2.]\n [3. 4.]], summarised with ... past 1000 elements.
std::ostream& operator<<(std::ostream& os, const Array& a);
std::string array_str(const Array& a);

}  // namespace np

#include "keraspp/np/array_impl.h"
