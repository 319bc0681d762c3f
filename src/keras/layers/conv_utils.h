// Keras 2.0.2's conv_utils: argument normalisation and output lengths,
// shared by the convolution and pooling layers.
#pragma once
#include <cstdint>
#include <string>

#include "keraspp/errors.h"
#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/config.h"

namespace keras::layers::conv_utils {

// "" -> K::image_data_format(); ValueError (Keras's text) for anything else
// but channels_first / channels_last.
inline std::string normalize_data_format(const std::string& value) {
  const std::string v = value.empty() ? keras::backend::image_data_format() : value;
  if (v != "channels_first" && v != "channels_last")
    throw keraspp::ValueError(
        "The `data_format` argument must be one of \"channels_first\", \"channels_last\". Received: " + v);
  return v;
}

inline std::string normalize_padding(const std::string& value) {
  if (value != "valid" && value != "same")
    throw keraspp::ValueError("The `padding` argument must be one of \"valid\", \"same\". Received: " + value);
  return value;
}

// The output length along one axis (-1 unknown): valid: ceil((in - k_eff + 1) / s),
// same: ceil(in / s), with k_eff = k + (k - 1) * (dilation - 1).
inline int64_t conv_output_length(int64_t input_length, int64_t filter_size, const std::string& padding,
                                  int64_t stride, int64_t dilation = 1) {
  if (input_length < 0) return -1;
  const int64_t dilated = filter_size + (filter_size - 1) * (dilation - 1);
  const int64_t output = padding == "same" ? input_length : input_length - dilated + 1;
  return (output + stride - 1) / stride;
}

// A pair as Keras's config writes a tuple: [rows, cols].
inline Config pair_config(backend::IntPair p) {
  Config c = Config::array();
  c.push_back(p.rows);
  c.push_back(p.cols);
  return c;
}

}  // namespace keras::layers::conv_utils
