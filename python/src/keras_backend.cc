// keras.backend: the functions the layer families go with (convolution,
// pooling, padding, sequences, batch normalization, the learning-phase
// switches, random tensors and K.rnn), with Keras 2.0's TF backend's
// argument names and defaults. None for data_format means
// image_data_format(), as in Keras.
#include <pybind11/functional.h>

#include "convert.h"
#include "keraspp/keras.h"
#include "keraspp/keras/backend_rnn.h"

namespace keraspp::python {
namespace {

namespace K = keras::backend;

std::string data_format_arg(py::handle f) { return f.is_none() ? std::string() : f.cast<std::string>(); }

// Keras's int-or-pair arguments (strides=(2, 2) or 2).
K::IntPair int_pair(py::handle v, const char* what) {
  if (py::isinstance<py::int_>(v)) return K::IntPair(v.cast<int64_t>());
  const auto s = v.cast<std::vector<int64_t>>();
  if (s.size() != 2)
    throw keraspp::ValueError(std::string("The `") + what + "` argument must be a tuple of 2 integers. Received: " +
                              py::repr(v).cast<std::string>());
  return K::IntPair(s[0], s[1]);
}

std::pair<int64_t, int64_t> int_pair_std(py::handle v, const char* what) {
  const K::IntPair p = int_pair(v, what);
  return {p.rows, p.cols};
}

// A branch of in_train_phase / switch: a tensor, or a function of no
// arguments building one (called only when chosen).
K::Branch branch(py::handle x) {
  if (PyCallable_Check(x.ptr()) && !py::isinstance<tf::Tensor>(x) && !py::isinstance<tf::Variable>(x)) {
    auto fn = std::make_shared<py::object>(py::reinterpret_borrow<py::object>(x));
    return K::Branch([fn]() {
      py::gil_scoped_acquire gil;
      return to_tensor((*fn)());
    });
  }
  return K::Branch(to_tensor(x));
}

std::optional<std::vector<int64_t>> optional_dims(py::handle s) {
  if (s.is_none()) return std::nullopt;
  return to_tensor_shape(s).dims();
}

tf::Tensor optional_tensor(py::handle x) { return x.is_none() ? tf::Tensor() : to_tensor(x); }

void bind_conv(py::module_& b) {
  b.def("bias_add", [](py::handle x, py::handle bias, py::handle data_format) {
    return K::bias_add(to_tensor(x), to_tensor(bias), data_format_arg(data_format));
  }, py::arg("x"), py::arg("bias"), py::arg("data_format") = py::none());
  b.def("conv1d", [](py::handle x, py::handle kernel, int64_t strides, const std::string& padding,
                     py::handle data_format, int64_t dilation_rate) {
    return K::conv1d(to_tensor(x), to_tensor(kernel), strides, padding, dilation_rate);
  }, py::arg("x"), py::arg("kernel"), py::arg("strides") = 1, py::arg("padding") = "valid",
     py::arg("data_format") = py::none(), py::arg("dilation_rate") = 1);
  b.def("conv2d", [](py::handle x, py::handle kernel, py::handle strides, const std::string& padding,
                     py::handle data_format, py::handle dilation_rate) {
    return K::conv2d(to_tensor(x), to_tensor(kernel), int_pair(strides, "strides"), padding,
                     data_format_arg(data_format), int_pair(dilation_rate, "dilation_rate"));
  }, py::arg("x"), py::arg("kernel"), py::arg("strides") = py::make_tuple(1, 1), py::arg("padding") = "valid",
     py::arg("data_format") = py::none(), py::arg("dilation_rate") = py::make_tuple(1, 1));
  b.def("conv2d_transpose", [](py::handle x, py::handle kernel, py::handle output_shape, py::handle strides,
                               const std::string& padding, py::handle data_format) {
    return K::conv2d_transpose(to_tensor(x), to_tensor(kernel), to_tensor_shape(output_shape).dims(),
                               int_pair(strides, "strides"), padding, data_format_arg(data_format));
  }, py::arg("x"), py::arg("kernel"), py::arg("output_shape"), py::arg("strides") = py::make_tuple(1, 1),
     py::arg("padding") = "valid", py::arg("data_format") = py::none());
  b.def("separable_conv2d", [](py::handle x, py::handle depthwise, py::handle pointwise, py::handle strides,
                               const std::string& padding, py::handle data_format, py::handle dilation_rate) {
    return K::separable_conv2d(to_tensor(x), to_tensor(depthwise), to_tensor(pointwise), int_pair(strides, "strides"),
                               padding, data_format_arg(data_format), int_pair(dilation_rate, "dilation_rate"));
  }, py::arg("x"), py::arg("depthwise_kernel"), py::arg("pointwise_kernel"), py::arg("strides") = py::make_tuple(1, 1),
     py::arg("padding") = "valid", py::arg("data_format") = py::none(), py::arg("dilation_rate") = py::make_tuple(1, 1));
  b.def("pool2d", [](py::handle x, py::handle pool_size, py::handle strides, const std::string& padding,
                     py::handle data_format, const std::string& pool_mode) {
    return K::pool2d(to_tensor(x), int_pair(pool_size, "pool_size"), int_pair(strides, "strides"), padding,
                     data_format_arg(data_format), pool_mode);
  }, py::arg("x"), py::arg("pool_size"), py::arg("strides") = py::make_tuple(1, 1), py::arg("padding") = "valid",
     py::arg("data_format") = py::none(), py::arg("pool_mode") = "max");
  b.def("repeat_elements", [](py::handle x, int64_t rep, int axis) { return K::repeat_elements(to_tensor(x), rep, axis); },
        py::arg("x"), py::arg("rep"), py::arg("axis"));
  b.def("resize_images", [](py::handle x, int64_t h, int64_t w, py::handle data_format) {
    return K::resize_images(to_tensor(x), h, w, data_format_arg(data_format));
  }, py::arg("x"), py::arg("height_factor"), py::arg("width_factor"), py::arg("data_format") = py::none());
  b.def("temporal_padding", [](py::handle x, py::handle padding) {
    return K::temporal_padding(to_tensor(x), int_pair_std(padding, "padding"));
  }, py::arg("x"), py::arg("padding") = py::make_tuple(1, 1));
  b.def("spatial_2d_padding", [](py::handle x, py::handle padding, py::handle data_format) {
    const auto p = py::reinterpret_borrow<py::sequence>(padding);
    if (p.size() != 2) throw keraspp::ValueError("spatial_2d_padding: `padding` must be ((top, bottom), (left, right))");
    return K::spatial_2d_padding(to_tensor(x), int_pair_std(p[0], "padding"), int_pair_std(p[1], "padding"),
                                 data_format_arg(data_format));
  }, py::arg("x"), py::arg("padding") = py::make_tuple(py::make_tuple(1, 1), py::make_tuple(1, 1)),
     py::arg("data_format") = py::none());
}

void bind_tensor_functions(py::module_& b) {
  b.def("zeros", [](py::handle shape, const std::string& dtype, const std::string& name) {
    return K::zeros(to_tensor_shape(shape).dims(), dtype, name);
  }, py::arg("shape"), py::arg("dtype") = "", py::arg("name") = "");
  b.def("ones", [](py::handle shape, const std::string& dtype, const std::string& name) {
    return K::ones(to_tensor_shape(shape).dims(), dtype, name);
  }, py::arg("shape"), py::arg("dtype") = "", py::arg("name") = "");
  b.def("zeros_like", [](py::handle x, const std::string& name) { return K::zeros_like(to_tensor(x), name); },
        py::arg("x"), py::arg("name") = "");
  b.def("ones_like", [](py::handle x, const std::string& name) { return K::ones_like(to_tensor(x), name); },
        py::arg("x"), py::arg("name") = "");
#define KPP_K_REDUCE(NAME) \
  b.def(#NAME, [](py::handle x, std::optional<int> axis, bool keepdims) { return K::NAME(to_tensor(x), axis, keepdims); }, \
        py::arg("x"), py::arg("axis") = py::none(), py::arg("keepdims") = false);
  KPP_K_REDUCE(any) KPP_K_REDUCE(all)
#undef KPP_K_REDUCE
  b.def("greater_equal", [](py::handle x, py::handle y) { return K::greater_equal(to_tensor(x), to_tensor_like(y)); });
  b.def("less_equal", [](py::handle x, py::handle y) { return K::less_equal(to_tensor(x), to_tensor_like(y)); });
  b.def("permute_dimensions", [](py::handle x, std::vector<int> pattern) {
    return K::permute_dimensions(to_tensor(x), pattern);
  }, py::arg("x"), py::arg("pattern"));
  b.def("repeat", [](py::handle x, int64_t n) { return K::repeat(to_tensor(x), n); }, py::arg("x"), py::arg("n"));
  b.def("l2_normalize", [](py::handle x, int axis) { return K::l2_normalize(to_tensor(x), axis); },
        py::arg("x"), py::arg("axis"));
  b.def("gather", [](py::handle ref, py::handle indices) { return K::gather(to_tensor(ref), to_tensor(indices)); },
        py::arg("reference"), py::arg("indices"));
  b.def("one_hot", [](py::handle indices, int64_t n) { return K::one_hot(to_tensor(indices), n); },
        py::arg("indices"), py::arg("num_classes"));
  b.def("batch_dot", [](py::handle x, py::handle y, py::handle axes) {
    std::optional<std::pair<int, int>> a;
    if (py::isinstance<py::int_>(axes)) a = std::pair{axes.cast<int>(), axes.cast<int>()};
    else if (!axes.is_none()) a = axes.cast<std::pair<int, int>>();
    return K::batch_dot(to_tensor(x), to_tensor(y), a);
  }, py::arg("x"), py::arg("y"), py::arg("axes") = py::none());
  b.def("stack", [](py::handle xs, int axis) {
    std::vector<tf::Tensor> v;
    for (py::handle x : xs) v.push_back(to_tensor(x));
    return K::stack(v, axis);
  }, py::arg("x"), py::arg("axis") = 0);
  b.def("squeeze", [](py::handle x, int axis) { return K::squeeze(to_tensor(x), axis); }, py::arg("x"), py::arg("axis"));
  b.def("tile", [](py::handle x, py::handle n) {
    if (py::isinstance<py::int_>(n)) return K::tile(to_tensor(x), {n.cast<int64_t>()});
    return K::tile(to_tensor(x), n.cast<std::vector<int64_t>>());
  }, py::arg("x"), py::arg("n"));
  b.def("reverse", [](py::handle x, py::handle axes) {
    if (py::isinstance<py::int_>(axes)) return K::reverse(to_tensor(x), {axes.cast<int>()});
    return K::reverse(to_tensor(x), axes.cast<std::vector<int>>());
  }, py::arg("x"), py::arg("axes"));
  b.def("elu", [](py::handle x, double alpha) { return K::elu(to_tensor(x), alpha); }, py::arg("x"), py::arg("alpha") = 1.0);
  b.def("softsign", [](py::handle x) { return K::softsign(to_tensor(x)); }, py::arg("x"));
  b.def("hard_sigmoid", [](py::handle x) { return K::hard_sigmoid(to_tensor(x)); }, py::arg("x"));
  b.def("dropout", [](py::handle x, double level, py::handle noise_shape, std::optional<int64_t> seed) {
    return K::dropout(to_tensor(x), level, optional_dims(noise_shape), seed);
  }, py::arg("x"), py::arg("level"), py::arg("noise_shape") = py::none(), py::arg("seed") = py::none());
  b.def("random_uniform", [](py::handle shape, double lo, double hi, const std::string& dtype, std::optional<int64_t> seed) {
    return K::random_uniform(to_tensor_shape(shape).dims(), lo, hi, dtype, seed);
  }, py::arg("shape"), py::arg("minval") = 0.0, py::arg("maxval") = 1.0, py::arg("dtype") = "", py::arg("seed") = py::none());
  b.def("random_normal", [](py::handle shape, double mean, double stddev, const std::string& dtype, std::optional<int64_t> seed) {
    return K::random_normal(to_tensor_shape(shape).dims(), mean, stddev, dtype, seed);
  }, py::arg("shape"), py::arg("mean") = 0.0, py::arg("stddev") = 1.0, py::arg("dtype") = "", py::arg("seed") = py::none());
  b.def("truncated_normal", [](py::handle shape, double mean, double stddev, const std::string& dtype, std::optional<int64_t> seed) {
    return K::truncated_normal(to_tensor_shape(shape).dims(), mean, stddev, dtype, seed);
  }, py::arg("shape"), py::arg("mean") = 0.0, py::arg("stddev") = 1.0, py::arg("dtype") = "", py::arg("seed") = py::none());
}

void bind_phase_and_normalization(py::module_& b) {
  b.def("in_train_phase", [](py::handle x, py::handle alt, py::handle training) {
    if (py::isinstance<tf::Tensor>(training)) return K::in_train_phase(branch(x), branch(alt), training.cast<tf::Tensor>());
    std::optional<bool> t;
    if (!training.is_none()) t = PyObject_IsTrue(training.ptr()) == 1;
    return K::in_train_phase(branch(x), branch(alt), t);
  }, py::arg("x"), py::arg("alt"), py::arg("training") = py::none());
  b.def("in_test_phase", [](py::handle x, py::handle alt, py::handle training) {
    std::optional<bool> t;
    if (!training.is_none()) t = PyObject_IsTrue(training.ptr()) == 1;
    return K::in_test_phase(branch(x), branch(alt), t);
  }, py::arg("x"), py::arg("alt"), py::arg("training") = py::none());
  b.def("switch", [](py::handle condition, py::handle then_expression, py::handle else_expression) {
    return K::switch_(to_tensor(condition), branch(then_expression), branch(else_expression));
  }, py::arg("condition"), py::arg("then_expression"), py::arg("else_expression"));
  b.def("normalize_batch_in_training", [](py::handle x, py::handle gamma, py::handle beta,
                                          std::vector<int> reduction_axes, double epsilon) {
    const K::BatchNormInTraining r = K::normalize_batch_in_training(to_tensor(x), optional_tensor(gamma),
                                                                     optional_tensor(beta), reduction_axes, epsilon);
    return py::make_tuple(r.normed, r.mean, r.variance);
  }, py::arg("x"), py::arg("gamma"), py::arg("beta"), py::arg("reduction_axes"), py::arg("epsilon") = 1e-3);
  b.def("batch_normalization", [](py::handle x, py::handle mean, py::handle var, py::handle beta, py::handle gamma,
                                  double epsilon, int axis) {
    return K::batch_normalization(to_tensor(x), to_tensor(mean), to_tensor(var), optional_tensor(beta),
                                  optional_tensor(gamma), epsilon, axis);
  }, py::arg("x"), py::arg("mean"), py::arg("var"), py::arg("beta"), py::arg("gamma"), py::arg("epsilon") = 1e-3,
     py::arg("axis") = -1);
  b.def("moving_average_update", [](const tf::Variable& x, py::handle value, double momentum) {
    return K::moving_average_update(x, to_tensor(value), momentum);
  }, py::arg("x"), py::arg("value"), py::arg("momentum"));
}

// K.rnn(step_function, inputs, initial_states, ...): step_function(input_t,
// states) returns (output_t, new_states), as in Keras 2.0.
void bind_rnn(py::module_& b) {
  b.def("rnn", [](py::object step_function, py::handle inputs, py::handle initial_states, bool go_backwards,
                  py::handle mask, py::handle constants, bool unroll, std::optional<int64_t> input_length) {
    K::StepFunction step = [step_function](const tf::Tensor& x, const std::vector<tf::Tensor>& states) {
      py::gil_scoped_acquire gil;
      py::object r = step_function(x, states);
      const auto pair = py::reinterpret_borrow<py::sequence>(r);
      if (pair.size() != 2)
        throw keraspp::TypeError("rnn: step_function must return (output, new_states), got " +
                                 py::repr(r).cast<std::string>());
      std::vector<tf::Tensor> new_states;
      for (py::handle s : pair[1]) new_states.push_back(to_tensor(s));
      return std::pair{to_tensor(pair[0]), new_states};
    };
    std::vector<tf::Tensor> states, consts;
    for (py::handle s : initial_states) states.push_back(to_tensor(s));
    if (!constants.is_none())
      for (py::handle c : constants) consts.push_back(to_tensor(c));
    auto [last, outputs, new_states] = K::rnn(step, to_tensor(inputs), states,
                                              {.go_backwards = go_backwards, .mask = optional_tensor(mask),
                                               .constants = consts, .unroll = unroll, .input_length = input_length});
    return py::make_tuple(last, outputs, new_states);
  }, py::arg("step_function"), py::arg("inputs"), py::arg("initial_states"), py::arg("go_backwards") = false,
     py::arg("mask") = py::none(), py::arg("constants") = py::none(), py::arg("unroll") = false,
     py::arg("input_length") = py::none());
}

}  // namespace

void bind_backend_layer_functions(py::module_& b) {
  bind_conv(b);
  bind_tensor_functions(b);
  bind_phase_and_normalization(b);
  bind_rnn(b);
  b.def("set_image_data_format", &K::set_image_data_format, py::arg("data_format"));
  b.def("manual_variable_initialization", &K::manual_variable_initialization, py::arg("value"));
  b.def("reset_uids", &K::reset_uids);
  b.def("batch_get_value", [](const std::vector<tf::Variable>& xs) {
    py::list out;
    for (const np::Array& a : K::batch_get_value(xs)) out.append(to_numpy(a));
    return out;
  }, py::arg("ops"));
  b.def("batch_set_value", [](py::handle tuples) {
    std::vector<std::pair<tf::Variable, np::Array>> v;
    for (py::handle t : tuples) {
      const auto pair = py::reinterpret_borrow<py::sequence>(t);
      v.emplace_back(pair[0].cast<tf::Variable>(), from_python_array(pair[1], "value"));
    }
    K::batch_set_value(v);
  }, py::arg("tuples"));
}

}  // namespace keraspp::python
