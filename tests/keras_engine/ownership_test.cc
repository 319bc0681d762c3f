// Keras objects and graph ownership: models and layers are freed with their
// last handle, K::clear_session() releases the graph it replaces, and a
// model the user keeps still works after it.
#include <gtest/gtest.h>

#include <memory>

#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"
#include "support/resident_memory.h"

namespace K = keras::backend;
namespace L = keras::layers;
using keras::models::Model;
using keras::models::Sequential;

namespace {

// A one-Dense Sequential, compiled; returns its graph, weakly.
std::weak_ptr<tf::GraphData> compile_one_dense() {
  Sequential model;
  model.add(L::Dense(8, {.activation = "relu", .input_dim = 16}));
  model.compile({.optimizer = "sgd", .loss = "mse"});
  return tf::get_default_graph().data();
}

TEST(KerasOwnership, ClearSessionFreesTheModelsGraph) {
  K::clear_session();
  const std::weak_ptr<tf::GraphData> g = compile_one_dense();
  K::clear_session();
  EXPECT_TRUE(g.expired());
}

TEST(KerasOwnership, TwoThousandCompiledModelsKeepResidentMemoryFlat) {
  K::clear_session();
  for (int i = 0; i < 100; ++i) {
    compile_one_dense();
    K::clear_session();
  }
  const int64_t after_100 = test_support::resident_bytes();
  for (int i = 100; i < 2000; ++i) {
    compile_one_dense();
    K::clear_session();
  }
  const int64_t after_2000 = test_support::resident_bytes();
  EXPECT_LT(after_2000 - after_100, 5 << 20) << after_100 << " -> " << after_2000 << " bytes";
}

TEST(KerasOwnership, FunctionalModelInItsOwnGraphIsFreedWithItsHandles) {
  std::weak_ptr<tf::GraphData> weak_graph;
  std::weak_ptr<keras::engine::LayerImpl> weak_dense;
  {
    tf::Graph g;
    auto guard = g.as_default();
    weak_graph = g.data();
    tf::Tensor x = L::Input({.shape = {4}});
    L::Dense dense(3);
    weak_dense = dense.impl_ptr();
    tf::Tensor y = L::Dense(2)(dense(x));
    Model model(x, y);
    model.compile({.optimizer = "adam", .loss = "mse"});
    model.fit(np::ones({8, 4}), np::zeros({8, 2}), {.batch_size = 4, .epochs = 1, .verbose = 0});
  }
  EXPECT_TRUE(weak_dense.expired());
  // fit ran in Keras's session (K::get_session(), Python's global _SESSION),
  // which holds the graph until the next session replaces it.
  EXPECT_FALSE(weak_graph.expired());
  K::clear_session();
  EXPECT_TRUE(weak_graph.expired());
}

TEST(KerasOwnership, OutputTensorKeepsItsLayersAlive) {
  K::clear_session();
  tf::Tensor x = L::Input({.shape = {4}});
  // The layers are temporaries: only the output tensor's history holds them.
  tf::Tensor y = L::Dense(2, {.name = "last"})(L::Dense(3, {.name = "first"})(x));
  Model model(x, y);
  ASSERT_EQ(model.layers().size(), 3u);
  EXPECT_EQ(model.layers()[1].name(), "first");
  EXPECT_EQ(model.layers()[2].name(), "last");
}

TEST(KerasOwnership, ModelKeptAcrossClearSessionStillPredicts) {
  K::clear_session();
  Sequential model;
  model.add(L::Dense(2, {.kernel_initializer = "ones", .input_dim = 3}));
  const np::Array before = model.predict(np::ones({1, 3}));
  K::clear_session();
  const np::Array after = model.predict(np::ones({1, 3}));
  EXPECT_EQ(after.get_flat(0), before.get_flat(0));
  EXPECT_EQ(after.get_flat(0), 3.0);
}

TEST(KerasOwnership, LayerAppliedToItsOwnOutputIsFreed) {
  std::weak_ptr<keras::engine::LayerImpl> weak_dense;
  {
    tf::Graph g;
    auto guard = g.as_default();
    tf::Tensor x = L::Input({.shape = {4}});
    L::Dense dense(4);
    weak_dense = dense.impl_ptr();
    Model model(x, dense(dense(x)));
    EXPECT_EQ(model.layers().size(), 2u);
  }
  EXPECT_TRUE(weak_dense.expired());
}

}  // namespace
