// tf array ops beyond the dense-network set: pad, split, tile, squeeze,
// slice, strided_slice and Tensor.__getitem__, gather, one_hot,
// sequence_mask, reverse, reverse_sequence, stack/unstack, transpose,
// expand_dims, shape, where, stop_gradient, no_op/group, and the graph
// collections and control_dependencies the tf.layers batch norm needs.
// Keyword names and defaults are TF 1.x's.
#include "convert.h"
#include "keraspp/ops/transpose_ops.h"
#include "tf_bindings.h"

namespace keraspp::python {
namespace {

std::string name_or(py::handle n, const std::string& fallback = "") {
  return n.is_none() ? fallback : n.cast<std::string>();
}

// A Python int list (or a 1-d numpy array) as int64s; `what` names the argument.
std::vector<int64_t> int_list(py::handle obj, const std::string& what) {
  if (py::isinstance<py::int_>(obj)) return {obj.cast<int64_t>()};
  const np::Array a = from_python_array(obj, what);
  if (np::is_floating(a.dtype()) || a.ndim() > 1)
    throw keraspp::TypeError("Expected a list of ints for '" + what + "', got " + py::repr(obj).cast<std::string>());
  const np::Array i = a.astype(np::int64);
  return std::vector<int64_t>(i.data<int64_t>(), i.data<int64_t>() + i.size());
}

std::vector<int> int32_list(py::handle obj, const std::string& what) {
  const std::vector<int64_t> v = int_list(obj, what);
  return std::vector<int>(v.begin(), v.end());
}

std::vector<tf::Tensor> tensor_list(py::handle values, const std::string& what) {
  if (!py::isinstance<py::list>(values) && !py::isinstance<py::tuple>(values))
    throw keraspp::TypeError("Expected a list of tensors for '" + what + "', got " +
                             py::repr(values).cast<std::string>());
  std::vector<tf::Tensor> out;
  for (py::handle v : values) out.push_back(to_tensor(v));
  return out;
}

// One entry of a Python subscript -> a SliceSpec (TF's _SliceHelper rules).
tf::SliceSpec slice_spec(py::handle s) {
  auto bound = [](py::handle b) -> std::optional<int64_t> {
    if (b.is_none()) return std::nullopt;
    return b.cast<int64_t>();
  };
  if (s.is_none()) return tf::SliceSpec::new_axis();
  if (s.ptr() == Py_Ellipsis) return tf::SliceSpec::ellipsis();
  if (PySlice_Check(s.ptr())) {
    const py::object step = s.attr("step");
    const int64_t st = step.is_none() ? 1 : step.cast<int64_t>();
    if (st == 0) throw keraspp::ValueError("slice step cannot be zero");
    return tf::SliceSpec::range(bound(s.attr("start")), bound(s.attr("stop")), st);
  }
  if (!py::isinstance<py::bool_>(s) && (py::isinstance<py::int_>(s) || py::hasattr(s, "__index__")))
    return tf::SliceSpec::index(s.cast<int64_t>());
  throw keraspp::TypeError("Only integers, slices (`:`), ellipsis (`...`), and tf.newaxis (`None`) are valid "
                           "indices, got " + py::repr(s).cast<std::string>());
}

bool is_tensor(py::handle h) { return py::isinstance<tf::Tensor>(h) || py::isinstance<tf::Variable>(h); }

// x[key]: Python ints, slices, ... and tf.newaxis become one StridedSlice;
// a scalar tensor index (x[i] in a loop body) keeps its axis there (`:`)
// and is then a gather on the axis it became, last one first.
tf::Tensor getitem(py::handle self, py::handle key) {
  const tf::Tensor x = to_tensor(self);
  std::vector<py::handle> entries;
  if (py::isinstance<py::tuple>(key)) {
    for (py::handle e : key) entries.push_back(e);
  } else {
    entries.push_back(key);
  }
  int consumed = 0;  // input axes the entries name (not ... / newaxis)
  for (py::handle e : entries) consumed += !(e.is_none() || e.ptr() == Py_Ellipsis);
  std::vector<tf::SliceSpec> spec;
  std::vector<std::pair<int, tf::Tensor>> gathers;  // (output axis, index)
  int out_axis = 0;
  bool axes_known = true;  // false past an ellipsis of an unknown-rank input
  for (py::handle e : entries) {
    if (is_tensor(e)) {
      if (!axes_known)
        throw keraspp::ValueError("A tensor index after an ellipsis needs an input of known rank");
      spec.push_back(tf::SliceSpec::range());
      gathers.emplace_back(out_axis++, to_tensor(e));
      continue;
    }
    spec.push_back(slice_spec(e));
    switch (spec.back().kind) {
      case tf::SliceSpec::Kind::kRange:
      case tf::SliceSpec::Kind::kNewAxis: ++out_axis; break;
      case tf::SliceSpec::Kind::kIndex: break;
      case tf::SliceSpec::Kind::kEllipsis:
        if (x.shape().has_rank()) out_axis += std::max(0, x.shape().rank() - consumed);
        else axes_known = false;
        break;
    }
  }
  tf::Tensor y = tf::strided_slice(x, spec);
  for (auto it = gathers.rbegin(); it != gathers.rend(); ++it) y = tf::gather(y, it->second, it->first);
  return y;
}

void bind_reshaping(py::module_& m) {
  m.def("pad", [](py::handle tensor, py::handle paddings, const std::string& mode, py::handle name) {
    const np::Array p = from_python_array(paddings, "paddings").astype(np::int64);
    if (p.ndim() != 2 || p.shape()[1] != 2)
      throw keraspp::ValueError("paddings must be a matrix with 2 columns: " + py::repr(paddings).cast<std::string>());
    std::vector<std::pair<int64_t, int64_t>> pairs;
    for (int64_t i = 0; i < p.shape()[0]; ++i) pairs.emplace_back(p.data<int64_t>()[2 * i], p.data<int64_t>()[2 * i + 1]);
    return tf::pad(to_tensor(tensor), pairs, mode, name_or(name));
  }, py::arg("tensor"), py::arg("paddings"), py::arg("mode") = "CONSTANT", py::arg("name") = py::none());
  m.def("split", [](py::handle value, py::handle num_or_size_splits, int axis, py::handle num, py::handle name) {
    const tf::Tensor v = to_tensor(value);
    if (py::isinstance<py::int_>(num_or_size_splits))
      return tf::split(v, num_or_size_splits.cast<int64_t>(), axis, name_or(name, "split"));
    return tf::split(v, int_list(num_or_size_splits, "num_or_size_splits"), axis, name_or(name, "split"));
  }, py::arg("value"), py::arg("num_or_size_splits"), py::arg("axis") = 0, py::arg("num") = py::none(),
     py::arg("name") = "split");
  m.def("tile", [](py::handle input, py::handle multiples, py::handle name) {
    if (py::isinstance<tf::Tensor>(multiples)) return tf::tile(to_tensor(input), multiples.cast<tf::Tensor>(), name_or(name));
    return tf::tile(to_tensor(input), int_list(multiples, "multiples"), name_or(name));
  }, py::arg("input"), py::arg("multiples"), py::arg("name") = py::none());
  m.def("squeeze", [](py::handle input, py::handle axis, py::handle name, py::handle squeeze_dims) {
    py::handle a = axis.is_none() ? squeeze_dims : axis;
    return tf::squeeze(to_tensor(input), a.is_none() ? std::vector<int>{} : int32_list(a, "axis"), name_or(name));
  }, py::arg("input"), py::arg("axis") = py::none(), py::arg("name") = py::none(),
     py::arg("squeeze_dims") = py::none());
  m.def("slice", [](py::handle input, py::handle begin, py::handle size, py::handle name) {
    if (py::isinstance<tf::Tensor>(begin) || py::isinstance<tf::Tensor>(size))
      return tf::slice(to_tensor(input), to_tensor(begin), to_tensor(size), name_or(name));
    return tf::slice(to_tensor(input), int_list(begin, "begin"), int_list(size, "size"), name_or(name));
  }, py::arg("input_"), py::arg("begin"), py::arg("size"), py::arg("name") = py::none());
  m.def("strided_slice", [](py::handle input, py::handle begin, py::handle end, py::handle strides,
                            int64_t begin_mask, int64_t end_mask, int64_t ellipsis_mask, int64_t new_axis_mask,
                            int64_t shrink_axis_mask, py::handle name) {
    return tf::strided_slice(to_tensor(input), int_list(begin, "begin"), int_list(end, "end"),
                             strides.is_none() ? std::vector<int64_t>{} : int_list(strides, "strides"),
                             {begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask}, name_or(name));
  }, py::arg("input_"), py::arg("begin"), py::arg("end"), py::arg("strides") = py::none(),
     py::arg("begin_mask") = 0, py::arg("end_mask") = 0, py::arg("ellipsis_mask") = 0,
     py::arg("new_axis_mask") = 0, py::arg("shrink_axis_mask") = 0, py::arg("name") = py::none());
  m.def("reverse", [](py::handle tensor, py::handle axis, py::handle name) {
    return tf::reverse(to_tensor(tensor), int32_list(axis, "axis"), name_or(name));
  }, py::arg("tensor"), py::arg("axis"), py::arg("name") = py::none());
  m.def("reverse_sequence", [](py::handle input, py::handle seq_lengths, py::handle seq_axis, py::handle batch_axis,
                               py::handle name, py::handle seq_dim, py::handle batch_dim) {
    py::handle s = seq_axis.is_none() ? seq_dim : seq_axis;
    py::handle b = batch_axis.is_none() ? batch_dim : batch_axis;
    if (s.is_none()) throw keraspp::TypeError("reverse_sequence() missing required argument 'seq_axis'");
    return tf::reverse_sequence(to_tensor(input), to_tensor_like(seq_lengths), s.cast<int>(),
                                b.is_none() ? 0 : b.cast<int>(), name_or(name));
  }, py::arg("input"), py::arg("seq_lengths"), py::arg("seq_axis") = py::none(), py::arg("batch_axis") = py::none(),
     py::arg("name") = py::none(), py::arg("seq_dim") = py::none(), py::arg("batch_dim") = py::none());
  m.def("stack", [](py::handle values, int axis, const std::string& name) {
    return tf::stack(tensor_list(values, "values"), axis, name);
  }, py::arg("values"), py::arg("axis") = 0, py::arg("name") = "stack");
  m.def("unstack", [](py::handle value, py::handle num, int axis, const std::string& name) {
    return tf::unstack(to_tensor(value), num.is_none() ? -1 : num.cast<int>(), axis, name);
  }, py::arg("value"), py::arg("num") = py::none(), py::arg("axis") = 0, py::arg("name") = "unstack");
  m.def("transpose", [](py::handle a, py::handle perm, const std::string& name) {
    return tf::transpose(to_tensor(a), perm.is_none() ? std::vector<int>{} : int32_list(perm, "perm"), name);
  }, py::arg("a"), py::arg("perm") = py::none(), py::arg("name") = "transpose");
  m.def("expand_dims", [](py::handle input, py::handle axis, py::handle name, py::handle dim) {
    py::handle a = axis.is_none() ? dim : axis;
    if (a.is_none()) throw keraspp::ValueError("Must specify an axis argument to tf.expand_dims()");
    return tf::expand_dims(to_tensor(input), a.cast<int>(), name_or(name));
  }, py::arg("input"), py::arg("axis") = py::none(), py::arg("name") = py::none(), py::arg("dim") = py::none());
}

void bind_gathering(py::module_& m) {
  m.def("gather", [](py::handle params, py::handle indices, py::handle validate_indices, py::handle name, int axis) {
    return tf::gather(to_tensor(params), to_tensor_like(indices), axis, name_or(name));
  }, py::arg("params"), py::arg("indices"), py::arg("validate_indices") = py::none(), py::arg("name") = py::none(),
     py::arg("axis") = 0);
  m.def("one_hot", [](py::handle indices, int64_t depth, py::handle on_value, py::handle off_value, py::handle axis,
                      py::handle dtype, py::handle name) {
    if (depth < 0)
      throw tf::errors::InvalidArgumentError("depth must be non-negative, got: " + std::to_string(depth));
    return tf::one_hot(to_tensor_like(indices), depth, on_value.is_none() ? 1.0 : on_value.cast<double>(),
                       off_value.is_none() ? 0.0 : off_value.cast<double>(), axis.is_none() ? -1 : axis.cast<int>(),
                       dtype.is_none() ? np::float32 : dtype_from_python(dtype), name_or(name));
  }, py::arg("indices"), py::arg("depth"), py::arg("on_value") = py::none(), py::arg("off_value") = py::none(),
     py::arg("axis") = py::none(), py::arg("dtype") = py::none(), py::arg("name") = py::none());
  m.def("sequence_mask", [](py::handle lengths, py::handle maxlen, py::handle dtype, py::handle name) {
    int64_t n;
    if (!maxlen.is_none()) {
      n = maxlen.cast<int64_t>();
    } else if (py::isinstance<tf::Tensor>(lengths) || py::isinstance<tf::Variable>(lengths)) {
      // TF takes reduce_max(lengths) at run time; the mask's width is static here.
      throw keraspp::ValueError("sequence_mask: maxlen is required when lengths is a tensor");
    } else {
      const np::Array a = from_python_array(lengths, "lengths").astype(np::int64);
      n = 0;
      for (int64_t i = 0; i < a.size(); ++i) n = std::max(n, a.data<int64_t>()[i]);
    }
    if (n < 0) throw tf::errors::InvalidArgumentError("maxlen must be non-negative, got: " + std::to_string(n));
    return tf::sequence_mask(to_tensor_like(lengths), n, dtype.is_none() ? np::bool_ : dtype_from_python(dtype),
                             name_or(name));
  }, py::arg("lengths"), py::arg("maxlen") = py::none(), py::arg("dtype") = py::none(), py::arg("name") = py::none());
  m.def("shape", [](py::handle input, py::handle name) { return tf::shape(to_tensor(input), name_or(name)); },
        py::arg("input"), py::arg("name") = py::none());
  m.def("where", [](py::handle condition, py::handle x, py::handle y, py::handle name) {
    if (x.is_none() || y.is_none())
      throw keraspp::ValueError("x and y must both be non-None or both be None.");
    return tf::where(to_tensor(condition), to_tensor_like(x), to_tensor_like(y), name_or(name));
  }, py::arg("condition"), py::arg("x") = py::none(), py::arg("y") = py::none(), py::arg("name") = py::none());
  m.def("stop_gradient", [](py::handle input, py::handle name) { return tf::stop_gradient(to_tensor(input), name_or(name)); },
        py::arg("input"), py::arg("name") = py::none());
  m.def("zeros_like", [](py::handle t, py::handle dtype, py::handle name) {
    const tf::Tensor z = tf::zeros_like(to_tensor(t), name_or(name));
    return dtype.is_none() ? z : tf::cast(z, dtype_from_python(dtype));
  }, py::arg("tensor"), py::arg("dtype") = py::none(), py::arg("name") = py::none());
  m.def("ones_like", [](py::handle t, py::handle dtype, py::handle name) {
    const tf::Tensor o = tf::ones_like(to_tensor(t), name_or(name));
    return dtype.is_none() ? o : tf::cast(o, dtype_from_python(dtype));
  }, py::arg("tensor"), py::arg("dtype") = py::none(), py::arg("name") = py::none());
  m.def("add_n", [](py::handle inputs, py::handle name) { return tf::add_n(tensor_list(inputs, "inputs"), name_or(name)); },
        py::arg("inputs"), py::arg("name") = py::none());
}

// The Python list of a collection: tensors and operations in the order added
// (the variable collections are the package's, from tf.global_variables()).
py::list collection_items(const tf::Graph& g, const std::string& key) {
  py::list out;
  for (const tf::CollectionItem& item : g.get_collection_ref(key)) {
    if (item.is_tensor()) out.append(tf::Tensor(g.data(), item.node, item.index));
    else if (item.is_operation()) out.append(tf::Operation(g.data(), item.node));
  }
  return out;
}

void bind_graph_control(py::module_& m) {
  m.def("no_op", [](py::handle name) { return tf::no_op(name_or(name)); }, py::arg("name") = py::none());
  m.def("group", [](py::args inputs, py::kwargs kw) {
    Kwargs k(kw, "group");
    const std::string name = name_or(k.take("name"));
    k.finish();
    std::vector<tf::Operation> ops;
    for (py::handle i : inputs) {
      if (py::isinstance<tf::Operation>(i)) ops.push_back(i.cast<tf::Operation>());
      else if (py::isinstance<py::list>(i) || py::isinstance<py::tuple>(i))
        for (py::handle j : i) ops.push_back(py::isinstance<tf::Operation>(j) ? j.cast<tf::Operation>() : to_tensor(j).op());
      else ops.push_back(to_tensor(i).op());
    }
    return tf::group(ops, name);
  });
  m.def("_collection_items", &collection_items, py::arg("graph"), py::arg("key"));
  m.def("add_to_collection", [](const std::string& key, py::handle value) {
    tf::Graph g = tf::get_default_graph();
    if (py::isinstance<tf::Operation>(value)) g.add_to_collection(key, value.cast<tf::Operation>());
    else g.add_to_collection(key, to_tensor(value));
  }, py::arg("name"), py::arg("value"));

  // `with tf.control_dependencies(ops):` — enter()/exit() hold the C++ guard.
  struct ControlDeps {
    std::vector<tf::Operation> ops;
    bool none = false;
    std::optional<tf::control_dependencies> guard;
  };
  py::class_<ControlDeps>(m, "_ControlDependencies")
      .def(py::init([](py::handle control_inputs) {
        auto c = std::make_unique<ControlDeps>();
        if (control_inputs.is_none()) {
          c->none = true;
          return c;
        }
        for (py::handle i : control_inputs) {
          if (py::isinstance<tf::Operation>(i)) c->ops.push_back(i.cast<tf::Operation>());
          else if (py::isinstance<tf::Tensor>(i) || py::isinstance<tf::Variable>(i)) c->ops.push_back(to_tensor(i).op());
          else
            throw keraspp::TypeError("Can not convert a " + py::type::of(i).attr("__name__").cast<std::string>() +
                                     " into a Tensor or Operation.");
        }
        return c;
      }))
      .def("enter", [](ControlDeps& c) {
        if (c.none) c.guard.emplace(nullptr);
        else c.guard.emplace(c.ops);
      })
      .def("exit", [](ControlDeps& c) { c.guard.reset(); });
}

}  // namespace

void bind_tf_array(py::module_& m) {
  // A Python value of the wrong type for an argument the bindings convert
  // themselves (handle.cast<int>() on a str) is TF's TypeError, not
  // pybind11's default RuntimeError.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const py::cast_error& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    }
  });
  bind_reshaping(m);
  bind_gathering(m);
  bind_graph_control(m);
  auto tensor = py::reinterpret_borrow<py::class_<tf::Tensor>>(m.attr("Tensor"));
  auto variable = py::reinterpret_borrow<py::class_<tf::Variable>>(m.attr("Variable"));
  for (py::object cls : {py::object(tensor), py::object(variable)}) {
    py::setattr(cls, "__getitem__", py::cpp_function(&getitem, py::is_method(cls)));
    py::setattr(cls, "__iter__", py::cpp_function([](py::handle self) -> py::object {
      throw keraspp::TypeError("'Tensor' object is not iterable.");
    }, py::is_method(cls)));
  }
}

}  // namespace keraspp::python
