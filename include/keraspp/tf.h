// Keras++ tf:: — TensorFlow 1.x's graph API: tensors, ops, variables,
// sessions, gradients and tf::train.
#pragma once
#include "keraspp/autodiff/gradients.h"
#include "keraspp/graph/graph.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/state_ops.h"
#include "keraspp/ops/training_ops.h"
#include "keraspp/runtime/session.h"
#include "keraspp/train/optimizer.h"
#include "keraspp/variables/variable.h"
