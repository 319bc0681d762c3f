// Golden tests: op names (TF's Graph.unique_name), name scopes, tensor and
// variable printing.
#include <gtest/gtest.h>

#include <sstream>

#include "keraspp/tf.h"
#include "support/expect_error.h"

namespace {

using kpp_test::message_of;

std::string str(const tf::Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

class Naming : public ::testing::Test {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};
};

TEST_F(Naming, UniqueNamesCountPerName) {
  auto x = tf::placeholder(tf::float32, {-1, 784});
  EXPECT_EQ(x.name(), "Placeholder:0");
  EXPECT_EQ(tf::placeholder(tf::float32).name(), "Placeholder_1:0");
  EXPECT_EQ(tf::add(x, x).name(), "Add:0");
  EXPECT_EQ(tf::add(x, x).name(), "Add_1:0");
  EXPECT_EQ(tf::add(x, x, "Add_1").name(), "Add_1_1:0");
  EXPECT_EQ((x + x).name(), "add:0");
  EXPECT_EQ((1 - x).name(), "sub:0");
  EXPECT_EQ((x * 2.0).name(), "mul:0");
  EXPECT_EQ((x / 2.0).name(), "truediv:0");
}

// TF's _VALID_OP_NAME_REGEX / _VALID_SCOPE_NAME_REGEX (framework/ops.py):
// scopes and op names are checked when made, with TF's ValueError texts.
TEST_F(Naming, InvalidNamesAreValueErrors) {
  EXPECT_EQ(message_of<keraspp::ValueError>([] { tf::name_scope s("foo:0"); }),
            "'foo:0' is not a valid scope name");
  // At the root a scope starts an op name, so '_' (or '-', '/') cannot lead.
  EXPECT_EQ(message_of<keraspp::ValueError>([] { tf::name_scope s("_private"); }),
            "'_private' is not a valid scope name");
  EXPECT_EQ(message_of<keraspp::ValueError>([] { tf::name_scope s("a b"); }),
            "'a b' is not a valid scope name");
  {
    tf::name_scope outer("outer");
    tf::name_scope inner("_private");  // nested: allowed
    EXPECT_EQ(inner.name(), "outer/_private/");
    EXPECT_EQ(message_of<keraspp::ValueError>([] { tf::name_scope s("bad:1"); }),
              "'bad:1' is not a valid scope name");
  }
  EXPECT_EQ(message_of<keraspp::ValueError>([] { tf::constant(1.0, tf::float32, "foo:0"); }),
            "'foo:0' is not a valid node name");
  EXPECT_EQ(message_of<keraspp::ValueError>([] { tf::constant(1.0, tf::float32, "_c"); }),
            "'_c' is not a valid node name");
  EXPECT_EQ(message_of<keraspp::ValueError>([] { tf::variable_scope s("v:0"); }),
            "'v:0' is not a valid scope name");
  // Nothing was added by the refused names; valid ones still work.
  EXPECT_EQ(g.num_ops(), 0);
  EXPECT_EQ(tf::constant(1.0, tf::float32, "ok.name-1").name(), "ok.name-1:0");
  tf::name_scope s("scope.with-dots_");
  EXPECT_EQ(tf::constant(2.0).name(), "scope.with-dots_/Const:0");
}

TEST_F(Naming, NameScopesNestUniquifyAndReenter) {
  auto x = tf::placeholder(tf::float32, {-1, 4}, "x");
  {
    tf::name_scope a("layer");
    EXPECT_EQ(a.name(), "layer/");
    EXPECT_EQ(tf::identity(x).name(), "layer/Identity:0");
    {
      tf::name_scope b("inner");
      EXPECT_EQ(tf::identity(x).name(), "layer/inner/Identity:0");
    }
  }
  {
    tf::name_scope a("layer");
    EXPECT_EQ(a.name(), "layer_1/");
    EXPECT_EQ(tf::identity(x).name(), "layer_1/Identity:0");
  }
  {
    tf::name_scope again("layer/");  // re-enters exactly
    EXPECT_EQ(tf::identity(x).name(), "layer/Identity_1:0");
    tf::name_scope root("");
    EXPECT_EQ(tf::identity(x).name(), "Identity:0");
  }
}

TEST_F(Naming, TensorPrintsLikeTF) {
  auto x = tf::placeholder(tf::float32, {-1, 784});
  auto w = tf::constant(np::zeros({784, 512}));
  tf::Tensor h;
  {
    tf::name_scope s("mlp");
    h = tf::maximum(tf::matmul(x, w), 0.0, "Relu");
  }
  EXPECT_EQ(str(h), "Tensor(\"mlp/Relu:0\", shape=(?, 512), dtype=float32)");
  EXPECT_EQ(str(tf::reduce_mean(h)), "Tensor(\"Mean:0\", shape=(), dtype=float32)");
  EXPECT_EQ(str(tf::argmax(h, 1)), "Tensor(\"ArgMax:0\", shape=(?,), dtype=int64)");
  EXPECT_EQ(str(tf::placeholder(tf::bool_)), "Tensor(\"Placeholder_1:0\", shape=<unknown>, dtype=bool)");
}

TEST_F(Naming, VariablePrintsLikeTF) {
  tf::Variable w(tf::zeros({784, 512}), {.name = "w"});
  std::ostringstream os;
  os << w;
  EXPECT_EQ(os.str(), "<tf.Variable 'w:0' shape=(784, 512) dtype=float32_ref>");
  EXPECT_EQ(w.value().name(), "w/read:0");
  EXPECT_EQ(w.initializer().name(), "w/Assign");
  tf::Variable b(tf::zeros({512}), {.name = "w"});
  EXPECT_EQ(b.name(), "w_1:0");
  tf::Variable anon(1.0);
  EXPECT_EQ(anon.name(), "Variable:0");
  std::ostringstream os2;
  os2 << b;
  EXPECT_EQ(os2.str(), "<tf.Variable 'w_1:0' shape=(512,) dtype=float32_ref>");
}

TEST_F(Naming, CollectionsHoldVariablesInCreationOrder) {
  tf::Variable a(1.0, {.name = "a"});
  tf::Variable b(2.0, {.trainable = false, .name = "b"});
  tf::Variable c(3.0, {.name = "c"});
  auto all = tf::global_variables();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name(), "a:0");
  EXPECT_EQ(all[1].name(), "b:0");
  EXPECT_EQ(all[2].name(), "c:0");
  auto tr = tf::trainable_variables();
  ASSERT_EQ(tr.size(), 2u);
  EXPECT_EQ(tr[1].name(), "c:0");
}

TEST_F(Naming, ControlDependenciesAttach) {
  auto a = tf::no_op("a");
  tf::Tensor t;
  {
    tf::control_dependencies d({a});
    t = tf::constant(1.0);
  }
  ASSERT_EQ(t.op().control_inputs().size(), 1u);
  EXPECT_EQ(t.op().control_inputs()[0].name(), "a");
  EXPECT_TRUE(tf::constant(2.0).op().control_inputs().empty());
}

TEST_F(Naming, LookupByName) {
  auto x = tf::placeholder(tf::float32, {2}, "x");
  EXPECT_EQ(g.get_tensor_by_name("x:0"), x);
  EXPECT_EQ(g.get_operation_by_name("x"), x.op());
  EXPECT_THROW(g.get_operation_by_name("nope"), keraspp::ValueError);
}

TEST(DefaultGraph, ResetGivesAFreshGraph) {
  tf::reset_default_graph();
  auto g1 = tf::get_default_graph();
  tf::placeholder(tf::float32);
  tf::reset_default_graph();
  auto g2 = tf::get_default_graph();
  EXPECT_NE(g1, g2);
  EXPECT_EQ(tf::placeholder(tf::float32).name(), "Placeholder:0");
}

}  // namespace
