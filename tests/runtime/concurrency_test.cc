// Session::run from many threads at once: one session and one cached plan
// give every thread the serial result bit for bit, training and predicting
// threads share variables without error, concurrent compiles of one
// signature cache one plan, and close() during runs is an error, not a
// crash. scripts/tsan.sh runs these under ThreadSanitizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "keraspp/tf.h"

namespace {

// The seed MLP: 784-512-512-10, Dense + relu, trained by Adagrad.
struct Mlp {
  tf::Graph g;
  tf::Tensor x, labels, logits, loss;
  tf::Operation train, init;

  Mlp() {
    tf::Graph::DefaultGuard guard(g);
    tf::set_random_seed(1234);
    x = tf::placeholder(tf::float32, {-1, 784});
    labels = tf::placeholder(tf::int64, {-1});
    tf::Tensor h = tf::layers::dense(x, 512, {.activation = tf::nn::relu});
    h = tf::layers::dense(h, 512, {.activation = tf::nn::relu});
    logits = tf::layers::dense(h, 10);
    loss = tf::losses::sparse_softmax_cross_entropy(labels, logits);
    train = tf::train::AdagradOptimizer(0.01).minimize(loss);
    init = tf::global_variables_initializer();
  }
};

// A fixed batch: rows of values in [0, 1), labels 0..9; `salt` varies it.
np::Array batch(int64_t rows, int salt = 0) {
  np::Array a = np::Array::empty({rows, 784});
  float* p = a.data<float>();
  for (int64_t i = 0; i < a.size(); ++i) p[i] = static_cast<float>((i * 7919 + salt * 131) % 1000) / 1000.f;
  return a;
}
np::Array batch_labels(int64_t rows) {
  np::Array a = np::Array::empty({rows}, tf::int64);
  for (int64_t i = 0; i < rows; ++i) a.data<int64_t>()[i] = i % 10;
  return a;
}

// Runs body(t) on `threads` threads released together.
template <class Body> void run_threads(int threads, Body body) {
  std::latch start(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      body(t);
    });
  for (auto& th : pool) th.join();
}

TEST(SessionConcurrency, InferenceFromEightThreadsMatchesSerialBitForBit) {
  Mlp m;
  tf::Session s(m.g);
  s.run(m.init);
  const np::Array in = batch(32);
  const np::Array serial = s.run(m.logits, {{m.x, in}});
  constexpr int kThreads = 8, kRuns = 500;
  std::atomic<int> mismatches{0}, errors{0};
  run_threads(kThreads, [&](int) {
    for (int r = 0; r < kRuns; ++r) {
      try {
        if (!np::array_equal(s.run(m.logits, {{m.x, in}}), serial)) ++mismatches;
      } catch (const std::exception&) {
        ++errors;
      }
    }
  });
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(s.num_cached_plans(), 2u);  // the initializer's and the logits'
  // The plan kept one execution state per concurrent run; a serial loop now
  // reuses them and allocates no buffers.
  const uint64_t before = np::Storage::allocation_count();
  for (int r = 0; r < 3; ++r) s.run(m.logits, {{m.x, in}});
  EXPECT_EQ(np::Storage::allocation_count(), before);
}

TEST(SessionConcurrency, TwoTrainingAndTwoPredictingThreadsShareVariables) {
  Mlp m;
  tf::Session s(m.g);
  s.run(m.init);
  const np::Array in = batch(32), labels = batch_labels(32);
  const double loss0 = s.run(m.loss, {{m.x, in}, {m.labels, labels}}).item<double>();
  constexpr int kSteps = 60;
  std::atomic<int> errors{0};
  std::atomic<int> non_finite{0};
  run_threads(4, [&](int t) {
    for (int r = 0; r < kSteps; ++r) {
      try {
        if (t < 2) {
          s.run(m.train, {{m.x, in}, {m.labels, labels}});
        } else {
          const np::Array out = s.run(m.logits, {{m.x, batch(8, t)}});
          for (int64_t i = 0; i < out.size(); ++i)
            if (!std::isfinite(out.data<float>()[i])) ++non_finite;
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++errors;
      }
    }
  });
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(non_finite.load(), 0);
  // 120 interleaved Adagrad steps on one batch lowered its loss.
  const double loss1 = s.run(m.loss, {{m.x, in}, {m.labels, labels}}).item<double>();
  EXPECT_LT(loss1, loss0);
}

TEST(SessionConcurrency, ConcurrentCompilesCacheOnePlanPerSignature) {
  tf::Graph g;
  tf::Graph::DefaultGuard guard(g);
  auto x = tf::placeholder(tf::float32, {-1});
  constexpr int kSignatures = 6;
  std::vector<tf::Tensor> fetches;
  for (int i = 0; i < kSignatures; ++i) fetches.push_back(x * static_cast<double>(i + 1));
  tf::Session s(g);
  const np::Array in({1.f, 2.f, 3.f});
  std::atomic<int> wrong{0};
  // Each thread compiles every signature, starting at a different one, so
  // some race on one signature and others on different ones.
  run_threads(8, [&](int t) {
    for (int i = 0; i < kSignatures; ++i) {
      const int k = (i + t) % kSignatures;
      const np::Array out = s.run(fetches[static_cast<size_t>(k)], {{x, in}});
      if (out.at<float>(2) != 3.f * static_cast<float>(k + 1)) ++wrong;
    }
  });
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(s.num_cached_plans(), static_cast<size_t>(kSignatures));
}

TEST(SessionConcurrency, RandomOpsReserveDisjointBlocksAcrossThreads) {
  tf::Graph g;
  tf::Graph::DefaultGuard guard(g);
  auto u = tf::random_uniform({4}, {.seed = 3});
  tf::Session serial_session(g), s(g);
  // Serially, 64 runs draw blocks 0..63 of the stream.
  std::vector<float> serial;
  for (int r = 0; r < 64; ++r) serial.push_back(serial_session.run(u).at<float>(0));
  std::vector<std::vector<float>> drawn(4);
  run_threads(4, [&](int t) {
    for (int r = 0; r < 16; ++r) drawn[static_cast<size_t>(t)].push_back(s.run(u).at<float>(0));
  });
  // Concurrently, the same 64 blocks, each drawn once.
  std::vector<float> all;
  for (const auto& d : drawn) all.insert(all.end(), d.begin(), d.end());
  std::sort(all.begin(), all.end());
  std::sort(serial.begin(), serial.end());
  EXPECT_EQ(all, serial);
}

TEST(SessionConcurrency, CloseWhileRunningIsAnErrorNotACrash) {
  Mlp m;
  tf::Session s(m.g);
  s.run(m.init);
  const np::Array in = batch(8);
  std::atomic<int> ran{0}, closed_errors{0}, other_errors{0};
  std::latch running(2);
  std::thread runner([&] {
    for (int r = 0; r < 100000; ++r) {
      try {
        s.run(m.logits, {{m.x, in}});
        if (++ran == 5) running.arrive_and_wait();
      } catch (const keraspp::ValueError& e) {
        if (std::string(e.what()) == "Attempted to use a closed Session.") ++closed_errors;
        else ++other_errors;
        break;
      } catch (const std::exception&) {
        ++other_errors;
        break;
      }
    }
  });
  running.arrive_and_wait();
  s.close();
  runner.join();
  EXPECT_EQ(closed_errors.load(), 1);
  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_THROW(s.run(m.logits, {{m.x, in}}), keraspp::ValueError);
}

}  // namespace
