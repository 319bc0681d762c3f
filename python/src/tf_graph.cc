// tf core: dtypes, shapes, Tensor/Operation/Variable/Graph, Session and the
// scope context managers. Python-facing names follow TF 1.x; the Python
// package (python/keraspp/tensorflow) adds the nested-fetch logic and the
// default-session stack on top.
#include <optional>
#include <sstream>

#include <pybind11/functional.h>
#include <pybind11/operators.h>

#include "convert.h"
#include "tf_bindings.h"

namespace keraspp::python {
namespace {

template <class T> std::string ostream_str(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// Holds a C++ RAII guard between a Python __enter__ and __exit__.
template <class Guard> struct Context {
  std::function<void(std::optional<Guard>&)> enter_fn;
  std::optional<Guard> guard;
};

// Binary operators on Tensor/Variable: the other side is any TensorLike;
// `reflected` puts it on the left (2.0 * x). `name` is the op name TF 1.x's
// operator wrappers give ("sub" for x - y, where tf.subtract names it "Sub");
// empty for the comparisons, which TF maps to the ops directly ("Less").
template <class Fn> auto binary(Fn fn, bool reflected, const char* name = "") {
  return [fn, reflected, name](py::handle self, py::handle other) -> tf::Tensor {
    const tf::TensorLike a = to_tensor_like(self), b = to_tensor_like(other);
    return reflected ? fn(b, a, name) : fn(a, b, name);
  };
}

template <class C> void bind_operators(py::class_<C>& c) {
  c.def("__add__", binary(tf::add, false, "add")).def("__radd__", binary(tf::add, true, "add"))
      .def("__sub__", binary(tf::subtract, false, "sub")).def("__rsub__", binary(tf::subtract, true, "sub"))
      .def("__mul__", binary(tf::multiply, false, "mul")).def("__rmul__", binary(tf::multiply, true, "mul"))
      .def("__truediv__", binary(tf::divide, false, "truediv"))
      .def("__rtruediv__", binary(tf::divide, true, "truediv"))
      .def("__pow__", binary(tf::pow, false, "pow"))
      .def("__lt__", binary(tf::less, false)).def("__le__", binary(tf::less_equal, false))
      .def("__gt__", binary(tf::greater, false)).def("__ge__", binary(tf::greater_equal, false))
      .def("__neg__", [](py::handle s) { return tf::negative(to_tensor(s)); })
      .def("__matmul__", [](py::handle a, py::handle b) { return tf::matmul(to_tensor(a), to_tensor(b)); });
  // __getitem__ (strided slicing) is bound by tf_array.cc.
}

void bind_shape_and_dtype(py::module_& m) {
  py::class_<np::DType>(m, "DType")
      .def_property_readonly("name", [](np::DType t) { return np::dtype_name(t); })
      .def_property_readonly("as_numpy_dtype", [](np::DType t) { return numpy_dtype(t).attr("type"); })
      .def_property_readonly("is_floating", [](np::DType t) { return np::is_floating(t); })
      .def("__repr__", [](np::DType t) { return "tf." + np::dtype_name(t); })
      .def("__eq__", [](np::DType a, py::handle b) {
        try { return a == dtype_from_python(b); } catch (...) { return false; }
      })
      .def("__hash__", [](np::DType t) { return static_cast<int>(t); });
  m.attr("float32") = np::float32;
  m.attr("float64") = np::float64;
  m.attr("int32") = np::int32;
  m.attr("int64") = np::int64;
  m.attr("uint8") = np::uint8;
  m.attr("bool_") = np::bool_;

  py::class_<tf::TensorShape>(m, "TensorShape")
      .def(py::init([](py::handle dims) { return to_tensor_shape(dims); }), py::arg("dims"))
      .def("as_list", [](const tf::TensorShape& s) {
        if (!s.has_rank()) throw keraspp::ValueError("as_list() is not defined on an unknown TensorShape.");
        return py::list(shape_to_python(s));
      })
      .def_property_readonly("ndims", [](const tf::TensorShape& s) -> py::object {
        return s.has_rank() ? py::object(py::int_(s.rank())) : py::object(py::none());
      })
      .def("is_fully_defined", &tf::TensorShape::fully_defined)
      .def("num_elements", &tf::TensorShape::num_elements)
      .def("__len__", [](const tf::TensorShape& s) {
        if (!s.has_rank()) throw keraspp::ValueError("Cannot take the length of Shape with unknown rank.");
        return s.rank();
      })
      .def("__getitem__", [](const tf::TensorShape& s, int i) -> py::object {
        const int64_t d = s.dim(i);
        return d < 0 ? py::object(py::none()) : py::object(py::int_(d));
      })
      .def("__eq__", [](const tf::TensorShape& a, py::handle b) {
        try { return a == to_tensor_shape(b); } catch (...) { return false; }
      })
      .def("__str__", &tf::TensorShape::str)
      .def("__repr__", [](const tf::TensorShape& s) { return "TensorShape(" + s.debug_str() + ")"; });
}

void bind_graph_objects(py::module_& m) {
  py::class_<tf::Graph>(m, "Graph")
      .def(py::init<>())
      .def("get_operations", &tf::Graph::get_operations)
      .def("get_operation_by_name", &tf::Graph::get_operation_by_name)
      .def("get_tensor_by_name", &tf::Graph::get_tensor_by_name)
      .def("get_collection", [](const tf::Graph& g, const std::string& key) {
        return g.get_collection_tensors(key);
      })
      .def("__eq__", [](const tf::Graph& a, const tf::Graph& b) { return a == b; })
      .def("__hash__", [](const tf::Graph& g) { return g.id(); });

  py::class_<tf::Operation>(m, "Operation")
      .def_property_readonly("name", &tf::Operation::name)
      .def_property_readonly("type", &tf::Operation::type)
      .def_property_readonly("inputs", &tf::Operation::inputs)
      .def_property_readonly("outputs", &tf::Operation::outputs)
      .def_property_readonly("graph", &tf::Operation::graph)
      .def("_run", [](const tf::Operation& op, py::handle feed) {
        tf::FeedDict fd = to_feed_dict(feed);
        py::gil_scoped_release nogil;
        op.run(fd);
      })
      .def("__eq__", [](const tf::Operation& a, const tf::Operation& b) { return a == b; })
      .def("__hash__", [](const tf::Operation& o) { return py::hash(py::make_tuple(reinterpret_cast<intptr_t>(o.graph_data().get()), o.node_id())); })
      .def("__repr__", [](const tf::Operation& o) { return "<tf.Operation '" + o.name() + "' type=" + o.type() + ">"; });

  py::class_<tf::Tensor> tensor(m, "Tensor");
  tensor.def_property_readonly("name", &tf::Tensor::name)
      .def_property_readonly("op", &tf::Tensor::op)
      .def_property_readonly("dtype", &tf::Tensor::dtype)
      .def_property_readonly("shape", [](const tf::Tensor& t) { return t.shape(); })
      .def("get_shape", [](const tf::Tensor& t) { return t.shape(); })
      .def("set_shape", [](const tf::Tensor& t, py::handle s) { t.set_shape(to_tensor_shape(s)); })
      .def_property_readonly("graph", &tf::Tensor::graph)
      .def_property_readonly("value_index", &tf::Tensor::value_index)
      .def("__eq__", [](const tf::Tensor& a, py::handle b) {
        return py::isinstance<tf::Tensor>(b) && a == b.cast<tf::Tensor>();
      })
      .def("__hash__", [](const tf::Tensor& t) { return py::hash(py::make_tuple(reinterpret_cast<intptr_t>(t.graph_data().get()), t.node_id(), t.value_index())); })
      .def("__repr__", [](const tf::Tensor& t) { return ostream_str(t); })
      .def("__bool__", [](const tf::Tensor&) -> bool {
        throw keraspp::TypeError("Using a `tf.Tensor` as a Python `bool` is not allowed. Use `if t is not None:` instead of `if t:` to test if a tensor is defined, and use TensorFlow ops such as tf.cond to execute subgraphs conditioned on the value of a tensor.");
      });
  bind_operators(tensor);

  py::class_<tf::Variable> var(m, "Variable");
  var.def_property_readonly("name", &tf::Variable::name)
      .def_property_readonly("op", &tf::Variable::op)
      .def_property_readonly("dtype", [](const tf::Variable& v) { return v.dtype(); })
      .def_property_readonly("shape", [](const tf::Variable& v) { return v.shape(); })
      .def("get_shape", [](const tf::Variable& v) { return v.shape(); })
      .def_property_readonly("graph", &tf::Variable::graph)
      .def_property_readonly("initializer", &tf::Variable::initializer)
      .def_property_readonly("initial_value", &tf::Variable::initial_value)
      .def_property_readonly("trainable", &tf::Variable::trainable)
      .def("value", &tf::Variable::value)
      .def("read_value", &tf::Variable::value)
      .def("_ref", &tf::Variable::ref)
      .def("assign", [](const tf::Variable& v, py::handle x) { return v.assign(to_tensor_like(x)); })
      .def("assign_add", [](const tf::Variable& v, py::handle x) { return v.assign_add(to_tensor_like(x)); })
      .def("assign_sub", [](const tf::Variable& v, py::handle x) { return v.assign_sub(to_tensor_like(x)); })
      .def("load", [](const tf::Variable& v, py::handle x) { v.load(from_python_array(x, "value")); })
      .def("__eq__", [](const tf::Variable& a, py::handle b) {
        return py::isinstance<tf::Variable>(b) && a == b.cast<tf::Variable>();
      })
      .def("__hash__", [](const tf::Variable& v) { return reinterpret_cast<intptr_t>(v.data().get()); })
      .def("__repr__", [](const tf::Variable& v) { return ostream_str(v); });
  bind_operators(var);
  py::implicitly_convertible<tf::Variable, tf::Tensor>();
}

void bind_session(py::module_& m) {
  py::class_<tf::ConfigProto>(m, "ConfigProto")
      .def(py::init([](int intra_op_parallelism_threads) {
             tf::ConfigProto c;
             c.intra_op_parallelism_threads = intra_op_parallelism_threads;
             return c;
           }), py::arg("intra_op_parallelism_threads") = 0);
  py::class_<tf::Session>(m, "_Session")
      .def(py::init([](py::object graph, py::object config) {
             const tf::ConfigProto c = config.is_none() ? tf::ConfigProto{} : config.cast<tf::ConfigProto>();
             return tf::Session(graph.is_none() ? tf::get_default_graph() : graph.cast<tf::Graph>(), c);
           }), py::arg("graph") = py::none(), py::arg("config") = py::none())
      .def_property_readonly("graph", &tf::Session::graph)
      .def("close", &tf::Session::close)
      // Flat run: the package flattens nested fetches; the GIL is released
      // while the plan executes.
      .def("_run", [](tf::Session& s, const std::vector<tf::Operation>& targets,
                      const std::vector<tf::Tensor>& fetches, py::handle feed) {
        tf::FeedDict fd = to_feed_dict(feed);
        std::vector<np::Array> out;
        {
          py::gil_scoped_release nogil;
          out = s.run(targets, fetches, fd);
        }
        py::list result;
        for (const np::Array& a : out) result.append(to_numpy(a));
        return result;
      })
      // One tensor fetched (the common case): no fetch lists built or unpacked.
      .def("_run1", [](tf::Session& s, const tf::Tensor& fetch, py::handle feed) {
        tf::FeedDict fd = to_feed_dict(feed);
        np::Array out;
        {
          py::gil_scoped_release nogil;
          out = s.run(fetch, fd);
        }
        return to_numpy(out);
      });
  py::class_<Context<tf::Session::DefaultGuard>>(m, "_SessionDefault")
      .def(py::init([](const tf::Session& s) {
        auto c = std::make_unique<Context<tf::Session::DefaultGuard>>();
        c->enter_fn = [s](std::optional<tf::Session::DefaultGuard>& g) { g.emplace(s); };
        return c;
      }))
      .def("enter", [](Context<tf::Session::DefaultGuard>& c) { c.enter_fn(c.guard); })
      .def("exit", [](Context<tf::Session::DefaultGuard>& c) { c.guard.reset(); });
  m.def("get_default_graph", &tf::get_default_graph);
  m.def("reset_default_graph", &tf::reset_default_graph);
  m.def("has_default_session", &tf::has_default_session);
  m.def("get_default_session", &tf::get_default_session);
}

void bind_scopes(py::module_& m) {
  using GraphCtx = Context<tf::Graph::DefaultGuard>;
  py::class_<GraphCtx>(m, "_GraphDefault")
      .def(py::init([](const tf::Graph& g) {
        auto c = std::make_unique<GraphCtx>();
        c->enter_fn = [g](std::optional<tf::Graph::DefaultGuard>& guard) { guard.emplace(g); };
        return c;
      }))
      .def("enter", [](GraphCtx& c) { c.enter_fn(c.guard); })
      .def("exit", [](GraphCtx& c) { c.guard.reset(); });

  using NameCtx = Context<tf::name_scope>;
  py::class_<NameCtx>(m, "_NameScope")
      .def(py::init([](const std::string& name) {
        auto c = std::make_unique<NameCtx>();
        c->enter_fn = [name](std::optional<tf::name_scope>& g) { g.emplace(name); };
        return c;
      }))
      .def("enter", [](NameCtx& c) { c.enter_fn(c.guard); return c.guard->name(); })
      .def("exit", [](NameCtx& c) { c.guard.reset(); });

  py::class_<tf::VariableScope>(m, "VariableScope")
      .def_property_readonly("name", &tf::VariableScope::name)
      .def_property_readonly("original_name_scope", &tf::VariableScope::original_name_scope)
      .def_property_readonly("reuse", [](const tf::VariableScope& s) { return s.reuse().truthy(); })
      .def("reuse_variables", &tf::VariableScope::reuse_variables);

  using VarCtx = Context<tf::variable_scope>;
  py::class_<VarCtx>(m, "_VariableScope")
      .def(py::init([](py::object name_or_scope, py::object default_name, py::object reuse,
                       py::object initializer, py::object dtype) {
        tf::VariableScopeOptions o;
        if (!default_name.is_none()) o.default_name = default_name.cast<std::string>();
        if (!reuse.is_none()) o.reuse = tf::Reuse(reuse.cast<bool>());
        if (!initializer.is_none()) o.initializer = initializer.cast<tf::Initializer>();
        if (!dtype.is_none()) o.dtype = dtype_from_python(dtype);
        auto c = std::make_unique<VarCtx>();
        if (name_or_scope.is_none()) {
          if (o.default_name.empty())
            throw keraspp::ValueError("If default_name is None then name_or_scope is required");
          c->enter_fn = [o](std::optional<tf::variable_scope>& g) { g.emplace(std::nullopt, o); };
        } else if (py::isinstance<tf::VariableScope>(name_or_scope)) {
          auto s = name_or_scope.cast<tf::VariableScope>();
          c->enter_fn = [s, o](std::optional<tf::variable_scope>& g) { g.emplace(s, o); };
        } else if (py::isinstance<py::str>(name_or_scope)) {
          auto s = name_or_scope.cast<std::string>();
          c->enter_fn = [s, o](std::optional<tf::variable_scope>& g) { g.emplace(s, o); };
        } else {
          throw keraspp::TypeError("VariableScope: name_or_scope must be a string or VariableScope.");
        }
        return c;
      }))
      .def("enter", [](VarCtx& c) { c.enter_fn(c.guard); return c.guard->scope(); })
      .def("exit", [](VarCtx& c) { c.guard.reset(); });
  m.def("get_variable_scope", &tf::get_variable_scope);
}

}  // namespace

void bind_tf(py::module_& m) {
  bind_shape_and_dtype(m);
  bind_graph_objects(m);
  bind_session(m);
  bind_scopes(m);
  bind_tf_train(m);
  bind_tf_array(m);
  bind_tf_nn(m);
  bind_tf_layers_cnn(m);
  bind_tf_control_flow(m);
  bind_tf_rnn(m);
}

}  // namespace keraspp::python
