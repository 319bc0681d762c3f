// K::rnn as Keras 2.0.x's TensorFlow backend builds it: time-major
// inputs, then a tf::while_loop over a TensorArray of the inputs writing a
// TensorArray of outputs (or, with unroll, one step per timestep).
#include "keraspp/keras/backend_rnn.h"

#include <algorithm>

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/gather_ops.h"
#include "keraspp/ops/control_flow_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/stack_ops.h"
#include "keraspp/ops/strided_slice.h"
#include "keraspp/ops/tensor_array_ops.h"
#include "keraspp/ops/transpose_ops.h"

namespace keras::backend {

namespace {

using Tensors = std::vector<tf::Tensor>;

// [1, 0, 2, ...]: swaps samples and time.
std::vector<int> swap_first_axes(int ndim) {
  std::vector<int> axes{1, 0};
  for (int d = 2; d < ndim; ++d) axes.push_back(d);
  return axes;
}

tf::Tensor dim(const tf::Tensor& t, int d) {
  return tf::strided_slice(tf::shape(t), {d}, {d + 1}, {1}, {.shrink_axis_mask = 1});
}

// mask_t [samples, 1] tiled to value's [samples, units] (Keras's tf.tile).
tf::Tensor where_mask(const tf::Tensor& mask_t, const tf::Tensor& value, const tf::Tensor& previous) {
  const tf::Tensor tiled = tf::tile(mask_t, tf::stack({tf::constant(np::Array::scalar(int32_t{1})), dim(value, 1)}));
  return tf::where(tiled, value, previous);
}

Tensors concat_lists(Tensors a, const Tensors& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::tuple<tf::Tensor, tf::Tensor, Tensors> unrolled(const StepFunction& step, const tf::Tensor& inputs,
                                                     const Tensors& initial_states, const tf::Tensor& mask,
                                                     const RnnOptions& o) {
  if (inputs.shape().dim(0) < 0) throw keraspp::ValueError("Unrolling requires a fixed number of timesteps.");
  Tensors input_list = tf::unstack(inputs);
  Tensors mask_list = mask ? tf::unstack(mask) : Tensors(input_list.size());
  if (o.go_backwards) {
    std::reverse(input_list.begin(), input_list.end());
    std::reverse(mask_list.begin(), mask_list.end());
  }
  Tensors states = initial_states, outputs;
  for (size_t t = 0; t < input_list.size(); ++t) {
    auto [output, new_states] = step(input_list[t], concat_lists(states, o.constants));
    if (mask) {
      const tf::Tensor prev = outputs.empty() ? tf::zeros_like(output) : outputs.back();
      output = where_mask(mask_list[t], output, prev);
      for (size_t i = 0; i < states.size(); ++i) new_states[i] = where_mask(mask_list[t], new_states[i], states[i]);
    }
    states = new_states;
    outputs.push_back(output);
  }
  return {outputs.back(), tf::stack(outputs), states};
}

std::tuple<tf::Tensor, tf::Tensor, Tensors> looped(const StepFunction& step, tf::Tensor inputs,
                                                   const Tensors& initial_states, tf::Tensor mask,
                                                   const RnnOptions& o) {
  if (o.go_backwards) {
    inputs = tf::reverse(inputs, {0});
    if (mask) mask = tf::reverse(mask, {0});
  }
  const tf::Tensor time_steps = dim(inputs, 0);
  // The first step, built outside the loop as Keras does, gives the
  // outputs' dtype and shape; its ops run only when the shape is not static.
  const tf::Tensor first = step(tf::gather(inputs, 0), concat_lists(initial_states, o.constants)).first;
  tf::Tensor out_shape;
  if (first.shape().has_rank() && first.shape().rank() >= 1) {
    Tensors dims{tf::reshape(time_steps, std::vector<int64_t>{1}), tf::reshape(dim(inputs, 1), std::vector<int64_t>{1})};
    bool static_rest = true;
    std::vector<int32_t> rest;
    for (int d = 1; d < first.shape().rank(); ++d) {
      static_rest = static_rest && first.shape().dim(d) >= 0;
      rest.push_back(static_cast<int32_t>(first.shape().dim(d)));
    }
    if (static_rest) {
      if (!rest.empty()) dims.push_back(tf::constant(np::Array::from_vector(rest, {static_cast<int64_t>(rest.size())})));
      out_shape = tf::concat(dims, 0);
    }
  }
  if (!out_shape) out_shape = tf::concat({tf::reshape(time_steps, std::vector<int64_t>{1}), tf::shape(first)}, 0);
  const tf::Tensor flow = tf::fill(out_shape, tf::constant(0.0, first.dtype()));
  if (first.shape().has_rank()) {  // what TF 1.1's TensorArray infers from its writes
    std::vector<int64_t> dims{inputs.shape().dim(0)};
    dims.insert(dims.end(), first.shape().dims().begin(), first.shape().dims().end());
    if (first.shape().rank() >= 1 && first.shape().dim(0) < 0) dims[1] = inputs.shape().dim(1);
    flow.set_shape(tf::TensorShape(dims));
  }
  const tf::TensorArray output_ta = tf::TensorArray::from_flow(flow);
  const tf::TensorArray input_ta = tf::TensorArray(inputs.dtype(), time_steps).unstack(inputs);
  const std::optional<tf::TensorArray> mask_ta =
      mask ? std::optional(tf::TensorArray(mask.dtype(), time_steps).unstack(mask)) : std::nullopt;
  const size_t n_states = initial_states.size();
  const auto body = [&](const Tensors& v) {
    const tf::Tensor& time = v[0];
    const Tensors states(v.begin() + 2, v.end());
    auto [output, new_states] = step(input_ta.read(time), concat_lists(states, o.constants));
    if (new_states.size() != n_states)
      throw keraspp::ValueError("The step function returned " + std::to_string(new_states.size()) +
                                " states for " + std::to_string(n_states) + " initial states");
    if (mask_ta) {
      const tf::Tensor mask_t = mask_ta->read(time);
      output = where_mask(mask_t, output, states.at(0));
      for (size_t i = 0; i < n_states; ++i) new_states[i] = where_mask(mask_t, new_states[i], states[i]);
    }
    Tensors next{time + 1, tf::TensorArray::from_flow(v[1]).write(time, output).flow()};
    return concat_lists(next, new_states);
  };
  Tensors vars{tf::constant(np::Array::scalar(int32_t{0}), "time"), output_ta.flow()};
  vars = concat_lists(vars, initial_states);
  const Tensors final_vars = tf::while_loop([&](const Tensors& v) { return tf::less(v[0], time_steps); }, body, vars,
                                            {.parallel_iterations = 32});
  const tf::TensorArray outputs = tf::TensorArray::from_flow(final_vars[1]);
  const Tensors new_states(final_vars.begin() + 2, final_vars.end());
  return {outputs.read(final_vars[0] - 1), outputs.stack(), new_states};
}

}  // namespace

std::tuple<tf::Tensor, tf::Tensor, std::vector<tf::Tensor>> rnn(const StepFunction& step_function,
                                                                 const tf::Tensor& inputs_in,
                                                                 const std::vector<tf::Tensor>& initial_states,
                                                                 const RnnOptions& options) {
  const int ndim = inputs_in.shape().rank();
  if (ndim < 3) throw keraspp::ValueError("Input should be at least 3D.");
  const tf::Tensor inputs = tf::transpose(inputs_in, swap_first_axes(ndim));
  tf::Tensor mask;
  if (options.mask) {
    mask = options.mask.dtype() == tf::bool_ ? options.mask : tf::cast(options.mask, tf::bool_);
    if (mask.shape().rank() == ndim - 1) mask = tf::expand_dims(mask, -1);
    mask = tf::transpose(mask, swap_first_axes(mask.shape().rank()));
  }
  auto [last_output, outputs, new_states] = options.unroll
                                                ? unrolled(step_function, inputs, initial_states, mask, options)
                                                : looped(step_function, inputs, initial_states, mask, options);
  outputs = tf::transpose(outputs, swap_first_axes(outputs.shape().rank()));
  return {last_output, outputs, new_states};
}

}  // namespace keras::backend
