// keras.layers.wrappers (Keras 2.0.x): TimeDistributed and Bidirectional.
//
//   keras::layers::TimeDistributed(keras::layers::Dense(12));      // [B, T, I] -> [B, T, 12]
//   keras::layers::Bidirectional(keras::layers::LSTM(64, {.return_sequences = true}));
#pragma once
#include <optional>
#include <string>

#include "keraspp/keras/engine/topology.h"

namespace keras::layers {

struct TimeDistributedOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};

// Applies `layer` to every timestep of a [batch, time, ...] input (one call
// on the input reshaped to [batch * time, ...]). The wrapped layer's weights
// are built under this layer's name (`time_distributed_1/kernel:0`), as
// Keras 2.0 names them.
class TimeDistributed : public Layer {
 public:
  explicit TimeDistributed(const Layer& layer, const TimeDistributedOptions& options = {});
};

struct BidirectionalOptions {
  // "concat", "sum", "mul", "ave", or nullopt (Keras's None: the two
  // outputs as a list). ValueError for another.
  std::optional<std::string> merge_mode = "concat";
  KERAS_LAYER_COMMON_OPTIONS;
};

// Runs a recurrent layer forwards and a copy of it (from its config, with
// go_backwards flipped) backwards and merges their outputs; with
// return_sequences the backward output is reversed back into time order.
// The copies are named forward_<name> and backward_<name>; weights: the
// forward layer's, then the backward layer's.
class Bidirectional : public Layer {
 public:
  explicit Bidirectional(const Layer& layer, const BidirectionalOptions& options = {});
  Layer forward_layer() const;
  Layer backward_layer() const;
};

}  // namespace keras::layers
