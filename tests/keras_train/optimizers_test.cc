// Every Keras optimizer: two train_on_batch steps of a tiny linear model
// (Dense(2) on 3 inputs, mse) against the Keras 2.0.2 update rule computed
// here in double precision; defaults, configs, get() and lr changes.
#include <cmath>
#include <functional>

#include "train_test_util.h"

namespace keras_train_test {
namespace {

// The parameters flattened: kernel (3x2, row-major) then bias (2).
using Vec = std::vector<double>;
constexpr int kIn = 3, kOut = 2, kN = 4;

const std::vector<float> kX = {0.5f, -1.0f, 2.0f, 1.5f, 0.25f, -0.5f, -1.0f, 1.0f, 0.0f, 0.3f, 0.7f, -0.2f};
const std::vector<float> kY = {1.0f, -1.0f, 0.5f, 2.0f, -0.5f, 0.0f, 1.5f, 1.0f};
const Vec kW0 = {0.1, -0.2, 0.3, 0.05, -0.4, 0.25, 0.2, -0.1};

// d mse / d params at p: mse = mean over samples and outputs of (xW+b-y)^2.
Vec gradient(const Vec& p) {
  Vec g(p.size(), 0.0);
  for (int n = 0; n < kN; ++n)
    for (int o = 0; o < kOut; ++o) {
      double pred = p[kIn * kOut + o];
      for (int i = 0; i < kIn; ++i) pred += kX[n * kIn + i] * p[i * kOut + o];
      const double d = 2.0 * (pred - kY[n * kOut + o]) / (kN * kOut);
      for (int i = 0; i < kIn; ++i) g[i * kOut + o] += kX[n * kIn + i] * d;
      g[kIn * kOut + o] += d;
    }
  return g;
}

// One step of the rule: (params, grad, step t from 1) -> new params; state
// is kept by the closure.
using Rule = std::function<void(Vec& p, const Vec& g, int t)>;

class OptimizersTest : public KerasTrainTest {
 protected:
  // Trains two steps with `opt` and compares the weights with `rule`'s.
  void check(keras::optimizers::Optimizer opt, Rule rule, double tol = 2e-6) {
    auto model = linear_model(kIn, kOut);
    model.set_weights({np::Array::from_vector<float>({kW0.begin(), kW0.begin() + 6}, {kIn, kOut}),
                       np::Array::from_vector<float>({kW0.begin() + 6, kW0.end()}, {kOut})});
    model.compile({.optimizer = opt, .loss = "mse"});
    np::Array x = np::Array::from_vector(kX, {kN, kIn}), y = np::Array::from_vector(kY, {kN, kOut});
    Vec p = kW0;
    // The float32 starting point, as the model holds it.
    for (double& v : p) v = static_cast<float>(v);
    for (int t = 1; t <= 2; ++t) {
      model.train_on_batch(x, y);
      rule(p, gradient(p), t);
      std::vector<np::Array> w = model.get_weights();
      Vec got = w[0].astype(np::float64).to_vector<double>();
      Vec b = w[1].astype(np::float64).to_vector<double>();
      got.insert(got.end(), b.begin(), b.end());
      for (size_t i = 0; i < p.size(); ++i)
        EXPECT_NEAR(got[i], p[i], tol * (1 + std::abs(p[i]))) << opt.class_name() << " step " << t << " param " << i;
    }
  }
};

TEST_F(OptimizersTest, SGD) {
  check(keras::optimizers::SGD(), [](Vec& p, const Vec& g, int) {
    for (size_t i = 0; i < p.size(); ++i) p[i] -= 0.01 * g[i];
  });
}

TEST_F(OptimizersTest, SGDMomentumDecay) {
  Vec m(8, 0.0);
  check(keras::optimizers::SGD({.lr = 0.1, .momentum = 0.9, .decay = 0.5}), [m](Vec& p, const Vec& g, int t) mutable {
    const double lr = 0.1 / (1 + 0.5 * (t - 1));
    for (size_t i = 0; i < p.size(); ++i) {
      m[i] = 0.9 * m[i] - lr * g[i];
      p[i] += m[i];
    }
  });
}

TEST_F(OptimizersTest, SGDNesterov) {
  Vec m(8, 0.0);
  check(keras::optimizers::SGD({.lr = 0.1, .momentum = 0.8, .nesterov = true}), [m](Vec& p, const Vec& g, int) mutable {
    for (size_t i = 0; i < p.size(); ++i) {
      m[i] = 0.8 * m[i] - 0.1 * g[i];
      p[i] += 0.8 * m[i] - 0.1 * g[i];
    }
  });
}

TEST_F(OptimizersTest, RMSprop) {
  Vec a(8, 0.0);
  check(keras::optimizers::RMSprop(), [a](Vec& p, const Vec& g, int) mutable {
    for (size_t i = 0; i < p.size(); ++i) {
      a[i] = 0.9 * a[i] + 0.1 * g[i] * g[i];
      p[i] -= 0.001 * g[i] / (std::sqrt(a[i]) + 1e-8);
    }
  });
}

TEST_F(OptimizersTest, Adagrad) {
  Vec a(8, 0.0);
  check(keras::optimizers::Adagrad(), [a](Vec& p, const Vec& g, int) mutable {
    for (size_t i = 0; i < p.size(); ++i) {
      a[i] += g[i] * g[i];
      p[i] -= 0.01 * g[i] / (std::sqrt(a[i]) + 1e-8);
    }
  });
}

TEST_F(OptimizersTest, AdagradWithDecay) {
  Vec a(8, 0.0);
  check(keras::optimizers::Adagrad({.lr = 0.05, .decay = 0.1}), [a](Vec& p, const Vec& g, int t) mutable {
    const double lr = 0.05 / (1 + 0.1 * (t - 1));
    for (size_t i = 0; i < p.size(); ++i) {
      a[i] += g[i] * g[i];
      p[i] -= lr * g[i] / (std::sqrt(a[i]) + 1e-8);
    }
  });
}

TEST_F(OptimizersTest, Adadelta) {
  Vec a(8, 0.0), d(8, 0.0);
  check(keras::optimizers::Adadelta(), [a, d](Vec& p, const Vec& g, int) mutable {
    for (size_t i = 0; i < p.size(); ++i) {
      a[i] = 0.95 * a[i] + 0.05 * g[i] * g[i];
      const double u = g[i] * std::sqrt(d[i] + 1e-8) / std::sqrt(a[i] + 1e-8);
      p[i] -= 1.0 * u;
      d[i] = 0.95 * d[i] + 0.05 * u * u;
    }
  }, 2e-5);
}

TEST_F(OptimizersTest, Adam) {
  Vec m(8, 0.0), v(8, 0.0);
  check(keras::optimizers::Adam(), [m, v](Vec& p, const Vec& g, int t) mutable {
    const double lr_t = 0.001 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
    for (size_t i = 0; i < p.size(); ++i) {
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
      p[i] -= lr_t * m[i] / (std::sqrt(v[i]) + 1e-8);
    }
  });
}

TEST_F(OptimizersTest, AdamWithDecay) {
  Vec m(8, 0.0), v(8, 0.0);
  check(keras::optimizers::Adam({.lr = 0.01, .decay = 0.2}), [m, v](Vec& p, const Vec& g, int t) mutable {
    const double lr = 0.01 / (1 + 0.2 * (t - 1));
    const double lr_t = lr * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
    for (size_t i = 0; i < p.size(); ++i) {
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
      p[i] -= lr_t * m[i] / (std::sqrt(v[i]) + 1e-8);
    }
  });
}

TEST_F(OptimizersTest, Adamax) {
  Vec m(8, 0.0), u(8, 0.0);
  check(keras::optimizers::Adamax(), [m, u](Vec& p, const Vec& g, int t) mutable {
    const double lr_t = 0.002 / (1 - std::pow(0.9, t));
    for (size_t i = 0; i < p.size(); ++i) {
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      u[i] = std::max(0.999 * u[i], std::abs(g[i]));
      p[i] -= lr_t * m[i] / (u[i] + 1e-8);
    }
  });
}

TEST_F(OptimizersTest, Nadam) {
  Vec m(8, 0.0), v(8, 0.0);
  double m_schedule = 1.0;
  check(keras::optimizers::Nadam(), [m, v, m_schedule](Vec& p, const Vec& g, int t) mutable {
    const double mu_t = 0.9 * (1 - 0.5 * std::pow(0.96, t * 0.004));
    const double mu_t1 = 0.9 * (1 - 0.5 * std::pow(0.96, (t + 1) * 0.004));
    const double ms_new = m_schedule * mu_t, ms_next = ms_new * mu_t1;
    m_schedule = ms_new;
    for (size_t i = 0; i < p.size(); ++i) {
      const double g_prime = g[i] / (1 - ms_new);
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      const double m_prime = m[i] / (1 - ms_next);
      v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
      const double v_prime = v[i] / (1 - std::pow(0.999, t));
      const double m_bar = (1 - mu_t) * g_prime + mu_t1 * m_prime;
      p[i] -= 0.002 * m_bar / (std::sqrt(v_prime) + 1e-8);
    }
  });
}

TEST_F(OptimizersTest, ClipValueAndClipNorm) {
  check(keras::optimizers::SGD({.lr = 0.1, .clip = {.clipvalue = 0.2}}), [](Vec& p, const Vec& g, int) {
    for (size_t i = 0; i < p.size(); ++i) p[i] -= 0.1 * std::clamp(g[i], -0.2, 0.2);
  });
  K::clear_session();
  check(keras::optimizers::SGD({.lr = 0.1, .clip = {.clipnorm = 0.5}}), [](Vec& p, const Vec& g, int) {
    double n = 0;
    for (double v : g) n += v * v;
    n = std::sqrt(n);
    for (size_t i = 0; i < p.size(); ++i) p[i] -= 0.1 * g[i] * 0.5 / std::max(n, 0.5);
  });
}

TEST_F(OptimizersTest, ByNameWithKerasDefaults) {
  for (const char* name : {"sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamax", "nadam", "Adam"}) {
    keras::optimizers::Optimizer opt(name);
    EXPECT_TRUE(static_cast<bool>(opt)) << name;
  }
  EXPECT_EQ(keras::optimizers::Optimizer("adagrad").class_name(), "Adagrad");
  EXPECT_NEAR(keras::optimizers::Optimizer("sgd").get_lr(), 0.01, 1e-9);
  EXPECT_NEAR(keras::optimizers::Optimizer("rmsprop").get_lr(), 0.001, 1e-9);
  EXPECT_NEAR(keras::optimizers::Optimizer("adadelta").get_lr(), 1.0, 1e-9);
  EXPECT_NEAR(keras::optimizers::Optimizer("adamax").get_lr(), 0.002, 1e-9);
  EXPECT_NEAR(keras::optimizers::Optimizer("nadam").get_lr(), 0.002, 1e-9);
  auto cfg = keras::optimizers::Adam().get_config();
  EXPECT_NEAR(cfg.at("lr"), 0.001, 1e-9);
  EXPECT_NEAR(cfg.at("beta_1"), 0.9, 1e-7);
  EXPECT_NEAR(cfg.at("beta_2"), 0.999, 1e-7);
  EXPECT_EQ(cfg.at("epsilon"), 1e-8);
  EXPECT_EQ(cfg.at("decay"), 0.0);
  EXPECT_EQ(keras::optimizers::SGD({.nesterov = true}).get_config().at("nesterov"), 1.0);
  try {
    keras::optimizers::Optimizer("foo");
    FAIL() << "no error";
  } catch (const keraspp::ValueError& e) {
    EXPECT_STREQ(e.what(), "Unknown optimizer: foo");
  }
}

TEST_F(OptimizersTest, LrIsAVariableTheStepReads) {
  keras::optimizers::SGD opt({.lr = 0.5});
  Vec p0;
  // Set before compile, then changed between steps without a new plan.
  opt.set_lr(0.25);
  check(opt, [](Vec& p, const Vec& g, int) {
    for (size_t i = 0; i < p.size(); ++i) p[i] -= 0.25 * g[i];
  });
  EXPECT_NEAR(opt.get_lr(), 0.25, 1e-9);
  opt.set_lr(0.125);
  EXPECT_NEAR(K::get_value(opt.lr()).item<double>(), 0.125, 1e-9);
  EXPECT_NEAR(opt.get_lr(), 0.125, 1e-9);
}

TEST_F(OptimizersTest, IterationsCountSteps) {
  keras::optimizers::Adam opt;
  check(opt, [m = Vec(8, 0.0), v = Vec(8, 0.0)](Vec& p, const Vec& g, int t) mutable {
    const double lr_t = 0.001 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
    for (size_t i = 0; i < p.size(); ++i) {
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
      p[i] -= lr_t * m[i] / (std::sqrt(v[i]) + 1e-8);
    }
  });
  EXPECT_EQ(K::get_value(opt.iterations()).item<double>(), 2.0);
  // Adam keeps m and v per parameter (kernel, bias).
  EXPECT_EQ(opt.weights().size(), 4u);
}

}  // namespace
}  // namespace keras_train_test
