// The fused Keras categorical cross-entropy (src/ops/keras_loss_ops.cc, built
// by keras::losses::categorical_crossentropy) against the composite graph
// Keras 2.0.2 builds, made here by hand: the loss and its gradients w.r.t.
// y_true and y_pred are equal byte for byte, in float32 and float64, for
// batches of 1, 3 and 128, 1 to 37 classes, ranks 2 and 3, static and
// unknown dims, and inputs that hit the clip (p near 0 and 1, p exactly eps
// and 1 - eps). Also: when the loss fuses, its node names, and its errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>

#include "keraspp/keras.h"
#include "keraspp/np/philox.h"
#include "keraspp/ops/keras_loss_ops.h"
#include "keraspp/tf.h"
#include "support/expect_error.h"
#include "support/graph_checks.h"

namespace {

using kpp_test::has_op;
using kpp_test::bit_equal;
using kpp_test::message_of;
using np::random::Philox4x32;
constexpr double kEps = 1e-7;  // K.epsilon()

// Keras 2.0.2's categorical_crossentropy on probabilities, op for op.
tf::Tensor composite(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  tf::Tensor p = y_pred / tf::reduce_sum(y_pred, -1, {.keepdims = true});
  p = tf::clip_by_value(p, kEps, 1.0 - kEps);
  return -tf::reduce_sum(y_true * tf::log(p), -1);
}

// In-dtype values whose quotient by their row sum is exactly the clip bound
// `bound`: rows [bound, 1 - bound] sum to 1 exactly in both dtypes (checked
// by ExactClipBoundsAreReached).
template <class T> std::pair<T, T> bound_row(double bound) {
  const T b = static_cast<T>(bound);
  return {b, static_cast<T>(T(1) - b)};
}

struct Inputs {
  np::Array y_true, y_pred, grad;  // grad: the incoming gradient, the loss's shape
};

// Rows of several kinds, by row index: softmax-like probabilities, unscaled
// positive values, one dominant class (p clipped to 1 - eps), tiny entries
// (p clipped to eps), a class at exactly eps or 1 - eps, soft labels.
template <class T> Inputs make_inputs(const np::Shape& shape, uint64_t seed) {
  const int64_t c = shape.back();
  const int64_t rows = c ? np::shape_size(shape) / c : 0;
  np::Shape lead(shape.begin(), shape.end() - 1);
  Inputs in{np::Array::empty(shape, np::dtype_v<T>), np::Array::empty(shape, np::dtype_v<T>),
             np::Array::empty(lead, np::dtype_v<T>)};
  T* t = in.y_true.template data<T>();
  T* y = in.y_pred.template data<T>();
  T* g = in.grad.template data<T>();
  Philox4x32 rng(seed, 11);
  auto uniform = [&] {
    const auto b = rng.next();
    return Philox4x32::to_double(b[0], b[1]);
  };
  for (int64_t r = 0; r < rows; ++r) {
    T* tr = t + r * c;
    T* yr = y + r * c;
    const int kind = static_cast<int>(r % 7);
    const int64_t hot = static_cast<int64_t>(uniform() * static_cast<double>(c)) % c;
    double sum = 0;
    for (int64_t j = 0; j < c; ++j) {
      double v = uniform();
      if (kind == 2) v = j == hot ? 1.0 : 1e-9 * v;          // p of `hot` above 1 - eps
      if (kind == 3) v = j == hot ? 1e-9 * v : v;             // p of `hot` below eps
      if (kind == 4) v = j == hot ? 1e-8 : v;                 // near eps, unclipped or not
      yr[j] = static_cast<T>(v);
      sum += v;
      tr[j] = static_cast<T>(kind == 6 ? uniform() : (j == hot ? 1.0 : 0.0));
    }
    if (kind == 0)  // normalised, as a softmax output
      for (int64_t j = 0; j < c; ++j) yr[j] = static_cast<T>(yr[j] / sum);
    if (kind == 5 && c >= 2) {  // exactly eps or 1 - eps after division
      const auto [a, b] = bound_row<T>(r % 2 ? kEps : 1.0 - kEps);
      for (int64_t j = 0; j < c; ++j) yr[j] = T(0);
      yr[hot] = a;
      yr[(hot + 1) % c] = b;
    }
  }
  // Incoming gradients: positive, negative, zeros of both signs.
  for (int64_t r = 0; r < rows; ++r)
    g[r] = r % 11 == 5 ? T(0) : r % 11 == 8 ? T(-0.0) : static_cast<T>(2 * uniform() - 0.7);
  return in;
}

struct Config {
  np::Shape shape;
  tf::DType dtype;
  bool static_shape;  // placeholders of the full shape, else [?, ..., C] and a Keras-like [?, ..., ?] target
};

// Loss, d/dy_true, d/dy_pred with the incoming gradient fed.
std::vector<np::Array> run(bool fused, const Config& c, const Inputs& in) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::TensorShape ps(c.shape), ts(c.shape);
  if (!c.static_shape) {
    std::vector<int64_t> d(c.shape.size(), -1);
    ts = tf::TensorShape(d);
    d.back() = c.shape.back();
    ps = tf::TensorShape(d);
  }
  const tf::Tensor t = tf::placeholder(c.dtype, ts, "y_true");
  const tf::Tensor y = tf::placeholder(c.dtype, ps, "y_pred");
  tf::Tensor loss;
  {
    tf::name_scope scope("activation_3_loss");
    loss = fused ? keras::losses::categorical_crossentropy(t, y) : composite(t, y);
  }
  EXPECT_EQ(has_op(g, "KerasCategoricalCrossentropy"), fused);
  const tf::Tensor gy = tf::placeholder(c.dtype, loss.shape(), "grad");
  const auto grads = tf::gradients({loss}, {t, y}, {gy});
  EXPECT_EQ(has_op(g, "KerasCategoricalCrossentropyGrad"), fused);
  tf::Session s(g);
  return s.run({loss, grads[0], grads[1]}, {{t, in.y_true}, {y, in.y_pred}, {gy, in.grad}});
}

class KerasXentBitIdentical : public ::testing::TestWithParam<Config> {};

TEST_P(KerasXentBitIdentical, LossAndBothGradientsEqualTheComposite) {
  const Config& c = GetParam();
  for (uint64_t seed : {1u, 2u}) {
    const Inputs in = c.dtype == tf::float32 ? make_inputs<float>(c.shape, seed)
                                             : make_inputs<double>(c.shape, seed);
    const auto fused = run(true, c, in);
    const auto comp = run(false, c, in);
    const char* what[] = {"loss", "d/dy_true", "d/dy_pred"};
    for (size_t i = 0; i < 3; ++i)
      EXPECT_TRUE(bit_equal(fused[i], comp[i])) << what[i] << " (seed " << seed << ")\nfused "
                                                << fused[i] << "\ncomposite " << comp[i];
  }
}

std::vector<Config> configs() {
  std::vector<Config> v;
  for (tf::DType t : {tf::float32, tf::float64})
    for (bool st : {true, false}) {
      for (int64_t b : {1, 3, 128})
        for (int64_t c : {1, 2, 10}) v.push_back({{b, c}, t, st});
      v.push_back({{3, 4, 10}, t, st});
      v.push_back({{2, 5, 1}, t, st});
      v.push_back({{7, 37}, t, st});
    }
  // Above np::kParallelGrain elements: rows on several threads.
  v.push_back({{4000, 10}, tf::float32, false});
  v.push_back({{1000, 3, 13}, tf::float64, true});
  return v;
}

INSTANTIATE_TEST_SUITE_P(Shapes, KerasXentBitIdentical, ::testing::ValuesIn(configs()), [](const auto& info) {
  std::string n = np::dtype_name(info.param.dtype);
  for (int64_t d : info.param.shape) n += "_" + std::to_string(d);
  return n + (info.param.static_shape ? "_static" : "_unknown");
});

// The inputs above reach the clip bounds exactly: y / sum(y) is exactly eps
// and exactly 1 - eps in the dtype (where the clip masks' >= and <= decide).
template <class T> void expect_exact_bounds() {
  for (double bound : {kEps, 1.0 - kEps}) {
    const auto [a, b] = bound_row<T>(bound);
    const T s = static_cast<T>(T(0) + a) + b;
    EXPECT_EQ(s, T(1)) << bound;
    EXPECT_EQ(a / s, static_cast<T>(bound)) << bound;
  }
}
TEST(KerasXent, ExactClipBoundsAreReached) {
  expect_exact_bounds<float>();
  expect_exact_bounds<double>();
}

// Equal bytes, except that NaNs need only be NaNs in the same places: IEEE
// 754 leaves open which NaN operand an addition propagates, and our AddN
// kernel's code returns the sign of a different one in float32 and float64.
bool equal_up_to_nan_sign(const np::Array& a, const np::Array& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  const size_t item = a.nbytes() / static_cast<size_t>(std::max<int64_t>(a.size(), 1));
  for (int64_t i = 0; i < a.size(); ++i) {
    const bool nan_a = std::isnan(a.get_flat(i)), nan_b = std::isnan(b.get_flat(i));
    if (nan_a != nan_b) return false;
    if (!nan_a && std::memcmp(static_cast<const char*>(a.raw_data()) + i * item,
                              static_cast<const char*>(b.raw_data()) + i * item, item) != 0)
      return false;
  }
  return true;
}

// A row of zeros divides 0 by 0: the composite clips the NaN quotients to
// 1 - eps in the loss and its y_true gradient (same bytes) and passes NaNs
// to the y_pred gradient (NaNs in the same places).
TEST(KerasXent, ZeroRowGivesTheCompositesNaNs) {
  for (tf::DType dt : {tf::float32, tf::float64}) {
    const Config c{{2, 3}, dt, true};
    Inputs in{np::zeros({2, 3}).astype(dt), np::zeros({2, 3}).astype(dt), np::ones({2}).astype(dt)};
    in.y_true.set_flat(1, 1.0);
    in.y_pred.set_flat(3, 0.5);
    in.y_pred.set_flat(4, 0.5);
    const auto fused = run(true, c, in), comp = run(false, c, in);
    EXPECT_TRUE(bit_equal(fused[0], comp[0])) << fused[0] << "\n" << comp[0];
    EXPECT_TRUE(bit_equal(fused[1], comp[1])) << fused[1] << "\n" << comp[1];
    EXPECT_TRUE(std::isnan(comp[2].get_flat(0)));
    EXPECT_TRUE(equal_up_to_nan_sign(fused[2], comp[2])) << fused[2] << "\n" << comp[2];
  }
}

// Second derivatives (the gradient ops' own gradients) against the
// composite's gradient graph differentiated again, on the rows above (clipped
// entries, zeros, exact bounds): equal up to rounding.
TEST(KerasXent, SecondDerivativesMatchTheComposite) {
  const np::Shape shape{14, 5};
  const Inputs in = make_inputs<double>(shape, 3);
  np::Array v1 = np::Array::empty(shape, np::float64), v2 = np::Array::empty(shape, np::float64);
  for (int64_t i = 0; i < v1.size(); ++i) {
    v1.set_flat(i, 0.3 + 0.01 * static_cast<double>(i % 13));
    v2.set_flat(i, -0.5 + 0.02 * static_cast<double>(i % 7));
  }
  std::vector<np::Array> got[2];
  for (int fused = 0; fused < 2; ++fused) {
    tf::Graph g;
    auto guard = g.as_default();
    const tf::Tensor t = tf::placeholder(tf::float64, tf::TensorShape(shape));
    const tf::Tensor y = tf::placeholder(tf::float64, tf::TensorShape(shape));
    const tf::Tensor loss = fused ? keras::losses::categorical_crossentropy(t, y) : composite(t, y);
    ASSERT_EQ(loss.op().type() == "KerasCategoricalCrossentropy", fused == 1);
    const tf::Tensor gy = tf::placeholder(tf::float64, loss.shape());
    const auto d = tf::gradients({loss}, {t, y}, {gy});
    const tf::Tensor z = tf::reduce_sum(d[1] * tf::constant(v1)) + tf::reduce_sum(d[0] * tf::constant(v2));
    const auto dd = tf::gradients(z, {t, y, gy});
    got[fused] = tf::Session(g).run(dd, {{t, in.y_true}, {y, in.y_pred}, {gy, in.grad}});
  }
  const char* what[] = {"d/dy_true", "d/dy_pred", "d/dgrad"};
  for (size_t k = 0; k < 3; ++k)
    for (int64_t i = 0; i < got[0][k].size(); ++i) {
      const double a = got[1][k].get_flat(i), b = got[0][k].get_flat(i);
      ASSERT_TRUE(std::isfinite(b)) << what[k] << " " << i;
      EXPECT_NEAR(a, b, 1e-9 * (1 + std::abs(b))) << what[k] << " element " << i;
    }
}

// Other K.epsilon() values are read when the loss is built, as the composite's Consts.
TEST(KerasXent, FollowsEpsilonAtBuildTime) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor t = tf::placeholder(tf::float32, tf::TensorShape({-1, 3}));
  const tf::Tensor y = tf::placeholder(tf::float32, tf::TensorShape({-1, 3}));
  keras::backend::set_epsilon(0.1);
  const tf::Tensor loss = keras::losses::categorical_crossentropy(t, y);
  keras::backend::set_epsilon(kEps);
  EXPECT_EQ(loss.op().get_attr<double>("epsilon"), 0.1);
  const np::Array v = tf::Session(g).run(loss, {{t, np::Array::from_vector<float>({1, 0, 0}, {1, 3})},
                                              {y, np::Array::from_vector<float>({0, 1, 1}, {1, 3})}});
  EXPECT_EQ(v.get_flat(0), -static_cast<double>(std::log(0.1f)));
}

TEST(KerasXent, FusesForMatchingFloatShapesInTheCallersScope) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor y = tf::placeholder(tf::float32, tf::TensorShape({-1, 10}), "y_pred");
  const tf::Tensor t = tf::placeholder(tf::float32, tf::TensorShape({-1, -1}), "y_true");
  tf::Tensor loss;
  {
    tf::name_scope scope("activation_3_loss");
    loss = keras::losses::categorical_crossentropy(t, y);
  }
  EXPECT_EQ(loss.name(), "activation_3_loss/KerasCategoricalCrossentropy:0");
  EXPECT_EQ(loss.shape(), tf::TensorShape({-1}));
  const auto grads = tf::gradients(loss, {t, y});
  EXPECT_EQ(grads[1].name(),
            "gradients/activation_3_loss/KerasCategoricalCrossentropy_grad/KerasCategoricalCrossentropyGrad:0");
  EXPECT_EQ(grads[0].op().type(), "KerasCategoricalCrossentropyTargetGrad");
  auto fuses = [](const tf::Tensor& a, const tf::Tensor& b) {
    return keras::losses::categorical_crossentropy(a, b).op().type() == "KerasCategoricalCrossentropy";
  };
  EXPECT_TRUE(fuses(tf::placeholder(tf::float64, tf::TensorShape({2, 3, 4})),
                    tf::placeholder(tf::float64, tf::TensorShape({-1, 3, 4}))));
  EXPECT_TRUE(fuses(tf::placeholder(tf::float32, tf::TensorShape({5})), tf::placeholder(tf::float32, tf::TensorShape({5}))));
  // The composite: a y_true that broadcasts, unknown ranks.
  EXPECT_FALSE(fuses(tf::placeholder(tf::float32, tf::TensorShape({-1, 1})), y));
  EXPECT_FALSE(fuses(tf::placeholder(tf::float32, tf::TensorShape({10})), y));
  EXPECT_FALSE(fuses(tf::placeholder(tf::float32), y));
  EXPECT_FALSE(fuses(t, tf::placeholder(tf::float32)));
}

// Where the fused op does not apply, keras's errors are the composite's.
TEST(KerasXent, KerasErrorsAreTheComposites) {
  auto message = [](bool keras, tf::DType tt, tf::TensorShape ts, tf::DType yt, tf::TensorShape ys) {
    tf::Graph g;
    auto guard = g.as_default();
    const tf::Tensor t = tf::placeholder(tt, ts), y = tf::placeholder(yt, ys);
    try {
      keras ? keras::losses::categorical_crossentropy(t, y) : composite(t, y);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("<no exception>");
  };
  const tf::TensorShape s({-1, 10});
  for (auto [tt, ts, yt, ys] : {std::tuple{tf::float64, s, tf::float32, s},
                                std::tuple{tf::float32, s, tf::float64, s},
                                std::tuple{tf::int32, s, tf::int32, s},
                                std::tuple{tf::float32, tf::TensorShape({-1, 5}), tf::float32, s},
                                std::tuple{tf::float32, s, tf::float32, tf::TensorShape({})}})
    EXPECT_EQ(message(true, tt, ts, yt, ys), message(false, tt, ts, yt, ys));
  EXPECT_EQ(message(true, tf::float32, tf::TensorShape({-1, 5}), tf::float32, s),
            "Dimensions must be equal, but are 5 and 10 for 'mul' (op: 'Mul') with input shapes: "
            "[?,5], [?,10].");
}

std::string build_error(tf::DType tt, tf::TensorShape ts, tf::DType yt, tf::TensorShape ys) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor t = tf::placeholder(tt, ts), y = tf::placeholder(yt, ys);
  return message_of<keraspp::ValueError>([&] { tf::keras_categorical_crossentropy(t, y, kEps); });
}

TEST(KerasXent, ShapeFunctionErrors) {
  const std::string op = " for 'KerasCategoricalCrossentropy' (op: 'KerasCategoricalCrossentropy') with input shapes: ";
  EXPECT_EQ(build_error(tf::float32, tf::TensorShape({-1, 5}), tf::float32, tf::TensorShape({-1, 10})),
            "Dimension 1 in both shapes must be equal, but are 5 and 10. Shapes are [?,5] and [?,10]." + op +
                "[?,5], [?,10].");
  EXPECT_EQ(build_error(tf::float32, tf::TensorShape({4, 10}), tf::float32, tf::TensorShape({4, 2, 10})),
            "Shapes must be equal rank, but are 2 and 3" + op + "[4,10], [4,2,10].");
  EXPECT_EQ(build_error(tf::float32, tf::TensorShape({}), tf::float32, tf::TensorShape::unknown()),
            "Shape must be at least rank 1 but is rank 0" + op + "[], ?.");
  EXPECT_EQ(build_error(tf::float32, tf::TensorShape({2, 3}), tf::float64, tf::TensorShape({2, 3})),
            "Input 1 of node KerasCategoricalCrossentropy was passed double incompatible with expected float" +
                op + "[2,3], [2,3].");
  {  // The schema's dtype check, before the shape function: TF 1.x's apply_op TypeError.
    tf::Graph g;
    auto guard = g.as_default();
    const tf::Tensor t = tf::placeholder(tf::int32, {2, 3}), y = tf::placeholder(tf::int32, {2, 3});
    EXPECT_EQ(message_of<keraspp::TypeError>([&] { tf::keras_categorical_crossentropy(t, y, kEps); }),
              "Value passed to parameter 'y_true' has DataType int32 not in list of allowed values: "
              "float32, float64");
  }
  // Unknown ranks: the output's rank is unknown too, or follows the known input.
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor u = tf::placeholder(tf::float32);
  EXPECT_EQ(tf::keras_categorical_crossentropy(u, u, kEps).shape(), tf::TensorShape::unknown());
  EXPECT_EQ(tf::keras_categorical_crossentropy(u, tf::placeholder(tf::float32, tf::TensorShape({-1, 4})), kEps).shape(),
            tf::TensorShape({-1}));
}

TEST(KerasXent, RunTimeShapeErrors) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor t = tf::placeholder(tf::float32), y = tf::placeholder(tf::float32);
  const tf::Tensor loss = tf::keras_categorical_crossentropy(t, y, kEps, "xent");
  tf::Session s(g);
  EXPECT_EQ(message_of<tf::errors::InvalidArgumentError>(
                [&] { s.run(loss, {{t, np::zeros({2, 5})}, {y, np::ones({2, 10})}}); }),
            "Incompatible shapes: (2, 5) vs. (2, 10) for 'xent'");
  EXPECT_EQ(message_of<tf::errors::InvalidArgumentError>(
                [&] { s.run(loss, {{t, np::zeros({})}, {y, np::ones({})}}); }),
            "y_pred must be at least rank 1, got shape [] for 'xent'");
  const tf::Tensor gr = tf::placeholder(tf::float32);
  const tf::Tensor dy = tf::gradients({loss}, {y}, {gr})[0];
  EXPECT_EQ(message_of<tf::errors::InvalidArgumentError>(
                [&] { s.run(dy, {{t, np::zeros({2, 5})}, {y, np::ones({2, 5})}, {gr, np::ones({3})}}); }),
            "grad must have the loss's shape (2,), got (3,) for "
            "'gradients/xent_grad/KerasCategoricalCrossentropyGrad'");
}

}  // namespace
