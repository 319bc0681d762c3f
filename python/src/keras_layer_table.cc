// keras.layers: one constructor per registered Keras layer class, all made
// the same way: the Python arguments become the layer's Keras config and the
// class's registered from_config builds the layer (so Python, saving and
// C++ read one set of keys and defaults).
//
//   Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1))
//     -> {"filters": 32, "kernel_size": [3, 3], "activation": "relu",
//         "batch_input_shape": [null, 28, 28, 1]} -> Conv2D's from_config
//
// A class accepts the keys its own get_config writes (found once per class
// by building a probe layer from a minimal config) plus Keras's common
// keywords; any other keyword is Keras 2's TypeError. Values Keras configs
// cannot hold (a Python activation function, a layer object for a wrapper,
// a tf initializer, a Python regularizer) travel as custom objects under a
// placeholder name, so the layer gets that very object.
#include <map>
#include <set>

#include "convert.h"
#include "keraspp/keras.h"

namespace keraspp::python {

std::function<tf::Tensor(const tf::Tensor&)> python_unary(py::object f);

namespace {

using keras::Config;
using keras::engine::Layer;

// A class's Keras 2.0 positional parameters, in signature order; the first
// `required` have no default.
struct LayerSignature {
  int required;
  std::vector<std::string> positional;
  // Keys a probe layer needs beyond its required parameters (JSON).
  const char* probe_keys = "{}";
};

const std::vector<std::string> kDenseArgs = {
    "units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
    "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"};
const std::vector<std::string> kKernelArgs = {
    "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
    "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"};

std::vector<std::string> join(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<std::string> recurrent_args(bool gated, bool lstm) {
  std::vector<std::string> a = {"units", "activation"};
  if (gated) a.push_back("recurrent_activation");
  for (const char* k : {"use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer"}) a.push_back(k);
  if (lstm) a.push_back("unit_forget_bias");
  for (const char* k : {"kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
                        "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout"})
    a.push_back(k);
  return a;
}

// Keras 2.0.x's signatures of the layer classes (a test checks every
// registered layer has its row).
const std::map<std::string, LayerSignature>& layer_signatures() {
  static const std::map<std::string, LayerSignature> table = {
      {"InputLayer", {0, {"input_shape", "batch_size", "batch_input_shape", "dtype"}, R"({"batch_input_shape": [null, 1]})"}},
      {"Dense", {1, kDenseArgs}},
      {"Activation", {1, {"activation"}}},
      {"Dropout", {1, {"rate", "noise_shape", "seed"}}},
      {"Flatten", {0, {}}},
      {"Reshape", {1, {"target_shape"}}},
      {"Permute", {1, {"dims"}}},
      {"RepeatVector", {1, {"n"}}},
      {"ActivityRegularization", {0, {"l1", "l2"}}},
      {"Masking", {0, {"mask_value"}}},
      {"LeakyReLU", {0, {"alpha"}}},
      {"PReLU", {0, {"alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"}}},
      {"ELU", {0, {"alpha"}}},
      {"ThresholdedReLU", {0, {"theta"}}},
      {"Conv1D", {2, join({"filters", "kernel_size", "strides", "padding", "dilation_rate"}, kKernelArgs)}},
      {"Conv2D", {2, join({"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate"}, kKernelArgs)}},
      {"Conv2DTranspose", {2, join({"filters", "kernel_size", "strides", "padding", "data_format"}, kKernelArgs)}},
      {"SeparableConv2D",
       {2, {"filters", "kernel_size", "strides", "padding", "data_format", "depth_multiplier", "activation", "use_bias",
            "depthwise_initializer", "pointwise_initializer", "bias_initializer", "depthwise_regularizer",
            "pointwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint",
            "pointwise_constraint", "bias_constraint"}}},
      {"MaxPooling1D", {0, {"pool_size", "strides", "padding"}}},
      {"AveragePooling1D", {0, {"pool_size", "strides", "padding"}}},
      {"MaxPooling2D", {0, {"pool_size", "strides", "padding", "data_format"}}},
      {"AveragePooling2D", {0, {"pool_size", "strides", "padding", "data_format"}}},
      {"GlobalMaxPooling1D", {0, {}}},
      {"GlobalAveragePooling1D", {0, {}}},
      {"GlobalMaxPooling2D", {0, {"data_format"}}},
      {"GlobalAveragePooling2D", {0, {"data_format"}}},
      {"UpSampling1D", {0, {"size"}}},
      {"UpSampling2D", {0, {"size", "data_format"}}},
      {"ZeroPadding1D", {0, {"padding"}}},
      {"ZeroPadding2D", {0, {"padding", "data_format"}}},
      {"Cropping1D", {0, {"cropping"}}},
      {"Cropping2D", {0, {"cropping", "data_format"}}},
      {"SpatialDropout1D", {1, {"rate"}}},
      {"SpatialDropout2D", {1, {"rate", "data_format"}}},
      {"BatchNormalization",
       {0, {"axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
            "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
            "beta_constraint", "gamma_constraint"}}},
      {"Embedding",
       {2, {"input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer", "activity_regularizer",
            "embeddings_constraint", "mask_zero", "input_length"}}},
      {"Add", {0, {}}},
      {"Subtract", {0, {}}},
      {"Multiply", {0, {}}},
      {"Average", {0, {}}},
      {"Maximum", {0, {}}},
      {"Concatenate", {0, {"axis"}}},
      {"Dot", {1, {"axes", "normalize"}}},
      {"SimpleRNN", {1, recurrent_args(false, false)}},
      {"GRU", {1, recurrent_args(true, false)}},
      {"LSTM", {1, recurrent_args(true, true)}},
      {"ConvLSTM2D",
       {2, {"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
            "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
            "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
            "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
            "return_sequences", "go_backwards", "stateful", "dropout", "recurrent_dropout"}}},
      {"TimeDistributed", {1, {"layer"}}},
      {"Bidirectional", {1, {"layer", "merge_mode", "weights"}}},
  };
  return table;
}

// A registered class without a row (a layer added since) takes keywords only.
const LayerSignature& signature(const std::string& cls) {
  static const LayerSignature keywords_only{0, {}};
  auto it = layer_signatures().find(cls);
  return it == layer_signatures().end() ? keywords_only : it->second;
}

// Values for a probe layer's required parameters (any valid one will do:
// only the probe's config keys are read).
Config probe_value(const std::string& param) {
  static const std::map<std::string, Config> values = {
      {"units", 1}, {"filters", 1}, {"kernel_size", 1}, {"rate", 0.5}, {"target_shape", Config::array({1})}, {"dims", Config::array({1})},
      {"n", 1}, {"input_dim", 1}, {"output_dim", 1}, {"activation", "linear"}, {"axes", 1},
      {"layer", {{"class_name", "LSTM"}, {"config", {{"units", 1}, {"name", "keraspp_probe_inner"}}}}},
  };
  auto it = values.find(param);
  return it == values.end() ? Config() : it->second;
}

// The keywords of Keras 2's Layer.__init__ that are not config keys, and the
// legacy input_dim / input_length of sequence layers (Keras 2.0's
// legacy_recurrent_support / legacy_conv1d_support).
const std::set<std::string> kCommonKeywords = {"input_shape", "batch_input_shape", "batch_size", "input_dim",
                                               "dtype", "name", "trainable", "weights"};
bool takes_input_length(const std::string& cls) {
  return cls == "SimpleRNN" || cls == "LSTM" || cls == "GRU" || cls == "Conv1D";
}

// The config keys of `cls`, from a probe layer built once per class.
const std::set<std::string>& config_keys(const std::string& cls) {
  static std::map<std::string, std::set<std::string>> cache;  // guarded by the GIL
  if (auto it = cache.find(cls); it != cache.end()) return it->second;
  const LayerSignature& sig = signature(cls);
  Config probe = Config::parse(sig.probe_keys);
  probe["name"] = "keraspp_probe";
  for (int i = 0; i < sig.required; ++i) probe[sig.positional[i]] = probe_value(sig.positional[i]);
  const Config config = keras::layers::deserialize({{"class_name", cls}, {"config", probe}}).get_config();
  std::set<std::string> keys;
  for (const auto& item : config.items()) keys.insert(item.key());
  return cache.emplace(cls, std::move(keys)).first->second;
}

std::string text_of(py::handle v) { return py::repr(v).cast<std::string>(); }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Python values -> a layer's config; objects a config cannot hold go into
// `objects` under placeholder names.
class ConfigBuilder {
 public:
  explicit ConfigBuilder(std::string cls) : cls_(std::move(cls)) {}

  Config value(py::handle v, const std::string& key) {
    if (v.is_none()) return nullptr;
    if (py::isinstance<py::bool_>(v)) return v.cast<bool>();
    if (py::isinstance<py::int_>(v)) return v.cast<int64_t>();
    if (py::isinstance<py::float_>(v)) return v.cast<double>();
    if (py::isinstance<py::str>(v)) return v.cast<std::string>();
    if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
      Config a = Config::array();
      for (py::handle e : v) a.push_back(value(e, key));
      return a;
    }
    if (py::isinstance<py::dict>(v)) {
      Config d = Config::object();
      for (auto [k, e] : py::reinterpret_borrow<py::dict>(v)) d[py::str(k).cast<std::string>()] = value(e, key);
      return d;
    }
    if (py::hasattr(v, "dtype") && py::hasattr(v, "item") && py::len(v.attr("shape")) == 0)
      return value(v.attr("item")(), key);  // a numpy scalar
    if (py::isinstance<Layer>(v)) {
      const Layer layer = v.cast<Layer>();
      const std::string id = placeholder();
      objects.layers[id] = [layer](const Config&, const keras::CustomObjects&) { return layer; };
      return {{"class_name", id}, {"config", Config::object()}};
    }
    if (py::isinstance<tf::Initializer>(v)) {
      const tf::Initializer init = v.cast<tf::Initializer>();
      const std::string id = placeholder();
      objects.initializers[id] = [init](const Config&) { return init; };
      return {{"class_name", id}, {"config", Config::object()}};
    }
    if (py::hasattr(v, "_keras_config")) return value(v.attr("_keras_config")(), key);  // keras.regularizers.l2(...)
    if (PyCallable_Check(v.ptr())) return callable(py::reinterpret_borrow<py::object>(v), key);
    throw keraspp::TypeError(cls_ + ": cannot use " + text_of(v) + " for `" + key + "`");
  }

  keras::CustomObjects objects;

 private:
  std::string placeholder() { return "keraspp_python_object_" + std::to_string(next_++); }

  // A Python function as an activation or a regularizer.
  Config callable(py::object f, const std::string& key) {
    const std::string id = placeholder();
    const std::string name = py::hasattr(f, "__name__") ? py::str(f.attr("__name__")).cast<std::string>() : "lambda";
    if (ends_with(key, "activation")) {
      struct Named {
        std::function<tf::Tensor(const tf::Tensor&)> fn;
        std::string name;
        tf::Tensor operator()(const tf::Tensor& x) const { return fn(x); }
      };
      objects.activations[id] = keras::activations::Activation(Named{python_unary(f), name});
      return id;
    }
    if (ends_with(key, "_regularizer")) {
      auto holder = std::make_shared<py::object>(std::move(f));
      keras::regularizers::Regularizer r(
          [holder](const tf::Tensor& x) {
            py::gil_scoped_acquire gil;
            return to_tensor((*holder)(x));
          },
          name);
      objects.regularizers[id] = [r](const Config&) { return r; };
      return {{"class_name", id}, {"config", Config::object()}};
    }
    throw keraspp::TypeError(cls_ + ": cannot use the function " + text_of(f) + " for `" + key + "`");
  }

  std::string cls_;
  int next_ = 0;
};

// Keras's checks of the count arguments Python code most often gets wrong
// (Dense("512")): TypeError for a non-number, ValueError for a non-positive
// count.
void check_argument(const std::string& cls, const std::string& key, py::handle v) {
  static const std::set<std::string> counts = {"units", "filters", "n", "output_dim"};
  const bool count = counts.count(key) || key == "input_dim";
  if (count) {
    if (!py::isinstance<py::int_>(v) || py::isinstance<py::bool_>(v))
      throw keraspp::TypeError(cls + ": `" + key + "` must be an int, got " + text_of(v));
    if (v.cast<int64_t>() <= 0)
      throw keraspp::ValueError(cls + ": `" + key + "` must be positive, got " + std::to_string(v.cast<int64_t>()));
  }
  if (key == "rate" && (py::isinstance<py::bool_>(v) || !(py::isinstance<py::int_>(v) || py::isinstance<py::float_>(v))))
    throw keraspp::TypeError(cls + ": `rate` must be a number, got " + text_of(v));
}

// Layer.__init__'s input_shape / batch_size / input_dim / input_length ->
// the batch_input_shape the config carries.
void put_batch_input_shape(const std::string& cls, std::map<std::string, py::object>& common, Config& config) {
  auto get = [&](const char* k) { return common.count(k) ? common[k] : py::object(py::none()); };
  ConfigBuilder plain(cls);
  if (!get("batch_input_shape").is_none()) {
    config["batch_input_shape"] = plain.value(get("batch_input_shape"), "batch_input_shape");
    return;
  }
  Config batch = plain.value(get("batch_size"), "batch_size");
  Config shape;
  if (!get("input_shape").is_none()) {
    shape = plain.value(get("input_shape"), "input_shape");
  } else if (takes_input_length(cls) && (!get("input_dim").is_none() || !get("input_length").is_none())) {
    shape = Config::array({plain.value(get("input_length"), "input_length"), plain.value(get("input_dim"), "input_dim")});
  } else if (!get("input_dim").is_none()) {
    check_argument(cls, "input_dim", get("input_dim"));
    shape = Config::array({get("input_dim").cast<int64_t>()});
  } else {
    return;
  }
  if (!shape.is_array()) throw keraspp::TypeError(cls + ": `input_shape` must be a tuple, got " + shape.dump());
  Config full = Config::array({batch});
  for (const Config& d : shape) full.push_back(d);
  config["batch_input_shape"] = full;
}

Layer construct(const std::string& cls, py::args args, py::kwargs kwargs) {
  const LayerSignature& sig = signature(cls);
  if (args.size() > sig.positional.size())
    throw keraspp::TypeError(cls + "() takes at most " + std::to_string(sig.positional.size()) +
                             " positional arguments (" + std::to_string(args.size()) + " given)");
  std::vector<std::pair<std::string, py::object>> params;
  for (size_t i = 0; i < args.size(); ++i) params.emplace_back(sig.positional[i], args[i]);
  for (auto [k, v] : kwargs) {
    const std::string key = py::str(k).cast<std::string>();
    for (size_t i = 0; i < args.size(); ++i)
      if (sig.positional[i] == key) throw keraspp::TypeError(cls + "() got multiple values for argument '" + key + "'");
    params.emplace_back(key, py::reinterpret_borrow<py::object>(v));
  }
  for (int i = static_cast<int>(args.size()); i < sig.required; ++i)
    if (!kwargs.contains(sig.positional[i]))
      throw keraspp::TypeError(cls + "() missing required argument '" + sig.positional[i] + "'");

  const std::set<std::string>& own = config_keys(cls);
  ConfigBuilder builder(cls);
  Config config = Config::object();
  std::map<std::string, py::object> common;
  for (auto& [key, v] : params) {
    if (!v.is_none()) check_argument(cls, key, v);
    if (own.count(key)) config[key] = builder.value(v, key);
    else if (kCommonKeywords.count(key) || (key == "input_length" && takes_input_length(cls))) common[key] = v;
    else throw keraspp::TypeError("Keyword argument not understood: " + key + " (in " + cls + ")");
  }
  for (const char* k : {"name", "dtype", "trainable"})
    if (common.count(k) && !common[k].is_none()) config[k] = builder.value(common[k], k);
  put_batch_input_shape(cls, common, config);
  Layer layer = keras::layers::deserialize({{"class_name", cls}, {"config", config}}, builder.objects);
  if (common.count("weights") && !common["weights"].is_none()) {
    std::vector<np::Array> weights;
    for (py::handle w : common["weights"]) weights.push_back(from_python_array(w, "weights"));
    layer.impl().initial_weights = std::move(weights);
  }
  return layer;
}

// help(Conv2D): "Conv2D(filters, kernel_size, strides=..., ..., **kwargs)"
// and where the keywords come from. pybind11 keeps the pointer, so the
// texts live as long as the module.
const std::string& signature_doc(const std::string& cls) {
  static std::map<std::string, std::string> docs;
  const LayerSignature& sig = signature(cls);
  std::string d = cls + "(";
  for (size_t i = 0; i < sig.positional.size(); ++i)
    d += sig.positional[i] + (static_cast<int>(i) < sig.required ? "" : "=...") + ", ";
  d += "**kwargs)\n\nKeras 2's " + cls +
       " layer, built by its registered from_config from these arguments as its Keras config. "
       "Keywords: the keys its get_config writes, and input_shape, input_dim, batch_input_shape, "
       "batch_size, dtype, name, trainable, weights; any other is a TypeError.";
  return docs[cls] = d;
}

}  // namespace

void bind_layer_table(py::module_& m) {
  // The models register too but are not built from keywords; Lambda's
  // function is code, bound by hand in keras_layers.cc; ReLU is a reader of
  // later Keras versions' files (it builds a Keras 2.0 layer), not a class.
  const std::set<std::string> not_here = {"Sequential", "Model", "Functional", "Lambda", "ReLU"};
  for (const std::string& cls : keras::layers::registered_layer_names()) {
    if (not_here.count(cls)) continue;
    m.def(cls.c_str(), [cls](py::args args, py::kwargs kwargs) { return construct(cls, args, kwargs); },
          signature_doc(cls).c_str());
  }
  m.def("_layer_signatures", [] {
    std::map<std::string, std::pair<int, std::vector<std::string>>> out;
    for (const auto& [cls, sig] : layer_signatures()) out[cls] = {sig.required, sig.positional};
    return out;
  });
  m.def("_registered_layer_names", &keras::layers::registered_layer_names);
  m.def("_layer_config_keys", [](const std::string& cls) {
    if (!keras::layers::is_registered(cls)) throw keraspp::ValueError("Unknown layer: " + cls);
    return config_keys(cls);
  });
  m.def("_layer_from_config", [](const std::string& class_name, py::handle config) {
    ConfigBuilder builder(class_name);
    return keras::layers::deserialize({{"class_name", class_name}, {"config", builder.value(config, "config")}},
                                      builder.objects);
  }, py::arg("class_name"), py::arg("config"));
}

}  // namespace keraspp::python
