// Control flow with Python callables: the flat primitives under tf.cond
// (and tf.case, nested conds), tf.while_loop (the package's _control_flow.py packs and unpacks
// nested structures around them), tf.TensorArray, tf.map_fn and tf.scan.
//
// A branch or body runs while the op is built, in the C++ function
// builder's graph scope, with the GIL held (graph construction never
// releases it). A Python exception raised there passes through the C++
// frames as pybind11's error_already_set and reaches the caller as itself.
#include <pybind11/functional.h>

#include "convert.h"
#include "tf_bindings.h"

namespace keraspp::python {
namespace {

std::string name_or(py::handle n, const std::string& fallback) {
  return n.is_none() ? fallback : n.cast<std::string>();
}

// A Python callable's result as the flat tensors a C++ function returns.
std::vector<tf::Tensor> tensors_of(py::handle result, const char* what) {
  if (!py::isinstance<py::list>(result) && !py::isinstance<py::tuple>(result))
    throw keraspp::TypeError(std::string(what) + " must return a list of tensors, got " +
                             py::repr(result).cast<std::string>());
  std::vector<tf::Tensor> out;
  for (py::handle r : result) out.push_back(to_tensor(r));
  return out;
}

py::list as_list(const std::vector<tf::Tensor>& v) {
  py::list l;
  for (const tf::Tensor& t : v) l.append(t);
  return l;
}

void bind_cond_and_loop(py::module_& m) {
  // fn1/fn2: () -> list of tensors (flat).
  m.def("_cond", [](py::handle pred, py::function fn1, py::function fn2, const std::string& name) {
    return tf::cond(to_tensor_like(pred), [&] { return tensors_of(fn1(), "fn1"); },
                    [&] { return tensors_of(fn2(), "fn2"); }, name);
  }, py::arg("pred"), py::arg("fn1"), py::arg("fn2"), py::arg("name") = "cond");
  // cond: list -> bool tensor; body: list -> list (flat, as many as loop_vars).
  m.def("_while_loop", [](py::function cond, py::function body, const std::vector<tf::Tensor>& loop_vars,
                          py::handle shape_invariants, int parallel_iterations, bool back_prop,
                          py::handle maximum_iterations, const std::string& name) {
    tf::WhileLoopOptions o{.parallel_iterations = parallel_iterations, .back_prop = back_prop, .name = name};
    if (!shape_invariants.is_none())
      for (py::handle s : shape_invariants) o.shape_invariants.push_back(to_tensor_shape(s));
    if (!maximum_iterations.is_none()) {
      if (!py::isinstance<py::int_>(maximum_iterations))
        throw keraspp::TypeError("maximum_iterations must be a Python int here, got " +
                                 py::repr(maximum_iterations).cast<std::string>());
      o.maximum_iterations = maximum_iterations.cast<int64_t>();
      if (o.maximum_iterations < 0) throw keraspp::ValueError("maximum_iterations must be non-negative");
    }
    return tf::while_loop(
        [&](const std::vector<tf::Tensor>& v) { return to_tensor(cond(as_list(v))); },
        [&](const std::vector<tf::Tensor>& v) { return tensors_of(body(as_list(v)), "body"); }, loop_vars, o);
  }, py::arg("cond"), py::arg("body"), py::arg("loop_vars"), py::arg("shape_invariants") = py::none(),
     py::arg("parallel_iterations") = 10, py::arg("back_prop") = true, py::arg("maximum_iterations") = py::none(),
     py::arg("name") = "while");
}

// An element index (or index list): Python ints or an int tensor, as TF's
// int32 inputs take them; a float is TypeError, not truncated.
tf::TensorLike index_arg(py::handle index) {
  if (py::isinstance<py::float_>(index))
    throw keraspp::TypeError("TensorArray index must be an int32, got " + py::repr(index).cast<std::string>());
  return to_tensor_like(index);
}

// Whether the stacked storage exists (an element shape is known).
bool has_flow(const tf::TensorArray& ta) {
  try {
    (void)ta.flow();
    return true;
  } catch (const keraspp::ValueError&) {
    return false;
  }
}

// A value written as rows (unstack / scatter): the TensorArray's dtype, and
// rows of its element shape where both are known (TF's infer_shape check).
tf::Tensor rows_arg(const tf::TensorArray& ta, py::handle value, const char* op) {
  const tf::Tensor v = to_tensor(value);
  if (v.dtype() != ta.dtype())
    throw keraspp::TypeError("TensorArray dtype is " + np::dtype_name(ta.dtype()) + " but Op is trying to write dtype " +
                             np::dtype_name(v.dtype()) + ".");
  const tf::TensorShape& vs = v.shape();
  if (!has_flow(ta) || !vs.has_rank()) return v;
  const tf::TensorShape& fs = ta.flow().shape();
  bool same = fs.has_rank() ? fs.rank() == vs.rank() : true;
  for (int d = 1; same && fs.has_rank() && d < vs.rank(); ++d)
    same = fs.dim(d) < 0 || vs.dim(d) < 0 || fs.dim(d) == vs.dim(d);
  if (!same)
    throw keraspp::ValueError(std::string("Inconsistent shapes in TensorArray ") + op + ": value " + vs.str() +
                              " has rows incompatible with the element shape of " + fs.str());
  return v;
}

void bind_tensor_array(py::module_& m) {
  py::class_<tf::TensorArray>(m, "TensorArray")
      .def(py::init([](py::handle dtype, py::handle size, py::handle dynamic_size, py::handle clear_after_read,
                       py::handle tensor_array_name, py::handle handle, py::handle flow, bool infer_shape,
                       py::handle element_shape, py::handle name) {
        if (!dynamic_size.is_none() && dynamic_size.cast<bool>())
          throw keraspp::ValueError("TensorArray: dynamic_size=True is not supported; give its size");
        if (!handle.is_none()) throw keraspp::ValueError("TensorArray: handle is not supported; pass flow");
        const np::DType dt = dtype_from_python(dtype);
        if (!flow.is_none()) {
          const tf::Tensor f = to_tensor(flow);
          if (f.dtype() != dt)
            throw keraspp::TypeError("TensorArray dtype is " + np::dtype_name(dt) + " but flow has dtype " +
                                     np::dtype_name(f.dtype()));
          return tf::TensorArray::from_flow(f);
        }
        if (size.is_none()) throw keraspp::ValueError("Size must be provided if handle is not provided");
        std::optional<tf::TensorShape> shape;
        if (!element_shape.is_none()) shape = to_tensor_shape(element_shape);
        tf::TensorArray ta(dt, to_tensor_like(size), shape, name_or(tensor_array_name, name_or(name, "TensorArray")));
        if (has_flow(ta)) {
          // The storage's static shape [size, element_shape...], which Fill
          // of a computed shape leaves unknown: reads and checks see it.
          std::vector<int64_t> dims{py::isinstance<py::int_>(size) ? size.cast<int64_t>() : -1};
          for (int64_t d : shape->dims()) dims.push_back(d);
          ta.flow().set_shape(tf::TensorShape(dims));
        }
        return ta;
      }), py::arg("dtype"), py::arg("size") = py::none(), py::arg("dynamic_size") = py::none(),
         py::arg("clear_after_read") = py::none(), py::arg("tensor_array_name") = py::none(),
         py::arg("handle") = py::none(), py::arg("flow") = py::none(), py::arg("infer_shape") = true,
         py::arg("element_shape") = py::none(), py::arg("name") = py::none())
      .def_property_readonly("dtype", &tf::TensorArray::dtype)
      .def_property_readonly("flow", &tf::TensorArray::flow)
      .def("size", [](const tf::TensorArray& ta, py::handle name) { return ta.size(name_or(name, "")); },
           py::arg("name") = py::none())
      .def("read", [](const tf::TensorArray& ta, py::handle index, py::handle name) {
        return ta.read(index_arg(index), name_or(name, ""));
      }, py::arg("index"), py::arg("name") = py::none())
      .def("write", [](const tf::TensorArray& ta, py::handle index, py::handle value, py::handle name) {
        return ta.write(index_arg(index), to_tensor(value), name_or(name, ""));
      }, py::arg("index"), py::arg("value"), py::arg("name") = py::none())
      .def("stack", [](const tf::TensorArray& ta, py::handle name) { return ta.stack(name_or(name, "")); },
           py::arg("name") = py::none())
      .def("unstack", [](const tf::TensorArray& ta, py::handle value, py::handle name) {
        return ta.unstack(rows_arg(ta, value, "unstack"), name_or(name, ""));
      }, py::arg("value"), py::arg("name") = py::none())
      .def("gather", [](const tf::TensorArray& ta, py::handle indices, py::handle name) {
        return ta.gather(index_arg(indices), name_or(name, ""));
      }, py::arg("indices"), py::arg("name") = py::none())
      .def("scatter", [](const tf::TensorArray& ta, py::handle indices, py::handle value, py::handle name) {
        return ta.scatter(index_arg(indices), rows_arg(ta, value, "scatter"), name_or(name, ""));
      }, py::arg("indices"), py::arg("value"), py::arg("name") = py::none())
      .def("identity", [](const tf::TensorArray& ta) { return ta; })
      .def("__repr__", [](const tf::TensorArray& ta) {
        return "<tf.TensorArray dtype=" + np::dtype_name(ta.dtype()) + ">";
      });
}

void bind_map_and_scan(py::module_& m) {
  m.def("_map_fn", [](py::function fn, py::handle elems, int parallel_iterations, bool back_prop,
                      const std::string& name) {
    return tf::map_fn([&](const tf::Tensor& row) { return to_tensor(fn(row)); }, to_tensor(elems),
                      {.parallel_iterations = parallel_iterations, .back_prop = back_prop, .name = name});
  }, py::arg("fn"), py::arg("elems"), py::arg("parallel_iterations") = 10, py::arg("back_prop") = true,
     py::arg("name") = "map");
  m.def("_scan", [](py::function fn, py::handle elems, py::handle initializer, int parallel_iterations,
                    bool back_prop, const std::string& name) {
    std::optional<tf::Tensor> init;
    if (!initializer.is_none()) init = to_tensor(initializer);
    return tf::scan([&](const tf::Tensor& a, const tf::Tensor& x) { return to_tensor(fn(a, x)); }, to_tensor(elems),
                    init, {.parallel_iterations = parallel_iterations, .back_prop = back_prop, .name = name});
  }, py::arg("fn"), py::arg("elems"), py::arg("initializer") = py::none(), py::arg("parallel_iterations") = 10,
     py::arg("back_prop") = true, py::arg("name") = "scan");
}

}  // namespace

void bind_tf_control_flow(py::module_& m) {
  bind_cond_and_loop(m);
  bind_tensor_array(m);
  bind_map_and_scan(m);
}

}  // namespace keraspp::python
