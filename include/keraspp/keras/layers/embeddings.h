// keras.layers.Embedding (Keras 2.0.x).
#pragma once
#include "keraspp/keras/constraints.h"
#include "keraspp/keras/engine/topology.h"
#include "keraspp/keras/initializers.h"
#include "keraspp/keras/regularizers.h"

namespace keras::layers {

// The common `input_dim` keyword is Embedding's own first argument here;
// leave the common field unset.
struct EmbeddingOptions {
  initializers::InitializerArg embeddings_initializer = "uniform";
  regularizers::Regularizer embeddings_regularizer = {};
  regularizers::Regularizer activity_regularizer = {};
  constraints::Constraint embeddings_constraint = {};
  bool mask_zero = false;
  std::optional<int64_t> input_length = std::nullopt;
  KERAS_LAYER_COMMON_OPTIONS;
};

// ids: int [batch, length] -> [batch, length, output_dim], the rows of the
// weight "embeddings" [input_dim, output_dim]. Its input is int32 (Keras sets
// dtype='int32'); input_shape defaults to (input_length,). mask_zero: emits
// the mask ids != 0. Its gradient is sparse (tf::IndexedSlices), so the
// tf::train optimizers update only the rows used.
class Embedding : public Layer {
 public:
  Embedding(int64_t input_dim, int64_t output_dim, const EmbeddingOptions& options = {});
};

}  // namespace keras::layers
