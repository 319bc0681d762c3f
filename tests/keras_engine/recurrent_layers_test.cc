// SimpleRNN, LSTM, GRU, TimeDistributed and Bidirectional: names, weights,
// shapes, configs, summary rows, values against a host-side Keras 2.0 step,
// masks, states, dropout, and Keras's errors.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace {

namespace K = keras::backend;
namespace L = keras::layers;
using keras::models::Model;
using keras::models::Sequential;

class RecurrentLayers : public ::testing::Test {
 protected:
  void SetUp() override {
    K::clear_session();
    np::random::seed(1337);
  }
  void TearDown() override { K::clear_session(); }
};

template <class E, class F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<no exception>";
}

np::Array random_array(const np::Shape& s, double scale = 1.0) {
  return (np::random::uniform(-scale, scale, s)).astype(np::float32);
}

double hard_sigmoid(double x) { return std::min(1.0, std::max(0.0, 0.2 * x + 0.5)); }

// Keras 2.0's LSTM step on the host: x [B, T, I], weights kernel, recurrent
// kernel, bias -> the last output [B, U].
np::Array lstm_reference(const np::Array& x, const std::vector<np::Array>& w) {
  const int64_t B = x.shape(0), T = x.shape(1), I = x.shape(2), U = w[1].shape(0);
  np::Array out = np::zeros({B, U}, np::float64);
  for (int64_t b = 0; b < B; ++b) {
    std::vector<double> h(U, 0.0), c(U, 0.0);
    for (int64_t t = 0; t < T; ++t) {
      std::vector<double> z(4 * U);
      for (int64_t j = 0; j < 4 * U; ++j) {
        z[j] = w[2].get_flat(j);
        for (int64_t i = 0; i < I; ++i) z[j] += x.get_flat((b * T + t) * I + i) * w[0].get_flat(i * 4 * U + j);
        for (int64_t u = 0; u < U; ++u) z[j] += h[u] * w[1].get_flat(u * 4 * U + j);
      }
      for (int64_t u = 0; u < U; ++u) {
        const double i = hard_sigmoid(z[u]), f = hard_sigmoid(z[U + u]), o = hard_sigmoid(z[3 * U + u]);
        c[u] = f * c[u] + i * std::tanh(z[2 * U + u]);
        h[u] = o * std::tanh(c[u]);
      }
    }
    for (int64_t u = 0; u < U; ++u) out.set_flat(b * U + u, h[u]);
  }
  return out;
}

TEST_F(RecurrentLayers, LstmNamesWeightsShapesConfigAndSummary) {
  Sequential model;
  model.add(L::LSTM(8, {.input_shape = {5, 3}}));
  const L::Layer lstm = model.layers()[0];
  EXPECT_EQ(lstm.name(), "lstm_1");
  EXPECT_EQ(model.outputs()[0].shape(), tf::TensorShape({-1, 8}));
  const auto w = lstm.weights();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].name(), "lstm_1/kernel:0");
  EXPECT_EQ(w[1].name(), "lstm_1/recurrent_kernel:0");
  EXPECT_EQ(w[2].name(), "lstm_1/bias:0");
  const auto values = lstm.get_weights();
  EXPECT_EQ(values[0].shape(), np::Shape({3, 32}));
  EXPECT_EQ(values[1].shape(), np::Shape({8, 32}));
  // unit_forget_bias: the forget gate's block starts at 1, the others at 0.
  for (int64_t j = 0; j < 32; ++j) EXPECT_EQ(values[2].get_flat(j), j >= 8 && j < 16 ? 1.0 : 0.0) << j;
  // The orthogonal recurrent initializer: R^T R = I for the [8, 32] matrix's rows.
  const np::Array r = values[1].astype(np::float64);
  for (int a = 0; a < 8; ++a)
    for (int b = 0; b < 8; ++b) {
      double dot = 0;
      for (int j = 0; j < 32; ++j) dot += r.get_flat(a * 32 + j) * r.get_flat(b * 32 + j);
      EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-5);
    }
  const keras::Config c = lstm.get_config();
  EXPECT_EQ(c.at("units"), 8);
  EXPECT_EQ(c.at("activation"), "tanh");
  EXPECT_EQ(c.at("recurrent_activation"), "hard_sigmoid");
  EXPECT_EQ(c.at("recurrent_initializer").at("class_name"), "Orthogonal");
  EXPECT_EQ(c.at("unit_forget_bias"), true);
  EXPECT_EQ(c.at("return_sequences"), false);
  EXPECT_EQ(c.at("implementation"), 0);
  std::ostringstream os;
  model.summary(os);
  EXPECT_NE(os.str().find("lstm_1 (LSTM)                (None, 8)                 384       \n"), std::string::npos)
      << os.str();
}

TEST_F(RecurrentLayers, LstmMatchesKerasStepComputedOnTheHost) {
  Sequential model;
  model.add(L::LSTM(4, {.input_shape = {6, 3}}));
  const np::Array x = random_array({5, 6, 3});
  const np::Array got = model.predict(x);
  const np::Array want = lstm_reference(x.astype(np::float64), model.get_weights());
  EXPECT_TRUE(np::allclose(got.astype(np::float64), want, 1e-5, 1e-6)) << got << "\nvs\n" << want;
}

TEST_F(RecurrentLayers, GoBackwardsReturnSequencesAndReturnState) {
  auto in = L::Input({.shape = {6, 3}});
  auto fwd = L::LSTM(4, {.return_sequences = true, .return_state = true});
  auto outs = fwd(std::vector<tf::Tensor>{in});
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_EQ(outs[0].shape(), tf::TensorShape({-1, 6, 4}));
  EXPECT_EQ(outs[1].shape(), tf::TensorShape({-1, 4}));
  auto back = L::LSTM(4, {.go_backwards = true});
  tf::Tensor yb = back(in);
  Model model(in, std::vector<tf::Tensor>{outs[0], outs[1], outs[2], yb});
  back.set_weights(fwd.get_weights());
  const np::Array x = random_array({2, 6, 3});
  const auto p = model.predict_multi(x);
  // The last step of the sequence is the returned h.
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t u = 0; u < 4; ++u) EXPECT_EQ(p[0].get_flat((b * 6 + 5) * 4 + u), p[1].get_flat(b * 4 + u));
  // Going backwards equals going forwards over the reversed input.
  np::Array xr = x.copy();
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t t = 0; t < 6; ++t)
      for (int64_t i = 0; i < 3; ++i) xr.set_flat((b * 6 + t) * 3 + i, x.get_flat((b * 6 + 5 - t) * 3 + i));
  const auto pr = model.predict_multi(xr);
  EXPECT_TRUE(np::allclose(p[3], pr[1], 1e-6, 1e-7));
}

TEST_F(RecurrentLayers, InitialStatesContinueASequence) {
  // LSTM over steps 0-2, then over steps 3-5 from its states, equals one LSTM over 0-5.
  auto first = L::Input({.shape = {3, 2}}), second = L::Input({.shape = {3, 2}}), whole = L::Input({.shape = {6, 2}});
  auto enc = L::LSTM(4, {.return_state = true});
  auto dec = L::LSTM(4);
  auto one = L::LSTM(4);
  const auto states = enc(std::vector<tf::Tensor>{first});
  const tf::Tensor y = dec(std::vector<tf::Tensor>{second, states[1], states[2]}).at(0);
  Model split(std::vector<tf::Tensor>{first, second}, y);
  Model joined(whole, one(whole));
  dec.set_weights(enc.get_weights());
  one.set_weights(enc.get_weights());
  const np::Array x = random_array({2, 6, 2});
  np::Array a = np::Array::empty({2, 3, 2}, np::float32), b = np::Array::empty({2, 3, 2}, np::float32);
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t i = 0; i < 6; ++i) {
      a.set_flat(r * 6 + i, x.get_flat(r * 12 + i));
      b.set_flat(r * 6 + i, x.get_flat(r * 12 + 6 + i));
    }
  EXPECT_TRUE(np::allclose(split.predict({a, b}), joined.predict(x), 1e-6, 1e-7));
  EXPECT_EQ(error_of<keraspp::ValueError>([&] { L::LSTM(4)(std::vector<tf::Tensor>{second, states[1]}); }),
            "Layer has 2 states but was passed 1 initial states.");
}

TEST_F(RecurrentLayers, MasksFromEmbeddingCarryTheLastOutputThroughPadding) {
  Sequential model;
  model.add(L::Embedding(10, 3, {.mask_zero = true, .input_length = 5}));
  model.add(L::GRU(4));
  np::Array ids = np::Array::from_vector<int32_t>({3, 1, 4, 0, 0, 3, 1, 4, 2, 5}, {2, 5});
  const np::Array p = model.predict(ids);
  Sequential shorter;
  shorter.add(L::Embedding(10, 3, {.input_length = 3}));
  shorter.add(L::GRU(4));
  shorter.set_weights(model.get_weights());
  const np::Array q = shorter.predict(np::Array::from_vector<int32_t>({3, 1, 4}, {1, 3}));
  for (int u = 0; u < 4; ++u) EXPECT_NEAR(p.get_flat(u), q.get_flat(u), 1e-6);
  EXPECT_GT(std::abs(p.get_flat(4) - p.get_flat(0)), 1e-6);  // the unpadded row differs
}

TEST_F(RecurrentLayers, ImplementationsAndUnrollGiveTheSameResults) {
  const np::Array x = random_array({3, 4, 2});
  std::vector<np::Array> results;
  std::vector<np::Array> weights;
  for (int impl : {0, 1, 2})
    for (bool unroll : {false, true}) {
      K::clear_session();
      Sequential m;
      m.add(L::SimpleRNN(5, {.unroll = unroll, .implementation = impl, .input_shape = {4, 2}}));
      if (weights.empty()) weights = m.get_weights();
      m.set_weights(weights);
      results.push_back(m.predict(x));
    }
  for (size_t i = 1; i < results.size(); ++i) EXPECT_TRUE(np::array_equal(results[i], results[0])) << i;
}

TEST_F(RecurrentLayers, KerasErrors) {
  EXPECT_EQ(error_of<keraspp::ValueError>([] {
              Sequential m;
              m.add(L::LSTM(4, {.input_shape = {3}}));
            }),
            "Input 0 is incompatible with layer lstm_1: expected ndim=3, found ndim=2");
  const std::string stateful = error_of<keraspp::ValueError>([] {
    Sequential m;
    m.add(L::LSTM(4, {.stateful = true, .input_shape = {3, 2}}));
  });
  EXPECT_EQ(stateful.rfind("If a RNN is stateful, it needs to know its batch size.", 0), 0u) << stateful;
  EXPECT_EQ(error_of<keraspp::ValueError>([] { L::LSTM(4).reset_states(); }), "Layer must be stateful.");
  EXPECT_EQ(error_of<keraspp::ValueError>([] {
              auto in = L::Input({.shape = {-1, 2}});
              L::GRU(3, {.unroll = true})(in);
            }).rfind("Cannot unroll a RNN if the time dimension is undefined.", 0),
            0u);
  EXPECT_EQ(error_of<keraspp::ValueError>([] { L::Bidirectional(L::LSTM(2), {.merge_mode = "max"}); }),
            "Invalid merge mode. Merge mode should be one of {\"sum\", \"mul\", \"ave\", \"concat\", None}");
  EXPECT_NE(error_of<keraspp::ValueError>([] { L::LSTM(2, {.activation = "softsign"}); }).find("softsign"),
            std::string::npos);
}

TEST_F(RecurrentLayers, StatefulLayersCarryStatesUntilReset) {
  Sequential model;
  model.add(L::SimpleRNN(3, {.stateful = true, .batch_input_shape = {2, 4, 2}}));
  const np::Array x = random_array({2, 4, 2});
  const np::Array first = model.predict(x, {.batch_size = 2});
  const np::Array second = model.predict(x, {.batch_size = 2});
  EXPECT_FALSE(np::allclose(first, second, 1e-6, 1e-6));  // started from the first call's states
  static_cast<const L::Recurrent&>(L::Recurrent(model.layers()[0].impl_ptr())).reset_states();
  EXPECT_TRUE(np::array_equal(model.predict(x, {.batch_size = 2}), first));
}

TEST_F(RecurrentLayers, RecurrentDropoutOnlyInTrainingAndReproducible) {
  auto run = [] {
    K::clear_session();
    np::random::seed(7);
    Sequential m;
    m.add(L::LSTM(6, {.dropout = 0.3, .recurrent_dropout = 0.4, .input_shape = {5, 3}}));
    m.add(L::Dense(1));
    m.compile({.optimizer = "sgd", .loss = "mse"});
    np::random::seed(8);
    const np::Array x = random_array({16, 5, 3}), y = random_array({16, 1});
    const auto h = m.fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 0, .shuffle = false});
    // Inference is deterministic: no masks drawn.
    EXPECT_TRUE(np::array_equal(m.predict(x), m.predict(x)));
    return std::pair{h.history.at("loss"), m.get_weights()};
  };
  const auto a = run(), b = run();
  EXPECT_EQ(a.first, b.first);
  for (size_t i = 0; i < a.second.size(); ++i) EXPECT_TRUE(np::array_equal(a.second[i], b.second[i])) << i;
}

TEST_F(RecurrentLayers, TimeDistributedDenseAppliesTheSameDenseEveryStep) {
  Sequential model;
  model.add(L::TimeDistributed(L::Dense(2), {.input_shape = {3, 4}}));
  const L::Layer td = model.layers()[0];
  EXPECT_EQ(td.name(), "time_distributed_1");
  ASSERT_EQ(td.weights().size(), 2u);
  EXPECT_EQ(td.weights()[0].name(), "time_distributed_1/kernel:0");
  EXPECT_EQ(model.outputs()[0].shape(), tf::TensorShape({-1, 3, 2}));
  const np::Array x = random_array({2, 3, 4});
  const np::Array y = model.predict(x);
  const auto w = model.get_weights();
  for (int64_t r = 0; r < 6; ++r)
    for (int64_t j = 0; j < 2; ++j) {
      double v = w[1].get_flat(j);
      for (int64_t i = 0; i < 4; ++i) v += x.get_flat(r * 4 + i) * w[0].get_flat(i * 2 + j);
      EXPECT_NEAR(y.get_flat(r * 2 + j), v, 1e-5);
    }
  std::ostringstream os;
  model.summary(os);
  EXPECT_NE(os.str().find("time_distributed_1 (TimeDist (None, 3, 2)              10        \n"), std::string::npos)
      << os.str();
  EXPECT_EQ(td.get_config().at("layer").at("class_name"), "Dense");
}

TEST_F(RecurrentLayers, SequencesOfAnyLengthWithoutAFixedTimeDimension) {
  Sequential model;
  model.add(L::Embedding(10, 3));  // input (None, None)
  model.add(L::LSTM(4, {.return_sequences = true}));
  model.add(L::TimeDistributed(L::Dense(2)));
  EXPECT_EQ(model.outputs()[0].shape(), tf::TensorShape({-1, -1, 2}));
  for (int64_t t : {5, 7}) {
    np::Array ids = np::Array::empty({2, t}, np::int32);
    for (int64_t i = 0; i < ids.size(); ++i) ids.set_flat(i, static_cast<double>(1 + i % 9));
    EXPECT_EQ(model.predict(ids).shape(), np::Shape({2, t, 2}));
  }
}

TEST_F(RecurrentLayers, BidirectionalMergeModes) {
  const np::Array x = random_array({2, 5, 3});
  for (const char* mode : {"concat", "sum", "mul", "ave"}) {
    K::clear_session();
    auto in = L::Input({.shape = {5, 3}});
    auto bi = L::Bidirectional(L::LSTM(4, {.return_sequences = true}), {.merge_mode = std::string(mode)});
    Model model(in, bi(in));
    EXPECT_EQ(model.outputs()[0].shape(), tf::TensorShape({-1, 5, std::string(mode) == "concat" ? 8 : 4})) << mode;
    ASSERT_EQ(bi.weights().size(), 6u);
    EXPECT_EQ(bi.weights()[0].name(), "bidirectional_1/forward_lstm_1/kernel:0");
    EXPECT_EQ(bi.weights()[3].name(), "bidirectional_1/backward_lstm_1/kernel:0");
    const np::Array y = model.predict(x);
    // The backward half at step t saw steps T-1..t: its first step saw all of them.
    EXPECT_EQ(y.shape(), np::Shape({2, 5, std::string(mode) == "concat" ? 8 : 4}));
  }
  K::clear_session();
  auto in = L::Input({.shape = {5, 3}});
  auto bi = L::Bidirectional(L::GRU(4), {.merge_mode = std::nullopt});
  auto outs = bi(std::vector<tf::Tensor>{in});
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[1].shape(), tf::TensorShape({-1, 4}));
  EXPECT_EQ(bi.get_config().at("merge_mode"), nullptr);
  EXPECT_EQ(bi.get_config().at("layer").at("config").at("name"), "gru_1");
}

TEST_F(RecurrentLayers, BidirectionalConcatHoldsForwardAndTimeOrderedBackwardOutputs) {
  auto in = L::Input({.shape = {5, 3}});
  auto bi = L::Bidirectional(L::LSTM(4, {.return_sequences = true}));
  Model model(in, bi(in));
  auto in2 = L::Input({.shape = {5, 3}});
  auto fwd = L::LSTM(4, {.return_sequences = true});
  auto back = L::LSTM(4, {.return_sequences = true, .go_backwards = true});
  Model halves(in2, std::vector<tf::Tensor>{fwd(in2), back(in2)});
  const auto w = bi.get_weights();
  fwd.set_weights({w[0], w[1], w[2]});
  back.set_weights({w[3], w[4], w[5]});
  const np::Array x = random_array({2, 5, 3});
  const np::Array y = model.predict(x);
  const auto h = halves.predict_multi(x);
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t t = 0; t < 5; ++t)
      for (int64_t u = 0; u < 4; ++u) {
        EXPECT_EQ(y.get_flat((b * 5 + t) * 8 + u), h[0].get_flat((b * 5 + t) * 4 + u));
        EXPECT_EQ(y.get_flat((b * 5 + t) * 8 + 4 + u), h[1].get_flat((b * 5 + 4 - t) * 4 + u));
      }
}

TEST_F(RecurrentLayers, MaskingCarriesThroughLstmAndTimeDistributed) {
  Sequential model;
  model.add(L::Masking(0.0, {.input_shape = {4, 2}}));
  model.add(L::LSTM(3, {.return_sequences = true}));
  model.add(L::TimeDistributed(L::Dense(2)));
  np::Array x = random_array({1, 4, 2});
  for (int i = 4; i < 6; ++i) x.set_flat(i, 0.0);  // step 2 masked
  const np::Array y = model.predict(x);
  // The masked step repeats step 1's output (LSTM carried it; Dense maps it alike).
  for (int j = 0; j < 2; ++j) EXPECT_EQ(y.get_flat(2 * 2 + j), y.get_flat(1 * 2 + j));
  EXPECT_NE(y.get_flat(3 * 2), y.get_flat(2 * 2));
}

TEST_F(RecurrentLayers, TrainingStepsAllocateNothingInSteadyState) {
  Sequential model;
  model.add(L::GRU(8, {.recurrent_dropout = 0.2, .return_sequences = true, .input_shape = {6, 3}}));
  model.add(L::TimeDistributed(L::Dense(2)));
  model.compile({.optimizer = "adam", .loss = "mse"});
  const np::Array x = random_array({32, 6, 3}), y = random_array({32, 6, 2});
  std::vector<uint64_t> at_batch_end;
  auto probe = std::make_shared<keras::callbacks::LambdaCallback>(keras::callbacks::LambdaCallbackOptions{
      .on_batch_end = [&](int, keras::Logs&) { at_batch_end.push_back(np::Storage::allocation_count()); }});
  model.fit(x, y, {.batch_size = 8, .epochs = 3, .verbose = 0, .callbacks = {probe}});
  ASSERT_EQ(at_batch_end.size(), 12u);
  for (size_t i = 4; i < at_batch_end.size(); ++i) EXPECT_EQ(at_batch_end[i], at_batch_end[4]) << "batch " << i;
}

}  // namespace
