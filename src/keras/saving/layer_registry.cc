// The layer registry: Keras class name -> from_config, with a row for every
// layer class Keras++ has (models register in model_config.cc), and
// keras::layers::serialize / deserialize.
#include <algorithm>
#include <map>
#include <mutex>

#include "../layers/layer_config.h"
#include "config_reader.h"
#include "keraspp/keras/layers.h"
#include "keraspp/keras/layers/advanced_activations.h"
#include "keraspp/keras/layers/core.h"
#include "keraspp/keras/serialization.h"

namespace keras::layers {

namespace {

using saving::find;
using saving::number_or;
using saving::require;

struct Registry {
  std::mutex mutex;
  std::map<std::string, LayerFactory> factories;
};

Registry& registry() {
  static Registry r;
  return r;
}

std::string what(const Config& c, const std::string& cls) {
  const Config* n = find(c, "name");
  return "Layer " + (n && n->is_string() ? n->get<std::string>() : std::string("?")) + " (" + cls + ")";
}

// Keras 3 and tf.keras mixed precision write a dtype policy dict.
std::string dtype_of(const Config& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object()) {
    const Config inner = saving::inner_config(v);
    if (const Config* n = find(inner, "name"); n && n->is_string()) return n->get<std::string>();
  }
  throw keraspp::ValueError("Unsupported dtype in a layer config: " + v.dump());
}

Layer dense_from_config(const Config& c, const CustomObjects& objects) {
  const std::string w = what(c, "Dense");
  DenseOptions o = with_common_options(DenseOptions{}, c);
  layers::layer_config::read_kernel_bias_config(o, c, objects, w);
  return Dense(saving::as_int(require(c, "units", w), w + " 'units'"), o);
}

Layer prelu_from_config(const Config& c, const CustomObjects& objects) {
  PReLUOptions o = with_common_options(PReLUOptions{}, c);
  if (const Config* v = find(c, "alpha_initializer")) o.alpha_initializer = initializers::deserialize(*v, objects);
  o.alpha_regularizer = regularizers::deserialize(c.value("alpha_regularizer", Config()), objects);
  o.alpha_constraint = constraints::deserialize(c.value("alpha_constraint", Config()), objects);
  if (const Config* v = find(c, "shared_axes")) {
    for (int64_t a : saving::as_shape(*v, what(c, "PReLU") + " 'shared_axes'")) o.shared_axes.push_back(static_cast<int>(a));
  }
  return PReLU(o);
}

Layer dropout_from_config(const Config& c, const CustomObjects&) {
  const std::string w = what(c, "Dropout");
  DropoutOptions o = with_common_options(DropoutOptions{}, c);
  if (const Config* v = find(c, "noise_shape")) o.noise_shape = saving::as_shape(*v, w + " 'noise_shape'");
  o.seed = saving::optional_int(c, "seed", w);
  return Dropout(saving::as_number(require(c, "rate", w), w + " 'rate'"), o);
}

std::vector<int> int_list(const Config& v, const std::string& w) {
  std::vector<int> out;
  for (int64_t d : saving::as_shape(v, w)) out.push_back(static_cast<int>(d));
  return out;
}

// The built-in layers' from_config, by Keras class name.
const std::map<std::string, LayerFactory>& builtin_layers() {
  static const std::map<std::string, LayerFactory> table = {
      {"InputLayer",
       [](const Config& c, const CustomObjects&) -> Layer {
         const std::string w = what(c, "InputLayer");
         const Config* shape = find(c, "batch_input_shape");
         if (!shape) shape = &require(c, "batch_shape", w);  // Keras 3's spelling
         const Config* dtype = find(c, "dtype");
         const Config* sparse = find(c, "sparse");
         return InputLayer({.batch_input_shape = saving::as_shape(*shape, w + " 'batch_input_shape'"),
                            .dtype = dtype ? dtype_of(*dtype) : "",
                            .sparse = sparse && saving::as_bool(*sparse, w + " 'sparse'"),
                            .name = c.value("name", std::string())});
       }},
      {"Dense", dense_from_config},
      {"Activation",
       [](const Config& c, const CustomObjects& objects) -> Layer {
         return Activation(activations::deserialize(require(c, "activation", what(c, "Activation")), objects),
                           with_common_options(ActivationOptions{}, c));
       }},
      {"Dropout", dropout_from_config},
      {"Flatten",
       [](const Config& c, const CustomObjects&) -> Layer { return Flatten(with_common_options(FlattenOptions{}, c)); }},
      {"Reshape",
       [](const Config& c, const CustomObjects&) -> Layer {
         const std::string w = what(c, "Reshape");
         return Reshape(saving::as_shape(require(c, "target_shape", w), w + " 'target_shape'"),
                        with_common_options(ReshapeOptions{}, c));
       }},
      {"Permute",
       [](const Config& c, const CustomObjects&) -> Layer {
         const std::string w = what(c, "Permute");
         return Permute(int_list(require(c, "dims", w), w + " 'dims'"), with_common_options(PermuteOptions{}, c));
       }},
      {"RepeatVector",
       [](const Config& c, const CustomObjects&) -> Layer {
         const std::string w = what(c, "RepeatVector");
         return RepeatVector(saving::as_int(require(c, "n", w), w + " 'n'"),
                             with_common_options(RepeatVectorOptions{}, c));
       }},
      {"Lambda",
       [](const Config& c, const CustomObjects&) -> Layer {
         throw keraspp::ValueError(what(c, "Lambda") +
                                   " cannot be deserialized: its function is code, not data. Pass a "
                                   "factory for it in custom_objects.layers[\"Lambda\"].");
       }},
      {"ActivityRegularization",
       [](const Config& c, const CustomObjects&) -> Layer {
         return ActivityRegularization(number_or(c, "l1", 0.0, "ActivityRegularization"),
                                       number_or(c, "l2", 0.0, "ActivityRegularization"),
                                       with_common_options(ActivityRegularizationOptions{}, c));
       }},
      {"Masking",
       [](const Config& c, const CustomObjects&) -> Layer {
         return Masking(number_or(c, "mask_value", 0.0, "Masking"), with_common_options(MaskingOptions{}, c));
       }},
      {"LeakyReLU",
       [](const Config& c, const CustomObjects&) -> Layer {
         // Keras 3 calls alpha negative_slope.
         const double alpha = number_or(c, "alpha", number_or(c, "negative_slope", 0.3, "LeakyReLU"), "LeakyReLU");
         return LeakyReLU(alpha, with_common_options(LeakyReLUOptions{}, c));
       }},
      {"PReLU", prelu_from_config},
      {"ELU",
       [](const Config& c, const CustomObjects&) -> Layer {
         return ELU(number_or(c, "alpha", 1.0, "ELU"), with_common_options(ELUOptions{}, c));
       }},
      // tf.keras 2.2+'s and Keras 3's ReLU layer, read as the Keras 2.0
      // layer computing the same function (Keras 3 writes ThresholdedReLU
      // as ReLU(threshold)); a ReLU with max_value or negative_slope has no
      // Keras 2.0 counterpart.
      {"ReLU",
       [](const Config& c, const CustomObjects&) -> Layer {
         const std::string w = what(c, "ReLU");
         const double threshold = number_or(c, "threshold", 0.0, w);
         if (!c.value("max_value", Config()).is_null() || number_or(c, "negative_slope", 0.0, w) != 0.0 ||
             threshold < 0.0)
           throw keraspp::ValueError(w + ": only max_value=None, negative_slope=0 and threshold >= 0 are "
                                     "supported (Keras 2.0's Activation('relu') / ThresholdedReLU), got " + c.dump());
         if (threshold > 0.0) return ThresholdedReLU(threshold, with_common_options(ThresholdedReLUOptions{}, c));
         return Activation("relu", with_common_options(ActivationOptions{}, c));
       }},
      {"ThresholdedReLU",
       [](const Config& c, const CustomObjects&) -> Layer {
         return ThresholdedReLU(number_or(c, "theta", 1.0, "ThresholdedReLU"),
                                with_common_options(ThresholdedReLUOptions{}, c));
       }},
  };
  return table;
}

}  // namespace

void register_layer(const std::string& class_name, LayerFactory factory) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.factories[class_name] = std::move(factory);
}

bool is_registered(const std::string& class_name) {
  if (builtin_layers().count(class_name)) return true;
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.factories.count(class_name) > 0;
}

std::vector<std::string> registered_layer_names() {
  std::vector<std::string> names;
  for (const auto& entry : builtin_layers()) names.push_back(entry.first);
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    for (const auto& entry : r.factories) names.push_back(entry.first);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

LayerOptions common_options_from_config(const Config& c) {
  LayerOptions o;
  if (!c.is_object()) throw keraspp::ValueError("A layer config must be a dict, got " + c.dump());
  const std::string w = what(c, "layer");
  if (const Config* v = find(c, "name")) o.name = saving::as_string(*v, w + " 'name'");
  if (const Config* v = find(c, "trainable")) o.trainable = saving::as_bool(*v, w + " 'trainable'");
  if (const Config* v = find(c, "batch_input_shape")) o.batch_input_shape = saving::as_shape(*v, w + " 'batch_input_shape'");
  if (const Config* v = find(c, "dtype")) o.dtype = dtype_of(*v);
  return o;
}

Config serialize(const Layer& layer) {
  Config c;
  c["class_name"] = layer.class_name();
  c["config"] = layer.get_config();
  return c;
}

Layer deserialize(const Config& config, const CustomObjects& custom_objects) {
  const std::string cls = saving::class_name_of(config, "layer");
  const Config inner = saving::inner_config(config);
  if (auto it = custom_objects.layers.find(cls); it != custom_objects.layers.end())
    return it->second(inner, custom_objects);
  LayerFactory factory;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (auto it = r.factories.find(cls); it != r.factories.end()) factory = it->second;
  }
  if (!factory) {
    const auto& builtin = builtin_layers();
    auto it = builtin.find(cls);
    if (it == builtin.end()) throw keraspp::ValueError("Unknown layer: " + cls);
    factory = it->second;
  }
  return factory(inner, custom_objects);
}

}  // namespace keras::layers
