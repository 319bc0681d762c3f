// Keras's serialization of objects by class name (keras.utils.generic_utils'
// serialize_keras_object / deserialize_keras_object and the per-module
// serialize / deserialize): layers, initializers, regularizers, constraints,
// activations, optimizers, losses and metrics to and from keras::Config, the
// ordered JSON Keras writes into model files.
//
//   keras::Config c = keras::layers::serialize(dense);   // {"class_name": "Dense", "config": {...}}
//   keras::layers::Layer copy = keras::layers::deserialize(c);
//
// Every layer class Keras++ has is registered by class name
// (src/keras/saving/layer_registry.cc). A new layer registers its
// from_config once, beside its definition:
//
//   static const keras::layers::LayerRegistration kConv2D(
//       "Conv2D", [](const keras::Config& config, const keras::CustomObjects& objects) {
//         return keras::layers::Conv2D(...read config...);
//       });
//
// User classes are passed per call in CustomObjects (Keras's custom_objects),
// which take precedence over the registries. Configs of Keras 2.0.x-2.3.x and
// tf.keras 2.x are read; Keras 2's spellings are written. Unknown class names
// raise ValueError "Unknown layer: Foo" (initializer, regularizer, ...) as
// Keras words it; a config missing a key raises ValueError naming the object
// and the key.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "keraspp/keras/activations.h"
#include "keraspp/keras/constraints.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/keras/initializers.h"
#include "keraspp/keras/losses.h"
#include "keraspp/keras/metrics.h"
#include "keraspp/keras/optimizers.h"
#include "keraspp/keras/regularizers.h"

namespace keras {

struct CustomObjects;

namespace layers {
// Builds a layer from its config (the inner "config" dict).
using LayerFactory = std::function<Layer(const Config& config, const CustomObjects& custom_objects)>;
}  // namespace layers

// Keras's custom_objects: user classes and functions by the name their
// configs use. Looked up before the built-in registries.
struct CustomObjects {
  std::map<std::string, layers::LayerFactory> layers = {};
  std::map<std::string, activations::Activation> activations = {};
  // class name -> (inner config -> object)
  std::map<std::string, std::function<initializers::Initializer(const Config&)>> initializers = {};
  std::map<std::string, std::function<regularizers::Regularizer(const Config&)>> regularizers = {};
  std::map<std::string, std::function<constraints::Constraint(const Config&)>> constraints = {};
  std::map<std::string, losses::Loss> losses = {};
  std::map<std::string, metrics::Metric> metrics = {};
};

namespace layers {

// Registers `factory` for configs of class `class_name`; a second
// registration of the same name replaces the first (as Keras's
// custom_objects shadow built-ins).
void register_layer(const std::string& class_name, LayerFactory factory);
// Whether a layer class is registered (built-in or registered by the user).
bool is_registered(const std::string& class_name);
// Every registered layer class name (built-in and user), sorted; the Python
// package binds a constructor for each.
std::vector<std::string> registered_layer_names();

// A static registration object for a layer's .cc file.
struct LayerRegistration {
  LayerRegistration(const std::string& class_name, LayerFactory factory) {
    register_layer(class_name, std::move(factory));
  }
};

// {"class_name": ..., "config": layer.get_config()}.
Config serialize(const Layer& layer);
// The layer a {"class_name", "config"} dict describes (models included).
// ValueError "Unknown layer: Foo".
Layer deserialize(const Config& config, const CustomObjects& custom_objects = {});

// Reads the arguments every layer accepts (name, trainable,
// batch_input_shape, dtype) from a layer config into an options struct.
LayerOptions common_options_from_config(const Config& config);
template <class Options> Options with_common_options(Options o, const Config& config) {
  const LayerOptions c = common_options_from_config(config);
  o.batch_input_shape = c.batch_input_shape;
  o.dtype = c.dtype;
  o.name = c.name;
  o.trainable = c.trainable;
  return o;
}

}  // namespace layers

namespace initializers {
// {"class_name": "VarianceScaling", "config": {...}}; null for none.
Config serialize(const Initializer& initializer);
// A dict as above or a name ("glorot_uniform"); tf.keras 2.x class names
// (GlorotUniform, HeNormal, ...) too. ValueError "Unknown initializer: Foo".
Initializer deserialize(const Config& config, const CustomObjects& custom_objects = {});
}  // namespace initializers

namespace regularizers {
Config serialize(const Regularizer& regularizer);
// L1L2, and tf.keras 2.x's L1 / L2. ValueError "Unknown regularizer: Foo".
Regularizer deserialize(const Config& config, const CustomObjects& custom_objects = {});
}  // namespace regularizers

namespace constraints {
Config serialize(const Constraint& constraint);
// ValueError "Unknown constraint: Foo".
Constraint deserialize(const Config& config, const CustomObjects& custom_objects = {});
}  // namespace constraints

namespace activations {
// A name ("relu") or null (linear); ValueError "Unknown activation function:foo".
Activation deserialize(const Config& config, const CustomObjects& custom_objects = {});
}  // namespace activations

namespace optimizers {
// {"class_name": "RMSprop", "config": {"lr": ..., "rho": ..., ...}} (Keras 2's
// spelling "lr").
Config serialize(const Optimizer& optimizer);
// Reads "lr" and tf.keras's "learning_rate"; keys an optimizer does not have
// (tf.keras's "name", "amsgrad" false, ...) are ignored. ValueError
// "Unknown optimizer: Foo".
Optimizer deserialize(const Config& config);
}  // namespace optimizers

namespace losses {
// A name ("mse") or tf.keras 2.x's {"class_name": "MeanSquaredError", ...}.
Loss deserialize(const Config& config, const CustomObjects& custom_objects = {});
}  // namespace losses

namespace metrics {
Metric deserialize(const Config& config, const CustomObjects& custom_objects = {});
}  // namespace metrics

}  // namespace keras
