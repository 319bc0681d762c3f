// Conformance cases: the fused Keras recurrent ops (src/ops/keras_recurrent.cc)
// against a plain float64 step-by-step reference written from Keras 2.0.x's
// step equations, their gradients against finite differences, and the
// gradient ops themselves against finite differences of the reference.
// Masks (including masked first and last steps), go_backwards, recurrent
// dropout masks and each activation are covered. Inputs lie in [-0.5, 0.5],
// so hard_sigmoid never reaches its clipped range.
#include <cmath>

#include "conformance.h"
#include "keraspp/ops/keras_recurrent_ops.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

struct Config {
  std::string cell;  // "lstm", "gru", "simple_rnn"
  int64_t B = 2, T = 3, I = 3, U = 2;
  std::string activation = "tanh", recurrent_activation = "hard_sigmoid";
  bool go_backwards = false, bias = true;
  std::vector<double> mask = {};     // [B, T], empty: none
  std::vector<double> dropout = {};  // [B, U], empty: none
  int gates() const { return cell == "lstm" ? 4 : cell == "gru" ? 3 : 1; }
  bool has_c() const { return cell == "lstm"; }
};

double act(const std::string& a, double x) {
  if (a == "tanh") return std::tanh(x);
  if (a == "sigmoid") return 1 / (1 + std::exp(-x));
  if (a == "hard_sigmoid") return std::min(1.0, std::max(0.0, 0.2 * x + 0.5));
  if (a == "relu") return x > 0 ? x : 0;
  return x;
}

// The inputs in order: x, h0, (c0,) kernel, recurrent_kernel, (bias).
std::vector<np::Shape> input_shapes(const Config& c) {
  const int64_t gu = c.gates() * c.U;
  std::vector<np::Shape> s = {{c.B, c.T, c.I}, {c.B, c.U}};
  if (c.has_c()) s.push_back({c.B, c.U});
  s.push_back({c.I, gu});
  s.push_back({c.U, gu});
  if (c.bias) s.push_back({gu});
  return s;
}

// Returns {output [B, T, U], h [B, U], c [B, U]} computed step by step.
std::vector<np::Array> reference(const Config& c, const A& in) {
  const int64_t B = c.B, T = c.T, I = c.I, U = c.U, G = c.gates(), off = c.has_c() ? 1 : 0;
  const np::Array &x = in[0], &h0 = in[1], &k = in[2 + off], &rk = in[3 + off];
  np::Array out = np::zeros({B, T, U}, np::float64), h = np::zeros({B, U}, np::float64),
            cs = np::zeros({B, U}, np::float64);
  for (int64_t b = 0; b < B; ++b) {
    std::vector<double> hv(U), cv(U, 0.0);
    for (int64_t u = 0; u < U; ++u) hv[u] = h0.get_flat(b * U + u), cv[u] = off ? in[2].get_flat(b * U + u) : 0;
    for (int64_t s = 0; s < T; ++s) {
      const int64_t t = c.go_backwards ? T - 1 - s : s;
      std::vector<double> hd(U), xz(G * U), hz(G * U, 0.0);
      for (int64_t u = 0; u < U; ++u) hd[u] = hv[u] * (c.dropout.empty() ? 1.0 : c.dropout[b * U + u]);
      for (int64_t j = 0; j < G * U; ++j) {
        xz[j] = c.bias ? in[4 + off].get_flat(j) : 0.0;
        for (int64_t i = 0; i < I; ++i) xz[j] += x.get_flat((b * T + t) * I + i) * k.get_flat(i * G * U + j);
        if (c.cell == "gru" && j >= 2 * U) continue;  // h~'s product reads r * h below
        for (int64_t u = 0; u < U; ++u) hz[j] += hd[u] * rk.get_flat(u * G * U + j);
      }
      std::vector<double> hn(U), cn = cv;
      if (c.cell == "lstm") {
        for (int64_t u = 0; u < U; ++u) {
          auto z = [&](int g) { return xz[g * U + u] + hz[g * U + u]; };
          const double i = act(c.recurrent_activation, z(0)), f = act(c.recurrent_activation, z(1));
          const double cc = act(c.activation, z(2)), o = act(c.recurrent_activation, z(3));
          cn[u] = f * cv[u] + i * cc;
          hn[u] = o * act(c.activation, cn[u]);
        }
      } else if (c.cell == "gru") {
        std::vector<double> z(U), r(U);
        for (int64_t u = 0; u < U; ++u) {
          z[u] = act(c.recurrent_activation, xz[u] + hz[u]);
          r[u] = act(c.recurrent_activation, xz[U + u] + hz[U + u]);
        }
        for (int64_t u = 0; u < U; ++u) {
          double p = xz[2 * U + u];
          for (int64_t v = 0; v < U; ++v) p += r[v] * hd[v] * rk.get_flat(v * G * U + 2 * U + u);
          hn[u] = z[u] * hv[u] + (1 - z[u]) * act(c.activation, p);
        }
      } else {
        for (int64_t u = 0; u < U; ++u) hn[u] = act(c.activation, xz[u] + hz[u]);
      }
      if (c.mask.empty() || c.mask[b * T + t] != 0) hv = hn, cv = cn;
      for (int64_t u = 0; u < U; ++u) out.set_flat((b * T + s) * U + u, hv[u]);
    }
    for (int64_t u = 0; u < U; ++u) h.set_flat(b * U + u, hv[u]), cs.set_flat(b * U + u, cv[u]);
  }
  return {out, h, cs};
}

tf::KerasRecurrentOutputs build_op(const Config& c, const V& in) {
  const tf::DType dt = in[0].dtype();
  tf::KerasRecurrentOptions o{.activation = c.activation, .recurrent_activation = c.recurrent_activation,
                              .go_backwards = c.go_backwards};
  if (!c.mask.empty()) o.mask = tf::constant(np::Array::from_vector<double>(c.mask, {c.B, c.T}).astype(dt));
  if (!c.dropout.empty())
    o.recurrent_dropout_mask = tf::constant(np::Array::from_vector<double>(c.dropout, {c.B, c.U}).astype(dt));
  const int off = c.has_c() ? 1 : 0;
  const tf::Tensor bias = c.bias ? in[static_cast<size_t>(4 + off)] : tf::Tensor();
  if (c.cell == "lstm") return tf::keras_lstm(in[0], in[1], in[2], in[3], in[4], bias, o);
  if (c.cell == "gru") return tf::keras_gru(in[0], in[1], in[2], in[3], bias, o);
  return tf::keras_simple_rnn(in[0], in[1], in[2], in[3], bias, o);
}

std::string op_of(const Config& c) {
  return c.cell == "lstm" ? "KerasLSTM" : c.cell == "gru" ? "KerasGRU" : "KerasSimpleRNN";
}

// which: 0 the output sequence, 1 the last h, 2 LSTM's last c.
Case forward_case(const std::string& label, const Config& c, int which = 0) {
  return Case{.op = op_of(c), .label = label, .input_shapes = input_shapes(c),
              .build = [c, which](const V& in) {
                const tf::KerasRecurrentOutputs r = build_op(c, in);
                return Built{which == 0 ? r.output : which == 1 ? r.h : r.c};
              },
              .reference = [c, which](const A& in) { return reference(c, in)[static_cast<size_t>(which)]; },
              .low = -0.5, .high = 0.5};
}

// The gradient op's output `which` (dx, dh0, ...) for incoming gradients of
// the output sequence and the last h (and c): the last inputs of the case.
// Reference: fourth-order central differences of sum(g . reference).
Case grad_case(const std::string& label, const Config& c, int which) {
  std::vector<np::Shape> shapes = input_shapes(c);
  const size_t n_fwd = shapes.size();
  shapes.push_back({c.B, c.T, c.U});
  shapes.push_back({c.B, c.U});
  if (c.has_c()) shapes.push_back({c.B, c.U});
  return Case{.op = op_of(c) + "Grad", .label = label, .input_shapes = shapes,
              .build = [c, which, n_fwd](const V& in) {
                const V fwd(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n_fwd));
                const tf::KerasRecurrentOutputs r = build_op(c, fwd);
                const tf::Operation op = r.output.op();
                std::vector<tf::Tensor> g(in.begin() + static_cast<std::ptrdiff_t>(n_fwd), in.end());
                while (g.size() < 3) g.push_back(tf::Tensor());  // no c for GRU / SimpleRNN
                const std::vector<tf::Tensor> grads = tf::OpRegistry::global().lookup(op.type()).grad_fn(op, g);
                return Built{grads.at(static_cast<size_t>(which))};
              },
              .reference = [c, which, n_fwd](const A& in) {
                const A fwd(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n_fwd));
                auto loss = [&](const A& f) {
                  const std::vector<np::Array> r = reference(c, f);
                  double l = 0;
                  for (size_t k = 0; k + n_fwd < in.size(); ++k)
                    for (int64_t e = 0; e < r[k].size(); ++e) l += r[k].get_flat(e) * in[n_fwd + k].get_flat(e);
                  return l;
                };
                const size_t idx = static_cast<size_t>(which);
                np::Array d = np::zeros(fwd[idx].shape(), np::float64);
                const double h = 1e-3;
                for (int64_t e = 0; e < d.size(); ++e) {
                  auto at = [&](double delta) {
                    A f;
                    for (const auto& a : fwd) f.push_back(a.copy());
                    f[idx].set_flat(e, fwd[idx].get_flat(e) + delta);
                    return loss(f);
                  };
                  d.set_flat(e, (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h));
                }
                return d;
              },
              .low = -0.5, .high = 0.5, .check_gradient = false};
}

const std::vector<double> kMask = {1, 0, 1, 0, 1, 1};  // [2, 3]: a masked first step in row 1
const std::vector<double> kDropout = {1.25, 0, 0, 1.25};

Config lstm() { return Config{.cell = "lstm"}; }
Config gru() { return Config{.cell = "gru"}; }
Config rnn() { return Config{.cell = "simple_rnn"}; }
Config with(Config c, auto f) {
  f(c);
  return c;
}

CONFORMANCE_CASE(forward_case("sequence", lstm()));
CONFORMANCE_CASE(forward_case("last_h_masked_backwards", with(lstm(), [](Config& c) {
  c.mask = kMask, c.go_backwards = true;
}), 1));
CONFORMANCE_CASE(forward_case("last_c_dropout_sigmoid", with(lstm(), [](Config& c) {
  c.dropout = kDropout, c.recurrent_activation = "sigmoid", c.mask = kMask;
}), 2));
CONFORMANCE_CASE(forward_case("no_bias_relu_units3", with(lstm(), [](Config& c) {
  c.bias = false, c.activation = "relu", c.U = 3, c.B = 1;
})));
CONFORMANCE_CASE(forward_case("sequence", gru()));
CONFORMANCE_CASE(forward_case("masked_backwards_dropout", with(gru(), [](Config& c) {
  c.mask = kMask, c.go_backwards = true, c.dropout = kDropout;
})));
CONFORMANCE_CASE(forward_case("last_h_linear_tanh_gates", with(gru(), [](Config& c) {
  c.activation = "linear", c.recurrent_activation = "tanh", c.bias = false;
}), 1));
CONFORMANCE_CASE(forward_case("sequence", rnn()));
CONFORMANCE_CASE(forward_case("last_h_masked_backwards_dropout", with(rnn(), [](Config& c) {
  c.mask = kMask, c.go_backwards = true, c.dropout = kDropout, c.activation = "sigmoid";
}), 1));
CONFORMANCE_CASE(forward_case("relu_no_bias", with(rnn(), [](Config& c) { c.activation = "relu", c.bias = false; })));

// The gradient ops' outputs: LSTM dx, dh0, dc0, dkernel, drecurrent_kernel, dbias.
const Config kLSTMGradConfig = with(lstm(), [](Config& c) { c.mask = kMask, c.dropout = kDropout; });
CONFORMANCE_CASE(grad_case("dx", kLSTMGradConfig, 0));
CONFORMANCE_CASE(grad_case("dh0", kLSTMGradConfig, 1));
CONFORMANCE_CASE(grad_case("dc0_backwards", with(kLSTMGradConfig, [](Config& c) { c.go_backwards = true; }), 2));
CONFORMANCE_CASE(grad_case("dkernel", kLSTMGradConfig, 3));
CONFORMANCE_CASE(grad_case("drecurrent_kernel", kLSTMGradConfig, 4));
CONFORMANCE_CASE(grad_case("dbias", kLSTMGradConfig, 5));
const Config kGRUGradConfig = with(gru(), [](Config& c) { c.mask = kMask, c.dropout = kDropout; });
CONFORMANCE_CASE(grad_case("dx", kGRUGradConfig, 0));
CONFORMANCE_CASE(grad_case("dh0_backwards", with(kGRUGradConfig, [](Config& c) { c.go_backwards = true; }), 1));
CONFORMANCE_CASE(grad_case("drecurrent_kernel", kGRUGradConfig, 3));
CONFORMANCE_CASE(grad_case("dbias", kGRUGradConfig, 4));
const Config kRNNGradConfig = with(rnn(), [](Config& c) { c.mask = kMask, c.dropout = kDropout; });
CONFORMANCE_CASE(grad_case("dx", kRNNGradConfig, 0));
CONFORMANCE_CASE(grad_case("dkernel_backwards", with(kRNNGradConfig, [](Config& c) { c.go_backwards = true; }), 2));
CONFORMANCE_CASE(grad_case("drecurrent_kernel", kRNNGradConfig, 3));

}  // namespace
}  // namespace conformance
