// Private helpers of the Keras layers: Keras's serialize() of initializers,
// regularizers and constraints inside layer configs.
#pragma once
#include "../engine/layer_util.h"
#include "keraspp/keras/activations.h"
#include "keraspp/keras/constraints.h"
#include "keraspp/keras/initializers.h"
#include "keraspp/keras/regularizers.h"
#include "keraspp/keras/serialization.h"

namespace keras::layers {

using engine::shape_config;

// Keras's serialize() of the objects (keraspp/keras/serialization.h), found
// unqualified beside layers::serialize(Layer) in the layers' get_config.
using constraints::serialize;
using initializers::serialize;
using regularizers::serialize;

// The config keys of a layer with a kernel and a bias (Dense, the
// convolutions), from `activation` to `bias_constraint` in Keras's order.
// (Qualified calls: a file that also includes keraspp/keras/serialization.h
// would otherwise find its serialize overloads too.)
template <class Options> void add_kernel_bias_config(Config& c, const Options& options) {
  c["activation"] = activations::serialize(options.activation);
  c["use_bias"] = options.use_bias;
  c["kernel_initializer"] = layers::serialize(options.kernel_initializer.get());
  c["bias_initializer"] = layers::serialize(options.bias_initializer.get());
  c["kernel_regularizer"] = layers::serialize(options.kernel_regularizer);
  c["bias_regularizer"] = layers::serialize(options.bias_regularizer);
  c["activity_regularizer"] = layers::serialize(options.activity_regularizer);
  c["kernel_constraint"] = layers::serialize(options.kernel_constraint);
  c["bias_constraint"] = layers::serialize(options.bias_constraint);
}

}  // namespace keras::layers
