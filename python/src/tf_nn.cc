// tf.nn convolution, pooling, batch normalization and embedding_lookup, with
// TF 1.x's keyword names, argument order and defaults. Bad arguments raise
// the C++ op's ValueError (TF's wording) at graph construction.
#include "convert.h"
#include "tf_bindings.h"

namespace keraspp::python {
namespace {

std::string name_or_empty(py::handle n) { return n.is_none() ? "" : n.cast<std::string>(); }

// A list of ints (strides, ksize, output_shape); TypeError for anything else.
std::vector<int64_t> ints(py::handle obj, const char* what) {
  const bool listlike = py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj) || py::isinstance<py::array>(obj);
  std::vector<int64_t> out;
  if (listlike)
    for (py::handle v : obj) {
      if (py::isinstance<py::bool_>(v) || !(py::isinstance<py::int_>(v) || py::hasattr(v, "__index__"))) {
        out.clear();
        break;
      }
      out.push_back(v.cast<int64_t>());
    }
  if (!listlike || out.size() != static_cast<size_t>(py::len(obj)))
    throw keraspp::TypeError(std::string("Expected list of ints for '") + what + "' argument, got " +
                             py::repr(obj).cast<std::string>() + ".");
  return out;
}

// data_format: None (TF's generated wrappers' default) is the op's default.
std::string format_or(py::handle f, const char* fallback) { return f.is_none() ? fallback : f.cast<std::string>(); }

tf::Tensor optional_tensor(py::handle obj) { return obj.is_none() ? tf::Tensor() : to_tensor(obj); }

void bind_convolutions(py::module_& nn) {
  nn.def("conv2d", [](py::handle input, py::handle filter, py::handle strides, const std::string& padding,
                      py::handle use_cudnn_on_gpu, py::handle data_format, py::handle name,
                      py::handle dilations) {
    return tf::nn::conv2d(to_tensor(input), to_tensor(filter), ints(strides, "strides"), padding,
                          format_or(data_format, "NHWC"),
                          dilations.is_none() ? std::vector<int64_t>{1, 1, 1, 1} : ints(dilations, "dilations"),
                          name_or_empty(name));
  }, py::arg("input"), py::arg("filter"), py::arg("strides"), py::arg("padding"),
     py::arg("use_cudnn_on_gpu") = py::none(), py::arg("data_format") = "NHWC", py::arg("name") = py::none(),
     py::arg("dilations") = py::none());
  nn.def("conv1d", [](py::handle value, py::handle filters, int64_t stride, const std::string& padding,
                      py::handle use_cudnn_on_gpu, py::handle data_format, py::handle name) {
    return tf::nn::conv1d(to_tensor(value), to_tensor(filters), stride, padding,
                          format_or(data_format, "NWC"), name_or_empty(name));
  }, py::arg("value"), py::arg("filters"), py::arg("stride"), py::arg("padding"),
     py::arg("use_cudnn_on_gpu") = py::none(), py::arg("data_format") = py::none(), py::arg("name") = py::none());
  nn.def("conv2d_transpose", [](py::handle value, py::handle filter, py::handle output_shape, py::handle strides,
                                const std::string& padding, py::handle format, py::handle name) {
    const std::string data_format = format_or(format, "NHWC");
    const tf::Tensor v = to_tensor(value), f = to_tensor(filter);
    const std::vector<int64_t> s = ints(strides, "strides");
    if (py::isinstance<tf::Tensor>(output_shape))
      return tf::nn::conv2d_transpose(v, f, output_shape.cast<tf::Tensor>(), s, padding, data_format, name_or_empty(name));
    return tf::nn::conv2d_transpose(v, f, ints(output_shape, "output_shape"), s, padding, data_format,
                                    name_or_empty(name));
  }, py::arg("value"), py::arg("filter"), py::arg("output_shape"), py::arg("strides"), py::arg("padding") = "SAME",
     py::arg("data_format") = "NHWC", py::arg("name") = py::none());
  nn.def("depthwise_conv2d", [](py::handle input, py::handle filter, py::handle strides, const std::string& padding,
                                py::handle rate, py::handle name, py::handle data_format) {
    return tf::nn::depthwise_conv2d(to_tensor(input), to_tensor(filter), ints(strides, "strides"), padding,
                                    rate.is_none() ? std::vector<int64_t>{1, 1} : ints(rate, "rate"),
                                    name_or_empty(name), format_or(data_format, "NHWC"));
  }, py::arg("input"), py::arg("filter"), py::arg("strides"), py::arg("padding"), py::arg("rate") = py::none(),
     py::arg("name") = py::none(), py::arg("data_format") = py::none());
  nn.def("separable_conv2d", [](py::handle input, py::handle depthwise_filter, py::handle pointwise_filter,
                                py::handle strides, const std::string& padding, py::handle rate, py::handle name,
                                py::handle data_format) {
    return tf::nn::separable_conv2d(to_tensor(input), to_tensor(depthwise_filter), to_tensor(pointwise_filter),
                                    ints(strides, "strides"), padding,
                                    rate.is_none() ? std::vector<int64_t>{1, 1} : ints(rate, "rate"),
                                    name_or_empty(name), format_or(data_format, "NHWC"));
  }, py::arg("input"), py::arg("depthwise_filter"), py::arg("pointwise_filter"), py::arg("strides"),
     py::arg("padding"), py::arg("rate") = py::none(), py::arg("name") = py::none(), py::arg("data_format") = py::none());
}

void bind_pooling(py::module_& nn) {
  nn.def("max_pool", [](py::handle value, py::handle ksize, py::handle strides, const std::string& padding,
                        py::handle data_format, py::handle name) {
    return tf::nn::max_pool(to_tensor(value), ints(ksize, "ksize"), ints(strides, "strides"), padding,
                            format_or(data_format, "NHWC"),
                            name_or_empty(name));
  }, py::arg("value"), py::arg("ksize"), py::arg("strides"), py::arg("padding"), py::arg("data_format") = "NHWC",
     py::arg("name") = py::none());
  nn.def("avg_pool", [](py::handle value, py::handle ksize, py::handle strides, const std::string& padding,
                        py::handle data_format, py::handle name) {
    return tf::nn::avg_pool(to_tensor(value), ints(ksize, "ksize"), ints(strides, "strides"), padding,
                            format_or(data_format, "NHWC"),
                            name_or_empty(name));
  }, py::arg("value"), py::arg("ksize"), py::arg("strides"), py::arg("padding"), py::arg("data_format") = "NHWC",
     py::arg("name") = py::none());
}

void bind_normalization(py::module_& nn) {
  nn.def("moments", [](py::handle x, py::handle axes, py::handle shift, py::handle name, bool keep_dims) {
    const std::vector<int64_t> a = ints(axes, "axes");
    const tf::nn::Moments mv = tf::nn::moments(to_tensor(x), std::vector<int>(a.begin(), a.end()),
                                               optional_tensor(shift), name_or_empty(name), keep_dims);
    return py::make_tuple(mv.mean, mv.variance);
  }, py::arg("x"), py::arg("axes"), py::arg("shift") = py::none(), py::arg("name") = py::none(),
     py::arg("keep_dims") = false);
  nn.def("batch_normalization", [](py::handle x, py::handle mean, py::handle variance, py::handle offset,
                                   py::handle scale, double variance_epsilon, py::handle name) {
    return tf::nn::batch_normalization(to_tensor(x), to_tensor(mean), to_tensor(variance), optional_tensor(offset),
                                       optional_tensor(scale), variance_epsilon, name_or_empty(name));
  }, py::arg("x"), py::arg("mean"), py::arg("variance"), py::arg("offset"), py::arg("scale"),
     py::arg("variance_epsilon"), py::arg("name") = py::none());
  nn.def("fused_batch_norm", [](py::handle x, py::handle scale, py::handle offset, py::handle mean,
                                py::handle variance, double epsilon, py::handle data_format,
                                bool is_training, py::handle name) {
    const auto o = tf::nn::fused_batch_norm(to_tensor(x), to_tensor(scale), optional_tensor(offset),
                                            optional_tensor(mean), optional_tensor(variance), epsilon,
                                            format_or(data_format, "NHWC"),
                                            is_training, name_or_empty(name));
    return py::make_tuple(o.y, o.batch_mean, o.batch_variance);
  }, py::arg("x"), py::arg("scale"), py::arg("offset"), py::arg("mean") = py::none(),
     py::arg("variance") = py::none(), py::arg("epsilon") = 0.001, py::arg("data_format") = "NHWC",
     py::arg("is_training") = true, py::arg("name") = py::none());
  nn.def("embedding_lookup", [](py::handle params, py::handle ids, py::handle partition_strategy, py::handle name,
                                py::handle validate_indices, py::handle max_norm) {
    if (!max_norm.is_none()) throw keraspp::ValueError("embedding_lookup: max_norm is not supported");
    tf::Tensor p;
    if (py::isinstance<py::list>(params) || py::isinstance<py::tuple>(params)) {
      // TF shards params over a list; one shard is the whole table.
      auto seq = py::reinterpret_borrow<py::sequence>(params);
      if (seq.size() != 1)
        throw keraspp::ValueError("embedding_lookup: params split over several shards is not supported");
      p = to_tensor(seq[0]);
    } else {
      p = to_tensor(params);
    }
    return tf::nn::embedding_lookup(p, to_tensor_like(ids), name_or_empty(name));
  }, py::arg("params"), py::arg("ids"), py::arg("partition_strategy") = "mod", py::arg("name") = py::none(),
     py::arg("validate_indices") = true, py::arg("max_norm") = py::none());
}

}  // namespace

void bind_tf_nn(py::module_& m) {
  auto nn = py::reinterpret_borrow<py::module_>(m.attr("nn"));
  bind_convolutions(nn);
  bind_pooling(nn);
  bind_normalization(nn);
}

}  // namespace keraspp::python
