// keraspp._core: the pybind11 extension under the keraspp Python package.
#include "convert.h"

PYBIND11_MODULE(_core, m) {
  m.doc() = "Keras++ native core (TensorFlow 1.x graph API and Keras 2 in C++)";
  keraspp::python::register_exceptions(m);
  keraspp::python::bind_tf(m);
  keraspp::python::bind_keras(m);
}
