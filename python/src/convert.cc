// Python <-> Keras++ value conversions and the exception mapping.
#include "convert.h"

#include <cstdint>
#include <cstring>
#include <optional>

#include "keraspp/errors.h"
#include "keraspp/variables/variable.h"

namespace keraspp::python {
namespace {

py::module_ numpy() { return py::module_::import("numpy"); }

// The np dtype of a numpy array, or TypeError naming what was given.
np::DType dtype_of_array(const py::array& a, const std::string& what) {
  const py::dtype d = a.dtype();
  const char kind = d.kind();
  const auto size = d.itemsize();
  if (kind == 'f' && size == 4) return np::float32;
  if (kind == 'f' && size == 8) return np::float64;
  if (kind == 'i' && size == 4) return np::int32;
  if (kind == 'i' && size == 8) return np::int64;
  if (kind == 'u' && size == 1) return np::uint8;
  if (kind == 'b') return np::bool_;
  throw keraspp::TypeError("Cannot convert " + what + " to a tensor: unsupported numpy dtype " +
                           py::str(py::object(d)).cast<std::string>());
}

}  // namespace

py::object numpy_dtype(np::DType t) { return numpy().attr("dtype")(np::dtype_name(t)); }

py::array to_numpy(const np::Array& a) {
  const np::Array p = a.is_plain() ? a : a.to_plain();
  std::vector<py::ssize_t> shape(p.shape().begin(), p.shape().end());
  const py::dtype dt = py::reinterpret_borrow<py::dtype>(numpy_dtype(p.dtype()));
  if (p.empty_storage() || p.size() == 0) return py::array(dt, shape);
  // The capsule owns one reference to the storage: numpy frees it with the array.
  auto* owner = new std::shared_ptr<np::Storage>(p.storage());
  py::capsule base(owner, [](void* o) { delete static_cast<std::shared_ptr<np::Storage>*>(o); });
  return py::array(dt, shape, {}, p.raw_data(), base);
}

// The fast path: a float32, C-contiguous, native-endian numpy array is one
// memcpy (no numpy calls); nullopt means "take the general path". A copy,
// because what it makes may outlive the call (a constant must not change
// when the numpy array does, as TF copies it).
std::optional<np::Array> from_float32_array(py::handle obj) {
  using F32 = py::array_t<float, py::array::c_style>;
  if (!F32::check_(obj)) return std::nullopt;
  const auto arr = py::reinterpret_borrow<py::array>(obj);
  np::Shape shape(arr.shape(), arr.shape() + arr.ndim());
  np::Array out = np::Array::empty(shape, np::float32);
  if (out.nbytes()) std::memcpy(out.raw_data(), arr.data(), out.nbytes());
  return out;
}

np::Array borrow_python_array(py::handle obj, const std::string& what) {
  if (!py::isinstance<py::array>(obj)) return from_python_array(obj, what);
  const auto arr = py::reinterpret_borrow<py::array>(obj);
  const bool aligned = reinterpret_cast<uintptr_t>(arr.data()) % static_cast<uintptr_t>(arr.itemsize()) == 0;
  if (!(arr.flags() & py::array::c_style) || !aligned || !arr.dtype().attr("isnative").cast<bool>() ||
      arr.nbytes() == 0)
    return from_python_array(obj, what);
  const char kind = arr.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b') return from_python_array(obj, what);
  const np::DType dt = dtype_of_array(arr, what);
  // The storage holds a reference to the numpy array; dropping it needs the
  // GIL, and the last np::Array may go on a thread that does not hold it.
  auto* owner = new py::object(arr);
  auto storage = np::Storage::borrow(const_cast<void*>(arr.data()), static_cast<size_t>(arr.nbytes()), [owner] {
    if (!Py_IsInitialized()) return;  // interpreter gone: nothing left to release
    py::gil_scoped_acquire gil;
    delete owner;
  });
  return np::Array(std::move(storage), 0, np::Shape(arr.shape(), arr.shape() + arr.ndim()), dt);
}

np::Array from_python_array(py::handle obj, const std::string& what) {
  if (std::optional<np::Array> fast = from_float32_array(obj)) return *std::move(fast);
  py::object o = py::reinterpret_borrow<py::object>(obj);
  const bool from_literal = !py::isinstance<py::array>(o);
  py::array arr;
  try {
    arr = numpy().attr("asarray")(o);
  } catch (py::error_already_set&) {
    throw keraspp::TypeError("Cannot convert " + what + " to a tensor: " +
                             py::repr(o).cast<std::string>());
  }
  const char kind = arr.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b')
    throw keraspp::TypeError("Cannot convert " + what + " to a tensor: expected numbers, got " +
                             py::repr(o).cast<std::string>().substr(0, 80) + " of dtype " +
                             py::str(py::object(arr.dtype())).cast<std::string>());
  if (from_literal && kind == 'f') arr = arr.attr("astype")("float32");
  if (from_literal && kind == 'i') arr = arr.attr("astype")("int32");
  // Big-endian or non-contiguous arrays are converted first, as numpy would.
  if (arr.dtype().attr("isnative").cast<bool>() == false)
    arr = arr.attr("astype")(arr.dtype().attr("newbyteorder")("="));
  if (!(arr.flags() & py::array::c_style)) arr = numpy().attr("ascontiguousarray")(arr);
  const np::DType dt = dtype_of_array(arr, what);
  np::Shape shape(arr.shape(), arr.shape() + arr.ndim());
  np::Array out = np::Array::empty(shape, dt);
  if (out.nbytes()) std::memcpy(out.raw_data(), arr.data(), out.nbytes());
  return out;
}

np::DType dtype_from_python(py::handle obj) {
  if (py::isinstance<np::DType>(obj)) return obj.cast<np::DType>();
  std::string name = py::str(numpy().attr("dtype")(obj)).cast<std::string>();
  if (name == "float32") return np::float32;
  if (name == "float64") return np::float64;
  if (name == "int32") return np::int32;
  if (name == "int64") return np::int64;
  if (name == "uint8") return np::uint8;
  if (name == "bool") return np::bool_;
  throw keraspp::TypeError("Unsupported dtype: " + name);
}

tf::TensorLike to_tensor_like(py::handle obj) {
  if (py::isinstance<tf::Tensor>(obj)) return obj.cast<tf::Tensor>();
  if (py::isinstance<tf::Variable>(obj)) return obj.cast<tf::Variable>().value();
  if (py::isinstance<py::bool_>(obj)) return obj.cast<bool>();
  if (py::isinstance<py::int_>(obj)) return static_cast<int>(obj.cast<int64_t>());
  if (py::isinstance<py::float_>(obj)) return static_cast<float>(obj.cast<double>());
  return from_python_array(obj, "value");
}

tf::Tensor to_tensor(py::handle obj) {
  if (py::isinstance<tf::Tensor>(obj)) return obj.cast<tf::Tensor>();
  if (py::isinstance<tf::Variable>(obj)) return obj.cast<tf::Variable>().value();
  return tf::constant(from_python_array(obj, "value"));
}

tf::FeedDict to_feed_dict(py::handle feed_dict) {
  tf::FeedDict out;
  if (feed_dict.is_none()) return out;
  if (!py::isinstance<py::dict>(feed_dict))
    throw keraspp::TypeError("feed_dict must be a dict, got " +
                             py::str(py::type::of(feed_dict)).cast<std::string>());
  for (auto [k, v] : py::reinterpret_borrow<py::dict>(feed_dict)) {
    tf::Tensor key;
    if (py::isinstance<tf::Tensor>(k)) key = k.cast<tf::Tensor>();
    else if (py::isinstance<tf::Variable>(k)) key = k.cast<tf::Variable>().value();
    else if (py::isinstance<py::str>(k))
      key = tf::get_default_graph().get_tensor_by_name(k.cast<std::string>());
    else
      throw keraspp::TypeError("Cannot interpret feed_dict key as Tensor: " +
                               py::repr(k).cast<std::string>());
    np::Array value = borrow_python_array(v, "the value fed to '" + key.name() + "'");
    // TF casts a fed value to the placeholder's numeric dtype (np.asarray(v, dtype)).
    if (value.dtype() != key.dtype()) value = value.astype(key.dtype());
    out.emplace_back(key, tf::FeedValue(value));
  }
  return out;
}

tf::TensorShape to_tensor_shape(py::handle obj) {
  if (obj.is_none()) return tf::TensorShape::unknown();
  if (py::isinstance<tf::TensorShape>(obj)) return obj.cast<tf::TensorShape>();
  if (py::isinstance<py::int_>(obj)) return tf::TensorShape({obj.cast<int64_t>()});
  if (!py::isinstance<py::sequence>(obj) || py::isinstance<py::str>(obj))
    throw keraspp::TypeError("Expected a shape (list or tuple of ints/None), got " +
                             py::repr(obj).cast<std::string>());
  std::vector<int64_t> dims;
  for (py::handle d : py::reinterpret_borrow<py::sequence>(obj)) {
    if (d.is_none()) dims.push_back(-1);
    else if (py::isinstance<py::int_>(d) || py::hasattr(d, "__index__")) dims.push_back(d.cast<int64_t>());
    else
      throw keraspp::TypeError("Expected an int or None as a dimension, got " +
                               py::repr(d).cast<std::string>());
  }
  return tf::TensorShape(dims);
}

py::object shape_to_python(const tf::TensorShape& s) {
  if (!s.has_rank()) return py::none();
  py::list dims;
  for (int64_t d : s.dims()) dims.append(d < 0 ? py::object(py::none()) : py::object(py::int_(d)));
  return py::tuple(dims);
}

py::object Kwargs::take(const char* key) {
  if (!kw_.contains(key)) return py::none();
  py::object v = kw_[key];
  PyDict_DelItemString(kw_.ptr(), key);
  return v;
}

void Kwargs::finish() const {
  for (auto [k, v] : kw_)
    throw keraspp::TypeError("Keyword argument not understood: " + py::str(k).cast<std::string>() +
                             (owner_.empty() ? "" : " (in " + owner_ + ")"));
}

void register_exceptions(py::module_& m) {
  static py::exception<tf::errors::OpError> op_error(m, "OpError", PyExc_RuntimeError);
  // One Python class per TF error code, all subclasses of OpError.
  static py::exception<tf::errors::InvalidArgumentError> invalid(m, "InvalidArgumentError", op_error.ptr());
  static py::exception<tf::errors::NotFoundError> not_found(m, "NotFoundError", op_error.ptr());
  static py::exception<tf::errors::AlreadyExistsError> exists(m, "AlreadyExistsError", op_error.ptr());
  static py::exception<tf::errors::FailedPreconditionError> precond(m, "FailedPreconditionError", op_error.ptr());
  static py::exception<tf::errors::OutOfRangeError> range(m, "OutOfRangeError", op_error.ptr());
  static py::exception<tf::errors::UnimplementedError> unimpl(m, "UnimplementedError", op_error.ptr());
  static py::exception<tf::errors::InternalError> internal(m, "InternalError", op_error.ptr());
  static py::exception<tf::errors::ResourceExhaustedError> exhausted(m, "ResourceExhaustedError", op_error.ptr());
  static py::exception<tf::errors::DataLossError> loss(m, "DataLossError", op_error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const tf::errors::InvalidArgumentError& e) { PyErr_SetString(invalid.ptr(), e.what());
    } catch (const tf::errors::NotFoundError& e) { PyErr_SetString(not_found.ptr(), e.what());
    } catch (const tf::errors::AlreadyExistsError& e) { PyErr_SetString(exists.ptr(), e.what());
    } catch (const tf::errors::FailedPreconditionError& e) { PyErr_SetString(precond.ptr(), e.what());
    } catch (const tf::errors::OutOfRangeError& e) { PyErr_SetString(range.ptr(), e.what());
    } catch (const tf::errors::UnimplementedError& e) { PyErr_SetString(unimpl.ptr(), e.what());
    } catch (const tf::errors::InternalError& e) { PyErr_SetString(internal.ptr(), e.what());
    } catch (const tf::errors::ResourceExhaustedError& e) { PyErr_SetString(exhausted.ptr(), e.what());
    } catch (const tf::errors::DataLossError& e) { PyErr_SetString(loss.ptr(), e.what());
    } catch (const tf::errors::OpError& e) { PyErr_SetString(op_error.ptr(), e.what());
    } catch (const keraspp::TypeError& e) { PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const keraspp::ValueError& e) { PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const keraspp::IOError& e) { PyErr_SetString(PyExc_OSError, e.what());
    } catch (const keraspp::LookupError& e) { PyErr_SetString(PyExc_LookupError, e.what());
    }
  });
}

}  // namespace keraspp::python
