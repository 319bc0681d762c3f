// keraspp._core: the pybind11 extension under the keraspp Python package.
#include "convert.h"
#include "keraspp/np/cpu_features.h"

PYBIND11_MODULE(_core, m) {
  m.doc() = "Keras++ native core (TensorFlow 1.x graph API and Keras 2 in C++)";
  keraspp::python::register_exceptions(m);
  keraspp::python::bind_tf(m);
  keraspp::python::bind_keras(m);
  // "avx512" or "generic": the path the hand-written kernels take on this
  // CPU, chosen at run time (a wheel built for AVX2 still uses AVX-512).
  m.def("kernel_isa", [] { return np::cpu::kernel_isa_name(np::cpu::kernel_isa()); });
}
