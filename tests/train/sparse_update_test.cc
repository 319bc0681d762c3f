// Optimizers on an embedding: the gradient reaching the table through a
// gather is TF's IndexedSlices, so the update is the sparse op (ScatterSub,
// SparseApply*) and the rows no id names keep their exact bits.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>

#include "keraspp/tf.h"

namespace {

struct TrainRun {
  std::string update_op;  // the op type that updated the table
  np::Array before, after;
};

// Two steps of `make()`'s optimizer on loss = sum(square(table[ids]) * w).
TrainRun train(const std::function<std::unique_ptr<tf::train::Optimizer>()>& make) {
  tf::Graph g;
  auto guard = g.as_default();
  np::Array init = np::Array::empty({10, 4}, np::float32);
  for (int64_t i = 0; i < init.size(); ++i) init.set_flat(i, 0.1 * static_cast<double>(i % 7) - 0.3);
  tf::Variable table(tf::constant(init), {.name = "embedding"});
  const tf::Tensor ids = tf::constant(np::Array::from_vector(std::vector<int32_t>{2, 7, 2}, {3}));
  const tf::Tensor rows = tf::nn::embedding_lookup(table, ids);
  const tf::Tensor loss = tf::reduce_sum(tf::square(rows) * tf::constant(np::Array({1.f, -2.f, 3.f, 0.5f})));
  const auto opt = make();
  const tf::Operation step = opt->minimize(loss);
  TrainRun r;
  for (const tf::Operation& op : g.get_operations())
    if (op.name().rfind(opt->get_name() + "/update_embedding", 0) == 0 && op.op_def().stateful)
      r.update_op = op.type();
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  r.before = s.run(table.value());
  s.run(step);
  s.run(step);
  r.after = s.run(table.value());
  return r;
}

void expect_only_rows_2_and_7_changed(const TrainRun& r) {
  for (int64_t row = 0; row < 10; ++row) {
    const bool same = std::memcmp(r.before.data<float>() + row * 4, r.after.data<float>() + row * 4,
                                  4 * sizeof(float)) == 0;
    EXPECT_EQ(same, row != 2 && row != 7) << "row " << row;
  }
}

TEST(SparseUpdate, GradientDescentScattersIntoUsedRows) {
  const TrainRun r = train([] { return std::make_unique<tf::train::GradientDescentOptimizer>(0.1); });
  EXPECT_EQ(r.update_op, "ScatterSub");
  expect_only_rows_2_and_7_changed(r);
  // Row 7, column 0: d/dx x^2 = 2x twice, x0 = init(28) = 0.1 * 0 - 0.3.
  const double x0 = -0.3, x1 = x0 - 0.1 * 2 * x0;
  EXPECT_NEAR(r.after.get_flat(28), x1 - 0.1 * 2 * x1, 1e-6);
}

TEST(SparseUpdate, AdagradMomentumRMSPropUseSparseOps) {
  TrainRun r = train([] { return std::make_unique<tf::train::AdagradOptimizer>(0.1); });
  EXPECT_EQ(r.update_op, "SparseApplyAdagrad");
  expect_only_rows_2_and_7_changed(r);
  r = train([] { return std::make_unique<tf::train::MomentumOptimizer>(0.1, 0.9); });
  EXPECT_EQ(r.update_op, "SparseApplyMomentum");
  expect_only_rows_2_and_7_changed(r);
  r = train([] { return std::make_unique<tf::train::RMSPropOptimizer>(0.01); });
  EXPECT_EQ(r.update_op, "SparseApplyRMSProp");
  expect_only_rows_2_and_7_changed(r);
}

// Adam has no sparse op (TF 1.1's Adam also updates its slots densely), but
// rows never used keep zero moments, so their values keep their bits too.
TEST(SparseUpdate, AdamLeavesUnusedRowsBitExact) {
  const TrainRun r = train([] { return std::make_unique<tf::train::AdamOptimizer>(0.01); });
  EXPECT_EQ(r.update_op, "ApplyAdam");
  expect_only_rows_2_and_7_changed(r);
}

// A training step through gather, its sparse gradient and a sparse update
// allocates no buffers once warm.
TEST(SparseUpdate, SteadyStateAllocatesNothing) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Variable table(tf::constant(np::full({50, 8}, 0.5)), {.name = "embedding"});
  const tf::Tensor ids = tf::placeholder(tf::int32, tf::TensorShape({-1, 3}));
  const tf::Tensor loss = tf::reduce_sum(tf::square(tf::nn::embedding_lookup(table, ids)));
  const tf::Operation step = tf::train::AdagradOptimizer(0.1).minimize(loss);
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  const np::Array batch = np::Array::from_vector(std::vector<int32_t>{1, 4, 4, 9, 2, 49}, {2, 3});
  for (int i = 0; i < 3; ++i) s.run(std::vector<tf::Tensor>{loss}, {{ids, batch}}, {step});
  const uint64_t before = np::Storage::allocation_count();
  for (int i = 0; i < 5; ++i) s.run(std::vector<tf::Tensor>{loss}, {{ids, batch}}, {step});
  EXPECT_EQ(np::Storage::allocation_count(), before);
}

}  // namespace
