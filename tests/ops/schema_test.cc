// OpDef schemas: checked at create_op with TF's error types and wording,
// attrs defaulted as TF's apply_op does, flags and indices derived from the
// declarations, plan-only ops refused in graphs.
#include <gtest/gtest.h>

#include "conformance.h"
#include "keraspp/graph/op_registry.h"
#include "kernels/kernel.h"
#include "keraspp/ops/builder.h"
#include "keraspp/tf.h"
#include "ops/training_ops_schema.h"
#include "support/expect_error.h"

namespace {

using kpp_test::message_of;

// Compile-time input indices from the one declaration (ApplyAdam's gradient
// is its input 9, as TF's).
static_assert(tf::schema::kApplyAdam.index("grad") == 9);
static_assert(tf::schema::kApplyAdam.index("var") == 0);
static_assert(tf::schema::kApplyMomentum.index("grad") == 3);

class Schema : public ::testing::Test {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};
};

TEST_F(Schema, DisallowedDtypesRaiseTFsApplyOpTypeError) {
  const tf::Tensor i = tf::placeholder(tf::int32, {2, 3});
  EXPECT_EQ(message_of<keraspp::TypeError>([&] { tf::exp(i); }),
            "Value passed to parameter 'x' has DataType int32 not in list of allowed values: "
            "float32, float64");
  EXPECT_EQ(message_of<keraspp::TypeError>([&] { tf::nn::softmax(i); }),
            "Value passed to parameter 'logits' has DataType int32 not in list of allowed values: "
            "float32, float64");
  // A type attr given by the builder is checked as TF's _MakeType does.
  EXPECT_EQ(message_of<keraspp::TypeError>([&] {
              tf::op_builder::create("RandomUniform", {tf::shape(i)}, {{"dtype", tf::int32}});
            }),
            "Value passed to parameter 'dtype' has DataType int32 not in list of allowed values: "
            "float32, float64");
  // A fixed dtype: TF's wording for an input that does not match it.
  const tf::Tensor f = tf::placeholder(tf::float32, {2, 3});
  EXPECT_EQ(message_of<keraspp::TypeError>([&] { tf::where(f, f, f); }),
            "Input 'condition' of 'Select' Op has type float32 that does not match expected type "
            "of bool.");
  // Types the kernels take pass: integer negation and sums.
  EXPECT_EQ(tf::negative(i).dtype(), tf::int32);
  EXPECT_EQ(tf::add_n({i, i, i}).dtype(), tf::int32);
}

TEST_F(Schema, InputCountAndAttrsAreChecked) {
  const tf::Tensor a = tf::placeholder(tf::float32, {2, 2});
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::op_builder::create("MatMul", {a}); }),
            "NodeDef expected inputs 'T, T' do not match 1 inputs specified; Op<name=MatMul; "
            "signature=a:T, b:T -> product:T> for 'MatMul'");
  EXPECT_EQ(message_of<keraspp::TypeError>(
                [&] { tf::op_builder::create("MatMul", {a, a}, {{"transpose", true}}); }),
            "MatMul got unexpected keyword arguments: transpose");
  EXPECT_EQ(message_of<keraspp::TypeError>(
                [&] { tf::op_builder::create("MatMul", {a, a}, {{"transpose_a", int64_t{1}}}); }),
            "Expected bool for argument 'transpose_a' of 'MatMul' Op");
  // A type attr named by an input is inferred, never given.
  EXPECT_EQ(message_of<keraspp::TypeError>(
                [&] { tf::op_builder::create("MatMul", {a, a}, {{"T", tf::float32}}); }),
            "MatMul got unexpected keyword arguments: T");
  EXPECT_EQ(message_of<keraspp::TypeError>([&] { tf::op_builder::create("Placeholder", {}); }),
            "No argument for attr dtype of 'Placeholder' Op");
}

TEST_F(Schema, MissingAttrsTakeTheirDefaults) {
  const tf::Tensor a = tf::placeholder(tf::float32, {2, 2});
  const tf::Operation mm = tf::op_builder::create("MatMul", {a, a});
  EXPECT_FALSE(mm.get_attr<bool>("transpose_a"));
  EXPECT_FALSE(mm.get_attr<bool>("transpose_b"));
  const tf::Operation leaky = tf::op_builder::create("LeakyRelu", {a});
  EXPECT_EQ(leaky.get_attr<double>("alpha"), 0.2);
  tf::Session s(g);
  const np::Array x = np::Array::from_vector(std::vector<float>{-1, 2, -3, 4}, {2, 2});
  const np::Array y = s.run(leaky.output(0), {{a, x}});
  EXPECT_FLOAT_EQ(y.get_flat(0), -0.2f);
  EXPECT_FLOAT_EQ(y.get_flat(1), 2.f);
}

TEST_F(Schema, PlanOnlyOpsAreRefusedInGraphs) {
  const tf::Tensor a = tf::placeholder(tf::float32, {2, 2});
  const tf::Tensor b = tf::placeholder(tf::float32, {2});
  EXPECT_EQ(message_of<tf::errors::InvalidArgumentError>(
                [&] { tf::op_builder::create("_FusedMatMulRelu", {a, a, b}, {}, "fused"); }),
            "Op '_FusedMatMulRelu' is made by plan rewrites only, not in a graph");
}

TEST(SchemaRegistry, DerivedFromTheDeclarations) {
  const tf::OpRegistry& r = tf::OpRegistry::global();
  const tf::OpDef& adam = r.lookup("ApplyAdam");
  EXPECT_EQ(adam.ref_inputs, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(adam.gradient_product_input, 9);
  EXPECT_EQ(adam.signature(),
            "var:Ref(T), m:Ref(T), v:Ref(T), beta1_power:T, beta2_power:T, lr:T, beta1:T, beta2:T, "
            "epsilon:T, grad:T -> out:Ref(T)");
  // The update with its gradient's product: a in the gradient's place, b last.
  const tf::OpDef& fused = r.lookup(tf::gradient_product_op("ApplyAdam"));
  EXPECT_TRUE(fused.plan_only);
  EXPECT_EQ(fused.input_index("a"), 9);
  EXPECT_EQ(fused.input_index("b"), 10);
  EXPECT_EQ(fused.ref_inputs, adam.ref_inputs);
  EXPECT_EQ(r.lookup("Mul").zero_preserving_inputs, (std::vector<int>{0, 1}));
  ASSERT_TRUE(r.lookup("Select").select_inputs);
  EXPECT_EQ(r.lookup("Select").select_inputs->if_false, 2);
  EXPECT_TRUE(r.lookup("Identity").forwards_input);
  EXPECT_TRUE(r.lookup("AddN").sums_inputs);
}

TEST(SchemaRegistry, MalformedSchemasAreRefused) {
  auto message = [](tf::OpDef def) {
    return message_of<tf::errors::InternalError>([&] { tf::OpRegistry::global().add(std::move(def)); });
  };
  EXPECT_EQ(message({.name = "_SchemaTestNoType", .inputs = {"x"}}),
            "Malformed schema of op '_SchemaTestNoType': no type in 'x'");
  EXPECT_EQ(message({.name = "_SchemaTestUndeclared", .inputs = {"x: T"}}),
            "Malformed schema of op '_SchemaTestUndeclared': type attr 'T' of 'x' is not declared");
  EXPECT_EQ(message({.name = "_SchemaTestBadDtype", .inputs = {"x: T"}, .attrs = {"T: {float, half}"}}),
            "Malformed schema of op '_SchemaTestBadDtype': unknown dtype 'half' in attr 'T'");
  EXPECT_EQ(message({.name = "_SchemaTestBadName", .inputs = {"x: T"}, .attrs = {"T: type"},
                     .zero_preserving = {"y"}}),
            "Op '_SchemaTestBadName' has no input named 'y'");
  EXPECT_EQ(tf::OpRegistry::global().find("_SchemaTestNoType"), nullptr);
}

}  // namespace

namespace {

// A string attr with allowed values (as Conv2D's padding will be). A
// test-only op: exempt from conformance cases, with a pass-through kernel.
constexpr tf::ArgList kPaddedInputs{"input: T"};
const bool padded_exempt = conformance::exempt().emplace("SchemaTestPadded", "a schema test's op").second;
const tf::kernels::KernelRegistrar padded_kernel{
    "SchemaTestPadded", "CPU", std::nullopt,
    [](tf::kernels::KernelContext& ctx) { ctx.forward_input(kPaddedInputs.index("input"), 0); }};
const tf::OpRegistrar padded{tf::OpDef{.name = "SchemaTestPadded",
                                       .inputs = kPaddedInputs.specs(),
                                       .outputs = {"output: T"},
                                       .attrs = {"T: {float}", "padding: {'SAME', 'VALID'}"},
                                       .shape_fn = tf::shape_fns::unchanged,
                                       .differentiable = false}};

TEST_F(Schema, StringAttrsAreCheckedAgainstTheirAllowedValues) {
  const tf::Tensor a = tf::placeholder(tf::float32, {2});
  EXPECT_EQ(tf::op_builder::create("SchemaTestPadded", {a}, {{"padding", std::string("SAME")}})
                .get_attr<std::string>("padding"),
            "SAME");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] {
              tf::op_builder::create("SchemaTestPadded", {a}, {{"padding", std::string("FULL")}});
            }),
            "Attr 'padding' of 'SchemaTestPadded' Op passed string 'FULL' not in: \"SAME\", \"VALID\".");
  EXPECT_EQ(message_of<keraspp::TypeError>([&] { tf::op_builder::create("SchemaTestPadded", {a}); }),
            "No argument for attr padding of 'SchemaTestPadded' Op");
}

}  // namespace
