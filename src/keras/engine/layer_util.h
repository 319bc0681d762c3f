// Private helpers of the Keras engine: Python-style reprs used in Keras's
// error messages and configs.
#pragma once
#include <sstream>
#include <string>
#include <vector>

#include "keraspp/keras/engine/config.h"
#include "keraspp/variables/initializers.h"

namespace keras::engine {

// Python's repr of a tf tensor: <tf.Tensor 'input_1:0' shape=(?, 3) dtype=float32>.
inline std::string tensor_repr(const tf::Tensor& t) {
  if (!t) return "None";
  return "<tf.Tensor '" + t.name() + "' shape=" + t.shape().str() +
         " dtype=" + np::dtype_name(t.dtype()) + ">";
}

inline std::string tensor_list_repr(const std::vector<tf::Tensor>& ts) {
  std::string s = "[";
  for (size_t i = 0; i < ts.size(); ++i) s += (i ? ", " : "") + tensor_repr(ts[i]);
  return s + "]";
}

// A Python tuple of dims, None for -1: "(None, 784)", "(10,)".
inline std::string shape_tuple_str(const std::vector<int64_t>& dims) {
  return tf::TensorShape(dims).keras_str();
}

inline std::string array_list_repr(const std::vector<np::Array>& arrays) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < arrays.size(); ++i) os << (i ? ", " : "") << "array(" << arrays[i] << ")";
  os << "]";
  return os.str();
}

// A shape as a config value: a list with null for None.
inline Config shape_config(const std::vector<int64_t>& dims) {
  Config c = Config::array();
  for (int64_t d : dims) c.push_back(d < 0 ? Config(nullptr) : Config(d));
  return c;
}

inline Config shape_config(const tf::TensorShape& s) {
  return s.has_rank() ? shape_config(s.dims()) : Config(nullptr);
}

// An initializer / regularizer / constraint as Keras serialises it:
// {"class_name": ..., "config": {...}} (null for None).
inline Config value_config(const tf::ConfigValue& v) {
  struct {
    Config operator()(std::monostate) const { return nullptr; }
    Config operator()(bool b) const { return b; }
    Config operator()(int64_t i) const { return i; }
    Config operator()(double d) const { return d; }
    Config operator()(const std::string& s) const { return s; }
    Config operator()(const std::vector<double>& l) const { return l; }
  } visit;
  return std::visit(visit, v);
}

inline Config serialize(const std::string& class_name, const tf::InitializerConfig& config) {
  Config inner = Config::object();
  for (const auto& [k, v] : config) inner[k] = value_config(v);
  Config c;
  c["class_name"] = class_name;
  c["config"] = inner;
  return c;
}

}  // namespace keras::engine
