// tf.layers' shared convolution argument handling (TF 1.x's
// layers/utils.py): checked before a layer captures its scope.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "keraspp/errors.h"
#include "keraspp/layers/convolutional.h"

namespace tf::layers::conv_args {

// utils.normalize_padding.
inline std::string checked_padding(const std::string& p) {
  if (p != "valid" && p != "same")
    throw keraspp::ValueError("The `padding` argument must be one of \"valid\", \"same\". Received: " + p);
  return p;
}

// utils.normalize_data_format.
inline std::string checked_format(const std::string& f) {
  if (f != "channels_last" && f != "channels_first")
    throw keraspp::ValueError(
        "The `data_format` argument must be one of \"channels_first\", \"channels_last\". Received: " + f);
  return f;
}

// A pair as a 4-value list in the format's order.
inline std::vector<int64_t> window_list(IntPair p, bool nchw) {
  return nchw ? std::vector<int64_t>{1, 1, p.rows, p.cols} : std::vector<int64_t>{1, p.rows, p.cols, 1};
}

}  // namespace tf::layers::conv_args
