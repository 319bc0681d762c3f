// Golden tests: every optimizer's slot and non-slot variables, their names and
// their order in tf::global_variables() as TF 1.x creates them, their initial
// values, and the train op's name.
#include <gtest/gtest.h>

#include <sstream>

#include "keraspp/tf.h"

namespace {

class Slots : public ::testing::Test {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};
  tf::Variable w{tf::ones({2, 3}), {.name = "w"}};
  tf::Variable b{tf::zeros({3}), {.name = "b"}};
  tf::Tensor loss = tf::reduce_sum(tf::square(w.value())) + tf::reduce_sum(b.value());

  static std::vector<std::string> names(const std::vector<tf::Variable>& vars) {
    std::vector<std::string> out;
    for (const auto& v : vars) out.push_back(v.name());
    return out;
  }
  std::vector<std::string> global() const { return names(tf::global_variables()); }
};

TEST_F(Slots, GradientDescentHasNone) {
  tf::Operation op = tf::train::GradientDescentOptimizer(0.1).minimize(loss);
  EXPECT_EQ(global(), (std::vector<std::string>{"w:0", "b:0"}));
  EXPECT_EQ(op.name(), "GradientDescent");
  EXPECT_EQ(op.type(), "NoOp");
}

TEST_F(Slots, Momentum) {
  tf::train::MomentumOptimizer opt(0.1, 0.9);
  tf::Operation op = opt.minimize(loss);
  EXPECT_EQ(global(), (std::vector<std::string>{"w:0", "b:0", "w/Momentum:0", "b/Momentum:0"}));
  EXPECT_EQ(opt.get_slot(w, "momentum")->name(), "w/Momentum:0");
  EXPECT_EQ(opt.get_slot_names(), std::vector<std::string>{"momentum"});
  EXPECT_EQ(op.name(), "Momentum");
}

TEST_F(Slots, Adagrad) {
  tf::train::AdagradOptimizer opt(0.05);
  opt.minimize(loss);
  EXPECT_EQ(global(), (std::vector<std::string>{"w:0", "b:0", "w/Adagrad:0", "b/Adagrad:0"}));
  EXPECT_EQ(opt.get_slot(b, "accumulator")->name(), "b/Adagrad:0");
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  const np::Array acc = s.run(opt.get_slot(w, "accumulator")->value());
  ASSERT_EQ(acc.shape(), (np::Shape{2, 3}));
  for (int64_t i = 0; i < acc.size(); ++i) EXPECT_FLOAT_EQ(acc.get_flat(i), 0.1f);
}

TEST_F(Slots, AdamBetaPowersFirstThenMAndVPerVariable) {
  tf::train::AdamOptimizer opt;
  tf::Operation op = opt.minimize(loss);
  EXPECT_EQ(global(), (std::vector<std::string>{"w:0", "b:0", "beta1_power:0", "beta2_power:0",
                                                "w/Adam:0", "w/Adam_1:0", "b/Adam:0",
                                                "b/Adam_1:0"}));
  EXPECT_EQ(opt.get_slot(w, "m")->name(), "w/Adam:0");
  EXPECT_EQ(opt.get_slot(w, "v")->name(), "w/Adam_1:0");
  EXPECT_EQ(opt.get_slot_names(), (std::vector<std::string>{"m", "v"}));
  EXPECT_EQ(op.name(), "Adam");
  // Slots and powers are not trainable.
  EXPECT_EQ(names(tf::trainable_variables()), (std::vector<std::string>{"w:0", "b:0"}));
  // The powers are float32 scalars starting at beta1, beta2.
  const auto vars = tf::global_variables();
  EXPECT_EQ(vars[2].shape(), tf::TensorShape::scalar());
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  EXPECT_FLOAT_EQ(s.run(vars[2].value()).item<float>(), 0.9f);
  EXPECT_FLOAT_EQ(s.run(vars[3].value()).item<float>(), 0.999f);
}

TEST_F(Slots, AdamSecondMinimizeReusesPowersAndSlots) {
  tf::train::AdamOptimizer opt;
  opt.minimize(loss);
  tf::Operation second = opt.minimize(loss * 2.0);
  EXPECT_EQ(global().size(), 8u);
  EXPECT_EQ(second.name(), "Adam_1");
}

TEST_F(Slots, RMSPropRmsThenMomentum) {
  tf::train::RMSPropOptimizer opt(0.01);
  opt.minimize(loss);
  EXPECT_EQ(global(), (std::vector<std::string>{"w:0", "b:0", "w/RMSProp:0", "w/RMSProp_1:0",
                                                "b/RMSProp:0", "b/RMSProp_1:0"}));
  EXPECT_EQ(opt.get_slot(w, "rms")->name(), "w/RMSProp:0");
  EXPECT_EQ(opt.get_slot(w, "momentum")->name(), "w/RMSProp_1:0");
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  const np::Array rms = s.run(opt.get_slot(w, "rms")->value());
  const np::Array mom = s.run(opt.get_slot(w, "momentum")->value());
  for (int64_t i = 0; i < rms.size(); ++i) {
    EXPECT_EQ(rms.get_flat(i), 1.0);  // rms starts at ones
    EXPECT_EQ(mom.get_flat(i), 0.0);
  }
}

TEST_F(Slots, RMSPropCenteredRmsMgMomentum) {
  // TF 1.x creates rms, then mg (centered only), then momentum.
  tf::train::RMSPropOptimizer opt(0.01, {.centered = true});
  opt.minimize(loss);
  EXPECT_EQ(global(), (std::vector<std::string>{"w:0", "b:0", "w/RMSProp:0", "w/RMSProp_1:0",
                                                "w/RMSProp_2:0", "b/RMSProp:0", "b/RMSProp_1:0",
                                                "b/RMSProp_2:0"}));
  EXPECT_EQ(opt.get_slot(w, "rms")->name(), "w/RMSProp:0");
  EXPECT_EQ(opt.get_slot(w, "mg")->name(), "w/RMSProp_1:0");
  EXPECT_EQ(opt.get_slot(w, "momentum")->name(), "w/RMSProp_2:0");
}

TEST_F(Slots, Adadelta) {
  tf::train::AdadeltaOptimizer opt;
  opt.minimize(loss);
  EXPECT_EQ(global(), (std::vector<std::string>{"w:0", "b:0", "w/Adadelta:0", "w/Adadelta_1:0",
                                                "b/Adadelta:0", "b/Adadelta_1:0"}));
  EXPECT_EQ(opt.get_slot(w, "accum")->name(), "w/Adadelta:0");
  EXPECT_EQ(opt.get_slot(w, "accum_update")->name(), "w/Adadelta_1:0");
}

TEST_F(Slots, SlotsOfScopedVariablesFollowTheVariable) {
  // As the seed's listing: 'mlp_model/dense_1/kernel/Adagrad:0' after the model.
  tf::Variable k;
  {
    tf::name_scope s1("mlp_model");
    tf::name_scope s2("dense_1");
    k = tf::Variable(tf::ones({4, 2}), {.name = "kernel"});
  }
  tf::Operation op;
  {
    tf::name_scope outer("training");  // slots do not take the caller's scope
    op = tf::train::AdagradOptimizer(0.05).minimize(tf::reduce_sum(k.value()) + loss);
  }
  EXPECT_EQ(global(), (std::vector<std::string>{"w:0", "b:0", "mlp_model/dense_1/kernel:0",
                                                "w/Adagrad:0", "b/Adagrad:0",
                                                "mlp_model/dense_1/kernel/Adagrad:0"}));
  EXPECT_EQ(op.name(), "training/Adagrad");
  std::ostringstream os;
  os << tf::global_variables().back();
  EXPECT_EQ(os.str(), "<tf.Variable 'mlp_model/dense_1/kernel/Adagrad:0' shape=(4, 2) "
                      "dtype=float32_ref>");
}

TEST_F(Slots, VarListRestrictsSlots) {
  tf::train::AdamOptimizer opt;
  opt.minimize(loss, {.var_list = std::vector<tf::Variable>{b}});
  EXPECT_EQ(global(), (std::vector<std::string>{"w:0", "b:0", "beta1_power:0", "beta2_power:0",
                                                "b/Adam:0", "b/Adam_1:0"}));
  EXPECT_FALSE(opt.get_slot(w, "m"));
}

TEST_F(Slots, EachUpdateIsOneFusedOp) {
  tf::train::AdamOptimizer opt;
  opt.minimize(loss);
  int applies = 0;
  for (const auto& op : g.get_operations())
    if (op.type() == "ApplyAdam") {
      ++applies;
      EXPECT_TRUE(op.name() == "Adam/update_w/ApplyAdam" || op.name() == "Adam/update_b/ApplyAdam")
          << op.name();
    }
  EXPECT_EQ(applies, 2);
}

}  // namespace
