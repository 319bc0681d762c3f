// Golden tests of variable scopes and get_variable: variable names and order,
// reuse rules, name scopes vs variable scopes, TF's error texts.
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "keraspp/tf.h"

namespace {

std::vector<std::string> var_names(const std::vector<tf::Variable>& vars) {
  std::vector<std::string> out;
  for (const auto& v : vars) out.push_back(v.name());
  return out;
}

using kpp_test::message_of;

// Each test builds in its own graph.
class VariableScopeTest : public ::testing::Test {
 protected:
  tf::Graph graph;
  tf::Graph::DefaultGuard guard{graph};
};

TEST_F(VariableScopeTest, NestedScopesNameVariablesInCreationOrder) {
  {
    tf::variable_scope a("a");
    tf::get_variable("w", {2, 3});
    {
      tf::variable_scope b("b");
      tf::get_variable("w", {3});
      EXPECT_EQ(tf::get_variable_scope().name(), "a/b");
    }
    tf::get_variable("v", tf::TensorShape::scalar());
  }
  tf::get_variable("top", {1});
  EXPECT_EQ(var_names(tf::global_variables()),
            (std::vector<std::string>{"a/w:0", "a/b/w:0", "a/v:0", "top:0"}));
  EXPECT_EQ(var_names(tf::trainable_variables()), var_names(tf::global_variables()));
  EXPECT_EQ(tf::get_variable_scope().name(), "");
}

TEST_F(VariableScopeTest, ReuseReturnsTheSameVariableAndCreatesNothing) {
  tf::Variable w1, w2;
  {
    tf::variable_scope s("mlp1");
    w1 = tf::get_variable("w", {784, 512});
  }
  const int ops_before = graph.num_ops();
  {
    tf::variable_scope s("mlp1", {.reuse = true});
    w2 = tf::get_variable("w", {784, 512});
    EXPECT_TRUE(tf::get_variable("w") == w1);  // shape may be omitted when reusing
  }
  EXPECT_TRUE(w1 == w2);
  EXPECT_EQ(graph.num_ops(), ops_before);
  EXPECT_EQ(var_names(tf::global_variables()), (std::vector<std::string>{"mlp1/w:0"}));
}

TEST_F(VariableScopeTest, ErrorTextsAreTheSpecs) {
  {
    tf::variable_scope s("mlp1");
    tf::variable_scope d("dense1");
    tf::get_variable("kernel", {784, 512});
  }
  EXPECT_EQ(message_of<keraspp::ValueError>([] {
              tf::variable_scope s("mlp1");
              tf::variable_scope d("dense1");
              tf::get_variable("kernel", {784, 512});
            }),
            "Variable mlp1/dense1/kernel already exists, disallowed. Did you mean to set "
            "reuse=True in VarScope?");
  EXPECT_EQ(message_of<keraspp::ValueError>([] {
              tf::variable_scope s("mlp1", {.reuse = true});
              tf::variable_scope d("dense9");
              tf::get_variable("kernel", {784, 512});
            }),
            "Variable mlp1/dense9/kernel does not exist, or was not created with "
            "tf.get_variable(). Did you mean to set reuse=None in VarScope?");
  EXPECT_EQ(message_of<keraspp::ValueError>([] {
              tf::variable_scope s("mlp1", {.reuse = true});
              tf::variable_scope d("dense1");
              tf::get_variable("kernel", {784, 256});
            }),
            "Trying to share variable mlp1/dense1/kernel, but specified shape (784, 256) and "
            "found shape (784, 512).");
  EXPECT_EQ(message_of<keraspp::ValueError>([] {
              tf::variable_scope s("mlp1", {.reuse = true});
              tf::variable_scope d("dense1");
              tf::get_variable("kernel", {784, 512}, {.dtype = tf::float64});
            }),
            "Trying to share variable mlp1/dense1/kernel, but specified dtype float64 and found "
            "dtype float32_ref.");
  // A failed scope leaves the current scope as it was.
  EXPECT_EQ(tf::get_variable_scope().name(), "");
  EXPECT_EQ(graph.current_name_scope(), "");
}

TEST_F(VariableScopeTest, AutoReuseCreatesThenReturns) {
  tf::Variable a, b;
  {
    tf::variable_scope s("shared", {.reuse = tf::AUTO_REUSE});
    a = tf::get_variable("w", {3});
  }
  {
    tf::variable_scope s("shared", {.reuse = tf::AUTO_REUSE});
    b = tf::get_variable("w", {3});
    tf::get_variable("v", {2});  // new names are still created
    EXPECT_EQ(tf::get_variable_scope().reuse().kind(), tf::Reuse::Kind::kAuto);
    EXPECT_STREQ(tf::get_variable_scope().reuse().str(), "_ReuseMode.AUTO_REUSE");
  }
  EXPECT_TRUE(a == b);
  EXPECT_EQ(var_names(tf::global_variables()),
            (std::vector<std::string>{"shared/w:0", "shared/v:0"}));
}

TEST_F(VariableScopeTest, ReuseIsInheritedAndCannotBeSwitchedOff) {
  {
    tf::variable_scope s("a");
    tf::variable_scope t("b");
    tf::get_variable("w", {1});
  }
  tf::variable_scope s("a", {.reuse = true});
  EXPECT_EQ(tf::get_variable_scope().reuse().kind(), tf::Reuse::Kind::kTrue);
  tf::variable_scope t("b", {.reuse = false});
  EXPECT_EQ(tf::get_variable_scope().reuse().kind(), tf::Reuse::Kind::kTrue);
  EXPECT_EQ(tf::get_variable("w", {1}).name(), "a/b/w:0");
  EXPECT_EQ(tf::global_variables().size(), 1u);
}

// TF's variable_scope_test.testVarScopeObjectReuse: re-entering a reusing
// scope object keeps reuse on, even with reuse=false (which means unset).
TEST_F(VariableScopeTest, ReenteringAReusingScopeObjectKeepsReuse) {
  tf::VariableScope vs;
  {
    tf::variable_scope scope("jump", {.reuse = true});
    vs = scope.scope();
  }
  {
    tf::variable_scope jump(vs);
    EXPECT_TRUE(jump.scope().reuse().truthy());
  }
  {
    tf::variable_scope jump_reuse(vs, {.reuse = true});
    EXPECT_TRUE(jump_reuse.scope().reuse().truthy());
  }
  {
    tf::variable_scope jump_no_reuse(vs, {.reuse = false});
    EXPECT_TRUE(jump_no_reuse.scope().reuse().truthy());  // inherited, cannot be undone
    EXPECT_EQ(message_of<keraspp::ValueError>([] { tf::get_variable("w", {1}); }),
              "Variable jump/w does not exist, or was not created with tf.get_variable(). Did "
              "you mean to set reuse=None in VarScope?");
  }
  {
    tf::variable_scope scope("jump", {.reuse = false});
    vs = scope.scope();
  }
  {
    tf::variable_scope jump(vs);
    EXPECT_FALSE(jump.scope().reuse().truthy());
  }
  {
    tf::variable_scope jump_reuse(vs, {.reuse = true});
    EXPECT_TRUE(jump_reuse.scope().reuse().truthy());
  }
  {
    tf::variable_scope jump_no_reuse(vs, {.reuse = false});
    EXPECT_FALSE(jump_no_reuse.scope().reuse().truthy());
  }
}

TEST_F(VariableScopeTest, ReuseVariablesOnTheCurrentScope) {
  {
    tf::variable_scope s("rnn");
    tf::Variable w = tf::get_variable("w", {4});
    tf::get_variable_scope().reuse_variables();
    EXPECT_TRUE(tf::get_variable("w", {4}) == w);
    EXPECT_STREQ(tf::get_variable_scope().reuse().str(), "True");
  }
  tf::variable_scope s("cell");
  tf::Variable u = tf::get_variable("u", {2});
  s.scope().reuse_variables();  // Python's `scope.reuse_variables()` on `as scope`
  EXPECT_TRUE(tf::get_variable("u") == u);
  EXPECT_EQ(tf::global_variables().size(), 2u);
}

TEST_F(VariableScopeTest, OpsTakeTheUniquifiedNameScopeVariablesTheScopeName) {
  auto x = tf::placeholder(tf::float32, {-1, 3}, "x");
  tf::Tensor y1, y2;
  tf::Variable w1, w2;
  {
    tf::variable_scope s("mlp_model");
    w1 = tf::get_variable("w", {3, 2});
    y1 = tf::matmul(x, w1);
  }
  {
    tf::variable_scope s("mlp_model", {.reuse = true});
    EXPECT_EQ(s.original_name_scope(), "mlp_model_1/");
    w2 = tf::get_variable("w", {3, 2});
    y2 = tf::matmul(x, w2);
  }
  EXPECT_EQ(y1.name(), "mlp_model/MatMul:0");
  EXPECT_EQ(y2.name(), "mlp_model_1/MatMul:0");
  EXPECT_EQ(w2.name(), "mlp_model/w:0");
  // Inside a name scope, the variable's ops still take exactly its name.
  tf::name_scope ns("outer");
  tf::Variable v = tf::get_variable("v", {2});
  EXPECT_EQ(v.name(), "v:0");
  EXPECT_EQ(v.value().name(), "v/read:0");
  EXPECT_EQ(v.initializer().name(), "v/Assign");
  EXPECT_EQ(v.initial_value().op().name(), "v/Initializer/random_uniform");
}

TEST_F(VariableScopeTest, ReenteringAScopeObject) {
  tf::VariableScope outer;
  {
    tf::variable_scope s("outer");
    outer = s.scope();
    tf::get_variable("a", {1});
  }
  tf::Tensor op_in_reentered;
  {
    tf::variable_scope other("other", {.reuse = true});
    tf::variable_scope again(outer);  // jumps out: its own (unset) reuse
    EXPECT_EQ(tf::get_variable_scope().name(), "outer");
    EXPECT_EQ(again.original_name_scope(), "outer/");
    EXPECT_EQ(tf::get_variable_scope().reuse().kind(), tf::Reuse::Kind::kUnset);
    EXPECT_EQ(tf::get_variable("b", {1}).name(), "outer/b:0");
    op_in_reentered = tf::constant(1.0);
  }
  EXPECT_EQ(op_in_reentered.name(), "other/outer/Const:0");
  {
    tf::variable_scope again(outer, {.reuse = true});
    EXPECT_EQ(tf::get_variable("a", {1}).name(), "outer/a:0");
    tf::name_scope back(again.original_name_scope());
    EXPECT_EQ(tf::constant(2.0).name(), "outer/Const:0");
  }
  EXPECT_EQ(var_names(tf::global_variables()),
            (std::vector<std::string>{"outer/a:0", "outer/b:0"}));
}

TEST_F(VariableScopeTest, DefaultNamesAreUniqueAmongSiblingScopes) {
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    tf::variable_scope s(std::nullopt, {.default_name = "dnn"});
    names.push_back(s.name());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"dnn", "dnn_1", "dnn_2"}));
  // Re-entering a parent starts its sub-scopes' default names afresh, which is
  // what lets a reused model find the same unnamed sub-scopes.
  for (int i = 0; i < 2; ++i) {
    tf::variable_scope p("model", {.reuse = i == 1});
    tf::variable_scope s("", {.default_name = "layer"});
    EXPECT_EQ(s.name(), "model/layer");
    tf::get_variable("w", {1});
  }
  EXPECT_EQ(message_of<keraspp::TypeError>([] { tf::variable_scope s(""); }),
            "If default_name is None then name_or_scope is required");
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [] { tf::variable_scope s(std::nullopt, {.default_name = "x", .reuse = true}); }),
            "reuse=True cannot be used without a name_or_scope");
}

TEST_F(VariableScopeTest, InitializerRegularizerAndDtypeAreInherited) {
  tf::Session sess(graph);
  tf::Variable a, b, c;
  {
    tf::variable_scope s("s", {.initializer = tf::constant_initializer(3.0), .dtype = tf::float64});
    a = tf::get_variable("a", {2});
    tf::variable_scope t("t");
    b = tf::get_variable("b", {2});
    c = tf::get_variable("c", {2}, {.dtype = tf::float32, .initializer = tf::ones_initializer()});
  }
  EXPECT_EQ(a.dtype(), tf::float64);
  EXPECT_EQ(b.dtype(), tf::float64);
  EXPECT_EQ(c.dtype(), tf::float32);
  sess.run(tf::global_variables_initializer());
  EXPECT_EQ(sess.run(a.value()).get_flat(1), 3.0);
  EXPECT_EQ(sess.run(b.value()).get_flat(0), 3.0);
  EXPECT_EQ(sess.run(c.value()).get_flat(0), 1.0);
}

TEST_F(VariableScopeTest, RegularizerLossGoesToTheCollection) {
  auto l2 = [](const tf::Tensor& w) { return tf::multiply(tf::reduce_sum(tf::square(w)), 0.5); };
  tf::Variable w;
  {
    tf::variable_scope s("reg", {.regularizer = l2});
    w = tf::get_variable("w", {2}, {.initializer = tf::constant_initializer(2.0)});
    tf::get_variable("free", {2}, {.regularizer = [](const tf::Tensor&) { return tf::Tensor(); }});
  }
  const auto losses = graph.get_collection_tensors(tf::GraphKeys::REGULARIZATION_LOSSES);
  ASSERT_EQ(losses.size(), 1u);
  const tf::Tensor loss = losses[0];
  EXPECT_EQ(loss.op().name().rfind("reg/w/Regularizer/", 0), 0u) << loss.op().name();
  tf::Session sess(graph);
  sess.run(tf::global_variables_initializer());
  EXPECT_DOUBLE_EQ(sess.run(loss).item<float>(), 4.0);  // 0.5 * (4 + 4)
  // Reusing does not regularize again.
  tf::variable_scope s("reg", {.reuse = true});
  tf::get_variable("w", {2});
  EXPECT_EQ(graph.get_collection_ref(tf::GraphKeys::REGULARIZATION_LOSSES).size(), 1u);
}

TEST_F(VariableScopeTest, DefaultInitializerIsGlorotUniformAndZerosForIntegers) {
  tf::Variable w = tf::get_variable("w", {30, 70});
  tf::Variable n = tf::get_variable("n", {3}, {.dtype = tf::int32});
  EXPECT_EQ(w.initial_value().op().name(), "w/Initializer/random_uniform");
  tf::Session sess(graph);
  sess.run(tf::global_variables_initializer());
  const np::Array wv = sess.run(w.value()), nv = sess.run(n.value());
  const double limit = std::sqrt(6.0 / (30 + 70));
  double max_abs = 0;
  for (int64_t i = 0; i < wv.size(); ++i) max_abs = std::max(max_abs, std::abs(wv.get_flat(i)));
  EXPECT_LE(max_abs, limit);
  EXPECT_GT(max_abs, 0.9 * limit);
  for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(nv.get_flat(i), 0.0);
}

TEST_F(VariableScopeTest, ValueInitializersAndTheirErrors) {
  tf::Variable v = tf::get_variable("v", tf::TensorShape::unknown(),
                                    {.initializer = tf::constant(np::Array({1.f, 2.f, 3.f}))});
  EXPECT_EQ(v.shape().str(), "(3,)");
  tf::Variable a =
      tf::get_variable("a", tf::TensorShape::unknown(), {.initializer = np::Array({4.f, 5.f})});
  EXPECT_EQ(a.shape().str(), "(2,)");
  EXPECT_EQ(message_of<keraspp::ValueError>([] {
              tf::get_variable("c", {3}, {.initializer = tf::constant(np::Array({1.f, 2.f, 3.f}))});
            }),
            "If initializer is a constant, do not specify shape.");
  EXPECT_EQ(message_of<keraspp::ValueError>([] {
              tf::get_variable("u", {-1, 3});
            }),
            "Shape of a new variable (u) must be fully defined, but instead was (?, 3).");
  tf::Session sess(graph);
  sess.run(tf::global_variables_initializer());
  EXPECT_EQ(sess.run(v.value()).get_flat(2), 3.0);
  EXPECT_EQ(sess.run(a.value()).get_flat(1), 5.0);
}

// TF's VariableScope.get_variable: a value initializer whose dtype differs
// from an explicit dtype is refused before anything is created.
TEST_F(VariableScopeTest, ValueInitializerOfAnotherDtypeThanDtypeIsAnError) {
  EXPECT_EQ(message_of<keraspp::ValueError>([] {
              tf::get_variable("v", tf::TensorShape::unknown(),
                               {.dtype = tf::float32, .initializer = tf::constant(np::Array::from_vector(
                                                          std::vector<int32_t>{1, 2}, {2}))});
            }),
            "Initializer type '<dtype: 'int32'>' and explicit dtype '<dtype: 'float32'>' don't "
            "match.");
  EXPECT_EQ(message_of<keraspp::ValueError>([] {
              tf::get_variable("a", tf::TensorShape::unknown(),
                               {.dtype = tf::float32, .initializer = np::Array::from_vector(std::vector<double>{1.0, 2.0}, {2})});
            }),
            "Initializer type '<dtype: 'float64'>' and explicit dtype '<dtype: 'float32'>' don't "
            "match.");
  EXPECT_EQ(graph.num_ops(), 1);  // only the first constant
  // Agreeing dtypes, and an initializer object with any dtype, are fine.
  tf::Variable v = tf::get_variable("v", tf::TensorShape::unknown(),
                                    {.dtype = tf::int32, .initializer = tf::constant(np::Array::from_vector(
                                                             std::vector<int32_t>{1, 2}, {2}))});
  EXPECT_EQ(v.dtype(), tf::int32);
  tf::Variable w = tf::get_variable("w", {2}, {.dtype = tf::float64, .initializer = tf::ones_initializer()});
  EXPECT_EQ(w.dtype(), tf::float64);
}

TEST_F(VariableScopeTest, InitializerOfTheWrongShapeNamesTheVariable) {
  tf::Initializer wrong("Wrong", {}, [](const std::vector<int64_t>&, tf::DType dtype) {
    return tf::zeros({3, 2}, dtype);
  });
  tf::variable_scope s("x");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] {
              tf::get_variable("w", {2, 2}, {.initializer = wrong});
            }),
            "Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are [2,2] and "
            "[3,2]. for 'x/w/Assign' (op: 'Assign') with input shapes: [2,2], [3,2].");
  EXPECT_EQ(message_of<keraspp::ValueError>([] {
              tf::get_variable(
                  "c", {2, 2},
                  {.initializer = tf::constant_initializer(np::Array({1.f, 2.f, 3.f, 4.f, 5.f}))});
            }),
            "Too many elements provided. Needed at most 4, but received 5 for variable 'x/c'");
}

TEST_F(VariableScopeTest, VariablesIgnoreEnclosingControlDependencies) {
  tf::Operation noop = tf::no_op("barrier");
  tf::control_dependencies deps({noop});
  tf::Variable w = tf::get_variable("w", {2});
  EXPECT_TRUE(w.initializer().control_inputs().empty());
  EXPECT_TRUE(w.initial_value().op().control_inputs().empty());
  EXPECT_EQ(tf::identity(w.value()).op().control_inputs().size(), 1u);
}

TEST_F(VariableScopeTest, PrintsAsTF) {
  tf::variable_scope s("mlp1");
  tf::variable_scope d("dense1");
  std::ostringstream os;
  os << tf::get_variable("kernel", {784, 512}) << '\n' << tf::get_variable("bias", {512});
  EXPECT_EQ(os.str(),
            "<tf.Variable 'mlp1/dense1/kernel:0' shape=(784, 512) dtype=float32_ref>\n"
            "<tf.Variable 'mlp1/dense1/bias:0' shape=(512,) dtype=float32_ref>");
}

TEST_F(VariableScopeTest, StoresArePerGraph) {
  tf::get_variable("w", {1});
  tf::Graph other;
  auto g = other.as_default();
  EXPECT_EQ(tf::get_variable("w", {1}).name(), "w:0");  // no clash with the first graph
  EXPECT_EQ(tf::global_variables().size(), 1u);
}

}  // namespace
