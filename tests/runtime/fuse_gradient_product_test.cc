// An optimizer update fused with the MatMul computing its gradient
// (src/runtime/fuse.h fuse_gradient_products): the update computes the
// product a block of rows at a time. Training through the fused step gives
// the unfused plan's variables, for TF's Apply* ops (including
// ApplyMomentum, whose gradient is not its last input) and Keras's fused
// updates, for each transpose layout of the gradient's product, below and
// above the parallel grain and over several blocks per thread; runs repeat
// bit for bit; and the fusion keeps off where it would change a value (a
// fetched gradient, a variable written in between).
//
// "Gives the unfused plan's values" is to float32 rounding, not bit for bit:
// the unfused MatMul may run on oneDNN's matmul primitive (large transposed
// products), whose sums round differently from the fused blocks' sgemm.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <ostream>
#include <string>

#include "keraspp/keras.h"
#include "keraspp/np/random.h"
#include "keraspp/tf.h"
#include "support/expect_error.h"
#include "support/graph_checks.h"

namespace {

using kpp_test::bit_equal;

// |a - b| <= 1e-5 (1 + |b|) everywhere, same shape (float32 arrays).
::testing::AssertionResult close(const np::Array& a, const np::Array& b) {
  if (a.shape() != b.shape()) return ::testing::AssertionFailure() << "shapes differ";
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  for (int64_t i = 0; i < a.size(); ++i)
    if (!(std::fabs(pa[i] - pb[i]) <= 1e-5f * (1.f + std::fabs(pb[i]))))
      return ::testing::AssertionFailure() << "element " << i << ": " << pa[i] << " vs " << pb[i];
  return ::testing::AssertionSuccess();
}

np::Array values(const np::Shape& shape, uint64_t seed) {
  np::random::seed(seed);
  return np::random::uniform(-1.0, 1.0, shape).astype(np::float32);
}

bool has(const tf::Session& s, const std::string& row) {
  return s.profile_report().find("\n" + row + " ") != std::string::npos;
}

// The same graph in two fused sessions and an unfused (optimize_plans =
// false) one, variables initialized, all profiled.
struct FusedAndPlain {
  explicit FusedAndPlain(tf::Graph& g) : fused(g), again(g), plain(g, {.optimize_plans = false}) {
    for (tf::Session* s : {&fused, &again, &plain}) {
      s->run(tf::global_variables_initializer());
      s->set_profiling(true);
    }
  }
  tf::Session fused, again, plain;
};

// How the variable w enters the product, so its gradient's MatMul has
// transpose_a (x . w), no transpose (w . x^T) or transpose_b (w . x).
enum class Layout { kXW, kWXt, kWX };

// One optimizer: builds the update ops for w and names the update op type.
struct Optim {
  std::string update_type;
  std::function<std::vector<tf::Operation>(const tf::Tensor& loss, tf::Variable& w)> build;
};

Optim tf_optimizer(const std::string& type) {
  return {type, [type](const tf::Tensor& loss, tf::Variable& w) -> std::vector<tf::Operation> {
            if (type == "ApplyGradientDescent")
              return {tf::train::GradientDescentOptimizer(0.05).minimize(loss)};
            if (type == "ApplyMomentum")
              return {tf::train::MomentumOptimizer(0.05, 0.9).minimize(loss)};
            if (type == "ApplyAdam") return {tf::train::AdamOptimizer(0.01).minimize(loss)};
            return {tf::train::AdagradOptimizer(0.1).minimize(loss)};
          }};
}

Optim keras_optimizer(const std::string& name, const std::string& type) {
  return {type, [name](const tf::Tensor& loss, tf::Variable& w) {
            keras::optimizers::Optimizer opt(name);
            return opt.get_updates({w}, {}, loss);
          }};
}

struct Case {
  std::string name;
  Optim optim;
  Layout layout;
  int64_t batch, in, out;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class FuseGradientProductTest : public ::testing::TestWithParam<Case> {};

TEST_P(FuseGradientProductTest, TrainingMatchesTheUnfusedPlanAndRepeats) {
  const Case& c = GetParam();
  tf::Graph g;
  auto guard = g.as_default();
  const bool x_first = c.layout == Layout::kXW;
  // x: [batch, in] ([in, batch] for w . x); w: [in, out] for x . w, else [out, in].
  const np::Shape x_shape = c.layout == Layout::kWX ? np::Shape{c.in, c.batch} : np::Shape{c.batch, c.in};
  auto x = tf::placeholder(tf::float32, {x_shape[0], x_shape[1]}, "x");
  tf::Variable w(values(x_first ? np::Shape{c.in, c.out} : np::Shape{c.out, c.in}, 1), {.name = "w"});
  tf::Tensor y = c.layout == Layout::kXW    ? tf::matmul(x, w.value())
                 : c.layout == Layout::kWXt ? tf::matmul(w.value(), x, {.transpose_b = true})
                                            : tf::matmul(w.value(), x);
  auto loss = tf::reduce_sum(y * y) * tf::constant(1e-3f);
  const std::vector<tf::Operation> train = c.optim.build(loss, w);

  FusedAndPlain sessions(g);
  tf::Session& fused = sessions.fused;
  tf::Session& again = sessions.again;
  tf::Session& plain = sessions.plain;
  for (int step = 0; step < 3; ++step) {
    const np::Array xv = values(x_shape, 10 + static_cast<uint64_t>(step));
    const auto a = fused.run(train, {loss}, {{x, xv}});
    const auto a2 = again.run(train, {loss}, {{x, xv}});
    const auto b = plain.run(train, {loss}, {{x, xv}});
    EXPECT_TRUE(close(a[0], b[0])) << "loss, step " << step;
    EXPECT_TRUE(close(fused.run(w.value()), plain.run(w.value()))) << "w after step " << step;
    EXPECT_TRUE(bit_equal(a[0], a2[0])) << "repeat: loss, step " << step;
    EXPECT_TRUE(bit_equal(fused.run(w.value()), again.run(w.value()))) << "repeat: w, step " << step;
  }
  EXPECT_TRUE(has(fused, "_FusedMatMul" + c.optim.update_type)) << fused.profile_report();
  EXPECT_FALSE(has(fused, c.optim.update_type)) << fused.profile_report();
  EXPECT_TRUE(has(plain, c.optim.update_type)) << plain.profile_report();
}

std::vector<Case> cases() {
  std::vector<Case> out;
  const std::vector<std::pair<std::string, Optim>> optims = {
      {"tf_sgd", tf_optimizer("ApplyGradientDescent")},
      {"tf_momentum", tf_optimizer("ApplyMomentum")},
      {"tf_adagrad", tf_optimizer("ApplyAdagrad")},
      {"tf_adam", tf_optimizer("ApplyAdam")},
      {"keras_adagrad", keras_optimizer("adagrad", "KerasAdagradUpdate")},
      {"keras_adam", keras_optimizer("adam", "KerasAdamUpdate")},
      {"keras_rmsprop", keras_optimizer("rmsprop", "KerasRMSpropUpdate")}};
  for (const auto& [name, optim] : optims) {
    // Below the parallel grain (one block on one thread), and above it
    // (rows split over the threads, several blocks each).
    out.push_back({name + "_small_xw", optim, Layout::kXW, 3, 7, 5});
    out.push_back({name + "_large_xw", optim, Layout::kXW, 64, 700, 100});
  }
  out.push_back({"tf_adagrad_large_wxt", tf_optimizer("ApplyAdagrad"), Layout::kWXt, 64, 700, 100});
  out.push_back({"tf_adagrad_large_wx", tf_optimizer("ApplyAdagrad"), Layout::kWX, 64, 700, 100});
  out.push_back({"keras_adagrad_batch1_wx", keras_optimizer("adagrad", "KerasAdagradUpdate"),
                 Layout::kWX, 1, 700, 100});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Cases, FuseGradientProductTest, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(FuseGradientProductRules, AFetchedGradientStaysAMatMul) {
  tf::Graph g;
  auto guard = g.as_default();
  auto x = tf::placeholder(tf::float32, {-1, 40}, "x");
  tf::Variable w(values({40, 30}, 1), {.name = "w"});
  auto y = tf::matmul(x, w.value());
  auto loss = tf::reduce_sum(y * y);
  tf::train::AdagradOptimizer opt(0.1);
  const auto gv = opt.compute_gradients(loss, std::vector<tf::Variable>{w});
  auto train = opt.apply_gradients(gv);
  FusedAndPlain sessions(g);
  tf::Session& fused = sessions.fused;
  tf::Session& plain = sessions.plain;
  const np::Array xv = values({16, 40}, 2);
  const std::vector<tf::Operation> targets = {train};
  const std::vector<tf::Tensor> fetches = {gv[0].first};
  const auto a = fused.run(targets, fetches, {{x, xv}});
  const auto b = plain.run(targets, fetches, {{x, xv}});
  EXPECT_TRUE(bit_equal(a[0], b[0]));
  EXPECT_TRUE(bit_equal(fused.run(w.value()), plain.run(w.value())));
  EXPECT_TRUE(has(fused, "ApplyAdagrad")) << fused.profile_report();
  EXPECT_TRUE(has(fused, "MatMul")) << fused.profile_report();
  EXPECT_FALSE(has(fused, "_FusedMatMulApplyAdagrad")) << fused.profile_report();
}

// y = v . w with both variables: w's gradient v^T . dy reads v, which v's
// update (built first, so run first) overwrites in place. Moving that
// product after v's update would read the new v, so w's update stays
// unfused; v's own gradient dy . w^T has no variable write before its
// update, so that pair fuses. Values equal the unfused plan's either way.
TEST(FuseGradientProductRules, AVariableWrittenInBetweenKeepsTheProductInPlace) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Variable v(values({50, 40}, 1), {.name = "v"});
  tf::Variable w(values({40, 30}, 2), {.name = "w"});
  auto y = tf::matmul(v.value(), w.value());
  auto loss = tf::reduce_sum(y * y) * tf::constant(1e-3f);
  const auto grads = tf::gradients(loss, {v.value(), w.value()});
  auto lr = tf::constant(0.05f);
  auto update_v = tf::apply_gradient_descent(v.ref(), lr, grads[0]);
  auto update_w = tf::apply_gradient_descent(w.ref(), lr, grads[1]);
  FusedAndPlain sessions(g);
  tf::Session& fused = sessions.fused;
  tf::Session& plain = sessions.plain;
  for (int step = 0; step < 2; ++step) {
    fused.run({update_v.op(), update_w.op()}, {});
    plain.run({update_v.op(), update_w.op()}, {});
    EXPECT_TRUE(bit_equal(fused.run(v.value()), plain.run(v.value()))) << "v, step " << step;
    EXPECT_TRUE(bit_equal(fused.run(w.value()), plain.run(w.value()))) << "w, step " << step;
  }
  EXPECT_TRUE(has(fused, "_FusedMatMulApplyGradientDescent")) << fused.profile_report();
  EXPECT_TRUE(has(fused, "ApplyGradientDescent")) << fused.profile_report();
}

}  // namespace

// Shapes only known at run time: the fused step reports what the unfused
// plan reports, word for word (the MatMul's own error names the MatMul).
TEST(FuseGradientProductRules, RunTimeShapeErrorsMatchTheUnfusedPlan) {
  tf::Graph g;
  auto guard = g.as_default();
  auto a = tf::placeholder(tf::float32, {-1, -1}, "a");
  auto b = tf::placeholder(tf::float32, {-1, -1}, "b");
  tf::Variable w(values({40, 30}, 1), {.name = "w"});
  auto grad = tf::matmul(a, b, {.transpose_a = true, .name = "grad"});
  auto train = tf::train::AdagradOptimizer(0.1).apply_gradients({{grad, w}});
  FusedAndPlain sessions(g);
  tf::Session& fused = sessions.fused;
  tf::Session& plain = sessions.plain;
  auto error = [&](tf::Session& s, const np::Shape& as, const np::Shape& bs) {
    return kpp_test::message_of<tf::errors::InvalidArgumentError>(
        [&] { s.run(train, {{a, values(as, 2)}, {b, values(bs, 3)}}); });
  };
  // Inner sizes 16 vs 17.
  EXPECT_EQ(error(fused, {16, 40}, {17, 30}),
            "Matrix size-incompatible: In[0]: (16, 40), In[1]: (17, 30) for 'grad' (op: 'MatMul')");
  EXPECT_EQ(error(fused, {16, 40}, {17, 30}), error(plain, {16, 40}, {17, 30}));
  // A [40, 31] gradient for the [40, 30] variable.
  EXPECT_EQ(error(fused, {16, 40}, {16, 31}), error(plain, {16, 40}, {16, 31}));
  EXPECT_NE(error(fused, {16, 40}, {16, 31}).find("var and grad do not have the same shape"),
            std::string::npos)
      << error(fused, {16, 40}, {16, 31});
  // The variable is untouched by the failed runs.
  EXPECT_TRUE(bit_equal(fused.run(w.value()), values({40, 30}, 1)));
}

// Two Dense-like layers under one optimizer: updates are built in variable
// order (w1, then w2), so w1's update, a variable write, sits between w2's
// gradient product and w2's update. w2's update moves to where its product
// runs instead (nothing in between reads w2), and both pairs fuse.
TEST(FuseGradientProductRules, AnUpdateMovesToItsProductWhenNothingBetweenReadsItsVariable) {
  tf::Graph g;
  auto guard = g.as_default();
  auto x = tf::placeholder(tf::float32, {-1, 60}, "x");
  tf::Variable w1(values({60, 300}, 1), {.name = "w1"});
  tf::Variable w2(values({300, 200}, 2), {.name = "w2"});
  auto y = tf::matmul(tf::nn::relu(tf::matmul(x, w1.value())), w2.value());
  auto loss = tf::reduce_sum(y * y) * tf::constant(1e-4f);
  auto train = tf::train::AdagradOptimizer(0.1).minimize(loss);
  FusedAndPlain sessions(g);
  tf::Session& fused = sessions.fused;
  tf::Session& again = sessions.again;
  tf::Session& plain = sessions.plain;
  for (int step = 0; step < 3; ++step) {
    const np::Array xv = values({32, 60}, 10 + static_cast<uint64_t>(step));
    for (tf::Session* s : {&fused, &again, &plain}) s->run(train, {{x, xv}});
    for (const tf::Variable* w : {&w1, &w2}) {
      EXPECT_TRUE(close(fused.run(w->value()), plain.run(w->value()))) << "step " << step;
      EXPECT_TRUE(bit_equal(fused.run(w->value()), again.run(w->value()))) << "step " << step;
    }
  }
  EXPECT_TRUE(has(fused, "_FusedMatMulApplyAdagrad")) << fused.profile_report();
  EXPECT_FALSE(has(fused, "ApplyAdagrad")) << fused.profile_report();
}

// w's gradient product, then a read of w (directly, or through a reshape
// made before the product), then v's update (a write), then w's update: w's
// update can neither move to the product (the read would see the new w) nor
// take the product to itself (a write in between), so nothing fuses and the
// read sees the old w.
class FuseGradientProductReadBetween : public ::testing::TestWithParam<bool> {};

TEST_P(FuseGradientProductReadBetween, KeepsTheUpdateUnfused) {
  const bool through_reshape = GetParam();
  tf::Graph g;
  auto guard = g.as_default();
  auto x = tf::placeholder(tf::float32, {-1, 60}, "x");
  tf::Variable w(values({60, 300}, 1), {.name = "w"});
  tf::Variable v(values({50}, 2), {.name = "v"});
  auto flat = tf::reshape(w.value(), std::vector<int64_t>{-1});
  auto y = tf::matmul(x, w.value());
  auto loss = tf::reduce_sum(y * y) * tf::constant(1e-4f) + tf::reduce_sum(v.value() * v.value());
  const auto grads = tf::gradients(loss, {w.value(), v.value()});
  auto w_sum = tf::reduce_sum(through_reshape ? flat : w.value());
  auto lr = tf::constant(0.05f);
  auto update_v = tf::apply_gradient_descent(v.ref(), lr, grads[1]);
  auto update_w = tf::apply_gradient_descent(w.ref(), lr, grads[0]);
  FusedAndPlain sessions(g);
  tf::Session& fused = sessions.fused;
  tf::Session& plain = sessions.plain;
  const std::vector<tf::Operation> targets = {update_v.op(), update_w.op()};
  for (int step = 0; step < 2; ++step) {
    const np::Array xv = values({16, 60}, 5 + static_cast<uint64_t>(step));
    const auto a = fused.run(targets, {w_sum}, {{x, xv}});
    const auto b = plain.run(targets, {w_sum}, {{x, xv}});
    EXPECT_TRUE(bit_equal(a[0], b[0])) << "sum of w read before its update, step " << step;
    EXPECT_TRUE(bit_equal(fused.run(w.value()), plain.run(w.value()))) << "w, step " << step;
  }
  EXPECT_FALSE(has(fused, "_FusedMatMulApplyGradientDescent")) << fused.profile_report();
}

INSTANTIATE_TEST_SUITE_P(Reads, FuseGradientProductReadBetween, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ThroughReshape" : "Direct"; });

// An update waiting (a control input) for a step built after its product
// cannot move to the product. When that step only reads, the update takes
// the product to its own place; when it assigns the update's learning rate
// (a write in between), nothing fuses and the update uses the new rate.
class FuseGradientProductControlInput : public ::testing::TestWithParam<bool> {};

TEST_P(FuseGradientProductControlInput, KeepsTheUpdateAfterIt) {
  const bool assigns_lr = GetParam();
  tf::Graph g;
  auto guard = g.as_default();
  auto x = tf::placeholder(tf::float32, {-1, 60}, "x");
  tf::Variable w(values({60, 300}, 1), {.name = "w"});
  tf::Variable lr(tf::constant(0.05f), {.name = "lr"});
  auto y = tf::matmul(x, w.value());
  auto loss = tf::reduce_sum(y * y) * tf::constant(1e-4f);
  const auto grads = tf::gradients(loss, {w.value()});
  const tf::Tensor after = assigns_lr ? lr.assign(tf::constant(0.5f)) : tf::reduce_sum(y);
  tf::Tensor update;
  {
    tf::control_dependencies deps({after.op()});
    update = tf::apply_gradient_descent(w.ref(), lr.value(), grads[0]);
  }
  FusedAndPlain sessions(g);
  const np::Array xv = values({16, 60}, 5);
  sessions.fused.run(update.op(), {{x, xv}});
  sessions.plain.run(update.op(), {{x, xv}});
  EXPECT_TRUE(close(sessions.fused.run(w.value()), sessions.plain.run(w.value())));
  if (assigns_lr) EXPECT_TRUE(bit_equal(sessions.fused.run(w.value()), sessions.plain.run(w.value())));
  EXPECT_EQ(has(sessions.fused, "_FusedMatMulApplyGradientDescent"), !assigns_lr)
      << sessions.fused.profile_report();
}

INSTANTIATE_TEST_SUITE_P(Waits, FuseGradientProductControlInput, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ForAnAssign" : "ForARead"; });
