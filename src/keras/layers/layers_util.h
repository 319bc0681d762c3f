// Private helpers of the Keras layers: Keras's serialize() of initializers,
// regularizers and constraints inside layer configs.
#pragma once
#include "../engine/layer_util.h"
#include "keraspp/keras/constraints.h"
#include "keraspp/keras/initializers.h"
#include "keraspp/keras/regularizers.h"

namespace keras::layers {

using engine::shape_config;

inline Config serialize(const initializers::Initializer& init) {
  if (!init) return nullptr;
  return engine::serialize(init.class_name(), init.get_config());
}

inline Config serialize(const regularizers::Regularizer& r) {
  if (!r) return nullptr;
  if (r.class_name() != "L1L2") return engine::serialize(r.class_name(), {});
  return engine::serialize("L1L2", {{"l1", r.l1()}, {"l2", r.l2()}});
}

inline Config serialize(const constraints::Constraint& c) {
  if (!c) return nullptr;
  return engine::serialize(c.class_name(), c.get_config());
}

}  // namespace keras::layers
