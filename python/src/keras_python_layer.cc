// Custom Keras layers written in Python: a subclass of keras.layers.Layer
// overrides build(input_shape), call(inputs) and compute_output_shape, and
// creates its weights with add_weight, as in Keras 2.0.
//
// The C++ side is PythonLayerImpl, a LayerImpl whose overridable methods call
// the Python object's. They run while the graph is built (a layer's first
// call, Sequential.add, a Model re-applied to new inputs): never inside
// Session::run, so the GIL they take is never contended by a running step.
//
// Ownership: the Python object holds the layer handle (impl); the impl holds
// the Python object too, because C++ (a Sequential, a Keras tensor's history)
// may keep the layer after Python drops its object. That cycle is shown to
// Python's garbage collector (tp_traverse) only while the Python object is
// the impl's sole owner, so a layer nobody else holds is collected and one a
// model holds stays alive with its Python state.
#include <pybind11/functional.h>

#include "convert.h"
#include "keraspp/keras.h"
#include "keraspp/keras/serialization.h"

namespace keraspp::python {
namespace {

using keras::engine::CallArgs;
using keras::engine::Layer;
using keras::engine::LayerImpl;

// Keras passes one shape tuple for one input, a list of them for several.
py::object shapes_to_python(const std::vector<tf::TensorShape>& shapes) {
  if (shapes.size() == 1) return shape_to_python(shapes[0]);
  py::list out;
  for (const tf::TensorShape& s : shapes) out.append(shape_to_python(s));
  return out;
}

bool is_shape_list(py::handle r) {
  if (!py::isinstance<py::list>(r) && !py::isinstance<py::tuple>(r)) return false;
  auto seq = py::reinterpret_borrow<py::sequence>(r);
  if (seq.size() == 0) return false;
  py::object first = seq[0];
  return py::isinstance<py::list>(first) || py::isinstance<py::tuple>(first) ||
         py::isinstance<tf::TensorShape>(first);
}

// Whether a Python function takes the keyword `name` (Keras's has_arg).
bool accepts_keyword(py::handle fn, const char* name) {
  py::object params = py::module_::import("inspect").attr("signature")(fn).attr("parameters");
  if (params.contains(name)) return true;
  for (py::handle p : params.attr("values")())
    if (p.attr("kind").cast<int>() == 4) return true;  // **kwargs (inspect.Parameter.VAR_KEYWORD)
  return false;
}

class PythonLayerImpl : public LayerImpl {
 public:
  PythonLayerImpl(std::string class_name, const keras::engine::LayerOptions& options)
      : LayerImpl(std::move(class_name), options) {}
  ~PythonLayerImpl() override { release_self(); }

  // Takes a reference to the Python object (done once, by __init__).
  void attach(py::handle self) {
    self_ = self.ptr();
    Py_INCREF(self_);
  }
  // Drops it (Python's GC clearing an unreachable layer, or the impl going).
  void release_self() {
    if (!self_) return;
    py::gil_scoped_acquire gil;
    PyObject* s = self_;
    self_ = nullptr;
    Py_DECREF(s);
  }
  PyObject* self_ptr() const { return self_; }

  void build(const std::vector<tf::TensorShape>& input_shapes) override {
    py::gil_scoped_acquire gil;
    self().attr("build")(shapes_to_python(input_shapes));
  }

  std::vector<tf::Tensor> call(const std::vector<tf::Tensor>& inputs, const CallArgs& args) override {
    py::gil_scoped_acquire gil;
    py::object fn = self().attr("call");
    py::object x = inputs.size() == 1 ? py::cast(inputs[0]) : py::cast(inputs);
    py::dict kwargs;
    if (args.training && accepts_keyword(fn, "training")) kwargs["training"] = *args.training;
    if (!args.mask.empty() && accepts_keyword(fn, "mask"))
      kwargs["mask"] = args.mask.size() == 1 ? py::cast(args.mask[0]) : py::cast(args.mask);
    py::object r = fn(x, **kwargs);
    if (py::isinstance<py::list>(r) || py::isinstance<py::tuple>(r)) {
      std::vector<tf::Tensor> out;
      for (py::handle t : r) out.push_back(to_tensor(t));
      return out;
    }
    return {to_tensor(r)};
  }

  std::vector<tf::TensorShape> compute_output_shape(
      const std::vector<tf::TensorShape>& input_shapes) override {
    py::gil_scoped_acquire gil;
    py::object r = self().attr("compute_output_shape")(shapes_to_python(input_shapes));
    if (!is_shape_list(r)) return {to_tensor_shape(r)};
    std::vector<tf::TensorShape> out;
    for (py::handle s : r) out.push_back(to_tensor_shape(s));
    return out;
  }

  keras::Config get_config() const override {
    py::gil_scoped_acquire gil;
    py::object d = self().attr("get_config")();
    py::object text = py::module_::import("json").attr("dumps")(d);
    return keras::Config::parse(text.cast<std::string>());
  }
  // The base layer's config (name, trainable, batch_input_shape), which the
  // Python class's get_config extends.
  keras::Config base_config() const { return LayerImpl::get_config(); }

 private:
  py::handle self() const {
    if (!self_)
      throw keraspp::ValueError("Layer " + name + ": its Python object is gone (garbage-collected)");
    return self_;
  }
  PyObject* self_ = nullptr;
};

PythonLayerImpl* python_impl(const Layer& l) {
  return l ? dynamic_cast<PythonLayerImpl*>(l.impl_ptr().get()) : nullptr;
}

// The Layer handle inside a Python object, or null before __init__ ran.
Layer* layer_of(PyObject* self) {
  if (!py::detail::is_holder_constructed(self)) return nullptr;
  return &py::cast<Layer&>(py::handle(self));
}

int traverse_layer(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  Layer* l = layer_of(self);
  if (PythonLayerImpl* p = l ? python_impl(*l) : nullptr) {
    // Only this Python object owns the impl: the impl's reference back to
    // it is part of a cycle the collector may break.
    if (l->impl_ptr().use_count() == 1) Py_VISIT(p->self_ptr());
  }
  return 0;
}

int clear_layer(PyObject* self) {
  Layer* l = layer_of(self);
  if (PythonLayerImpl* p = l ? python_impl(*l) : nullptr) p->release_self();
  return 0;
}

keras::engine::OptionalShape optional_shape(py::handle s) {
  if (s.is_none()) return {};
  return keras::engine::OptionalShape(to_tensor_shape(s).dims());
}

keras::engine::LayerOptions layer_options(py::kwargs kwargs, const std::string& owner) {
  Kwargs kw(kwargs, owner);
  keras::engine::LayerOptions o;
  if (kw.has("input_dim")) o.input_dim = kw.take("input_dim").cast<int64_t>();
  if (kw.has("input_shape")) o.input_shape = optional_shape(kw.take("input_shape"));
  if (kw.has("batch_input_shape")) o.batch_input_shape = optional_shape(kw.take("batch_input_shape"));
  if (kw.has("batch_size")) o.batch_size = kw.take("batch_size").cast<int64_t>();
  kw.take("dtype", o.dtype);
  kw.take("name", o.name);
  kw.take("trainable", o.trainable);
  if (kw.has("weights"))
    for (py::handle w : kw.take("weights")) o.weights.push_back(from_python_array(w, "weights"));
  kw.finish();
  return o;
}

py::object config_to_python(const keras::Config& c) {
  return py::module_::import("json").attr("loads")(c.dump());
}

// A keras.initializers / keras.constraints object's {"class_name", "config"}.
keras::Config keras_config_of(py::handle object) {
  const py::object text = py::module_::import("json").attr("dumps")(object.attr("_keras_config")());
  return keras::Config::parse(text.cast<std::string>());
}

keras::initializers::InitializerArg initializer_arg(py::handle i) {
  if (py::isinstance<py::str>(i)) return keras::initializers::InitializerArg(i.cast<std::string>());
  if (py::hasattr(i, "_keras_config"))
    return keras::initializers::InitializerArg(keras::initializers::deserialize(keras_config_of(i)));
  return keras::initializers::InitializerArg(i.cast<tf::Initializer>());
}

keras::regularizers::Regularizer regularizer_arg(py::handle r) {
  if (r.is_none()) return {};
  if (py::isinstance<py::str>(r)) return keras::regularizers::Regularizer(r.cast<std::string>());
  if (!PyCallable_Check(r.ptr()))
    throw keraspp::ValueError("Could not interpret regularizer identifier: " + py::repr(r).cast<std::string>());
  auto fn = std::make_shared<py::object>(py::reinterpret_borrow<py::object>(r));
  return keras::regularizers::Regularizer([fn](const tf::Tensor& x) {
    py::gil_scoped_acquire gil;
    return to_tensor((*fn)(x));
  });
}

keras::constraints::Constraint constraint_arg(py::handle c) {
  if (c.is_none()) return {};
  if (py::isinstance<py::str>(c)) return keras::constraints::get(c.cast<std::string>());
  if (py::hasattr(c, "_keras_config")) return keras::constraints::deserialize(keras_config_of(c));
  throw keraspp::ValueError("Could not interpret constraint identifier: " + py::repr(c).cast<std::string>());
}

// The methods a Python subclass overrides or calls on its base.
void bind_overridable(py::class_<Layer>& cls) {
  cls.def("build", [](const Layer& l, py::handle input_shape) {
    if (python_impl(l)) l.impl().built = true;  // Keras's Layer.build: self.built = True
    else l.build(to_tensor_shape(input_shape));
  }, py::arg("input_shape"));
  cls.def("call", [](py::handle self, py::handle inputs, py::kwargs) -> py::object {
    if (!python_impl(self.cast<const Layer&>()))
      throw keraspp::TypeError("call() is only callable on a Python layer; call the layer itself");
    return py::reinterpret_borrow<py::object>(inputs);
  }, py::arg("inputs"));
  cls.def("compute_output_shape", [](const Layer& l, py::handle input_shape) -> py::object {
    if (python_impl(l)) return py::reinterpret_borrow<py::object>(input_shape);
    return shape_to_python(l.impl().compute_output_shape({to_tensor_shape(input_shape)}).at(0));
  }, py::arg("input_shape"));
  cls.def("get_config", [](const Layer& l) {
    if (PythonLayerImpl* p = python_impl(l)) return config_to_python(p->base_config());
    return config_to_python(l.get_config());
  });
  cls.def("add_weight", [](const Layer& l, py::handle shape, py::handle initializer, py::handle name,
                           bool trainable, py::handle regularizer, py::handle constraint) {
    return l.impl().add_weight(name.is_none() ? "" : name.cast<std::string>(), to_tensor_shape(shape).dims(),
                               initializer_arg(initializer), regularizer_arg(regularizer), trainable,
                               constraint_arg(constraint));
  }, py::arg("shape"), py::arg("initializer") = "glorot_uniform", py::arg("name") = py::none(),
     py::arg("trainable") = true, py::arg("regularizer") = py::none(), py::arg("constraint") = py::none());
  cls.def("add_loss", [](const Layer& l, py::handle losses, py::handle inputs) {
    std::vector<tf::Tensor> ls, xs;
    if (py::isinstance<py::list>(losses) || py::isinstance<py::tuple>(losses)) {
      for (py::handle t : losses) ls.push_back(to_tensor(t));
    } else {
      ls.push_back(to_tensor(losses));
    }
    if (!inputs.is_none()) {
      if (py::isinstance<py::list>(inputs) || py::isinstance<py::tuple>(inputs))
        for (py::handle t : inputs) xs.push_back(to_tensor(t));
      else
        xs.push_back(to_tensor(inputs));
    }
    l.impl().add_loss(ls, xs);
  }, py::arg("losses"), py::arg("inputs") = py::none());
  cls.def_property("supports_masking", [](const Layer& l) { return l.impl().supports_masking; },
                   [](const Layer& l, bool v) { l.impl().supports_masking = v; });
  cls.def_property("uses_learning_phase", [](const Layer& l) { return l.impl().uses_learning_phase; },
                   [](const Layer& l, bool v) { l.impl().uses_learning_phase = v; });
  cls.def_property_readonly("losses", &Layer::losses);
  // The Python object of a Python layer (model.layers hands out new handles
  // of the same layer; this gives back the user's object with its attributes).
  cls.def("_python_object", [](py::object self) -> py::object {
    PythonLayerImpl* p = python_impl(self.cast<const Layer&>());
    return p && p->self_ptr() ? py::reinterpret_borrow<py::object>(p->self_ptr()) : self;
  });
}

}  // namespace

py::class_<Layer> bind_layer_base(py::module_& m) {
  py::class_<Layer> cls(m, "Layer", py::custom_type_setup([](PyHeapTypeObject* heap_type) {
    auto* type = &heap_type->ht_type;
    type->tp_flags |= Py_TPFLAGS_HAVE_GC;
    type->tp_traverse = traverse_layer;
    type->tp_clear = clear_layer;
  }));
  // Layer(**kwargs) from a Python subclass's __init__: name, input_shape,
  // trainable, ... as every Keras layer takes them; the class name (for the
  // summary and auto names) is the Python class's.
  cls.def("__init__", [](py::detail::value_and_holder& v_h, py::kwargs kwargs) {
    py::handle self(reinterpret_cast<PyObject*>(v_h.inst));
    const std::string class_name = py::type::handle_of(self).attr("__name__").cast<std::string>();
    auto impl = std::make_shared<PythonLayerImpl>(class_name, layer_options(kwargs, class_name));
    impl->attach(self);
    v_h.value_ptr() = new Layer(impl);
  }, py::detail::is_new_style_constructor());
  bind_overridable(cls);
  return cls;
}

}  // namespace keraspp::python
