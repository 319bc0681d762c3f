// K::rnn: Keras 2.0.x's TensorFlow backend `rnn`, iterating a step function
// over the time dimension with tf::while_loop (or, with unroll, a Python-
// style unrolled graph).
#pragma once
#include <functional>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "keraspp/graph/graph.h"

namespace keras::backend {

// (input_t [samples, ...], states + constants) -> (output_t [samples, ...], new states).
using StepFunction = std::function<std::pair<tf::Tensor, std::vector<tf::Tensor>>(
    const tf::Tensor& input, const std::vector<tf::Tensor>& states)>;

struct RnnOptions {
  bool go_backwards = false;
  // [samples, time] (or [samples, time, 1]); where false, the output and
  // states keep their previous values.
  tf::Tensor mask;
  std::vector<tf::Tensor> constants;  // passed to every step after the states
  bool unroll = false;                // needs a fixed number of timesteps
  std::optional<int64_t> input_length;  // accepted, as Keras 2.0's TF backend (unused)
};

// inputs: [samples, time, ...] (at least 3D: ValueError "Input should be at
// least 3D."). Returns (last_output [samples, ...], outputs [samples, time,
// ...], new_states).
std::tuple<tf::Tensor, tf::Tensor, std::vector<tf::Tensor>> rnn(const StepFunction& step_function,
                                                                 const tf::Tensor& inputs,
                                                                 const std::vector<tf::Tensor>& initial_states,
                                                                 const RnnOptions& options = {});

}  // namespace keras::backend
