// Each tf::train optimizer's update checked against its TF 1.x rule computed
// by hand in double, over two steps (so slot state carries over), in float64
// (tight) and float32. TF converts numeric hyper-parameters to float32 Consts
// and casts them to the variable's dtype, so the double rules use f32(x).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "keraspp/tf.h"

namespace {

double f32(double x) { return static_cast<float>(x); }

np::Array vec(const std::vector<double>& v) {
  return np::Array::from_vector(v, {static_cast<int64_t>(v.size())});
}

// loss = 0.5 * sum((w - t)^2) + sum(k * b): dloss/dw = w - t, dloss/db = k,
// so every element evolves on its own and a per-element rule predicts it.
const std::vector<double> kW0 = {1.0, -2.0, 0.75};
const std::vector<double> kT = {0.5, 0.25, 1.5};
const double kB0 = 0.3, kK = -1.5;

// The values of [w..., b] after each of `steps` training steps.
std::vector<std::vector<double>> train(
    const std::function<std::unique_ptr<tf::train::Optimizer>()>& make, tf::DType dt, int steps) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Variable w(tf::constant(vec(kW0), dt), {.name = "w"});
  tf::Variable b(tf::constant(vec({kB0}), dt), {.name = "b"});
  tf::Tensor t = tf::constant(vec(kT), dt);
  tf::Tensor loss = 0.5 * tf::reduce_sum(tf::square(w.value() - t)) +
                    tf::reduce_sum(tf::multiply(b.value(), kK));
  auto opt = make();
  tf::Operation train_op = opt->minimize(loss);
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  std::vector<std::vector<double>> out;
  for (int i = 0; i < steps; ++i) {
    s.run(train_op);
    auto r = s.run(std::vector<tf::Tensor>{w.value(), b.value()});
    std::vector<double> v;
    for (int64_t j = 0; j < r[0].size(); ++j) v.push_back(r[0].get_flat(j));
    v.push_back(r[1].get_flat(0));
    out.push_back(v);
  }
  return out;
}

// One element's update in double: x the value, g its gradient, s its slots
// (starting at `slot_init`), t the 1-based step.
using Rule = std::function<void(double& x, double g, std::vector<double>& s, int t)>;

std::vector<std::vector<double>> simulate(const Rule& rule, const std::vector<double>& slot_init,
                                          int steps) {
  std::vector<double> x = kW0;
  x.push_back(kB0);
  std::vector<std::vector<double>> slots(x.size(), slot_init);
  std::vector<std::vector<double>> out;
  for (int t = 1; t <= steps; ++t) {
    for (size_t i = 0; i < x.size(); ++i) {
      const double g = i < kW0.size() ? x[i] - kT[i] : kK;
      rule(x[i], g, slots[i], t);
    }
    out.push_back(x);
  }
  return out;
}

void check(const std::function<std::unique_ptr<tf::train::Optimizer>()>& make, const Rule& rule,
           const std::vector<double>& slot_init) {
  const auto want = simulate(rule, slot_init, 2);
  const auto got64 = train(make, tf::float64, 2);
  const auto got32 = train(make, tf::float32, 2);
  for (size_t step = 0; step < want.size(); ++step)
    for (size_t i = 0; i < want[step].size(); ++i) {
      EXPECT_NEAR(got64[step][i], want[step][i], 1e-12 * (1 + std::abs(want[step][i])))
          << "float64 step " << step + 1 << " element " << i;
      EXPECT_NEAR(got32[step][i], want[step][i], 2e-6 * (1 + std::abs(want[step][i])))
          << "float32 step " << step + 1 << " element " << i;
    }
  // The steps really moved the variables.
  EXPECT_NE(want[1][0], kW0[0]);
}

TEST(OptimizerUpdate, GradientDescent) {
  check([] { return std::make_unique<tf::train::GradientDescentOptimizer>(0.1); },
        [](double& x, double g, std::vector<double>&, int) { x -= f32(0.1) * g; }, {});
}

TEST(OptimizerUpdate, Momentum) {
  check([] { return std::make_unique<tf::train::MomentumOptimizer>(0.1, 0.9); },
        [](double& x, double g, std::vector<double>& s, int) {
          s[0] = s[0] * f32(0.9) + g;
          x -= f32(0.1) * s[0];
        },
        {0.0});
}

TEST(OptimizerUpdate, MomentumNesterov) {
  check([] {
          return std::make_unique<tf::train::MomentumOptimizer>(
              0.1, 0.9, tf::train::MomentumOptions{.use_nesterov = true});
        },
        [](double& x, double g, std::vector<double>& s, int) {
          s[0] = s[0] * f32(0.9) + g;
          x -= g * f32(0.1) + s[0] * f32(0.9) * f32(0.1);
        },
        {0.0});
}

TEST(OptimizerUpdate, Adagrad) {
  check([] { return std::make_unique<tf::train::AdagradOptimizer>(0.05); },
        [](double& x, double g, std::vector<double>& s, int) {
          s[0] += g * g;
          x -= f32(0.05) * g / std::sqrt(s[0]);
        },
        {0.1});  // initial_accumulator_value, in the variable's dtype
}

TEST(OptimizerUpdate, Adam) {
  check([] { return std::make_unique<tf::train::AdamOptimizer>(0.01); },
        [](double& x, double g, std::vector<double>& s, int t) {
          // beta1_power / beta2_power are float32 variables: beta^t in float.
          float b1p = static_cast<float>(0.9), b2p = static_cast<float>(0.999);
          for (int k = 1; k < t; ++k) {
            b1p *= static_cast<float>(0.9);
            b2p *= static_cast<float>(0.999);
          }
          const double b1 = f32(0.9), b2 = f32(0.999), eps = f32(1e-8);
          const double lr_t = f32(0.01) * std::sqrt(1 - double(b2p)) / (1 - double(b1p));
          s[0] += (g - s[0]) * (1 - b1);
          s[1] += (g * g - s[1]) * (1 - b2);
          x -= lr_t * s[0] / (std::sqrt(s[1]) + eps);
        },
        {0.0, 0.0});
}

TEST(OptimizerUpdate, AdamDefaults) {
  // lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8.
  check([] { return std::make_unique<tf::train::AdamOptimizer>(); },
        [](double& x, double g, std::vector<double>& s, int t) {
          float b1p = static_cast<float>(0.9), b2p = static_cast<float>(0.999);
          for (int k = 1; k < t; ++k) {
            b1p *= static_cast<float>(0.9);
            b2p *= static_cast<float>(0.999);
          }
          const double lr_t = f32(0.001) * std::sqrt(1 - double(b2p)) / (1 - double(b1p));
          s[0] += (g - s[0]) * (1 - f32(0.9));
          s[1] += (g * g - s[1]) * (1 - f32(0.999));
          x -= lr_t * s[0] / (std::sqrt(s[1]) + f32(1e-8));
        },
        {0.0, 0.0});
}

TEST(OptimizerUpdate, RMSProp) {
  // Defaults decay 0.9, momentum 0, epsilon 1e-10; rms starts at ones.
  check([] { return std::make_unique<tf::train::RMSPropOptimizer>(0.01); },
        [](double& x, double g, std::vector<double>& s, int) {
          s[0] += (g * g - s[0]) * (1 - f32(0.9));
          s[1] = s[1] * 0.0 + f32(0.01) * g / std::sqrt(s[0] + f32(1e-10));
          x -= s[1];
        },
        {1.0, 0.0});
}

TEST(OptimizerUpdate, RMSPropMomentum) {
  check([] {
          return std::make_unique<tf::train::RMSPropOptimizer>(
              0.01, tf::train::RMSPropOptions{.decay = 0.8, .momentum = 0.5, .epsilon = 1e-6});
        },
        [](double& x, double g, std::vector<double>& s, int) {
          s[0] += (g * g - s[0]) * (1 - f32(0.8));
          s[1] = s[1] * f32(0.5) + f32(0.01) * g / std::sqrt(s[0] + f32(1e-6));
          x -= s[1];
        },
        {1.0, 0.0});
}

TEST(OptimizerUpdate, RMSPropCentered) {
  check([] {
          return std::make_unique<tf::train::RMSPropOptimizer>(
              0.01, tf::train::RMSPropOptions{.momentum = 0.5, .centered = true});
        },
        [](double& x, double g, std::vector<double>& s, int) {  // s: rms, mg, momentum
          s[1] += (g - s[1]) * (1 - f32(0.9));
          s[0] += (g * g - s[0]) * (1 - f32(0.9));
          s[2] = s[2] * f32(0.5) + f32(0.01) * g / std::sqrt(s[0] - s[1] * s[1] + f32(1e-10));
          x -= s[2];
        },
        {1.0, 0.0, 0.0});
}

TEST(OptimizerUpdate, Adadelta) {
  // lr 1.0 makes the step visible; rho 0.95 and epsilon 1e-8 are TF's defaults.
  check([] { return std::make_unique<tf::train::AdadeltaOptimizer>(1.0); },
        [](double& x, double g, std::vector<double>& s, int) {
          const double rho = f32(0.95), eps = f32(1e-8);
          s[0] = s[0] * rho + g * g * (1 - rho);
          const double update = std::sqrt(s[1] + eps) / std::sqrt(s[0] + eps) * g;
          s[1] = s[1] * rho + update * update * (1 - rho);
          x -= update * 1.0;
        },
        {0.0, 0.0});
}

TEST(OptimizerUpdate, LearningRateTensor) {
  // A learning rate given as a tensor is read each step (a fed schedule).
  tf::Graph g;
  auto guard = g.as_default();
  tf::Variable w(np::Array({1.0f, 2.0f}), {.name = "w"});
  tf::Tensor lr = tf::placeholder(tf::float32, tf::TensorShape::scalar(), "lr");
  tf::Operation step = tf::train::GradientDescentOptimizer(lr).minimize(tf::reduce_sum(w.value()));
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  s.run(step, {{lr, 0.5f}});
  s.run(step, {{lr, 0.25f}});
  const np::Array v = s.run(w.value());
  EXPECT_FLOAT_EQ(v.at<float>(0), 1.0f - 0.75f);
  EXPECT_FLOAT_EQ(v.at<float>(1), 2.0f - 0.75f);
}

TEST(OptimizerUpdate, AdamBetaPowersAdvanceOncePerStep) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Variable w(np::Array({1.0f, 2.0f}), {.name = "w"});
  tf::Variable b(np::Array({0.5f}), {.name = "b"});
  tf::Operation step = tf::train::AdamOptimizer(0.1).minimize(
      tf::reduce_sum(tf::square(w.value())) + tf::reduce_sum(b.value()));
  auto vars = tf::global_variables();
  ASSERT_EQ(vars[2].name(), "beta1_power:0");
  ASSERT_EQ(vars[3].name(), "beta2_power:0");
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  EXPECT_FLOAT_EQ(s.run(vars[2].value()).item<float>(), 0.9f);
  for (int i = 0; i < 3; ++i) s.run(step);
  // Two variables, three steps: 0.9^4, not 0.9^7.
  EXPECT_FLOAT_EQ(s.run(vars[2].value()).item<float>(), 0.9f * 0.9f * 0.9f * 0.9f);
  EXPECT_FLOAT_EQ(s.run(vars[3].value()).item<float>(), 0.999f * 0.999f * 0.999f * 0.999f);
}

}  // namespace

namespace {

TEST(OptimizerUpdate, SteadyStateStepsAllocateNoNewBuffers) {
  std::vector<std::function<std::unique_ptr<tf::train::Optimizer>()>> makers = {
      [] { return std::make_unique<tf::train::GradientDescentOptimizer>(0.1); },
      [] { return std::make_unique<tf::train::MomentumOptimizer>(0.1, 0.9); },
      [] { return std::make_unique<tf::train::AdagradOptimizer>(0.1); },
      [] { return std::make_unique<tf::train::AdamOptimizer>(0.1); },
      [] { return std::make_unique<tf::train::RMSPropOptimizer>(0.1, tf::train::RMSPropOptions{.centered = true}); },
      [] { return std::make_unique<tf::train::AdadeltaOptimizer>(); },
  };
  for (const auto& make : makers) {
    tf::Graph g;
    auto guard = g.as_default();
    tf::Variable w(tf::ones({64, 32}), {.name = "w"});
    tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 64}));
    tf::Tensor loss = tf::reduce_mean(tf::square(tf::matmul(x, w.value())));
    auto opt = make();
    tf::Operation step = opt->minimize(loss, {.global_step = tf::train::get_or_create_global_step()});
    tf::Session s(g);
    s.run(tf::global_variables_initializer());
    const np::Array batch = np::ones({8, 64});
    for (int i = 0; i < 2; ++i) s.run(step, {{x, batch}});
    const size_t bytes = s.pooled_bytes();
    for (int i = 0; i < 5; ++i) s.run(step, {{x, batch}});
    EXPECT_EQ(s.pooled_bytes(), bytes) << opt->get_name();
    EXPECT_EQ(s.num_cached_plans(), 2u) << opt->get_name();  // init + step
  }
}

}  // namespace
