// Private: reading values out of configs written by any Keras version, with
// errors that name the object and the key instead of nlohmann's type errors.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "keraspp/errors.h"
#include "keraspp/keras/engine/config.h"

namespace keras::saving {

// c[key], or ValueError "<what>: the config is missing the key 'units'".
inline const Config& require(const Config& c, const std::string& key, const std::string& what) {
  if (!c.is_object()) throw keraspp::ValueError(what + ": the config is not a dict: " + c.dump());
  auto it = c.find(key);
  if (it == c.end()) throw keraspp::ValueError(what + ": the config is missing the key '" + key + "'");
  return *it;
}

// c[key] when present and not null.
inline const Config* find(const Config& c, const std::string& key) {
  if (!c.is_object()) return nullptr;
  auto it = c.find(key);
  return it == c.end() || it->is_null() ? nullptr : &*it;
}

inline double as_number(const Config& v, const std::string& what) {
  if (!v.is_number()) throw keraspp::ValueError(what + ": expected a number, got " + v.dump());
  return v.get<double>();
}

inline int64_t as_int(const Config& v, const std::string& what) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())))
    return static_cast<int64_t>(v.get<double>());
  throw keraspp::ValueError(what + ": expected an integer, got " + v.dump());
}

inline std::string as_string(const Config& v, const std::string& what) {
  if (!v.is_string()) throw keraspp::ValueError(what + ": expected a string, got " + v.dump());
  return v.get<std::string>();
}

inline bool as_bool(const Config& v, const std::string& what) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>() != 0;
  throw keraspp::ValueError(what + ": expected a bool, got " + v.dump());
}

inline double number_or(const Config& c, const std::string& key, double fallback, const std::string& what) {
  const Config* v = find(c, key);
  return v ? as_number(*v, what + " '" + key + "'") : fallback;
}

inline std::optional<int64_t> optional_int(const Config& c, const std::string& key, const std::string& what) {
  const Config* v = find(c, key);
  if (!v) return std::nullopt;
  return as_int(*v, what + " '" + key + "'");
}

// A shape list with null for None -> dims with -1.
inline std::vector<int64_t> as_shape(const Config& v, const std::string& what) {
  if (!v.is_array()) throw keraspp::ValueError(what + ": expected a shape list, got " + v.dump());
  std::vector<int64_t> dims;
  for (const Config& d : v) {
    const int64_t n = d.is_null() ? -1 : as_int(d, what);
    if (n < -1) throw keraspp::ValueError(what + ": negative dimension in " + v.dump());
    dims.push_back(n);
  }
  return dims;
}

// The class name of a {"class_name", "config"} dict.
inline std::string class_name_of(const Config& c, const std::string& what) {
  return as_string(require(c, "class_name", what), what + " 'class_name'");
}

// The inner config of a {"class_name", "config"} dict ({} when absent).
inline Config inner_config(const Config& c) {
  const Config* v = find(c, "config");
  return v ? *v : Config::object();
}

}  // namespace keras::saving
