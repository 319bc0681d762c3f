// Keras++ keras:: — the Keras 2.0.2 API: backend (K), layers, models,
// initializers, regularizers, constraints, activations, and (from the
// training side) optimizers, losses, metrics, callbacks, datasets, utils.
// Append includes at the end.
#pragma once
#include "keraspp/keras/activations.h"
#include "keraspp/keras/backend.h"
#include "keraspp/keras/constraints.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/keras/engine/model.h"
#include "keraspp/keras/engine/topology.h"
#include "keraspp/keras/initializers.h"
#include "keraspp/keras/layers.h"
#include "keraspp/keras/models.h"
#include "keraspp/keras/regularizers.h"
#include "keraspp/keras/datasets.h"
#include "keraspp/keras/utils.h"
#include "keraspp/keras/callbacks.h"
#include "keraspp/keras/engine/training.h"
#include "keraspp/keras/losses.h"
#include "keraspp/keras/metrics.h"
#include "keraspp/keras/optimizers.h"
#include "keraspp/keras/progbar.h"
#include "keraspp/keras/backend_rnn.h"
