// tf.nn's recurrent networks as TF 1.1 has them: the cells BasicRNNCell,
// BasicLSTMCell, LSTMCell, GRUCell, MultiRNNCell, DropoutWrapper (variables named as r1.1's
// rnn_cell_impl names them: `rnn/basic_lstm_cell/weights:0` and
// `biases:0`; later 1.x renamed them kernel/bias), and dynamic_rnn
// (a tf::while_loop), static_rnn (unrolled) and bidirectional_dynamic_rnn.
// A state is a flat list of tensors: one for RNN and GRU cells, (c, h) for
// LSTM cells (LSTMStateTuple), the cells' states in order for MultiRNNCell.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "keraspp/variables/variable.h"

namespace tf::nn {

using RnnState = std::vector<Tensor>;

// A cell. Its variables are created by its first call, under the current
// variable scope and the cell's own scope name ("basic_lstm_cell"), and
// reused by later calls (dynamic_rnn's loop body captures them).
class RNNCell {
 public:
  virtual ~RNNCell() = default;
  virtual int64_t output_size() const = 0;
  virtual std::vector<int64_t> state_size() const = 0;  // one entry per state tensor
  // inputs [batch, depth], state -> (output [batch, output_size], new state).
  std::pair<Tensor, RnnState> operator()(const Tensor& inputs, const RnnState& state);
  // Zeros [batch_size, s] for each state tensor.
  RnnState zero_state(const Tensor& batch_size, DType dtype) const;
  // The variables the first call created.
  const std::vector<Variable>& variables() const { return variables_; }

 protected:
  virtual std::string scope_name() const = 0;
  virtual std::pair<Tensor, RnnState> step(const Tensor& inputs, const RnnState& state) = 0;
  // TF 1.1's _linear: concat(args, 1) . weights + biases, with `weights`
  // [total depth, output_size] and `biases` [output_size] (bias_start) in
  // the current variable scope, created on the first call and reused after.
  Tensor linear(const std::vector<Tensor>& args, int64_t output_size, bool bias, double bias_start = 0.0,
                const std::string& scope = "");
  std::vector<Variable> variables_;
  // The variables by cell-local name ("gates/weights"): a later call may run
  // in a loop body's graph, whose variable scopes are its own.
  std::map<std::string, Variable> by_name_;
};

class BasicRNNCell : public RNNCell {
 public:
  explicit BasicRNNCell(int64_t num_units) : units_(num_units) {}
  int64_t output_size() const override { return units_; }
  std::vector<int64_t> state_size() const override { return {units_}; }

 protected:
  std::string scope_name() const override { return "basic_rnn_cell"; }
  std::pair<Tensor, RnnState> step(const Tensor& inputs, const RnnState& state) override;

 private:
  int64_t units_;
};

// State (c, h); gates i, j, f, o from one product; forget_bias added to f.
class BasicLSTMCell : public RNNCell {
 public:
  explicit BasicLSTMCell(int64_t num_units, double forget_bias = 1.0) : units_(num_units), forget_bias_(forget_bias) {}
  int64_t output_size() const override { return units_; }
  std::vector<int64_t> state_size() const override { return {units_, units_}; }

 protected:
  std::string scope_name() const override { return "basic_lstm_cell"; }
  std::pair<Tensor, RnnState> step(const Tensor& inputs, const RnnState& state) override;

 private:
  int64_t units_;
  double forget_bias_;
};

struct LSTMCellOptions {
  bool use_peepholes = false;  // w_f_diag, w_i_diag, w_o_diag
  int64_t num_proj = 0;        // > 0: the output m is projected (projection/weights)
  double forget_bias = 1.0;
};
// State (c, m).
class LSTMCell : public RNNCell {
 public:
  explicit LSTMCell(int64_t num_units, LSTMCellOptions options = {}) : units_(num_units), o_(options) {}
  int64_t output_size() const override { return o_.num_proj > 0 ? o_.num_proj : units_; }
  std::vector<int64_t> state_size() const override { return {units_, output_size()}; }

 protected:
  std::string scope_name() const override { return "lstm_cell"; }
  std::pair<Tensor, RnnState> step(const Tensor& inputs, const RnnState& state) override;

 private:
  int64_t units_;
  LSTMCellOptions o_;
};

// gates/ (r, u; bias 1.0) and candidate/ products.
class GRUCell : public RNNCell {
 public:
  explicit GRUCell(int64_t num_units) : units_(num_units) {}
  int64_t output_size() const override { return units_; }
  std::vector<int64_t> state_size() const override { return {units_}; }

 protected:
  std::string scope_name() const override { return "gru_cell"; }
  std::pair<Tensor, RnnState> step(const Tensor& inputs, const RnnState& state) override;

 private:
  int64_t units_;
};

// Cells stacked: cell i in scope "cell_<i>", each feeding the next.
class MultiRNNCell : public RNNCell {
 public:
  explicit MultiRNNCell(std::vector<std::shared_ptr<RNNCell>> cells);
  int64_t output_size() const override { return cells_.back()->output_size(); }
  std::vector<int64_t> state_size() const override;

 protected:
  std::string scope_name() const override { return "multi_rnn_cell"; }
  std::pair<Tensor, RnnState> step(const Tensor& inputs, const RnnState& state) override;

 private:
  std::vector<std::shared_ptr<RNNCell>> cells_;
};

// TF 1.1's DropoutWrapper: tf::nn::dropout on the cell's inputs and on its
// output, each a float in (0, 1] (exactly 1: none added) or a scalar
// tensor; never on the state (state_keep_prob and variational_recurrent
// came in 1.2). Adds no variable scope: the wrapped cell's variables keep
// their names. Inside dynamic_rnn each step draws a fresh mask, and the
// loop's gradient replays the masks the forward drew.
struct DropoutWrapperOptions {
  std::variant<double, Tensor> input_keep_prob = 1.0;
  std::variant<double, Tensor> output_keep_prob = 1.0;
  std::optional<int64_t> seed = std::nullopt;
};
class DropoutWrapper : public RNNCell {
 public:
  // TypeError for a null cell, ValueError for a keep probability out of [0, 1].
  explicit DropoutWrapper(std::shared_ptr<RNNCell> cell, DropoutWrapperOptions options = {});
  int64_t output_size() const override { return cell_->output_size(); }
  std::vector<int64_t> state_size() const override { return cell_->state_size(); }

 protected:
  std::string scope_name() const override { return ""; }
  std::pair<Tensor, RnnState> step(const Tensor& inputs, const RnnState& state) override;

 private:
  std::shared_ptr<RNNCell> cell_;
  DropoutWrapperOptions o_;
};

struct DynamicRnnOptions {
  RnnState initial_state = {};  // default: the cell's zero state of `dtype`
  std::optional<DType> dtype = std::nullopt;
  Tensor sequence_length = {};  // int32 [batch]: past it outputs are zeros and the state is kept
  bool time_major = false;
  std::string scope = "rnn";
};

// inputs [batch, time, depth] ([time, batch, depth] when time_major) ->
// (outputs of the same layout with depth = output_size, final state).
std::pair<Tensor, RnnState> dynamic_rnn(RNNCell& cell, const Tensor& inputs, const DynamicRnnOptions& options = {});
// inputs: one [batch, depth] tensor per step -> (outputs per step, final state).
std::pair<std::vector<Tensor>, RnnState> static_rnn(RNNCell& cell, const std::vector<Tensor>& inputs,
                                                    const DynamicRnnOptions& options = {});
// ((forward outputs, backward outputs), (forward state, backward state)),
// under scopes "bidirectional_rnn/fw" and ".../bw"; the backward direction
// reverses each sequence (within sequence_length).
std::pair<std::pair<Tensor, Tensor>, std::pair<RnnState, RnnState>> bidirectional_dynamic_rnn(
    RNNCell& cell_fw, RNNCell& cell_bw, const Tensor& inputs, const DynamicRnnOptions& options = {});

}  // namespace tf::nn
