// tf functions: placeholders/constants/variables, math and nn ops, tf.layers,
// tf.losses, tf.train optimizers and initializers. Keyword names are TF's.
#include <pybind11/functional.h>

#include "convert.h"
#include "keraspp/io/mnist_input_data.h"
#include "keraspp/losses/losses.h"

namespace keraspp::python {

// A Python callable as a C++ unary tensor function (activations, Lambda).
// The callable is released with the GIL held.
std::function<tf::Tensor(const tf::Tensor&)> python_unary(py::object f) {
  if (f.is_none()) return nullptr;
  std::shared_ptr<py::object> holder(new py::object(std::move(f)), [](py::object* o) {
    if (!Py_IsInitialized()) return;
    py::gil_scoped_acquire gil;
    delete o;
  });
  return [holder](const tf::Tensor& t) {
    py::gil_scoped_acquire gil;
    return (*holder)(t).cast<tf::Tensor>();
  };
}

namespace {

tf::Axes to_axes(py::handle axis) {
  if (axis.is_none()) return tf::all_axes;
  if (py::isinstance<py::int_>(axis)) return tf::Axes(axis.cast<int>());
  return tf::Axes(axis.cast<std::vector<int>>());
}

std::string name_or_empty(py::handle n) { return n.is_none() ? "" : n.cast<std::string>(); }

void bind_array_ops(py::module_& m) {
  m.def("placeholder", [](py::handle dtype, py::handle shape, py::handle name) {
    return tf::placeholder(dtype_from_python(dtype), to_tensor_shape(shape), name_or_empty(name));
  }, py::arg("dtype"), py::arg("shape") = py::none(), py::arg("name") = py::none());
  m.def("constant", [](py::handle value, py::handle dtype, py::handle shape, py::handle name) {
    np::Array a = from_python_array(value, "value");
    if (!dtype.is_none()) a = a.astype(dtype_from_python(dtype));
    if (!shape.is_none()) {
      const tf::TensorShape s = to_tensor_shape(shape);
      if (a.size() == 1) a = np::full(s.dims(), a.get_flat(0), a.dtype());
      else a = a.reshape(s.dims());
    }
    return tf::constant(a, name_or_empty(name));
  }, py::arg("value"), py::arg("dtype") = py::none(), py::arg("shape") = py::none(), py::arg("name") = py::none());
  auto variable_class = py::reinterpret_borrow<py::class_<tf::Variable>>(m.attr("Variable"));
  variable_class.def(py::init([](py::handle initial_value, bool trainable, py::handle name, py::handle dtype) {
    tf::VariableOptions o{.trainable = trainable, .name = name_or_empty(name)};
    if (!dtype.is_none()) o.dtype = dtype_from_python(dtype);
    if (py::isinstance<tf::Tensor>(initial_value)) return tf::Variable(initial_value.cast<tf::Tensor>(), o);
    return tf::Variable(from_python_array(initial_value, "initial_value"), o);
  }), py::arg("initial_value"), py::arg("trainable") = true, py::arg("name") = py::none(), py::arg("dtype") = py::none());
  m.def("get_variable", [](const std::string& name, py::handle shape, py::handle dtype, py::handle initializer,
                           bool trainable) {
    tf::GetVariableOptions o{.trainable = trainable};
    if (!dtype.is_none()) o.dtype = dtype_from_python(dtype);
    if (py::isinstance<tf::Initializer>(initializer)) o.initializer = initializer.cast<tf::Initializer>();
    else if (py::isinstance<tf::Tensor>(initializer)) o.initializer = initializer.cast<tf::Tensor>();
    else if (!initializer.is_none()) o.initializer = from_python_array(initializer, "initializer");
    return tf::get_variable(name, to_tensor_shape(shape), o);
  }, py::arg("name"), py::arg("shape") = py::none(), py::arg("dtype") = py::none(),
     py::arg("initializer") = py::none(), py::arg("trainable") = true);
  m.def("cast", [](py::handle x, py::handle dtype, py::handle name) {
    return tf::cast(to_tensor(x), dtype_from_python(dtype), name_or_empty(name));
  }, py::arg("x"), py::arg("dtype"), py::arg("name") = py::none());
  m.def("reshape", [](py::handle x, std::vector<int64_t> shape, py::handle name) {
    return tf::reshape(to_tensor(x), shape, name_or_empty(name));
  }, py::arg("tensor"), py::arg("shape"), py::arg("name") = py::none());
  m.def("identity", [](py::handle x, py::handle name) { return tf::identity(to_tensor(x), name_or_empty(name)); },
        py::arg("input"), py::arg("name") = py::none());
  m.def("zeros", [](std::vector<int64_t> s, py::handle dtype) {
    return tf::zeros(s, dtype.is_none() ? np::float32 : dtype_from_python(dtype));
  }, py::arg("shape"), py::arg("dtype") = py::none());
  m.def("ones", [](std::vector<int64_t> s, py::handle dtype) {
    return tf::ones(s, dtype.is_none() ? np::float32 : dtype_from_python(dtype));
  }, py::arg("shape"), py::arg("dtype") = py::none());
  // TF's concat takes a list of tensor-likes (variables, arrays) and a
  // negative axis; one value (or a list of one) comes back through an
  // identity named `name`, as TF 1.x's degenerate case.
  m.def("concat", [](py::handle values, int axis, py::handle name) {
    const std::string n = name_or_empty(name).empty() ? "concat" : name_or_empty(name);
    std::vector<tf::Tensor> v;
    if (py::isinstance<py::list>(values) || py::isinstance<py::tuple>(values)) {
      for (py::handle x : values) v.push_back(to_tensor(x));
    } else {
      v.push_back(to_tensor(values));
    }
    if (v.empty()) throw keraspp::ValueError("List argument 'values' to 'ConcatV2' Op with length 0 shorter than minimum length 2.");
    if (v.size() == 1) return tf::identity(v[0], n);
    return tf::concat(v, axis, n);
  }, py::arg("values"), py::arg("axis"), py::arg("name") = "concat");
}

void bind_math_ops(py::module_& m) {
#define KPP_BINARY(NAME) \
  m.def(#NAME, [](py::handle x, py::handle y, py::handle name) { \
    return tf::NAME(to_tensor_like(x), to_tensor_like(y), name_or_empty(name)); \
  }, py::arg("x"), py::arg("y"), py::arg("name") = py::none());
  KPP_BINARY(add) KPP_BINARY(subtract) KPP_BINARY(multiply) KPP_BINARY(divide) KPP_BINARY(maximum)
  KPP_BINARY(minimum) KPP_BINARY(pow) KPP_BINARY(equal) KPP_BINARY(not_equal) KPP_BINARY(less)
  KPP_BINARY(less_equal) KPP_BINARY(greater) KPP_BINARY(greater_equal) KPP_BINARY(squared_difference)
#undef KPP_BINARY
#define KPP_UNARY(NAME) \
  m.def(#NAME, [](py::handle x, py::handle name) { return tf::NAME(to_tensor(x), name_or_empty(name)); }, \
        py::arg("x"), py::arg("name") = py::none());
  KPP_UNARY(exp) KPP_UNARY(log) KPP_UNARY(sqrt) KPP_UNARY(square) KPP_UNARY(abs) KPP_UNARY(negative)
  KPP_UNARY(sigmoid) KPP_UNARY(tanh)
#undef KPP_UNARY
  m.def("matmul", [](py::handle a, py::handle b, bool ta, bool tb, py::handle name) {
    return tf::matmul(to_tensor(a), to_tensor(b), {.transpose_a = ta, .transpose_b = tb, .name = name_or_empty(name)});
  }, py::arg("a"), py::arg("b"), py::arg("transpose_a") = false, py::arg("transpose_b") = false,
     py::arg("name") = py::none());
#define KPP_REDUCE(NAME) \
  m.def(#NAME, [](py::handle x, py::handle axis, bool keep_dims, py::handle name) { \
    return tf::NAME(to_tensor(x), to_axes(axis), {.keepdims = keep_dims, .name = name_or_empty(name)}); \
  }, py::arg("input_tensor"), py::arg("axis") = py::none(), py::arg("keep_dims") = false, py::arg("name") = py::none());
  KPP_REDUCE(reduce_sum) KPP_REDUCE(reduce_mean) KPP_REDUCE(reduce_max)
#undef KPP_REDUCE
  m.def("argmax", [](py::handle x, int axis, py::handle name) {
    return tf::argmax(to_tensor(x), axis, name_or_empty(name));
  }, py::arg("input"), py::arg("axis"), py::arg("name") = py::none());
  m.def("gradients", [](const tf::Tensor& ys, std::vector<tf::Tensor> xs) { return tf::gradients(ys, xs); },
        py::arg("ys"), py::arg("xs"));
}

void bind_nn(py::module_& m) {
  py::module_ nn = m.def_submodule("nn");
  nn.def("relu", [](py::handle x, py::handle n) { return tf::nn::relu(to_tensor(x), name_or_empty(n)); },
         py::arg("features"), py::arg("name") = py::none());
  nn.def("elu", [](py::handle x, py::handle n) { return tf::nn::elu(to_tensor(x), name_or_empty(n)); },
         py::arg("features"), py::arg("name") = py::none());
  nn.def("softplus", [](py::handle x, py::handle n) { return tf::nn::softplus(to_tensor(x), name_or_empty(n)); },
         py::arg("features"), py::arg("name") = py::none());
  nn.def("softmax", [](py::handle x, int dim, py::handle n) { return tf::nn::softmax(to_tensor(x), dim, name_or_empty(n)); },
         py::arg("logits"), py::arg("dim") = -1, py::arg("name") = py::none());
  nn.def("sigmoid", [](py::handle x, py::handle n) { return tf::sigmoid(to_tensor(x), name_or_empty(n)); },
         py::arg("x"), py::arg("name") = py::none());
  nn.def("tanh", [](py::handle x, py::handle n) { return tf::tanh(to_tensor(x), name_or_empty(n)); },
         py::arg("x"), py::arg("name") = py::none());
  nn.def("bias_add", [](py::handle x, py::handle b, py::handle data_format, py::handle n) {
    return tf::nn::bias_add(to_tensor(x), to_tensor(b), name_or_empty(data_format), name_or_empty(n));
  }, py::arg("value"), py::arg("bias"), py::arg("data_format") = py::none(), py::arg("name") = py::none());
  nn.def("softmax_cross_entropy_with_logits", [](py::handle labels, py::handle logits, int dim, py::handle n) {
    return tf::nn::softmax_cross_entropy_with_logits(to_tensor(labels), to_tensor(logits), dim, name_or_empty(n));
  }, py::kw_only(), py::arg("labels"), py::arg("logits"), py::arg("dim") = -1, py::arg("name") = py::none());
  nn.def("dropout", [](py::handle x, py::handle keep_prob, py::handle seed, py::handle n) {
    tf::nn::DropoutOptions o;
    if (!seed.is_none()) o.seed = seed.cast<int64_t>();
    o.name = name_or_empty(n);
    if (py::isinstance<tf::Tensor>(keep_prob)) return tf::nn::dropout(to_tensor(x), keep_prob.cast<tf::Tensor>(), o);
    return tf::nn::dropout(to_tensor(x), keep_prob.cast<double>(), o);
  }, py::arg("x"), py::arg("keep_prob"), py::arg("seed") = py::none(), py::arg("name") = py::none());
}

void bind_layers(py::module_& m) {
  py::module_ layers = m.def_submodule("layers");
  layers.def("dense", [](py::handle inputs, int64_t units, py::object activation, bool use_bias,
                         py::handle kernel_initializer, py::handle bias_initializer, bool trainable,
                         py::handle name, py::handle reuse) {
    tf::layers::DenseOptions o{.activation = python_unary(activation), .use_bias = use_bias};
    if (!kernel_initializer.is_none()) o.kernel_initializer = kernel_initializer.cast<tf::Initializer>();
    if (!bias_initializer.is_none()) o.bias_initializer = bias_initializer.cast<tf::Initializer>();
    o.trainable = trainable;
    o.name = name_or_empty(name);
    if (!reuse.is_none()) o.reuse = tf::Reuse(reuse.cast<bool>());
    return tf::layers::dense(to_tensor(inputs), units, o);
  }, py::arg("inputs"), py::arg("units"), py::arg("activation") = py::none(), py::arg("use_bias") = true,
     py::arg("kernel_initializer") = py::none(), py::arg("bias_initializer") = py::none(),
     py::arg("trainable") = true, py::arg("name") = py::none(), py::arg("reuse") = py::none());
  layers.def("dropout", [](py::handle inputs, py::handle rate, py::handle seed, py::handle training,
                           py::handle name) {
    tf::layers::DropoutOptions o;
    if (py::isinstance<tf::Tensor>(rate)) o.rate = rate.cast<tf::Tensor>();
    else o.rate = rate.cast<double>();
    if (py::isinstance<tf::Tensor>(training)) o.training = training.cast<tf::Tensor>();
    else o.training = training.cast<bool>();
    if (!seed.is_none()) o.seed = seed.cast<int64_t>();
    o.name = name_or_empty(name);
    return tf::layers::dropout(to_tensor(inputs), o);
  }, py::arg("inputs"), py::arg("rate") = 0.5, py::arg("seed") = py::none(), py::arg("training") = false,
     py::arg("name") = py::none());
  layers.def("flatten", [](py::handle inputs, py::handle name) {
    return tf::layers::flatten(to_tensor(inputs), {.name = name_or_empty(name)});
  }, py::arg("inputs"), py::arg("name") = py::none());
}

void bind_losses(py::module_& m) {
  py::module_ losses = m.def_submodule("losses");
  losses.def("softmax_cross_entropy", [](py::handle labels, py::handle logits, py::handle weights,
                                         double label_smoothing) {
    return tf::losses::softmax_cross_entropy(to_tensor_like(labels), to_tensor(logits),
                                             {.weights = to_tensor_like(weights), .label_smoothing = label_smoothing});
  }, py::arg("onehot_labels"), py::arg("logits"), py::arg("weights") = 1.0, py::arg("label_smoothing") = 0.0);
  losses.def("sparse_softmax_cross_entropy", [](py::handle labels, py::handle logits, py::handle weights) {
    return tf::losses::sparse_softmax_cross_entropy(to_tensor_like(labels), to_tensor(logits),
                                                    {.weights = to_tensor_like(weights)});
  }, py::arg("labels"), py::arg("logits"), py::arg("weights") = 1.0);
  losses.def("mean_squared_error", [](py::handle labels, py::handle predictions, py::handle weights) {
    return tf::losses::mean_squared_error(to_tensor_like(labels), to_tensor(predictions),
                                          {.weights = to_tensor_like(weights)});
  }, py::arg("labels"), py::arg("predictions"), py::arg("weights") = 1.0);
  losses.def("absolute_difference", [](py::handle labels, py::handle predictions, py::handle weights) {
    return tf::losses::absolute_difference(to_tensor_like(labels), to_tensor(predictions),
                                           {.weights = to_tensor_like(weights)});
  }, py::arg("labels"), py::arg("predictions"), py::arg("weights") = 1.0);
}

void bind_initializers(py::module_& m) {
  py::class_<tf::Initializer>(m, "Initializer");
  m.def("zeros_initializer", [] { return tf::zeros_initializer(); });
  m.def("ones_initializer", [] { return tf::ones_initializer(); });
  m.def("constant_initializer", [](double v) { return tf::constant_initializer(v); }, py::arg("value") = 0.0);
  m.def("random_uniform_initializer", [](double lo, double hi) { return tf::random_uniform_initializer(lo, hi); },
        py::arg("minval") = 0.0, py::arg("maxval") = 1.0);
  m.def("random_normal_initializer", [](double mean, double stddev) { return tf::random_normal_initializer(mean, stddev); },
        py::arg("mean") = 0.0, py::arg("stddev") = 1.0);
  m.def("truncated_normal_initializer", [](double mean, double stddev) {
    return tf::truncated_normal_initializer(mean, stddev);
  }, py::arg("mean") = 0.0, py::arg("stddev") = 1.0);
  m.def("glorot_uniform_initializer", [](std::optional<int64_t> seed) { return tf::glorot_uniform_initializer(seed); },
        py::arg("seed") = py::none());
  m.def("glorot_normal_initializer", [](std::optional<int64_t> seed) { return tf::glorot_normal_initializer(seed); },
        py::arg("seed") = py::none());
}

void bind_train(py::module_& m) {
  py::module_ train = m.def_submodule("train");
  py::class_<tf::train::Optimizer, std::shared_ptr<tf::train::Optimizer>>(train, "Optimizer")
      .def("minimize", [](tf::train::Optimizer& o, const tf::Tensor& loss, std::optional<tf::Variable> global_step,
                          std::optional<std::vector<tf::Variable>> var_list, py::handle name) {
        return o.minimize(loss, {.global_step = global_step, .var_list = var_list, .name = name_or_empty(name)});
      }, py::arg("loss"), py::arg("global_step") = py::none(), py::arg("var_list") = py::none(),
         py::arg("name") = py::none())
      .def("compute_gradients", [](tf::train::Optimizer& o, const tf::Tensor& loss) { return o.compute_gradients(loss); },
           py::arg("loss"))
      .def("apply_gradients", [](tf::train::Optimizer& o, const tf::train::GradsAndVars& gv) { return o.apply_gradients(gv); },
           py::arg("grads_and_vars"))
      .def("get_name", &tf::train::Optimizer::get_name)
      .def("get_slot_names", &tf::train::Optimizer::get_slot_names)
      .def("get_slot", &tf::train::Optimizer::get_slot, py::arg("var"), py::arg("name"));
  using Opt = std::shared_ptr<tf::train::Optimizer>;
  train.def("GradientDescentOptimizer", [](double lr, bool use_locking, const std::string& name) -> Opt {
    return std::make_shared<tf::train::GradientDescentOptimizer>(lr, use_locking, name);
  }, py::arg("learning_rate"), py::arg("use_locking") = false, py::arg("name") = "GradientDescent");
  train.def("AdagradOptimizer", [](double lr, double init, bool use_locking, const std::string& name) -> Opt {
    return std::make_shared<tf::train::AdagradOptimizer>(lr, tf::train::AdagradOptions{init, use_locking, name});
  }, py::arg("learning_rate"), py::arg("initial_accumulator_value") = 0.1, py::arg("use_locking") = false,
     py::arg("name") = "Adagrad");
  train.def("MomentumOptimizer", [](double lr, double momentum, bool use_locking, const std::string& name,
                                    bool use_nesterov) -> Opt {
    return std::make_shared<tf::train::MomentumOptimizer>(lr, momentum, tf::train::MomentumOptions{use_locking, name, use_nesterov});
  }, py::arg("learning_rate"), py::arg("momentum"), py::arg("use_locking") = false, py::arg("name") = "Momentum",
     py::arg("use_nesterov") = false);
  train.def("AdamOptimizer", [](double lr, double b1, double b2, double eps, bool use_locking, const std::string& name) -> Opt {
    return std::make_shared<tf::train::AdamOptimizer>(lr, tf::train::AdamOptions{b1, b2, eps, use_locking, name});
  }, py::arg("learning_rate") = 0.001, py::arg("beta1") = 0.9, py::arg("beta2") = 0.999, py::arg("epsilon") = 1e-8,
     py::arg("use_locking") = false, py::arg("name") = "Adam");
  train.def("RMSPropOptimizer", [](double lr, double decay, double momentum, double eps, bool use_locking,
                                   bool centered, const std::string& name) -> Opt {
    return std::make_shared<tf::train::RMSPropOptimizer>(lr, tf::train::RMSPropOptions{decay, momentum, eps, use_locking, centered, name});
  }, py::arg("learning_rate"), py::arg("decay") = 0.9, py::arg("momentum") = 0.0, py::arg("epsilon") = 1e-10,
     py::arg("use_locking") = false, py::arg("centered") = false, py::arg("name") = "RMSProp");
  train.def("AdadeltaOptimizer", [](double lr, double rho, double eps, bool use_locking, const std::string& name) -> Opt {
    return std::make_shared<tf::train::AdadeltaOptimizer>(lr, tf::train::AdadeltaOptions{rho, eps, use_locking, name});
  }, py::arg("learning_rate") = 0.001, py::arg("rho") = 0.95, py::arg("epsilon") = 1e-8,
     py::arg("use_locking") = false, py::arg("name") = "Adadelta");
}

void bind_variables(py::module_& m) {
  m.def("global_variables", &tf::global_variables);
  m.def("trainable_variables", &tf::trainable_variables);
  m.def("local_variables", &tf::local_variables);
  m.def("global_variables_initializer", &tf::global_variables_initializer);
  m.def("local_variables_initializer", &tf::local_variables_initializer);
  m.def("variables_initializer", &tf::variables_initializer, py::arg("var_list"), py::arg("name") = "init");
}

void bind_mnist_input_data(py::module_& m) {
  namespace input_data = tf::examples::tutorials::mnist::input_data;
  py::module_ mi = m.def_submodule("input_data");
  py::class_<input_data::DataSet>(mi, "DataSet")
      .def_property_readonly("images", [](const input_data::DataSet& d) { return to_numpy(d.images()); })
      .def_property_readonly("labels", [](const input_data::DataSet& d) { return to_numpy(d.labels()); })
      .def_property_readonly("num_examples", &input_data::DataSet::num_examples)
      .def_property_readonly("epochs_completed", &input_data::DataSet::epochs_completed)
      .def("next_batch", [](input_data::DataSet& d, int64_t batch_size, bool shuffle) {
        auto [x, y] = d.next_batch(batch_size, shuffle);
        return py::make_tuple(to_numpy(x), to_numpy(y));
      }, py::arg("batch_size"), py::arg("shuffle") = true);
  py::class_<input_data::Datasets>(mi, "Datasets")
      .def_readonly("train", &input_data::Datasets::train)
      .def_readonly("validation", &input_data::Datasets::validation)
      .def_readonly("test", &input_data::Datasets::test);
  mi.def("read_data_sets", [](const std::string& dir, bool one_hot, py::handle dtype, bool reshape,
                              int64_t validation_size, py::handle seed) {
    input_data::ReadDataSetsOptions o{.one_hot = one_hot, .reshape = reshape, .validation_size = validation_size};
    if (!dtype.is_none()) o.dtype = dtype_from_python(dtype);
    if (!seed.is_none()) o.seed = seed.cast<int64_t>();
    return input_data::read_data_sets(dir, o);
  }, py::arg("train_dir"), py::arg("one_hot") = false, py::arg("dtype") = py::none(), py::arg("reshape") = true,
     py::arg("validation_size") = 5000, py::arg("seed") = py::none());
}

}  // namespace

void bind_tf_train(py::module_& m) {
  bind_array_ops(m);
  bind_math_ops(m);
  bind_nn(m);
  bind_initializers(m);
  bind_layers(m);
  bind_losses(m);
  bind_train(m);
  bind_variables(m);
  bind_mnist_input_data(m);
}

}  // namespace keraspp::python
