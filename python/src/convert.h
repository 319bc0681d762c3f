// Conversions between Python objects and Keras++ values, shared by the
// binding files: numpy arrays <-> np::Array (buffer protocol), Python
// numbers/lists/arrays/tensors -> tf::TensorLike, feed_dict -> tf::FeedDict,
// and keyword arguments -> options structs (TypeError for an unknown one).
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "keraspp/keras/engine/topology.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace keraspp::python {
namespace py = pybind11;

// np::Array -> numpy without a copy: the array keeps the storage alive.
// A 0-d array comes back as a 0-d numpy array (callers turn it to a scalar).
py::array to_numpy(const np::Array& a);
// numpy (or anything np.asarray takes) -> np::Array. A float32 C-contiguous
// native-endian array is copied once with memcpy; other layouts are made
// contiguous/native first. Python floats in lists become float32 and ints
// int32, as TF converts them. `what` names the argument in errors.
np::Array from_python_array(py::handle obj, const std::string& what);
// Without a copy where the object is a C-contiguous, aligned, native-endian
// numpy array of a supported dtype: the np::Array borrows its buffer and
// keeps the numpy array alive (for values used only during one call: fit's
// x/y, feed_dict values, as TF aliases fed arrays); anything else as above.
np::Array borrow_python_array(py::handle obj, const std::string& what);
// Only the float32 C-contiguous native-endian fast path (nullopt otherwise).
std::optional<np::Array> from_float32_array(py::handle obj);
np::DType dtype_from_python(py::handle obj);  // tf.float32, np.float32, 'float32'
py::object numpy_dtype(np::DType t);

tf::TensorLike to_tensor_like(py::handle obj);
tf::Tensor to_tensor(py::handle obj);  // Tensor, Variable, or a constant built from obj
tf::FeedDict to_feed_dict(py::handle feed_dict);
tf::TensorShape to_tensor_shape(py::handle obj);  // None, list/tuple with None, TensorShape
py::object shape_to_python(const tf::TensorShape& s);  // tuple with None, or None

// Keyword arguments for an options struct: take() removes the ones read; the
// destructor-free finish() raises TypeError for any left (Keras's wording).
class Kwargs {
 public:
  Kwargs(py::kwargs kw, std::string owner) : kw_(std::move(kw)), owner_(std::move(owner)) {}
  bool has(const char* key) const { return kw_.contains(key) && !kw_[key].is_none(); }
  py::object take(const char* key);
  template <class T> void take(const char* key, T& out) {
    py::object v = take(key);
    if (!v.is_none()) out = v.cast<T>();
  }
  void finish() const;

 private:
  py::kwargs kw_;
  std::string owner_;
};

void register_exceptions(py::module_& m);
void bind_tf(py::module_& m);
void bind_tf_train(py::module_& m);
void bind_keras(py::module_& m);
void bind_keras_model(py::module_& m);
void bind_progbar(py::module_& m);
// keras.layers.Layer: the handle class, subclassable from Python
// (keras_python_layer.cc); bind_keras adds the handle's methods.
py::class_<keras::engine::Layer> bind_layer_base(py::module_& m);

}  // namespace keraspp::python
