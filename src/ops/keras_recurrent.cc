// Keras's recurrent layers as fused whole-sequence ops, as cuDNN and oneDNN
// run them: KerasLSTM, KerasGRU and KerasSimpleRNN compute every timestep's
// input projection in one product (x.reshape(B*T, I) . kernel) and then the
// recurrence with one product per step on the recurrent kernel (GRU: two,
// its reset gate multiplies h before the h gate's product, as Keras 2.0's
// GRU does). Each step is Keras 2.0.x's `step` (implementation 2) and each
// masked step carries the previous output and states, as K.rnn does. Their
// gradient ops run backpropagation through time, batching the input-side
// products over all timesteps likewise. Inputs and shapes:
// keras_recurrent_schema.h; the step equations: kernels/cpu/keras_recurrent.h.
#include "keraspp/ops/keras_recurrent_ops.h"

#include "keraspp/ops/array_ops.h"

#include "keras_recurrent_schema.h"

namespace tf {

namespace {

using Grads = std::vector<Tensor>;

// What distinguishes the three ops.
struct CellSpec {
  const char* op;
  int gates;            // G: column blocks of kernel and recurrent_kernel
  int workspace_units;  // the workspace's last dim in units of U
  bool has_cell_state;  // LSTM's c
};
constexpr CellSpec kLSTM{"KerasLSTM", 4, 5, true};  // i, f, c~, o activated, then c
constexpr CellSpec kGRU{"KerasGRU", 3, 3, false};    // z, r, h~ activated
constexpr CellSpec kSimpleRNN{"KerasSimpleRNN", 1, 1, false};  // the step's new output

constexpr const char* kActivationAttr =
    "activation: {'tanh', 'sigmoid', 'hard_sigmoid', 'relu', 'linear'}";
constexpr const char* kRecurrentActivationAttr =
    "recurrent_activation: {'tanh', 'sigmoid', 'hard_sigmoid', 'relu', 'linear'}";

std::vector<std::string> attrs_of(const CellSpec& s) {
  std::vector<std::string> a = {"T: {float, double}", kActivationAttr, "go_backwards: bool"};
  if (s.gates > 1) a.push_back(kRecurrentActivationAttr);
  return a;
}

// Known dim `got` must equal `want` (both known); TF's merge wording.
void require_dim(int64_t got, int64_t want, const std::string& what) {
  if (got >= 0 && want >= 0 && got != want)
    throw ShapeError("Dimensions must be equal, but are " + std::to_string(got) + " and " +
                     std::to_string(want) + " for " + what);
}

// x [B, T, I], kernel [I, G*U], recurrent_kernel [U, G*U] -> output
// [B, T, U], h (and c) [B, U], workspace [B, T, W*U].
void forward_shape(InferenceContext& c, const CellSpec& s) {
  shape_fns::require_same_dtypes(c);
  shape_fns::require_rank(c, 0, 3);
  const int off = s.has_cell_state ? 1 : 0;
  const TensorShape x = c.input_shapes[0], h0 = c.input_shapes[1];
  const TensorShape kernel = c.input_shapes[2 + off], rk = c.input_shapes[3 + off];
  for (int i : {2 + off, 3 + off}) shape_fns::require_rank(c, i, 2);
  int64_t units = rk.has_rank() ? rk.dim(0) : -1;
  if (units < 0 && h0.has_rank() && h0.rank() == 2) units = h0.dim(1);
  const int64_t b = x.has_rank() ? x.dim(0) : -1, t = x.has_rank() ? x.dim(1) : -1;
  if (x.has_rank() && kernel.has_rank()) require_dim(kernel.dim(0), x.dim(2), "kernel rows vs input size");
  if (units >= 0) {
    if (kernel.has_rank()) require_dim(kernel.dim(1), s.gates * units, "kernel columns vs gates * units");
    if (rk.has_rank()) require_dim(rk.dim(1), s.gates * units, "recurrent_kernel columns vs gates * units");
  }
  const DType dt = c.input_dtypes[0];
  c.set_output(0, dt, TensorShape({b, t, units}));
  c.set_output(1, dt, TensorShape({b, units}));
  if (s.has_cell_state) c.set_output(2, dt, TensorShape({b, units}));
  c.set_output(s.has_cell_state ? 3 : 2, dt,
               TensorShape({b, t, units < 0 ? -1 : s.workspace_units * units}));
}

// The gradients have the shapes of the differentiable inputs.
void grad_shape(InferenceContext& c, const CellSpec& s) {
  shape_fns::require_same_dtypes(c);
  const int n = s.has_cell_state ? 6 : 5;  // x, h0, (c0,) kernel, recurrent_kernel, bias
  for (int i = 0; i < n; ++i) c.set_output(i, c.input_dtypes[0], c.input_shapes[i]);
}

// A [0] tensor of x's dtype: "none" for an optional input.
Tensor none_like(const Tensor& x) { return constant(np::zeros({0}, x.dtype())); }

Grads forward_grad(const Operation& op, const Grads& g, const CellSpec& s) {
  const int n_in = s.has_cell_state ? 8 : 7;
  std::vector<Tensor> in;
  for (int i = 0; i < n_in; ++i) in.push_back(op.input(i));
  in.push_back(op.output(0));
  in.push_back(op.output(s.has_cell_state ? 3 : 2));  // workspace
  const int n_state = s.has_cell_state ? 2 : 1;
  for (int i = 0; i <= n_state; ++i) in.push_back(g[static_cast<size_t>(i)] ? g[static_cast<size_t>(i)] : none_like(op.input(0)));
  AttrMap attrs{{"activation", op.get_attr<std::string>("activation")},
                {"go_backwards", op.get_attr<bool>("go_backwards")}};
  if (s.gates > 1) attrs["recurrent_activation"] = op.get_attr<std::string>("recurrent_activation");
  const Operation grad = op_builder::create(std::string(s.op) + "Grad", in, attrs);
  Grads out;
  for (int i = 0; i < n_in - 2; ++i) out.push_back(grad.output(i));
  out.push_back(Tensor());  // mask
  out.push_back(Tensor());  // recurrent_dropout_mask
  return out;
}

OpDef forward_def(const CellSpec& s) {
  std::vector<std::string> outputs = {"output: T", "h: T"};
  if (s.has_cell_state) outputs.push_back("c: T");
  outputs.push_back("workspace: T");
  return OpDef{.name = s.op,
               .inputs = s.has_cell_state ? schema::kKerasLSTM.specs() : schema::kKerasRecurrent.specs(),
               .outputs = outputs,
               .attrs = attrs_of(s),
               .shape_fn = [s](InferenceContext& c) { forward_shape(c, s); },
               .grad_fn = [s](const Operation& op, const Grads& g) { return forward_grad(op, g, s); },
               .allocates_outputs = true};
}

OpDef grad_def(const CellSpec& s) {
  std::vector<std::string> outputs = {"dx: T", "dh0: T"};
  if (s.has_cell_state) outputs.push_back("dc0: T");
  for (const char* o : {"dkernel: T", "drecurrent_kernel: T", "dbias: T"}) outputs.push_back(o);
  return OpDef{.name = std::string(s.op) + "Grad",
               .inputs = s.has_cell_state ? schema::kKerasLSTMGrad.specs() : schema::kKerasRecurrentGrad.specs(),
               .outputs = outputs,
               .attrs = attrs_of(s),
               .shape_fn = [s](InferenceContext& c) { grad_shape(c, s); },
               .differentiable = false,
               .allocates_outputs = true};
}

KPP_REGISTER_OP(forward_def(kLSTM));
KPP_REGISTER_OP(grad_def(kLSTM));
KPP_REGISTER_OP(forward_def(kGRU));
KPP_REGISTER_OP(grad_def(kGRU));
KPP_REGISTER_OP(forward_def(kSimpleRNN));
KPP_REGISTER_OP(grad_def(kSimpleRNN));

// The optional inputs, a [0] tensor where absent.
std::vector<Tensor> optional_inputs(const Tensor& x, const KerasRecurrentOptions& o, const Tensor& bias) {
  return {bias ? bias : none_like(x), o.mask ? o.mask : none_like(x),
          o.recurrent_dropout_mask ? o.recurrent_dropout_mask : none_like(x)};
}

AttrMap attrs_for(const KerasRecurrentOptions& o, bool gated) {
  AttrMap a{{"activation", o.activation}, {"go_backwards", o.go_backwards}};
  if (gated) a["recurrent_activation"] = o.recurrent_activation;
  return a;
}

KerasRecurrentOutputs outputs_of(const Operation& op, bool has_c) {
  return {.output = op.output(0), .h = op.output(1), .c = has_c ? op.output(2) : Tensor()};
}

}  // namespace

KerasRecurrentOutputs keras_lstm(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& kernel,
                                 const Tensor& recurrent_kernel, const Tensor& bias,
                                 const KerasRecurrentOptions& options, const std::string& name) {
  std::vector<Tensor> in = {x, h0, c0, kernel, recurrent_kernel};
  for (const Tensor& t : optional_inputs(x, options, bias)) in.push_back(t);
  return outputs_of(op_builder::create("KerasLSTM", in, attrs_for(options, true), name), true);
}

KerasRecurrentOutputs keras_gru(const Tensor& x, const Tensor& h0, const Tensor& kernel,
                                const Tensor& recurrent_kernel, const Tensor& bias,
                                const KerasRecurrentOptions& options, const std::string& name) {
  std::vector<Tensor> in = {x, h0, kernel, recurrent_kernel};
  for (const Tensor& t : optional_inputs(x, options, bias)) in.push_back(t);
  return outputs_of(op_builder::create("KerasGRU", in, attrs_for(options, true), name), false);
}

KerasRecurrentOutputs keras_simple_rnn(const Tensor& x, const Tensor& h0, const Tensor& kernel,
                                       const Tensor& recurrent_kernel, const Tensor& bias,
                                       const KerasRecurrentOptions& options, const std::string& name) {
  std::vector<Tensor> in = {x, h0, kernel, recurrent_kernel};
  for (const Tensor& t : optional_inputs(x, options, bias)) in.push_back(t);
  return outputs_of(op_builder::create("KerasSimpleRNN", in, attrs_for(options, false), name), false);
}

}  // namespace tf
