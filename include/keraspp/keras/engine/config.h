// keras::Config: a layer's or model's config (Python's get_config() dict) as
// an insertion-ordered JSON object, the form Keras serialises models in.
//
//   keras::Config c = keras::layers::Dense(10).get_config();
//   int units = c["units"];
#pragma once
#include <nlohmann/json.hpp>

#include "keraspp/keras/engine/topology.h"
