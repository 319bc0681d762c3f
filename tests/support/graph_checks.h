// Shared test helpers for fusions: whether a graph holds an op of a type, and
// whether two arrays are the same bytes (dtype, shape and every bit, so -0.0
// differs from 0.0 and NaN payloads count).
#pragma once
#include <cstring>
#include <string>

#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace kpp_test {

inline bool has_op(const tf::Graph& g, const std::string& type) {
  for (const auto& op : g.get_operations())
    if (op.type() == type) return true;
  return false;
}

inline bool bit_equal(const np::Array& a, const np::Array& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.raw_data(), b.raw_data(), static_cast<size_t>(a.nbytes())) == 0;
}

}  // namespace kpp_test
