// keras.utils.Progbar (generic_utils.Progbar), for the loops written in
// Python (fit_generator, evaluate_generator, predict_generator): the same bar
// fit prints, written to Python's sys.stdout.
#include "convert.h"
#include "python_stdout.h"

namespace keraspp::python {
namespace {

keras::utils::Progbar::Values to_values(py::handle values) {
  keras::utils::Progbar::Values out;
  if (values.is_none()) return out;
  for (py::handle item : values) {
    auto pair = py::reinterpret_borrow<py::sequence>(item);
    out.emplace_back(pair[0].cast<std::string>(), pair[1].cast<double>());
  }
  return out;
}

}  // namespace

void bind_progbar(py::module_& m) {
  using keras::utils::Progbar;
  py::class_<Progbar>(m, "Progbar")
      .def(py::init([](int64_t target, int width, int verbose, double interval) {
        return Progbar(target, {.width = width, .verbose = verbose, .interval = interval});
      }), py::arg("target"), py::arg("width") = 30, py::arg("verbose") = 1, py::arg("interval") = 0.01)
      .def("update", [](Progbar& p, int64_t current, py::handle values, bool force) {
        PythonStdout out;
        p.update(current, to_values(values), force);
      }, py::arg("current"), py::arg("values") = py::none(), py::arg("force") = false)
      .def("add", [](Progbar& p, int64_t n, py::handle values) {
        PythonStdout out;
        p.add(n, to_values(values));
      }, py::arg("n"), py::arg("values") = py::none());
}

}  // namespace keraspp::python
