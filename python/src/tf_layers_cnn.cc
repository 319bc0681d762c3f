// tf.layers convolution, pooling and batch normalization in function and
// class forms (TF 1.x): conv2d / Conv2D, conv2d_transpose / Conv2DTranspose,
// separable_conv2d / SeparableConv2D, max_pooling2d / MaxPooling2D,
// average_pooling2d / AveragePooling2D, batch_normalization /
// BatchNormalization. The arguments after the required ones are keywords
// (TF's names); an unknown one raises TypeError.
#include <pybind11/functional.h>

#include "convert.h"
#include "tf_bindings.h"

namespace keraspp::python {

std::function<tf::Tensor(const tf::Tensor&)> python_unary(py::object f);  // tf_ops.cc

namespace {

namespace L = tf::layers;

// An int or an (rows, cols) pair, as TF's utils.normalize_tuple takes it.
L::IntPair int_pair(py::handle v, const char* what) {
  if (py::isinstance<py::int_>(v)) return L::IntPair(v.cast<int64_t>());
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    auto s = py::reinterpret_borrow<py::sequence>(v);
    if (s.size() == 2 && py::isinstance<py::int_>(s[0]) && py::isinstance<py::int_>(s[1]))
      return L::IntPair(s[0].cast<int64_t>(), s[1].cast<int64_t>());
  }
  throw keraspp::ValueError(std::string("The `") + what + "` argument must be a tuple of 2 integers. Received: " +
                            py::repr(v).cast<std::string>());
}

tf::Initializer initializer(py::handle v) { return v.cast<tf::Initializer>(); }

// Fills the fields an options struct has from the keywords given; the
// requires-clauses pick the fields, so one filler serves every layer.
template <class O> void fill(Kwargs& k, O& o) {
  if constexpr (requires { o.strides; }) if (k.has("strides")) o.strides = int_pair(k.take("strides"), "strides");
  if constexpr (requires { o.padding; }) k.take("padding", o.padding);
  if constexpr (requires { o.data_format; }) k.take("data_format", o.data_format);
  if constexpr (requires { o.dilation_rate; })
    if (k.has("dilation_rate")) o.dilation_rate = int_pair(k.take("dilation_rate"), "dilation_rate");
  if constexpr (requires { o.depth_multiplier; }) k.take("depth_multiplier", o.depth_multiplier);
  if constexpr (requires { o.activation; }) o.activation = python_unary(k.take("activation"));
  if constexpr (requires { o.use_bias; }) k.take("use_bias", o.use_bias);
  if constexpr (requires { o.axis; }) k.take("axis", o.axis);
  if constexpr (requires { o.momentum; }) k.take("momentum", o.momentum);
  if constexpr (requires { o.epsilon; }) k.take("epsilon", o.epsilon);
  if constexpr (requires { o.center; }) k.take("center", o.center);
  if constexpr (requires { o.scale; }) k.take("scale", o.scale);
  if constexpr (requires { o.fused; }) {
    py::object f = k.take("fused");
    if (!f.is_none()) o.fused = f.cast<bool>();
  }
#define KPP_INIT(FIELD) \
  if constexpr (requires { o.FIELD; }) if (k.has(#FIELD)) o.FIELD = initializer(k.take(#FIELD));
  KPP_INIT(kernel_initializer) KPP_INIT(bias_initializer) KPP_INIT(depthwise_initializer)
  KPP_INIT(pointwise_initializer) KPP_INIT(beta_initializer) KPP_INIT(gamma_initializer)
  KPP_INIT(moving_mean_initializer) KPP_INIT(moving_variance_initializer)
#undef KPP_INIT
#define KPP_REG(FIELD) \
  if constexpr (requires { o.FIELD; }) o.FIELD = python_unary(k.take(#FIELD));
  KPP_REG(kernel_regularizer) KPP_REG(bias_regularizer) KPP_REG(activity_regularizer)
  KPP_REG(depthwise_regularizer) KPP_REG(pointwise_regularizer) KPP_REG(beta_regularizer) KPP_REG(gamma_regularizer)
#undef KPP_REG
  if constexpr (requires { o.trainable; }) k.take("trainable", o.trainable);
  k.take("name", o.name);
  if constexpr (requires { o.reuse; }) {
    py::object r = k.take("reuse");
    if (!r.is_none()) o.reuse = tf::Reuse(r.cast<bool>());
  }
  k.finish();
}

// The arguments after the required ones, in TF's signature order: positional
// ones join the keywords (TypeError for a duplicate or one too many, as Python's).
using Order = std::vector<const char*>;
const Order kConv2DOrder{"strides", "padding", "data_format", "dilation_rate", "activation", "use_bias",
                         "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
                         "activity_regularizer", "trainable", "name", "reuse"};
const Order kConv2DTransposeOrder{"strides", "padding", "data_format", "activation", "use_bias",
                                  "kernel_initializer", "bias_initializer", "kernel_regularizer",
                                  "bias_regularizer", "activity_regularizer", "trainable", "name", "reuse"};
const Order kSeparableOrder{"strides", "padding", "data_format", "dilation_rate", "depth_multiplier", "activation",
                            "use_bias", "depthwise_initializer", "pointwise_initializer", "bias_initializer",
                            "depthwise_regularizer", "pointwise_regularizer", "bias_regularizer",
                            "activity_regularizer", "trainable", "name", "reuse"};
const Order kPoolingOrder{"padding", "data_format", "name"};
const Order kBatchNormOrder{"axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
                            "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer",
                            "gamma_regularizer", "training", "trainable", "name", "reuse"};

py::kwargs with_positional(const py::args& args, py::kwargs kw, const Order& order, const std::string& owner) {
  if (args.size() > order.size())
    throw keraspp::TypeError(owner + "() takes at most " + std::to_string(order.size()) +
                             " arguments after the required ones (" + std::to_string(args.size()) + " given)");
  for (size_t i = 0; i < args.size(); ++i) {
    if (kw.contains(order[i]))
      throw keraspp::TypeError(owner + "() got multiple values for argument '" + order[i] + "'");
    kw[order[i]] = args[i];
  }
  return kw;
}

template <class O> O options(py::kwargs kw, const std::string& owner) {
  O o;
  Kwargs k(std::move(kw), owner);
  fill(k, o);
  return o;
}

L::ValueOrTensor<bool> training_arg(py::handle t) {
  if (py::isinstance<tf::Tensor>(t) || py::isinstance<tf::Variable>(t)) return to_tensor(t);
  return t.cast<bool>();
}

void bind_tf_layer_base(py::module_& layers) {
  py::class_<L::Layer>(layers, "Layer")
      .def_property_readonly("name", &L::Layer::name)
      .def_property_readonly("scope_name", &L::Layer::scope_name)
      .def_property_readonly("built", &L::Layer::built)
      .def_property_readonly("trainable", &L::Layer::trainable)
      .def_property_readonly("trainable_weights", &L::Layer::trainable_weights)
      .def_property_readonly("non_trainable_weights", &L::Layer::non_trainable_weights)
      .def_property_readonly("weights", &L::Layer::weights)
      .def_property_readonly("variables", &L::Layer::variables)
      .def_property_readonly("trainable_variables", &L::Layer::trainable_weights)
      .def_property_readonly("losses", &L::Layer::losses);
}

void bind_conv(py::module_& layers) {
  auto pair = [](py::handle v) { return int_pair(v, "kernel_size"); };
  layers.def("conv2d", [pair](py::handle inputs, int64_t filters, py::handle kernel_size, py::args args,
                              py::kwargs kw) {
    py::kwargs all = with_positional(args, std::move(kw), kConv2DOrder, "conv2d");
    return L::conv2d(to_tensor(inputs), filters, pair(kernel_size), options<L::Conv2DOptions>(std::move(all), "conv2d"));
  }, py::arg("inputs"), py::arg("filters"), py::arg("kernel_size"));
  layers.def("conv2d_transpose", [pair](py::handle inputs, int64_t filters, py::handle kernel_size, py::args args,
                                        py::kwargs kw) {
    py::kwargs all = with_positional(args, std::move(kw), kConv2DTransposeOrder, "conv2d_transpose");
    return L::conv2d_transpose(to_tensor(inputs), filters, pair(kernel_size),
                               options<L::Conv2DTransposeOptions>(std::move(all), "conv2d_transpose"));
  }, py::arg("inputs"), py::arg("filters"), py::arg("kernel_size"));
  layers.def("separable_conv2d", [pair](py::handle inputs, int64_t filters, py::handle kernel_size, py::args args,
                                        py::kwargs kw) {
    py::kwargs all = with_positional(args, std::move(kw), kSeparableOrder, "separable_conv2d");
    return L::separable_conv2d(to_tensor(inputs), filters, pair(kernel_size),
                               options<L::SeparableConv2DOptions>(std::move(all), "separable_conv2d"));
  }, py::arg("inputs"), py::arg("filters"), py::arg("kernel_size"));

  py::class_<L::Conv2D, L::Layer>(layers, "Conv2D")
      .def(py::init([pair](int64_t filters, py::handle kernel_size, py::kwargs kw) {
        return L::Conv2D(filters, pair(kernel_size), options<L::Conv2DOptions>(std::move(kw), "Conv2D"));
      }), py::arg("filters"), py::arg("kernel_size"))
      .def("__call__", [](const L::Conv2D& l, py::handle x) { return l(to_tensor(x)); }, py::arg("inputs"))
      .def("apply", [](const L::Conv2D& l, py::handle x) { return l(to_tensor(x)); }, py::arg("inputs"))
      .def_property_readonly("kernel", &L::Conv2D::kernel)
      .def_property_readonly("bias", &L::Conv2D::bias);
  py::class_<L::Conv2DTranspose, L::Layer>(layers, "Conv2DTranspose")
      .def(py::init([pair](int64_t filters, py::handle kernel_size, py::kwargs kw) {
        return L::Conv2DTranspose(filters, pair(kernel_size),
                                  options<L::Conv2DTransposeOptions>(std::move(kw), "Conv2DTranspose"));
      }), py::arg("filters"), py::arg("kernel_size"))
      .def("__call__", [](const L::Conv2DTranspose& l, py::handle x) { return l(to_tensor(x)); }, py::arg("inputs"))
      .def("apply", [](const L::Conv2DTranspose& l, py::handle x) { return l(to_tensor(x)); }, py::arg("inputs"))
      .def_property_readonly("kernel", &L::Conv2DTranspose::kernel)
      .def_property_readonly("bias", &L::Conv2DTranspose::bias);
  py::class_<L::SeparableConv2D, L::Layer>(layers, "SeparableConv2D")
      .def(py::init([pair](int64_t filters, py::handle kernel_size, py::kwargs kw) {
        return L::SeparableConv2D(filters, pair(kernel_size),
                                  options<L::SeparableConv2DOptions>(std::move(kw), "SeparableConv2D"));
      }), py::arg("filters"), py::arg("kernel_size"))
      .def("__call__", [](const L::SeparableConv2D& l, py::handle x) { return l(to_tensor(x)); }, py::arg("inputs"))
      .def("apply", [](const L::SeparableConv2D& l, py::handle x) { return l(to_tensor(x)); }, py::arg("inputs"))
      .def_property_readonly("depthwise_kernel", &L::SeparableConv2D::depthwise_kernel)
      .def_property_readonly("pointwise_kernel", &L::SeparableConv2D::pointwise_kernel)
      .def_property_readonly("bias", &L::SeparableConv2D::bias);
}

template <class Pool> void bind_pool_class(py::module_& layers, const char* name) {
  py::class_<Pool, L::Layer>(layers, name)
      .def(py::init([name](py::handle pool_size, py::handle strides, py::kwargs kw) {
        return Pool(int_pair(pool_size, "pool_size"), int_pair(strides, "strides"),
                    options<L::Pooling2DOptions>(std::move(kw), name));
      }), py::arg("pool_size"), py::arg("strides"))
      .def("__call__", [](const Pool& l, py::handle x) { return l(to_tensor(x)); }, py::arg("inputs"))
      .def("apply", [](const Pool& l, py::handle x) { return l(to_tensor(x)); }, py::arg("inputs"));
}

void bind_pool(py::module_& layers) {
  layers.def("max_pooling2d", [](py::handle inputs, py::handle pool_size, py::handle strides, py::args args,
                              py::kwargs kw) {
    py::kwargs all = with_positional(args, std::move(kw), kPoolingOrder, "max_pooling2d");
    return L::max_pooling2d(to_tensor(inputs), int_pair(pool_size, "pool_size"), int_pair(strides, "strides"),
                 options<L::Pooling2DOptions>(std::move(all), "max_pooling2d"));
  }, py::arg("inputs"), py::arg("pool_size"), py::arg("strides"));
  layers.def("average_pooling2d", [](py::handle inputs, py::handle pool_size, py::handle strides, py::args args,
                              py::kwargs kw) {
    py::kwargs all = with_positional(args, std::move(kw), kPoolingOrder, "average_pooling2d");
    return L::average_pooling2d(to_tensor(inputs), int_pair(pool_size, "pool_size"), int_pair(strides, "strides"),
                 options<L::Pooling2DOptions>(std::move(all), "average_pooling2d"));
  }, py::arg("inputs"), py::arg("pool_size"), py::arg("strides"));
  bind_pool_class<L::MaxPooling2D>(layers, "MaxPooling2D");
  bind_pool_class<L::AveragePooling2D>(layers, "AveragePooling2D");
}

void bind_batch_norm(py::module_& layers) {
  layers.def("batch_normalization", [](py::handle inputs, py::args args, py::kwargs given) {
    py::kwargs kw = with_positional(args, std::move(given), kBatchNormOrder, "batch_normalization");
    py::object training = kw.contains("training") ? py::object(kw["training"]) : py::object(py::bool_(false));
    if (kw.contains("training")) PyDict_DelItemString(kw.ptr(), "training");
    auto o = options<L::BatchNormalizationCallOptions>(std::move(kw), "batch_normalization");
    o.training = training_arg(training);
    return L::batch_normalization(to_tensor(inputs), o);
  }, py::arg("inputs"));
  py::class_<L::BatchNormalization, L::Layer>(layers, "BatchNormalization")
      .def(py::init([](py::kwargs kw) {
        return L::BatchNormalization(options<L::BatchNormalizationOptions>(std::move(kw), "BatchNormalization"));
      }))
      .def("__call__", [](const L::BatchNormalization& l, py::handle x, py::handle training) {
        return l(to_tensor(x), training_arg(training));
      }, py::arg("inputs"), py::arg("training") = false)
      .def("apply", [](const L::BatchNormalization& l, py::handle x, py::handle training) {
        return l(to_tensor(x), training_arg(training));
      }, py::arg("inputs"), py::arg("training") = false)
      .def_property_readonly("beta", &L::BatchNormalization::beta)
      .def_property_readonly("gamma", &L::BatchNormalization::gamma)
      .def_property_readonly("moving_mean", &L::BatchNormalization::moving_mean)
      .def_property_readonly("moving_variance", &L::BatchNormalization::moving_variance)
      .def_property_readonly("updates", &L::BatchNormalization::updates);
}

}  // namespace

void bind_tf_layers_cnn(py::module_& m) {
  auto layers = py::reinterpret_borrow<py::module_>(m.attr("layers"));
  bind_tf_layer_base(layers);
  bind_conv(layers);
  bind_pool(layers);
  bind_batch_norm(layers);
}

}  // namespace keraspp::python
