// The fused optimizer kernels (TF's Apply*, Keras's Keras*Update) run their
// per-element step vectorized and, above np::kParallelGrain elements, split
// into per-thread chunks. Whatever the path, every element must come out bit
// for bit as the step applied to it alone in plain scalar code.
//
// Sizes: one under the grain (one vector loop and its remainder) and one
// above it that is not a multiple of 16 (per-thread chunks with ragged ends),
// each on 1, 2 and 3 threads, over three steps with a new gradient each (so
// slot values feed back). The references below write each fused
// multiply-add as std::fma, as the kernels do (src/kernels/cpu/
// fused_update.h), so they round the same whatever this file's flags are.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "keraspp/np/broadcast.h"
#include "keraspp/ops/keras_training_ops.h"
#include "keraspp/tf.h"

namespace {

using Refs = std::vector<tf::Tensor>;
using Hyper = std::vector<tf::Tensor>;

// One optimizer: `build` makes its op from the refs (variable first), the
// hyper-parameters as constants of the variable's dtype and the gradient;
// `step32` / `step64` apply its rule to one element: s[0] the variable, s[1..]
// its slots, h the hyper-parameters in T.
struct Case {
  std::string name;
  int refs;
  std::vector<double> hyper;
  std::function<tf::Tensor(const Refs&, const Hyper&, const tf::Tensor&)> build;
  std::function<void(float, float*, const float*)> step32;
  std::function<void(double, double*, const double*)> step64;
};

template <class Step>
Case make(std::string name, int refs, std::vector<double> hyper,
          std::function<tf::Tensor(const Refs&, const Hyper&, const tf::Tensor&)> build,
          Step step) {
  return {std::move(name), refs, std::move(hyper), std::move(build), step, step};
}

std::vector<Case> cases() {
  using std::fma;
  using std::sqrt;
  std::vector<Case> c;
  for (bool nesterov : {false, true}) {
    c.push_back(make(nesterov ? "KerasSGDNesterov" : "KerasSGD", 2, {0.1, 0.9},
                     [=](const Refs& r, const Hyper& h, const tf::Tensor& g) {
                       return tf::keras_sgd_update(r[0], r[1], h[0], h[1], g, nesterov);
                     },
                     [=](auto g, auto* s, const auto* h) {
                       const auto v = fma(h[1], s[1], -(h[0] * g));
                       s[1] = v;
                       s[0] = nesterov ? fma(-h[0], g, fma(h[1], v, s[0])) : s[0] + v;
                     }));
  }
  c.push_back(make("KerasRMSprop", 2, {0.01, 0.9, 1e-7},
                   [](const Refs& r, const Hyper& h, const tf::Tensor& g) {
                     return tf::keras_rmsprop_update(r[0], r[1], h[0], h[1], h[2], g);
                   },
                   [](auto g, auto* s, const auto* h) {
                     using T = decltype(g);
                     s[1] = fma(h[1], s[1], (T(1) - h[1]) * g * g);
                     s[0] -= h[0] * g / (sqrt(s[1]) + h[2]);
                   }));
  c.push_back(make("KerasAdagrad", 2, {0.05, 1e-7},
                   [](const Refs& r, const Hyper& h, const tf::Tensor& g) {
                     return tf::keras_adagrad_update(r[0], r[1], h[0], h[1], g);
                   },
                   [](auto g, auto* s, const auto* h) {
                     s[1] = fma(g, g, s[1]);
                     s[0] -= h[0] * g / (sqrt(s[1]) + h[1]);
                   }));
  c.push_back(make("KerasAdadelta", 3, {1.0, 0.95, 1e-6},
                   [](const Refs& r, const Hyper& h, const tf::Tensor& g) {
                     return tf::keras_adadelta_update(r[0], r[1], r[2], h[0], h[1], h[2], g);
                   },
                   [](auto g, auto* s, const auto* h) {
                     using T = decltype(g);
                     s[1] = fma(h[1], s[1], (T(1) - h[1]) * g * g);
                     const T u = g * sqrt(s[2] + h[2]) / sqrt(s[1] + h[2]);
                     s[0] = fma(-h[0], u, s[0]);
                     s[2] = fma(h[1], s[2], (T(1) - h[1]) * u * u);
                   }));
  c.push_back(make("KerasAdam", 3, {0.01, 0.9, 0.999, 1e-7},
                   [](const Refs& r, const Hyper& h, const tf::Tensor& g) {
                     return tf::keras_adam_update(r[0], r[1], r[2], h[0], h[1], h[2], h[3], g);
                   },
                   [](auto g, auto* s, const auto* h) {
                     using T = decltype(g);
                     s[1] = fma(h[1], s[1], (T(1) - h[1]) * g);
                     s[2] = fma(h[2], s[2], (T(1) - h[2]) * g * g);
                     s[0] -= h[0] * s[1] / (sqrt(s[2]) + h[3]);
                   }));
  c.push_back(make("KerasAdamax", 3, {0.02, 0.9, 0.999, 1e-7},
                   [](const Refs& r, const Hyper& h, const tf::Tensor& g) {
                     return tf::keras_adamax_update(r[0], r[1], r[2], h[0], h[1], h[2], h[3], g);
                   },
                   [](auto g, auto* s, const auto* h) {
                     using T = decltype(g);
                     s[1] = fma(h[1], s[1], (T(1) - h[1]) * g);
                     s[2] = std::max(h[2] * s[2], std::abs(g));
                     s[0] -= h[0] * s[1] / (s[2] + h[3]);
                   }));
  c.push_back(make("KerasNadam", 3, {0.02, 0.9, 0.999, 1e-7, 1.5, 1.25, 2.0, 0.45, 0.46},
                   [](const Refs& r, const Hyper& h, const tf::Tensor& g) {
                     return tf::keras_nadam_update(
                         r[0], r[1], r[2], {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]}, g);
                   },
                   [](auto g, auto* s, const auto* h) {
                     using T = decltype(g);
                     const T g_prime = g * h[4];
                     s[1] = fma(h[1], s[1], (T(1) - h[1]) * g);
                     s[2] = fma(h[2], s[2], (T(1) - h[2]) * g * g);
                     const T m_bar = fma(T(1) - h[7], g_prime, h[8] * (s[1] * h[5]));
                     s[0] -= h[0] * m_bar / (sqrt(s[2] * h[6]) + h[3]);
                   }));
  c.push_back(make("ApplyGradientDescent", 1, {0.1},
                   [](const Refs& r, const Hyper& h, const tf::Tensor& g) {
                     return tf::apply_gradient_descent(r[0], h[0], g);
                   },
                   [](auto g, auto* s, const auto* h) { s[0] = fma(-h[0], g, s[0]); }));
  for (bool nesterov : {false, true}) {
    c.push_back(make(nesterov ? "ApplyMomentumNesterov" : "ApplyMomentum", 2, {0.1, 0.9},
                     [=](const Refs& r, const Hyper& h, const tf::Tensor& g) {
                       return tf::apply_momentum(r[0], r[1], h[0], g, h[1], nesterov);
                     },
                     [=](auto g, auto* s, const auto* h) {
                       s[1] = fma(s[1], h[1], g);
                       if (nesterov)
                         s[0] -= fma(g, h[0], s[1] * h[1] * h[0]);
                       else
                         s[0] = fma(-h[0], s[1], s[0]);
                     }));
  }
  c.push_back(make("ApplyAdagrad", 2, {0.1},
                   [](const Refs& r, const Hyper& h, const tf::Tensor& g) {
                     return tf::apply_adagrad(r[0], r[1], h[0], g);
                   },
                   [](auto g, auto* s, const auto* h) {
                     s[1] = fma(g, g, s[1]);
                     s[0] -= h[0] * g / sqrt(s[1]);
                   }));
  // Hyper-parameters: beta1_power, beta2_power, lr, beta1, beta2, epsilon.
  c.push_back(make("ApplyAdam", 3, {0.9, 0.999, 0.01, 0.9, 0.999, 1e-8},
                   [](const Refs& r, const Hyper& h, const tf::Tensor& g) {
                     return tf::apply_adam(r[0], r[1], r[2], h[0], h[1], h[2], h[3], h[4], h[5], g);
                   },
                   [](auto g, auto* s, const auto* h) {
                     using T = decltype(g);
                     const T lr_t = h[2] * sqrt(T(1) - h[1]) / (T(1) - h[0]);
                     s[1] = fma(g - s[1], T(1) - h[3], s[1]);
                     s[2] = fma(fma(g, g, -s[2]), T(1) - h[4], s[2]);
                     s[0] -= lr_t * s[1] / (sqrt(s[2]) + h[5]);
                   }));
  // Hyper-parameters: lr, rho, momentum, epsilon.
  c.push_back(make("ApplyRMSProp", 3, {0.01, 0.9, 0.5, 1e-10},
                   [](const Refs& r, const Hyper& h, const tf::Tensor& g) {
                     return tf::apply_rms_prop(r[0], r[1], r[2], h[0], h[1], h[2], h[3], g);
                   },
                   [](auto g, auto* s, const auto* h) {
                     using T = decltype(g);
                     s[1] = fma(fma(g, g, -s[1]), T(1) - h[1], s[1]);
                     s[2] = fma(s[2], h[2], h[0] * g / sqrt(s[1] + h[3]));
                     s[0] -= s[2];
                   }));
  c.push_back(make("ApplyCenteredRMSProp", 4, {0.01, 0.9, 0.5, 1e-10},
                   [](const Refs& r, const Hyper& h, const tf::Tensor& g) {
                     return tf::apply_centered_rms_prop(r[0], r[1], r[2], r[3], h[0], h[1], h[2],
                                                        h[3], g);
                   },
                   [](auto g, auto* s, const auto* h) {
                     using T = decltype(g);
                     s[1] = fma(g - s[1], T(1) - h[1], s[1]);
                     s[2] = fma(fma(g, g, -s[2]), T(1) - h[1], s[2]);
                     s[3] = fma(s[3], h[2], h[0] * g / sqrt(fma(-s[1], s[1], s[2]) + h[3]));
                     s[0] -= s[3];
                   }));
  // Hyper-parameters: lr, rho, epsilon.
  c.push_back(make("ApplyAdadelta", 3, {0.5, 0.95, 1e-6},
                   [](const Refs& r, const Hyper& h, const tf::Tensor& g) {
                     return tf::apply_adadelta(r[0], r[1], r[2], h[0], h[1], h[2], g);
                   },
                   [](auto g, auto* s, const auto* h) {
                     using T = decltype(g);
                     s[1] = fma(s[1], h[1], g * g * (T(1) - h[1]));
                     const T u = sqrt(s[2] + h[2]) / sqrt(s[1] + h[2]) * g;
                     s[2] = fma(s[2], h[1], u * u * (T(1) - h[1]));
                     s[0] = fma(-u, h[0], s[0]);
                   }));
  return c;
}

// n values in [lo, hi) in dtype T, from a fixed xorshift stream.
template <class T> std::vector<T> values(int64_t n, uint64_t seed, double lo, double hi) {
  std::vector<T> v(n);
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& e : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    e = static_cast<T>(lo + (hi - lo) * static_cast<double>(x >> 11) * 0x1.0p-53);
  }
  return v;
}

// Where ref k starts: the variable in [-1, 1), slots in [0.5, 1.5) (so every
// square root's argument stays positive), except the centered mean gradient
// (k == 1 of 4) in [-0.5, 0.5), under its mean square.
std::pair<double, double> start_range(const Case& c, int k) {
  if (k == 0) return {-1, 1};
  if (c.refs == 4 && k == 1) return {-0.5, 0.5};
  return {0.5, 1.5};
}

template <class T> void check(const Case& c, int64_t n, int threads) {
  constexpr int kSteps = 3;
  const tf::DType dt = np::dtype_v<T>;
  std::vector<std::vector<T>> want(c.refs);  // [refs][n], updated by the reference
  for (int k = 0; k < c.refs; ++k) {
    const auto [lo, hi] = start_range(c, k);
    want[k] = values<T>(n, 10 + k, lo, hi);
  }
  std::vector<std::vector<T>> grads;  // [kSteps][n]
  for (int t = 0; t < kSteps; ++t) grads.push_back(values<T>(n, 100 + t, -1, 1));

  tf::Graph g;
  auto guard = g.as_default();
  std::vector<tf::Variable> vars;
  Refs refs;
  for (int k = 0; k < c.refs; ++k) {
    vars.emplace_back(np::Array::from_vector(want[k], {n}));
    refs.push_back(vars.back().ref());
  }
  Hyper hyper;
  for (double h : c.hyper) hyper.push_back(tf::constant(h, dt));
  tf::Tensor grad = tf::placeholder(dt, {n});
  tf::Tensor update = c.build(refs, hyper, grad);

  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  tf::Session s(g);
  for (auto& v : vars) s.run(v.initializer());
  for (int t = 0; t < kSteps; ++t) s.run(update.op(), {{grad, np::Array::from_vector(grads[t], {n})}});
  std::vector<tf::Tensor> fetch;
  for (auto& v : vars) fetch.push_back(v.value());
  const std::vector<np::Array> got = s.run(fetch);
  omp_set_num_threads(saved);

  std::vector<T> h;
  for (double x : c.hyper) h.push_back(static_cast<T>(x));
  for (int t = 0; t < kSteps; ++t)
    for (int64_t i = 0; i < n; ++i) {
      T e[4];
      for (int k = 0; k < c.refs; ++k) e[k] = want[k][i];
      if constexpr (std::is_same_v<T, float>)
        c.step32(grads[t][i], e, h.data());
      else
        c.step64(grads[t][i], e, h.data());
      for (int k = 0; k < c.refs; ++k) want[k][i] = e[k];
    }

  for (int k = 0; k < c.refs; ++k) {
    const T* out = got[k].data<T>();
    int64_t bad = 0, first = -1;
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_TRUE(std::isfinite(want[k][i])) << c.name << " reference ref " << k << " at " << i;
      if (std::memcmp(&out[i], &want[k][i], sizeof(T)) != 0 && bad++ == 0) first = i;
    }
    EXPECT_EQ(bad, 0) << c.name << " " << np::dtype_name(dt) << " n=" << n << " threads=" << threads
                      << ": ref " << k << " differs in " << bad << " elements, first at " << first
                      << " (" << (first < 0 ? T(0) : out[first]) << " vs "
                      << (first < 0 ? T(0) : want[k][first]) << ")";
  }
}

// Above the grain, with a remainder of 5 after the last whole 16 elements.
constexpr int64_t kLarge = 2 * np::kParallelGrain + 37;
static_assert(kLarge > np::kParallelGrain && kLarge % 16 != 0);

TEST(FusedUpdateVectorized, EveryOptimizerMatchesTheScalarStepBitForBit) {
  for (const Case& c : cases())
    for (int64_t n : {int64_t{37}, kLarge})
      for (int threads : {1, 2, 3}) {
        check<float>(c, n, threads);
        check<double>(c, n, threads);
      }
}

}  // namespace
