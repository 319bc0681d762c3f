// Concurrency beyond one session run from many threads (tests/runtime's
// SessionConcurrency, which runs the seed MLP from 8 threads): two Keras
// models trained in two threads, and graphs built in threads while other
// threads run them, each equal to the serial result bit for bit.
// scripts/tsan.sh runs these under ThreadSanitizer.
#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "keras_train/train_test_util.h"
#include <gtest/gtest.h>

#include "keraspp/keras.h"
#include "keraspp/tf.h"

namespace {

namespace K = keras::backend;

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

keras::models::Sequential classifier(int hidden) {
  keras::models::Sequential m;
  m.add(keras::layers::Dense(hidden, {.activation = "relu", .input_dim = 6}));
  m.add(keras::layers::Dense(3, {.activation = "softmax"}));
  m.compile({.optimizer = "adam", .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
  return m;
}

struct Data {
  np::Array x = np::Array::empty({48, 6});
  np::Array y = np::zeros({48, 3});
  Data() {
    for (int64_t i = 0; i < x.size(); ++i) x.data<float>()[i] = static_cast<float>((i * 37) % 11) / 11.f;
    for (int64_t i = 0; i < 48; ++i) y.at<float>(i, i % 3) = 1.f;
  }
};

// Both models are built (seeded) on one thread; only training is
// concurrent, on the one backend session.
std::vector<std::vector<np::Array>> train_two(bool concurrently) {
  K::clear_session();
  tf::set_random_seed(7);
  np::random::seed(7);
  std::vector<keras::models::Sequential> models{classifier(8), classifier(5)};
  const Data d;
  auto train = [&](int i) {
    models[static_cast<size_t>(i)].fit(d.x, d.y, {.batch_size = 8, .epochs = 4, .verbose = 0, .shuffle = false});
  };
  if (concurrently) {
    run_threads(2, train);
  } else {
    train(0);
    train(1);
  }
  return {models[0].get_weights(), models[1].get_weights()};
}

// Each fit builds its train function (Adam's updates under
// control_dependencies on its loss) in the one default graph while the other
// thread builds or runs: the scopes and control dependencies must be each
// thread's own, or one model's updates wait on the other's loss and its run
// asks for the other's input ("You must feed a value for placeholder tensor
// 'dense_3_input'", the bug this test found).
TEST(KerasConcurrency, TwoModelsTrainedInTwoThreadsEqualSerialTraining) {
  const auto serial = train_two(false);
  for (int repeat = 0; repeat < 3; ++repeat) {
    const auto parallel = train_two(true);
    for (size_t m = 0; m < 2; ++m) {
      ASSERT_EQ(parallel[m].size(), serial[m].size());
      for (size_t w = 0; w < serial[m].size(); ++w)
        EXPECT_TRUE(np::array_equal(parallel[m][w], serial[m][w])) << "model " << m << " weight " << w;
    }
  }
  K::clear_session();
}

// The root cause of the bug above, at the graph level: two threads build in
// one graph at once, each inside its own name scope and control
// dependencies; every op gets exactly its own thread's scope and control
// inputs (TF keeps both per thread: Graph._thread_local).
TEST(GraphConcurrency, ScopesAndControlDependenciesArePerThread) {
  tf::Graph g;
  std::vector<tf::Operation> anchors;
  {
    tf::Graph::DefaultGuard guard(g);
    for (int t = 0; t < 2; ++t) anchors.push_back(tf::no_op("anchor_" + std::to_string(t)));
  }
  constexpr int kOps = 200;
  std::vector<std::vector<tf::Operation>> built(2);
  run_threads(2, [&](int t) {
    tf::Graph::DefaultGuard guard(g);
    tf::name_scope scope("thread_" + std::to_string(t));
    tf::control_dependencies deps({anchors[static_cast<size_t>(t)]});
    for (int k = 0; k < kOps; ++k) built[static_cast<size_t>(t)].push_back(tf::constant(1.f).op());
  });
  EXPECT_EQ(g.current_name_scope(), "");
  for (size_t t = 0; t < 2; ++t)
    for (const tf::Operation& op : built[t]) {
      ASSERT_EQ(op.name().rfind("thread_" + std::to_string(t) + "/Const", 0), 0u) << op.name();
      const auto ctrl = op.control_inputs();
      ASSERT_EQ(ctrl.size(), 1u) << op.name();
      EXPECT_EQ(ctrl[0].name(), anchors[t].name());
    }
}

// y = relu(x W + b) with fixed weights: what the running threads fetch.
struct Net {
  tf::Graph g;
  tf::Tensor x, y;
  Net() {
    tf::Graph::DefaultGuard guard(g);
    x = tf::placeholder(tf::float32, {-1, 4}, "x");
    np::Array w = np::Array::empty({4, 4});
    for (int64_t i = 0; i < 16; ++i) w.data<float>()[i] = static_cast<float>(i % 5) - 2.f;
    y = tf::nn::relu(tf::add(tf::matmul(x, tf::constant(w)), tf::constant(0.5f)));
  }
};

// Two threads run the session while two others add ops to the same graph
// (TF extends a running session's graph) and a fifth builds and runs its
// own graph: every fetch equals the serial one, every new op is usable.
TEST(GraphConcurrency, BuildingWhileOtherThreadsRun) {
  Net net;
  tf::Session s(net.g);
  const np::Array in = np::Array::from_vector<float>({1, 2, 3, 4, -1, 0.5f, 2, 0}, {2, 4});
  const np::Array serial = s.run(net.y, {{net.x, in}});
  constexpr int kOps = 40;
  std::vector<std::vector<tf::Tensor>> built(2);
  std::atomic<int> mismatches{0};
  np::Array own_result;
  run_threads(5, [&](int t) {
    if (t < 2) {
      for (int r = 0; r < 200; ++r)
        if (!np::array_equal(s.run(net.y, {{net.x, in}}), serial)) ++mismatches;
    } else if (t < 4) {
      tf::Graph::DefaultGuard guard(net.g);
      for (int k = 0; k < kOps; ++k)
        built[static_cast<size_t>(t - 2)].push_back(tf::multiply(net.y, static_cast<float>(k + 1)));
    } else {
      Net own;
      tf::Session own_session(own.g);
      own_result = own_session.run(own.y, {{own.x, in}});
    }
  });
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_TRUE(np::array_equal(own_result, serial));
  for (const auto& ops : built)
    for (int k = 0; k < kOps; ++k) {
      const auto got = s.run(ops[static_cast<size_t>(k)], {{net.x, in}}).to_vector<float>();
      const auto want = serial.to_vector<float>();
      for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got[i], want[i] * static_cast<float>(k + 1));
    }
}

}  // namespace
