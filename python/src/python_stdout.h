// PythonStdout: while it lives, Keras++'s progress bar and fit's text go to
// Python's sys.stdout (so pytest's capsys, Jupyter and redirections see them).
#pragma once
#include <pybind11/iostream.h>

#include <ostream>

#include "convert.h"
#include "keraspp/keras/progbar.h"

namespace keraspp::python {

// Sends fit's/evaluate's text to Python's sys.stdout for its lifetime.
class PythonStdout {
 public:
  PythonStdout()
      : buf_(py::module_::import("sys").attr("stdout")), os_(&buf_),
        scoped_({&os_, is_tty(), nullptr}) {}
  ~PythonStdout() { os_.flush(); }

 private:
  static bool is_tty() {
    py::object out = py::module_::import("sys").attr("stdout");
    return py::hasattr(out, "isatty") && out.attr("isatty")().cast<bool>();
  }
  py::detail::pythonbuf buf_;
  std::ostream os_;
  keras::utils::ScopedProgbarOutput scoped_;
};

}  // namespace keraspp::python
