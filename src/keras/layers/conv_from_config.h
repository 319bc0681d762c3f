// Private: reading the conv family's layer configs (Keras 2.0.x's keys;
// tuples as lists; an int where a pair is expected, as later Keras versions
// sometimes write) for the from_config registrations beside each layer.
#pragma once
#include <string>
#include <utility>

#include "../saving/config_reader.h"
#include "keraspp/keras/backend.h"
#include "keraspp/keras/serialization.h"

namespace keras::layers::conv_config {

// "Layer conv_1 (Conv2DTranspose)", for error messages.
inline std::string what(const Config& c, const std::string& class_name) {
  const Config* n = saving::find(c, "name");
  return "Layer " + (n && n->is_string() ? n->get<std::string>() : std::string("?")) + " (" + class_name + ")";
}

// [rows, cols] or an int, at c[key]; `fallback` when absent.
inline backend::IntPair pair(const Config& c, const std::string& key, backend::IntPair fallback,
                             const std::string& what) {
  const Config* v = saving::find(c, key);
  if (!v) return fallback;
  const std::string w = what + " '" + key + "'";
  if (!v->is_array()) return saving::as_int(*v, w);
  if (v->size() != 2) throw keraspp::ValueError(w + ": expected 2 values, got " + v->dump());
  return {saving::as_int((*v)[0], w), saving::as_int((*v)[1], w)};
}

// A 1-element list or an int at c[key] (Conv1D-style tuples).
inline int64_t single(const Config& c, const std::string& key, int64_t fallback, const std::string& what) {
  const Config* v = saving::find(c, key);
  if (!v) return fallback;
  const std::string w = what + " '" + key + "'";
  if (!v->is_array()) return saving::as_int(*v, w);
  if (v->size() != 1) throw keraspp::ValueError(w + ": expected 1 value, got " + v->dump());
  return saving::as_int((*v)[0], w);
}

// A string at c[key], `fallback` when absent.
inline std::string string_or(const Config& c, const std::string& key, const std::string& fallback,
                             const std::string& what) {
  const Config* v = saving::find(c, key);
  return v ? saving::as_string(*v, what + " '" + key + "'") : fallback;
}

// Reads activation, use_bias, bias_* and activity_regularizer, the keys
// every layer with a bias shares.
template <class Options> void read_bias_options(Options& o, const Config& c, const CustomObjects& objects) {
  if (const Config* v = saving::find(c, "activation")) o.activation = activations::deserialize(*v, objects);
  if (const Config* v = saving::find(c, "use_bias")) o.use_bias = saving::as_bool(*v, "'use_bias'");
  if (const Config* v = saving::find(c, "bias_initializer")) o.bias_initializer = initializers::deserialize(*v, objects);
  o.bias_regularizer = regularizers::deserialize(c.value("bias_regularizer", Config()), objects);
  o.activity_regularizer = regularizers::deserialize(c.value("activity_regularizer", Config()), objects);
  o.bias_constraint = constraints::deserialize(c.value("bias_constraint", Config()), objects);
}

// The same plus kernel_initializer / kernel_regularizer / kernel_constraint.
template <class Options> void read_kernel_bias_options(Options& o, const Config& c, const CustomObjects& objects) {
  read_bias_options(o, c, objects);
  if (const Config* v = saving::find(c, "kernel_initializer")) o.kernel_initializer = initializers::deserialize(*v, objects);
  o.kernel_regularizer = regularizers::deserialize(c.value("kernel_regularizer", Config()), objects);
  o.kernel_constraint = constraints::deserialize(c.value("kernel_constraint", Config()), objects);
}

// ((top, bottom), (left, right)) or Keras's int / (sym_rows, sym_cols) forms.
template <class Padding> std::pair<Padding, Padding> padding_2d(const Config& v, const std::string& what) {
  if (!v.is_array()) {
    const int64_t n = saving::as_int(v, what);
    return {Padding(n), Padding(n)};
  }
  if (v.size() != 2) throw keraspp::ValueError(what + ": expected 2 entries, got " + v.dump());
  auto one = [&](const Config& e) {
    if (!e.is_array()) return Padding(saving::as_int(e, what));
    if (e.size() != 2) throw keraspp::ValueError(what + ": expected (before, after), got " + e.dump());
    return Padding(saving::as_int(e[0], what), saving::as_int(e[1], what));
  };
  return {one(v[0]), one(v[1])};
}

// (before, after) or an int.
template <class Padding> Padding padding_1d(const Config& v, const std::string& what) {
  if (!v.is_array()) return Padding(saving::as_int(v, what));
  if (v.size() != 2) throw keraspp::ValueError(what + ": expected (before, after), got " + v.dump());
  return Padding(saving::as_int(v[0], what), saving::as_int(v[1], what));
}

}  // namespace keras::layers::conv_config
