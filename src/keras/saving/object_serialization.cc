// serialize / deserialize of initializers, regularizers, constraints,
// activations, optimizers, losses and metrics: tables from Keras's class
// names (Keras 2.0.x-2.3.x and tf.keras 2.x spellings) to constructors.
#include <functional>
#include <map>

#include "../engine/layer_util.h"
#include "config_reader.h"
#include "keraspp/keras/serialization.h"

namespace keras {

namespace {

using saving::find;
using saving::inner_config;
using saving::number_or;
using saving::optional_int;

std::string string_or(const Config& c, const std::string& key, const std::string& fallback) {
  const Config* v = find(c, key);
  return v ? saving::as_string(*v, key) : fallback;
}

// {"class_name": ...} -> its class name; a bare string is its own name.
std::string object_name(const Config& c, const std::string& kind) {
  if (c.is_string()) return c.get<std::string>();
  return saving::class_name_of(c, kind);
}

}  // namespace

// ---- initializers ------------------------------------------------------------------

namespace initializers {

namespace {

using Factory = std::function<Initializer(const Config&)>;

VarianceScalingOptions variance_scaling_options(const Config& c) {
  std::string distribution = string_or(c, "distribution", "normal");
  // tf.keras 2.x: "truncated_normal" is Keras 2.0's "normal".
  if (distribution == "truncated_normal" || distribution == "untruncated_normal") distribution = "normal";
  return {.scale = number_or(c, "scale", 1.0, "VarianceScaling"),
          .mode = string_or(c, "mode", "fan_in"),
          .distribution = distribution,
          .seed = optional_int(c, "seed", "VarianceScaling")};
}

const std::map<std::string, Factory>& initializer_table() {
  static const std::map<std::string, Factory> table = {
      {"Zeros", [](const Config&) { return Zeros(); }},
      {"Ones", [](const Config&) { return Ones(); }},
      {"Constant", [](const Config& c) { return Constant(number_or(c, "value", 0.0, "Constant")); }},
      {"RandomNormal",
       [](const Config& c) {
         return RandomNormal({.mean = number_or(c, "mean", 0.0, "RandomNormal"),
                              .stddev = number_or(c, "stddev", 0.05, "RandomNormal"),
                              .seed = optional_int(c, "seed", "RandomNormal")});
       }},
      {"RandomUniform",
       [](const Config& c) {
         return RandomUniform({.minval = number_or(c, "minval", -0.05, "RandomUniform"),
                               .maxval = number_or(c, "maxval", 0.05, "RandomUniform"),
                               .seed = optional_int(c, "seed", "RandomUniform")});
       }},
      {"TruncatedNormal",
       [](const Config& c) {
         return TruncatedNormal({.mean = number_or(c, "mean", 0.0, "TruncatedNormal"),
                                 .stddev = number_or(c, "stddev", 0.05, "TruncatedNormal"),
                                 .seed = optional_int(c, "seed", "TruncatedNormal")});
       }},
      {"VarianceScaling", [](const Config& c) { return VarianceScaling(variance_scaling_options(c)); }},
      {"Orthogonal",
       [](const Config& c) {
         return Orthogonal(number_or(c, "gain", 1.0, "Orthogonal"), optional_int(c, "seed", "Orthogonal"));
       }},
      // Keras 3's class name for Orthogonal.
      {"OrthogonalInitializer",
       [](const Config& c) {
         return Orthogonal(number_or(c, "gain", 1.0, "Orthogonal"), optional_int(c, "seed", "Orthogonal"));
       }},
      {"Identity", [](const Config& c) { return Identity(number_or(c, "gain", 1.0, "Identity")); }},
      // tf.keras 2.x's VarianceScaling presets.
      {"GlorotUniform", [](const Config& c) { return glorot_uniform(optional_int(c, "seed", "GlorotUniform")); }},
      {"GlorotNormal", [](const Config& c) { return glorot_normal(optional_int(c, "seed", "GlorotNormal")); }},
      {"HeUniform", [](const Config& c) { return he_uniform(optional_int(c, "seed", "HeUniform")); }},
      {"HeNormal", [](const Config& c) { return he_normal(optional_int(c, "seed", "HeNormal")); }},
      {"LecunUniform", [](const Config& c) { return lecun_uniform(optional_int(c, "seed", "LecunUniform")); }},
      {"LecunNormal", [](const Config& c) { return lecun_normal(optional_int(c, "seed", "LecunNormal")); }},
  };
  return table;
}

}  // namespace

Config serialize(const Initializer& initializer) {
  if (!initializer) return nullptr;
  return engine::serialize(initializer.class_name(), initializer.get_config());
}

Initializer deserialize(const Config& config, const CustomObjects& custom_objects) {
  if (config.is_null()) return {};
  const std::string name = object_name(config, "initializer");
  if (auto it = custom_objects.initializers.find(name); it != custom_objects.initializers.end())
    return it->second(inner_config(config));
  if (config.is_string()) return get(name);
  const auto& table = initializer_table();
  auto it = table.find(name);
  if (it == table.end()) throw keraspp::ValueError("Unknown initializer: " + name);
  return it->second(inner_config(config));
}

}  // namespace initializers

// ---- regularizers ------------------------------------------------------------------

namespace regularizers {

Config serialize(const Regularizer& r) {
  if (!r) return nullptr;
  if (r.class_name() != "L1L2") return engine::serialize(r.class_name(), {});
  return engine::serialize("L1L2", {{"l1", r.l1()}, {"l2", r.l2()}});
}

Regularizer deserialize(const Config& config, const CustomObjects& custom_objects) {
  if (config.is_null()) return {};
  const std::string name = object_name(config, "regularizer");
  if (auto it = custom_objects.regularizers.find(name); it != custom_objects.regularizers.end())
    return it->second(inner_config(config));
  if (config.is_string()) return get(name);
  const Config c = inner_config(config);
  if (name == "L1L2") return L1L2(number_or(c, "l1", 0.0, "L1L2"), number_or(c, "l2", 0.0, "L1L2"));
  if (name == "L1") return L1L2(number_or(c, "l1", 0.01, "L1"), 0.0);
  if (name == "L2") return L1L2(0.0, number_or(c, "l2", 0.01, "L2"));
  throw keraspp::ValueError("Unknown regularizer: " + name);
}

}  // namespace regularizers

// ---- constraints -------------------------------------------------------------------

namespace constraints {

Config serialize(const Constraint& c) {
  if (!c) return nullptr;
  return engine::serialize(c.class_name(), c.get_config());
}

Constraint deserialize(const Config& config, const CustomObjects& custom_objects) {
  if (config.is_null()) return {};
  const std::string name = object_name(config, "constraint");
  if (auto it = custom_objects.constraints.find(name); it != custom_objects.constraints.end())
    return it->second(inner_config(config));
  if (config.is_string()) return get(name);
  const Config c = inner_config(config);
  const int axis = static_cast<int>(optional_int(c, "axis", name).value_or(0));
  if (name == "MaxNorm") return MaxNorm(number_or(c, "max_value", 2.0, name), axis);
  if (name == "NonNeg") return NonNeg();
  if (name == "UnitNorm") return UnitNorm(axis);
  if (name == "MinMaxNorm")
    return MinMaxNorm(number_or(c, "min_value", 0.0, name), number_or(c, "max_value", 1.0, name),
                      number_or(c, "rate", 1.0, name), axis);
  throw keraspp::ValueError("Unknown constraint: " + name);
}

}  // namespace constraints

// ---- activations -------------------------------------------------------------------

namespace activations {

Activation deserialize(const Config& config, const CustomObjects& custom_objects) {
  if (config.is_null()) return {};
  // Keras 3 may write {"class_name": "function", "config": "relu", ...}.
  const std::string name =
      config.is_object() && find(config, "config") && config["config"].is_string()
          ? config["config"].get<std::string>()
          : object_name(config, "activation");
  if (auto it = custom_objects.activations.find(name); it != custom_objects.activations.end())
    return it->second;
  return get(name);
}

}  // namespace activations

// ---- optimizers --------------------------------------------------------------------

namespace optimizers {

namespace {

using Factory = std::function<Optimizer(const Config&, double lr, ClipOptions)>;

const std::map<std::string, Factory>& optimizer_table() {
  static const std::map<std::string, Factory> table = {
      {"sgd",
       [](const Config& c, double lr, ClipOptions clip) {
         return SGD({.lr = lr, .momentum = number_or(c, "momentum", 0.0, "SGD"),
                     .decay = number_or(c, "decay", 0.0, "SGD"),
                     .nesterov = find(c, "nesterov") && saving::as_bool(c["nesterov"], "SGD 'nesterov'"),
                     .clip = clip});
       }},
      {"rmsprop",
       [](const Config& c, double lr, ClipOptions clip) {
         return RMSprop({.lr = lr, .rho = number_or(c, "rho", 0.9, "RMSprop"),
                         .epsilon = number_or(c, "epsilon", 1e-8, "RMSprop"),
                         .decay = number_or(c, "decay", 0.0, "RMSprop"), .clip = clip});
       }},
      {"adagrad",
       [](const Config& c, double lr, ClipOptions clip) {
         return Adagrad({.lr = lr, .epsilon = number_or(c, "epsilon", 1e-8, "Adagrad"),
                         .decay = number_or(c, "decay", 0.0, "Adagrad"), .clip = clip});
       }},
      {"adadelta",
       [](const Config& c, double lr, ClipOptions clip) {
         return Adadelta({.lr = lr, .rho = number_or(c, "rho", 0.95, "Adadelta"),
                          .epsilon = number_or(c, "epsilon", 1e-8, "Adadelta"),
                          .decay = number_or(c, "decay", 0.0, "Adadelta"), .clip = clip});
       }},
      {"adam",
       [](const Config& c, double lr, ClipOptions clip) {
         return Adam({.lr = lr, .beta_1 = number_or(c, "beta_1", 0.9, "Adam"),
                      .beta_2 = number_or(c, "beta_2", 0.999, "Adam"),
                      .epsilon = number_or(c, "epsilon", 1e-8, "Adam"),
                      .decay = number_or(c, "decay", 0.0, "Adam"), .clip = clip});
       }},
      {"adamax",
       [](const Config& c, double lr, ClipOptions clip) {
         return Adamax({.lr = lr, .beta_1 = number_or(c, "beta_1", 0.9, "Adamax"),
                        .beta_2 = number_or(c, "beta_2", 0.999, "Adamax"),
                        .epsilon = number_or(c, "epsilon", 1e-8, "Adamax"),
                        .decay = number_or(c, "decay", 0.0, "Adamax"), .clip = clip});
       }},
      {"nadam",
       [](const Config& c, double lr, ClipOptions clip) {
         // tf.keras 2.11+'s Nadam (is_legacy_optimizer false, as Keras 3's)
         // warms its momentum with 0.96^t: Keras 2's schedule_decay 1.
         const Config* legacy = find(c, "is_legacy_optimizer");
         const bool new_nadam = legacy && !saving::as_bool(*legacy, "Nadam 'is_legacy_optimizer'");
         return Nadam({.lr = lr, .beta_1 = number_or(c, "beta_1", 0.9, "Nadam"),
                       .beta_2 = number_or(c, "beta_2", 0.999, "Nadam"),
                       .epsilon = number_or(c, "epsilon", 1e-8, "Nadam"),
                       .schedule_decay = number_or(c, "schedule_decay", new_nadam ? 1.0 : 0.004, "Nadam"),
                       .clip = clip});
       }},
  };
  return table;
}

// Keras's defaults of lr, per class.
double default_lr(const std::string& lower_name) {
  if (lower_name == "sgd" || lower_name == "adagrad") return 0.01;
  if (lower_name == "adadelta") return 1.0;
  if (lower_name == "adamax" || lower_name == "nadam") return 0.002;
  return 0.001;
}

}  // namespace

Config serialize(const Optimizer& optimizer) {
  Config inner = Config::object();
  for (const auto& [k, v] : optimizer.get_config()) {
    if (k == "nesterov") inner[k] = v != 0.0;
    else inner[k] = v;
  }
  Config c;
  c["class_name"] = optimizer.class_name();
  c["config"] = inner;
  return c;
}

Optimizer deserialize(const Config& config) {
  std::string name = object_name(config, "optimizer");
  // tf.keras 2.11+ registers its optimizers as "Custom>Adam".
  if (name.rfind("Custom>", 0) == 0) name = name.substr(7);
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  const auto& table = optimizer_table();
  auto it = table.find(lower);
  if (it == table.end()) throw keraspp::ValueError("Unknown optimizer: " + name);
  const Config c = inner_config(config);
  // Keras 2.0-2.2 write "lr"; Keras 2.3 and tf.keras "learning_rate".
  const double lr = find(c, "learning_rate") ? number_or(c, "learning_rate", 0.0, name)
                                             : number_or(c, "lr", default_lr(lower), name);
  ClipOptions clip;
  if (find(c, "clipnorm")) clip.clipnorm = number_or(c, "clipnorm", 0.0, name);
  if (find(c, "clipvalue")) clip.clipvalue = number_or(c, "clipvalue", 0.0, name);
  return it->second(c, lr, clip);
}

}  // namespace optimizers

// ---- losses and metrics ------------------------------------------------------------

namespace {

// tf.keras 2.x's loss / metric classes -> Keras 2's function names.
std::string function_name(const Config& config, const std::string& kind) {
  if (config.is_string()) return config.get<std::string>();
  static const std::map<std::string, std::string> classes = {
      {"MeanSquaredError", "mean_squared_error"},
      {"MeanAbsoluteError", "mean_absolute_error"},
      {"MeanAbsolutePercentageError", "mean_absolute_percentage_error"},
      {"MeanSquaredLogarithmicError", "mean_squared_logarithmic_error"},
      {"CategoricalCrossentropy", "categorical_crossentropy"},
      {"SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"},
      {"BinaryCrossentropy", "binary_crossentropy"},
      {"Hinge", "hinge"},
      {"SquaredHinge", "squared_hinge"},
      {"CategoricalHinge", "categorical_hinge"},
      {"LogCosh", "logcosh"},
      {"KLDivergence", "kullback_leibler_divergence"},
      {"Poisson", "poisson"},
      {"CosineSimilarity", "cosine_proximity"},
      {"Accuracy", "accuracy"},
      {"CategoricalAccuracy", "categorical_accuracy"},
      {"SparseCategoricalAccuracy", "sparse_categorical_accuracy"},
      {"BinaryAccuracy", "binary_accuracy"},
  };
  const std::string cls = saving::class_name_of(config, kind);
  // tf.keras wraps metric functions: {"class_name": "MeanMetricWrapper",
  // "config": {"name": "accuracy", "fn": "categorical_accuracy"}}.
  if (cls == "MeanMetricWrapper" || cls == "LossFunctionWrapper") {
    const Config inner = inner_config(config);
    if (const Config* n = find(inner, "name"); n && n->is_string()) return n->get<std::string>();
  }
  auto it = classes.find(cls);
  return it == classes.end() ? cls : it->second;
}

}  // namespace

namespace losses {
Loss deserialize(const Config& config, const CustomObjects& custom_objects) {
  const std::string name = function_name(config, "loss");
  if (auto it = custom_objects.losses.find(name); it != custom_objects.losses.end()) return it->second;
  return Loss(name);
}
}  // namespace losses

namespace metrics {
Metric deserialize(const Config& config, const CustomObjects& custom_objects) {
  const std::string name = function_name(config, "metric");
  if (auto it = custom_objects.metrics.find(name); it != custom_objects.metrics.end()) return it->second;
  return Metric(name);
}
}  // namespace metrics

}  // namespace keras
