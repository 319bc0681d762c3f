// tf.nn.dynamic_rnn (a tf::while_loop over TensorArrays, as TF 1.1's
// _dynamic_rnn_loop), static_rnn (one cell call per step) and
// bidirectional_dynamic_rnn.
#include "keraspp/layers/rnn.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/gather_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/stack_ops.h"
#include "keraspp/ops/strided_slice.h"
#include "keraspp/ops/tensor_array_ops.h"
#include "keraspp/ops/transpose_ops.h"
#include "keraspp/variables/variable_scope.h"

namespace tf::nn {

namespace {

Tensor dim(const Tensor& t, int d) { return strided_slice(shape(t), {d}, {d + 1}, {1}, {.shrink_axis_mask = 1}); }

RnnState initial_state(RNNCell& cell, const Tensor& batch, const DynamicRnnOptions& o) {
  if (!o.initial_state.empty()) return o.initial_state;
  if (!o.dtype) throw keraspp::ValueError("If there is no initial_state, you must give a dtype.");
  return cell.zero_state(batch, *o.dtype);
}

// Past a sequence's length the output is zeros and the state is carried:
// `copy` [batch, 1] is 1 where time < length, else 0.
std::pair<Tensor, RnnState> mask_step(const Tensor& copy, const Tensor& output, const RnnState& old_state,
                                      const RnnState& new_state) {
  RnnState state;
  for (size_t i = 0; i < new_state.size(); ++i) state.push_back(new_state[i] * copy + old_state[i] * (1.0 - copy));
  return {output * copy, state};
}

Tensor still_running(const Tensor& time, const Tensor& sequence_length, DType dtype) {
  return reshape(cast(less(time, sequence_length), dtype), std::vector<int64_t>{-1, 1});
}

// The loop over time-major inputs [time, batch, depth] in the current scope.
std::pair<Tensor, RnnState> time_major_loop(RNNCell& cell, const Tensor& x, const DynamicRnnOptions& o) {
  if (x.shape().rank() != 3)
    throw keraspp::ValueError("dynamic_rnn expects inputs of rank 3, got shape " + x.shape().str());
  const Tensor time_steps = dim(x, 0), batch = dim(x, 1);
  const RnnState state0 = initial_state(cell, batch, o);
  // The variables are made here, outside the loop: a loop body is a
  // function graph of its own (the step's other ops are pruned).
  cell(gather(x, 0), state0);
  const Tensor flow = fill(stack({time_steps, batch, constant(np::Array::scalar(static_cast<int32_t>(cell.output_size())))}),
                           constant(0.0, x.dtype()));
  flow.set_shape(TensorShape({x.shape().dim(0), x.shape().dim(1), cell.output_size()}));
  const TensorArray input_ta = TensorArray(x.dtype(), time_steps).unstack(x);
  std::vector<Tensor> vars{constant(np::Array::scalar(int32_t{0}), "time"), flow};
  vars.insert(vars.end(), state0.begin(), state0.end());
  const auto body = [&](const std::vector<Tensor>& v) {
    const RnnState state(v.begin() + 2, v.end());
    auto [output, new_state] = cell(input_ta.read(v[0]), state);
    if (o.sequence_length) std::tie(output, new_state) = mask_step(still_running(v[0], o.sequence_length, x.dtype()), output, state, new_state);
    std::vector<Tensor> next{v[0] + 1, TensorArray::from_flow(v[1]).write(v[0], output).flow()};
    next.insert(next.end(), new_state.begin(), new_state.end());
    return next;
  };
  const std::vector<Tensor> r = while_loop([&](const std::vector<Tensor>& v) { return less(v[0], time_steps); }, body,
                                           vars, {.parallel_iterations = 32});
  return {TensorArray::from_flow(r[1]).stack(), RnnState(r.begin() + 2, r.end())};
}

}  // namespace

std::pair<Tensor, RnnState> dynamic_rnn(RNNCell& cell, const Tensor& inputs, const DynamicRnnOptions& options) {
  if (inputs.shape().rank() != 3)
    throw keraspp::ValueError("dynamic_rnn expects inputs of rank 3, got shape " + inputs.shape().str());
  variable_scope scope(options.scope);
  const Tensor x = options.time_major ? inputs : transpose(inputs, {1, 0, 2});
  auto [outputs, state] = time_major_loop(cell, x, options);
  return {options.time_major ? outputs : transpose(outputs, {1, 0, 2}), state};
}

std::pair<std::vector<Tensor>, RnnState> static_rnn(RNNCell& cell, const std::vector<Tensor>& inputs,
                                                    const DynamicRnnOptions& options) {
  if (inputs.empty()) throw keraspp::ValueError("inputs must not be empty");
  variable_scope scope(options.scope);
  RnnState state = initial_state(cell, dim(inputs[0], 0), options);
  std::vector<Tensor> outputs;
  for (size_t t = 0; t < inputs.size(); ++t) {
    auto [output, new_state] = cell(inputs[t], state);
    if (options.sequence_length)
      std::tie(output, new_state) = mask_step(
          still_running(constant(np::Array::scalar(static_cast<int32_t>(t))), options.sequence_length, inputs[t].dtype()),
          output, state, new_state);
    outputs.push_back(output);
    state = new_state;
  }
  return {outputs, state};
}

std::pair<std::pair<Tensor, Tensor>, std::pair<RnnState, RnnState>> bidirectional_dynamic_rnn(
    RNNCell& cell_fw, RNNCell& cell_bw, const Tensor& inputs, const DynamicRnnOptions& options) {
  variable_scope scope(options.scope == "rnn" ? "bidirectional_rnn" : options.scope);
  const Tensor x = options.time_major ? inputs : transpose(inputs, {1, 0, 2});
  // Each direction built in its own scope and initialized in place: clang 14
  // with libstdc++ 12 (the sanitizer build) finds std::pair<Tensor, RnnState>
  // not default-constructible here ("is_default_constructible_v<tf::Tensor>
  // evaluated to false").
  const std::pair<Tensor, RnnState> fw = [&] {
    variable_scope fw_scope("fw");
    return time_major_loop(cell_fw, x, options);
  }();
  auto reverse_time = [&](const Tensor& t) {  // time-major
    return options.sequence_length ? reverse_sequence(t, options.sequence_length, 0, 1) : reverse(t, {0});
  };
  const std::pair<Tensor, RnnState> bw = [&] {
    variable_scope bw_scope("bw");
    return time_major_loop(cell_bw, reverse_time(x), options);
  }();
  Tensor out_fw = fw.first, out_bw = reverse_time(bw.first);
  if (!options.time_major) out_fw = transpose(out_fw, {1, 0, 2}), out_bw = transpose(out_bw, {1, 0, 2});
  return {{out_fw, out_bw}, {fw.second, bw.second}};
}

}  // namespace tf::nn
