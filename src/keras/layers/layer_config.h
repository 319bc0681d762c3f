// Private: the from_config side of the layers' get_config. Reads the values
// Keras 2.0.x-2.3.x, tf.keras 2.x and Keras 3 write for the arguments the
// layers share (tuples written as an int or a list, the kernel / bias
// arguments), with errors naming the layer and the key.
#pragma once
#include <string>

#include "../saving/config_reader.h"
#include "keraspp/keras/backend.h"
#include "keraspp/keras/serialization.h"

namespace keras::layers::layer_config {

// "Layer conv2d_1 (Conv2D)", for error messages.
inline std::string what(const Config& c, const std::string& class_name) {
  const Config* n = saving::find(c, "name");
  return "Layer " + (n && n->is_string() ? n->get<std::string>() : std::string("?")) + " (" + class_name + ")";
}

// c[key] as a string, or `fallback` when absent or null.
inline std::string string_or(const Config& c, const std::string& key, const std::string& fallback,
                             const std::string& what) {
  const Config* v = saving::find(c, key);
  return v ? saving::as_string(*v, what + " '" + key + "'") : fallback;
}

// A 2-tuple written as [rows, cols] or a single int (both rows and cols).
inline backend::IntPair int_pair(const Config& v, const std::string& what) {
  if (!v.is_array()) return backend::IntPair(saving::as_int(v, what));
  if (v.size() != 2) throw keraspp::ValueError(what + ": expected 2 integers, got " + v.dump());
  return backend::IntPair{saving::as_int(v[0], what), saving::as_int(v[1], what)};
}

// A 1-tuple written as [n] or n.
inline int64_t single_int(const Config& v, const std::string& what) {
  if (!v.is_array()) return saving::as_int(v, what);
  if (v.size() != 1) throw keraspp::ValueError(what + ": expected 1 integer, got " + v.dump());
  return saving::as_int(v[0], what);
}

// The arguments of a layer with a kernel and a bias (Dense, the
// convolutions): activation, use_bias, initializers, regularizers and
// constraints; absent keys keep the options' defaults.
template <class Options>
void read_kernel_bias_config(Options& o, const Config& c, const CustomObjects& objects, const std::string& what) {
  if (const Config* v = saving::find(c, "activation")) o.activation = activations::deserialize(*v, objects);
  if (const Config* v = saving::find(c, "use_bias")) o.use_bias = saving::as_bool(*v, what + " 'use_bias'");
  if (const Config* v = saving::find(c, "kernel_initializer")) o.kernel_initializer = initializers::deserialize(*v, objects);
  if (const Config* v = saving::find(c, "bias_initializer")) o.bias_initializer = initializers::deserialize(*v, objects);
  o.kernel_regularizer = regularizers::deserialize(c.value("kernel_regularizer", Config()), objects);
  o.bias_regularizer = regularizers::deserialize(c.value("bias_regularizer", Config()), objects);
  o.activity_regularizer = regularizers::deserialize(c.value("activity_regularizer", Config()), objects);
  o.kernel_constraint = constraints::deserialize(c.value("kernel_constraint", Config()), objects);
  o.bias_constraint = constraints::deserialize(c.value("bias_constraint", Config()), objects);
}

}  // namespace keras::layers::layer_config
