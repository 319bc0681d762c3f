// tf.nn's RNN cells as TF 1.1's rnn_cell_impl builds them: every product is
// _linear (concat the arguments, one `weights` matrix, `biases`), in the
// cell's variable scope.
#include <map>
#include <optional>

#include "keraspp/layers/rnn.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/nn_ops.h"
#include "keraspp/ops/stack_ops.h"
#include "keraspp/variables/initializers.h"
#include "keraspp/variables/variable_scope.h"

namespace tf::nn {

namespace {

// Columns [k * n, (k + 1) * n) of a [batch, 4n] gate matrix (TF's split).
Tensor gate(const Tensor& m, int64_t k, int64_t n) { return slice(m, {0, k * n}, {-1, n}); }

}  // namespace

std::pair<Tensor, RnnState> RNNCell::operator()(const Tensor& inputs, const RnnState& state) {
  const std::vector<int64_t> sizes = state_size();
  if (state.size() != sizes.size())
    throw keraspp::ValueError("Expected state of " + std::to_string(sizes.size()) + " tensors for cell '" +
                              scope_name() + "', got " + std::to_string(state.size()));
  // A wrapper (scope_name() empty) adds no scope of its own, as in TF.
  std::optional<variable_scope> scope;
  if (!scope_name().empty()) scope.emplace(scope_name());
  return step(inputs, state);
}

RnnState RNNCell::zero_state(const Tensor& batch_size, DType dtype) const {
  RnnState out;
  for (int64_t s : state_size()) {
    const Tensor dims = stack({batch_size, constant(np::Array::scalar(static_cast<int32_t>(s)))});
    Tensor z = fill(dims, constant(0.0, dtype));
    z.set_shape(TensorShape({-1, s}));
    out.push_back(z);
  }
  return out;
}

Tensor RNNCell::linear(const std::vector<Tensor>& args, int64_t output_size, bool bias, double bias_start,
                       const std::string& scope) {
  int64_t total = 0;
  for (const Tensor& a : args) {
    if (a.shape().rank() != 2 || a.shape().dim(1) < 0)
      throw keraspp::ValueError("linear expects shape[1] to be provided for shape " + a.shape().str() +
                                ", but saw " + (a.shape().rank() == 2 ? "?" : "rank " + std::to_string(a.shape().rank())));
    total += a.shape().dim(1);
  }
  const DType dtype = args[0].dtype();
  // Keyed by the cell-local scope: a later call may run in a loop body's
  // graph, whose variable scopes are its own.
  const std::string& key = scope;
  auto it = by_name_.find(key + "/weights");
  if (it == by_name_.end()) {
    std::optional<variable_scope> sub;
    if (!scope.empty()) sub.emplace(scope);
    by_name_[key + "/weights"] = get_variable("weights", TensorShape({total, output_size}), {.dtype = dtype});
    variables_.push_back(by_name_[key + "/weights"]);
    if (bias) {
      by_name_[key + "/biases"] = get_variable("biases", TensorShape({output_size}),
                                               {.dtype = dtype, .initializer = constant_initializer(bias_start)});
      variables_.push_back(by_name_[key + "/biases"]);
    }
    it = by_name_.find(key + "/weights");
  }
  const Tensor x = args.size() == 1 ? args[0] : concat(args, 1);
  const Tensor product = matmul(x, it->second);
  return bias ? bias_add(product, by_name_.at(key + "/biases")) : product;
}

std::pair<Tensor, RnnState> BasicRNNCell::step(const Tensor& inputs, const RnnState& state) {
  const Tensor h = tanh(linear({inputs, state[0]}, units_, true));
  return {h, {h}};
}

std::pair<Tensor, RnnState> BasicLSTMCell::step(const Tensor& inputs, const RnnState& state) {
  const Tensor &c = state[0], &h = state[1];
  const Tensor m = linear({inputs, h}, 4 * units_, true);
  const Tensor i = gate(m, 0, units_), j = gate(m, 1, units_), f = gate(m, 2, units_), o = gate(m, 3, units_);
  const Tensor new_c = c * sigmoid(f + forget_bias_) + sigmoid(i) * tanh(j);
  const Tensor new_h = tanh(new_c) * sigmoid(o);
  return {new_h, {new_c, new_h}};
}

std::pair<Tensor, RnnState> LSTMCell::step(const Tensor& inputs, const RnnState& state) {
  const Tensor &c_prev = state[0], &m_prev = state[1];
  const Tensor lstm = linear({inputs, m_prev}, 4 * units_, true);
  const Tensor i = gate(lstm, 0, units_), j = gate(lstm, 1, units_), f = gate(lstm, 2, units_), o = gate(lstm, 3, units_);
  Tensor c, m;
  if (o_.use_peepholes) {
    auto diag = [&](const std::string& name) {
      const std::string& key = name;
      if (!by_name_.count(key)) {
        by_name_[key] = get_variable(name, TensorShape({units_}), {.dtype = inputs.dtype()});
        variables_.push_back(by_name_[key]);
      }
      return static_cast<Tensor>(by_name_.at(key));
    };
    const Tensor w_f = diag("w_f_diag"), w_i = diag("w_i_diag"), w_o = diag("w_o_diag");
    c = sigmoid(f + o_.forget_bias + w_f * c_prev) * c_prev + sigmoid(i + w_i * c_prev) * tanh(j);
    m = sigmoid(o + w_o * c) * tanh(c);
  } else {
    c = sigmoid(f + o_.forget_bias) * c_prev + sigmoid(i) * tanh(j);
    m = sigmoid(o) * tanh(c);
  }
  if (o_.num_proj > 0) m = linear({m}, o_.num_proj, false, 0.0, "projection");
  return {m, {c, m}};
}

std::pair<Tensor, RnnState> GRUCell::step(const Tensor& inputs, const RnnState& state) {
  const Tensor& h = state[0];
  const Tensor value = sigmoid(linear({inputs, h}, 2 * units_, true, 1.0, "gates"));
  const Tensor r = gate(value, 0, units_), u = gate(value, 1, units_);
  const Tensor c = tanh(linear({inputs, r * h}, units_, true, 0.0, "candidate"));
  const Tensor new_h = u * h + (1.0 - u) * c;
  return {new_h, {new_h}};
}

MultiRNNCell::MultiRNNCell(std::vector<std::shared_ptr<RNNCell>> cells) : cells_(std::move(cells)) {
  if (cells_.empty()) throw keraspp::ValueError("Must specify at least one cell for MultiRNNCell.");
}

std::vector<int64_t> MultiRNNCell::state_size() const {
  std::vector<int64_t> out;
  for (const auto& c : cells_)
    for (int64_t s : c->state_size()) out.push_back(s);
  return out;
}

std::pair<Tensor, RnnState> MultiRNNCell::step(const Tensor& inputs, const RnnState& state) {
  Tensor cur = inputs;
  RnnState new_state;
  size_t k = 0;
  for (size_t i = 0; i < cells_.size(); ++i) {
    const size_t n = cells_[i]->state_size().size();
    const RnnState sub(state.begin() + static_cast<long>(k), state.begin() + static_cast<long>(k + n));
    k += n;
    variable_scope scope("cell_" + std::to_string(i));
    auto [out, st] = (*cells_[i])(cur, sub);
    cur = out;
    new_state.insert(new_state.end(), st.begin(), st.end());
  }
  if (variables_.empty())
    for (const auto& c : cells_) variables_.insert(variables_.end(), c->variables().begin(), c->variables().end());
  return {cur, new_state};
}

namespace {

// TF 1.1: a float keep probability must lie in [0, 1].
void check_keep_prob(const std::variant<double, Tensor>& p, const std::string& name) {
  if (const double* v = std::get_if<double>(&p); v && (*v < 0.0 || *v > 1.0))
    throw keraspp::ValueError("Parameter " + name + " must be between 0 and 1: " + std::to_string(*v));
}

// Dropout unless the keep probability is the float 1 (TF adds none then).
Tensor maybe_dropout(const Tensor& x, const std::variant<double, Tensor>& p, std::optional<int64_t> seed) {
  if (const double* v = std::get_if<double>(&p)) return *v < 1.0 ? dropout(x, *v, {.seed = seed}) : x;
  return dropout(x, std::get<Tensor>(p), {.seed = seed});
}

}  // namespace

DropoutWrapper::DropoutWrapper(std::shared_ptr<RNNCell> cell, DropoutWrapperOptions options)
    : cell_(std::move(cell)), o_(std::move(options)) {
  if (!cell_) throw keraspp::TypeError("The parameter cell is not a RNNCell.");
  check_keep_prob(o_.input_keep_prob, "input_keep_prob");
  check_keep_prob(o_.output_keep_prob, "output_keep_prob");
}

std::pair<Tensor, RnnState> DropoutWrapper::step(const Tensor& inputs, const RnnState& state) {
  auto [output, new_state] = (*cell_)(maybe_dropout(inputs, o_.input_keep_prob, o_.seed), state);
  if (variables_.empty()) variables_ = cell_->variables();
  return {maybe_dropout(output, o_.output_keep_prob, o_.seed), new_state};
}

}  // namespace tf::nn
