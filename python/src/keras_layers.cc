// keras: layers (with Keras's keyword arguments), optimizers, backend,
// utils and datasets. Options come in as **kwargs so an unknown keyword is a
// TypeError, as Keras raises it.
#include <pybind11/functional.h>

#include "convert.h"
#include "keraspp/keras.h"

namespace keraspp::python {

std::function<tf::Tensor(const tf::Tensor&)> python_unary(py::object f);
// Every other registered layer class (keras_layer_table.cc).
void bind_layer_table(py::module_& m);
// keras.backend's layer-family functions (keras_backend.cc).
void bind_backend_layer_functions(py::module_& b);

namespace {

keras::engine::OptionalShape optional_shape(py::handle s) {
  if (s.is_none()) return {};
  return keras::engine::OptionalShape(to_tensor_shape(s).dims());
}

// The fields every Keras layer takes (KERAS_LAYER_COMMON_OPTIONS).
template <class Options> void take_common(Kwargs& kw, Options& o) {
  if (kw.has("input_dim")) o.input_dim = kw.take("input_dim").cast<int64_t>();
  if (kw.has("input_shape")) o.input_shape = optional_shape(kw.take("input_shape"));
  if (kw.has("batch_input_shape")) o.batch_input_shape = optional_shape(kw.take("batch_input_shape"));
  if (kw.has("batch_size")) o.batch_size = kw.take("batch_size").cast<int64_t>();
  kw.take("dtype", o.dtype);
  kw.take("name", o.name);
  kw.take("trainable", o.trainable);
  if (kw.has("weights")) {
    for (py::handle w : kw.take("weights")) o.weights.push_back(from_python_array(w, "weights"));
  }
  kw.finish();
}

// Keras's layer.reset_states(): a stateful recurrent layer zeroes its
// states; a model resets its stateful layers (and those of nested models).
void reset_states(const keras::engine::Layer& l) {
  if (auto* r = dynamic_cast<keras::layers::RecurrentImpl*>(&l.impl())) return r->reset_states();
  auto* container = dynamic_cast<keras::engine::ModelImpl*>(&l.impl());
  if (!container)
    throw py::attribute_error("'" + l.class_name() + "' object has no attribute 'reset_states'");
  const keras::engine::Model model(std::static_pointer_cast<keras::engine::ModelImpl>(container->shared_from_this()));
  for (const keras::engine::Layer& sub : model.layers()) {
    auto* r = dynamic_cast<keras::layers::RecurrentImpl*>(&sub.impl());
    if ((r && r->options.stateful) || sub.impl().is_container()) reset_states(sub);
  }
}

keras::layers::RecurrentImpl& recurrent(const keras::engine::Layer& l, const char* attribute) {
  auto* r = dynamic_cast<keras::layers::RecurrentImpl*>(&l.impl());
  if (!r) throw py::attribute_error("'" + l.class_name() + "' object has no attribute '" + attribute + "'");
  return *r;
}

void bind_layer_classes(py::module_& m) {
  bind_layer_base(m)
      .def("__call__", [](const keras::engine::Layer& l, py::handle x, py::object training) -> py::object {
        keras::engine::CallArgs args;
        if (!training.is_none()) args.training = training.cast<bool>();
        // One output comes back as a tensor (a merge layer's), several as a
        // list (an LSTM's with return_state), as Keras returns call()'s result.
        std::vector<tf::Tensor> xs;
        if (py::isinstance<py::list>(x) || py::isinstance<py::tuple>(x)) {
          for (py::handle t : x) xs.push_back(to_tensor(t));
        } else {
          xs.push_back(to_tensor(x));
        }
        std::vector<tf::Tensor> outputs = l(xs, args);
        if (outputs.size() == 1) return py::cast(outputs[0]);
        return py::cast(outputs);
      }, py::arg("inputs"), py::arg("training") = py::none())
      .def_property_readonly("name", &keras::engine::Layer::name)
      .def_property_readonly("__keras_class__", &keras::engine::Layer::class_name)
      .def_property("trainable", &keras::engine::Layer::trainable, &keras::engine::Layer::set_trainable)
      .def_property("built", &keras::engine::Layer::built,
                    [](const keras::engine::Layer& l, bool b) { l.impl().built = b; })
      .def_property_readonly("weights", &keras::engine::Layer::weights)
      .def_property_readonly("trainable_weights", &keras::engine::Layer::trainable_weights)
      .def_property_readonly("non_trainable_weights", &keras::engine::Layer::non_trainable_weights)
      .def("get_weights", [](const keras::engine::Layer& l) {
        py::list out;
        for (const np::Array& a : l.get_weights()) out.append(to_numpy(a));
        return out;
      })
      .def("set_weights", [](const keras::engine::Layer& l, py::list ws) {
        std::vector<np::Array> v;
        for (py::handle w : ws) v.push_back(from_python_array(w, "weights"));
        l.set_weights(v);
      })
      .def("count_params", &keras::engine::Layer::count_params)
      .def("reset_states", &reset_states)
      .def_property_readonly("stateful", [](const keras::engine::Layer& l) { return recurrent(l, "stateful").options.stateful; })
      .def_property_readonly("states", [](const keras::engine::Layer& l) { return recurrent(l, "states").states; })
      .def_property_readonly("input", &keras::engine::Layer::input)
      .def_property_readonly("output", &keras::engine::Layer::output)
      .def_property_readonly("input_shape", [](const keras::engine::Layer& l) { return shape_to_python(l.input_shape()); })
      .def_property_readonly("output_shape", [](const keras::engine::Layer& l) { return shape_to_python(l.output_shape()); });
}

void bind_layer_factories(py::module_& m) {
  namespace L = keras::layers;
  m.def("Lambda", [](py::object function, py::kwargs kwargs) -> keras::engine::Layer {
    Kwargs kw(kwargs, "Lambda");
    L::LambdaOptions o;
    if (kw.has("output_shape")) {
      py::object s = kw.take("output_shape");
      if (PyCallable_Check(s.ptr())) {
        o.output_shape_fn = [s](const tf::TensorShape& in) {
          py::gil_scoped_acquire gil;
          return to_tensor_shape(s(shape_to_python(in)));
        };
      } else {
        o.output_shape = optional_shape(s);
      }
    }
    take_common(kw, o);
    return L::Lambda(python_unary(function), o);
  }, py::arg("function"));
  m.def("Input", [](py::handle shape, py::handle batch_shape, py::handle name, py::handle dtype,
                    py::handle tensor) {
    keras::engine::InputOptions o;
    o.shape = optional_shape(shape);
    o.batch_shape = optional_shape(batch_shape);
    if (!name.is_none()) o.name = name.cast<std::string>();
    if (!dtype.is_none()) o.dtype = dtype.cast<std::string>();
    if (!tensor.is_none()) o.tensor = tensor.cast<tf::Tensor>();
    return keras::engine::Input(o);
  }, py::arg("shape") = py::none(), py::arg("batch_shape") = py::none(), py::arg("name") = py::none(),
     py::arg("dtype") = py::none(), py::arg("tensor") = py::none());
}

void bind_optimizers(py::module_& m) {
  namespace O = keras::optimizers;
  py::class_<O::Optimizer>(m, "KerasOptimizer")
      .def_property_readonly("__keras_class__", &O::Optimizer::class_name)
      .def("get_config", &O::Optimizer::get_config)
      .def_property_readonly("lr", &O::Optimizer::lr)
      .def_property_readonly("iterations", &O::Optimizer::iterations)
      .def_property_readonly("weights", &O::Optimizer::weights);
  auto clip = [](Kwargs& kw, O::ClipOptions& c) {
    if (kw.has("clipnorm")) c.clipnorm = kw.take("clipnorm").cast<double>();
    if (kw.has("clipvalue")) c.clipvalue = kw.take("clipvalue").cast<double>();
    kw.finish();
  };
  m.def("SGD", [clip](py::kwargs k) -> O::Optimizer {
    Kwargs kw(k, "SGD"); O::SGDOptions o;
    kw.take("lr", o.lr); kw.take("momentum", o.momentum); kw.take("decay", o.decay); kw.take("nesterov", o.nesterov);
    clip(kw, o.clip); return O::SGD(o);
  });
  m.def("RMSprop", [clip](py::kwargs k) -> O::Optimizer {
    Kwargs kw(k, "RMSprop"); O::RMSpropOptions o;
    kw.take("lr", o.lr); kw.take("rho", o.rho); kw.take("epsilon", o.epsilon); kw.take("decay", o.decay);
    clip(kw, o.clip); return O::RMSprop(o);
  });
  m.def("Adagrad", [clip](py::kwargs k) -> O::Optimizer {
    Kwargs kw(k, "Adagrad"); O::AdagradOptions o;
    kw.take("lr", o.lr); kw.take("epsilon", o.epsilon); kw.take("decay", o.decay);
    clip(kw, o.clip); return O::Adagrad(o);
  });
  m.def("Adadelta", [clip](py::kwargs k) -> O::Optimizer {
    Kwargs kw(k, "Adadelta"); O::AdadeltaOptions o;
    kw.take("lr", o.lr); kw.take("rho", o.rho); kw.take("epsilon", o.epsilon); kw.take("decay", o.decay);
    clip(kw, o.clip); return O::Adadelta(o);
  });
  m.def("Adam", [clip](py::kwargs k) -> O::Optimizer {
    Kwargs kw(k, "Adam"); O::AdamOptions o;
    kw.take("lr", o.lr); kw.take("beta_1", o.beta_1); kw.take("beta_2", o.beta_2);
    kw.take("epsilon", o.epsilon); kw.take("decay", o.decay);
    clip(kw, o.clip); return O::Adam(o);
  });
  m.def("Adamax", [clip](py::kwargs k) -> O::Optimizer {
    Kwargs kw(k, "Adamax"); O::AdamaxOptions o;
    kw.take("lr", o.lr); kw.take("beta_1", o.beta_1); kw.take("beta_2", o.beta_2);
    kw.take("epsilon", o.epsilon); kw.take("decay", o.decay);
    clip(kw, o.clip); return O::Adamax(o);
  });
  m.def("Nadam", [clip](py::kwargs k) -> O::Optimizer {
    Kwargs kw(k, "Nadam"); O::NadamOptions o;
    kw.take("lr", o.lr); kw.take("beta_1", o.beta_1); kw.take("beta_2", o.beta_2);
    kw.take("epsilon", o.epsilon); kw.take("schedule_decay", o.schedule_decay);
    clip(kw, o.clip); return O::Nadam(o);
  });
  m.def("get_optimizer", [](const std::string& name) { return O::get(name); });
}

void bind_backend(py::module_& m) {
  namespace K = keras::backend;
  py::module_ b = m.def_submodule("backend");
  b.def("learning_phase", &K::learning_phase);
  b.def("set_learning_phase", &K::set_learning_phase);
  b.def("clear_session", &K::clear_session);
  b.def("get_session", &K::get_session);
  b.def("set_session", &K::set_session);
  b.def("epsilon", &K::epsilon);
  b.def("set_epsilon", &K::set_epsilon);
  b.def("floatx", &K::floatx);
  b.def("set_floatx", &K::set_floatx);
  b.def("image_data_format", &K::image_data_format);
  b.def("backend", &K::backend);
  b.def("get_uid", &K::get_uid, py::arg("prefix") = "");
  b.def("int_shape", [](py::handle x) { return shape_to_python(K::int_shape(to_tensor(x))); });
  b.def("ndim", [](py::handle x) { return K::ndim(to_tensor(x)); });
  b.def("dtype", [](py::handle x) { return K::dtype(to_tensor(x)); });
  b.def("eval", [](py::handle x) { return to_numpy(K::eval(to_tensor(x))); });
  b.def("get_value", [](const tf::Variable& v) { return to_numpy(K::get_value(v)); });
  b.def("set_value", [](const tf::Variable& v, py::handle x) { K::set_value(v, from_python_array(x, "value")); });
  b.def("count_params", &K::count_params);
  b.def("variable", [](py::handle value, const std::string& dtype, const std::string& name) {
    return K::variable(from_python_array(value, "value"), dtype, name);
  }, py::arg("value"), py::arg("dtype") = "", py::arg("name") = "");
  b.def("placeholder", [](py::handle shape, std::optional<int> ndim, const std::string& dtype, const std::string& name) {
    std::optional<std::vector<int64_t>> s;
    if (!shape.is_none()) s = to_tensor_shape(shape).dims();
    return K::placeholder(s, ndim, dtype, name);
  }, py::arg("shape") = py::none(), py::arg("ndim") = py::none(), py::arg("dtype") = "", py::arg("name") = "");
  b.def("constant", [](py::handle v, const std::string& dtype, const std::string& name) {
    return K::constant(from_python_array(v, "value"), dtype, name);
  }, py::arg("value"), py::arg("dtype") = "", py::arg("name") = "");
#define KPP_K_UNARY(NAME) b.def(#NAME, [](py::handle x) { return K::NAME(to_tensor(x)); }, py::arg("x"));
  KPP_K_UNARY(square) KPP_K_UNARY(abs) KPP_K_UNARY(sqrt) KPP_K_UNARY(exp) KPP_K_UNARY(log)
  KPP_K_UNARY(softmax) KPP_K_UNARY(softplus) KPP_K_UNARY(sigmoid) KPP_K_UNARY(tanh) KPP_K_UNARY(transpose)
  KPP_K_UNARY(batch_flatten) KPP_K_UNARY(flatten) KPP_K_UNARY(identity) KPP_K_UNARY(stop_gradient)
#undef KPP_K_UNARY
#define KPP_K_REDUCE(NAME) \
  b.def(#NAME, [](py::handle x, std::optional<int> axis, bool keepdims) { return K::NAME(to_tensor(x), axis, keepdims); }, \
        py::arg("x"), py::arg("axis") = py::none(), py::arg("keepdims") = false);
  KPP_K_REDUCE(sum) KPP_K_REDUCE(mean) KPP_K_REDUCE(max) KPP_K_REDUCE(min)
#undef KPP_K_REDUCE
#define KPP_K_BINARY(NAME) b.def(#NAME, [](py::handle x, py::handle y) { return K::NAME(to_tensor(x), to_tensor_like(y)); });
  KPP_K_BINARY(equal) KPP_K_BINARY(not_equal) KPP_K_BINARY(greater) KPP_K_BINARY(less) KPP_K_BINARY(maximum)
  KPP_K_BINARY(minimum)
#undef KPP_K_BINARY
  b.def("dot", [](py::handle x, py::handle y) { return K::dot(to_tensor(x), to_tensor(y)); });
  b.def("relu", [](py::handle x, double alpha, std::optional<double> max_value) {
    return K::relu(to_tensor(x), alpha, max_value);
  }, py::arg("x"), py::arg("alpha") = 0.0, py::arg("max_value") = py::none());
  b.def("argmax", [](py::handle x, int axis) { return K::argmax(to_tensor(x), axis); }, py::arg("x"), py::arg("axis") = -1);
  b.def("cast", [](py::handle x, const std::string& dtype) { return K::cast(to_tensor(x), dtype); });
  b.def("clip", [](py::handle x, double lo, double hi) { return K::clip(to_tensor(x), lo, hi); });
  b.def("pow", [](py::handle x, double a) { return K::pow(to_tensor(x), a); });
  b.def("reshape", [](py::handle x, std::vector<int64_t> s) { return K::reshape(to_tensor(x), s); });
  b.def("concatenate", [](std::vector<tf::Tensor> v, int axis) { return K::concatenate(v, axis); },
        py::arg("tensors"), py::arg("axis") = -1);
  b.def("gradients", &K::gradients);
  b.def("expand_dims", [](py::handle x, int axis) { return K::expand_dims(to_tensor(x), axis); },
        py::arg("x"), py::arg("axis") = -1);
  bind_backend_layer_functions(b);
}

void bind_utils_and_datasets(py::module_& m) {
  m.def("to_categorical", [](py::handle y, py::handle num_classes) {
    const np::Array labels = from_python_array(y, "y");
    return to_numpy(keras::utils::to_categorical(labels, num_classes.is_none() ? 0 : num_classes.cast<int64_t>()));
  }, py::arg("y"), py::arg("num_classes") = py::none());
  auto pack = [](const keras::datasets::TrainTest& d) {
    return py::make_tuple(py::make_tuple(to_numpy(d.train.x), to_numpy(d.train.y)),
                          py::make_tuple(to_numpy(d.test.x), to_numpy(d.test.y)));
  };
  m.def("mnist_load_data", [pack](const std::string& path) { return pack(keras::datasets::mnist::load_data(path)); },
        py::arg("path") = "mnist.npz");
  m.def("fashion_mnist_load_data", [pack]() { return pack(keras::datasets::fashion_mnist::load_data()); });
}

// keras.losses / keras.metrics functions of (y_true, y_pred), for Python
// losses and metrics built from them.
void bind_loss_functions(py::module_& m) {
  py::module_ l = m.def_submodule("losses");
#define KPP_LOSS(MOD, NS, NAME) \
  MOD.def(#NAME, [](py::handle t, py::handle p) { return NS::NAME(to_tensor(t), to_tensor(p)); }, \
          py::arg("y_true"), py::arg("y_pred"));
  KPP_LOSS(l, keras::losses, mean_squared_error) KPP_LOSS(l, keras::losses, mean_absolute_error)
  KPP_LOSS(l, keras::losses, mean_absolute_percentage_error)
  KPP_LOSS(l, keras::losses, mean_squared_logarithmic_error) KPP_LOSS(l, keras::losses, squared_hinge)
  KPP_LOSS(l, keras::losses, hinge) KPP_LOSS(l, keras::losses, categorical_crossentropy)
  KPP_LOSS(l, keras::losses, sparse_categorical_crossentropy) KPP_LOSS(l, keras::losses, binary_crossentropy)
  KPP_LOSS(l, keras::losses, kullback_leibler_divergence) KPP_LOSS(l, keras::losses, poisson)
  KPP_LOSS(l, keras::losses, cosine_proximity)
  py::module_ mt = m.def_submodule("metrics");
  KPP_LOSS(mt, keras::metrics, binary_accuracy) KPP_LOSS(mt, keras::metrics, categorical_accuracy)
  KPP_LOSS(mt, keras::metrics, sparse_categorical_accuracy)
#undef KPP_LOSS
}

}  // namespace

void bind_keras(py::module_& m) {
  py::module_ k = m.def_submodule("keras");
  bind_layer_classes(k);
  bind_layer_factories(k);
  bind_layer_table(k);
  bind_optimizers(k);
  bind_backend(k);
  bind_utils_and_datasets(k);
  bind_loss_functions(k);
  bind_keras_model(k);
  bind_progbar(k);
}

}  // namespace keraspp::python
