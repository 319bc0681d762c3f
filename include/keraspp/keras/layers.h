// keras.layers (Keras 2.0.2): the layer base (Layer, InputLayer, Input) and
// the layers Keras++ provides.
#pragma once
#include "keraspp/keras/engine/topology.h"
#include "keraspp/keras/layers/advanced_activations.h"
#include "keraspp/keras/layers/conv2d_variants.h"
#include "keraspp/keras/layers/convolutional.h"
#include "keraspp/keras/layers/convolutional_recurrent.h"
#include "keraspp/keras/layers/core.h"
#include "keraspp/keras/layers/embeddings.h"
#include "keraspp/keras/layers/global_pooling.h"
#include "keraspp/keras/layers/merge.h"
#include "keraspp/keras/layers/normalization.h"
#include "keraspp/keras/layers/pooling.h"
#include "keraspp/keras/layers/recurrent.h"
#include "keraspp/keras/layers/resizing.h"
#include "keraspp/keras/layers/spatial_dropout.h"
#include "keraspp/keras/layers/wrappers.h"
