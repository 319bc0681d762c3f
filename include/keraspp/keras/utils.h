// keras.utils (Keras 2.0.2): np_utils' array helpers.
//
// (keras::utils::Progbar, the progress bar fit() prints, is declared in its
// own header by its owner; this header is only np_utils.)
#pragma once
#include <cstdint>

#include "keraspp/np/array.h"

namespace keras::utils {

// Class vector (any shape, flattened; values cast to integers) to a binary
// class matrix, float32 (N, num_classes). num_classes <= 0 means
// max(y) + 1. ValueError for a label outside [0, num_classes) or, with
// num_classes omitted, an empty y (numpy's max of an empty array).
// Keras 2.0.2 returns float64; float32 here so it feeds float32 models.
np::Array to_categorical(const np::Array& y, int64_t num_classes = 0);

// x divided by its `order`-norm along `axis` (rows whose norm is 0 are left
// as they are): order 2 is the L2 norm, 1 the sum of |x|, p > 0 the p-norm,
// 0 the count of non-zeros (numpy.linalg.norm's vector orders). float64
// input gives float64 as in numpy; every other dtype gives float32.
np::Array normalize(const np::Array& x, int axis = -1, int order = 2);

// The Python module path the seed's programs use: np_utils.to_categorical.
namespace np_utils {
using keras::utils::normalize;
using keras::utils::to_categorical;
}  // namespace np_utils

}  // namespace keras::utils
#include "keraspp/keras/progbar.h"
