// Folding knows ops by their OpDef flags only (src/runtime/fold.h): ops
// registered here, outside the runtime, fold as their flags say, and the
// same ops without the flags do not. An identity-like op is read through
// (its kernel never runs), and a zero-keeping op's output of zeros drops
// from a sum (nor does it run).
#include <gtest/gtest.h>

#include "keraspp/graph/op_registry.h"
#include "kernels/kernel.h"
#include "keraspp/ops/builder.h"
#include "keraspp/tf.h"

namespace {

constexpr tf::ArgList kInputs{"input: T"};

// Runs only in unoptimized plans; an optimized one reads its input instead.
void pass_through(tf::kernels::KernelContext& ctx) { ctx.forward_input(kInputs.index("input"), 0); }

void halve(tf::kernels::KernelContext& ctx) {
  const np::Array& x = ctx.input(kInputs.index("input"));
  np::Array& out = ctx.allocate_output(0, x.shape(), x.dtype());
  for (int64_t i = 0; i < x.size(); ++i) out.data<float>()[i] = x.data<float>()[i] / 2;
}

// An op of `name` taking one float input, with the given flags.
tf::OpDef unary(const char* name, bool forwards_input, std::vector<std::string> zero_preserving) {
  return tf::OpDef{.name = name,
                   .inputs = kInputs.specs(),
                   .outputs = {"output: T"},
                   .attrs = {"T: {float}"},
                   .shape_fn = tf::shape_fns::unchanged,
                   .differentiable = false,
                   .forwards_input = forwards_input,
                   .zero_preserving = std::move(zero_preserving)};
}

const tf::OpRegistrar ops[] = {tf::OpRegistrar{unary("FoldFlagsTestIdentity", true, {})},
                               tf::OpRegistrar{unary("FoldFlagsTestCopy", false, {})},
                               tf::OpRegistrar{unary("FoldFlagsTestHalve", false, {"input"})},
                               tf::OpRegistrar{unary("FoldFlagsTestHalveAll", false, {})}};
const tf::kernels::KernelRegistrar kernels[] = {
    {"FoldFlagsTestIdentity", "CPU", tf::float32, pass_through},
    {"FoldFlagsTestCopy", "CPU", tf::float32, pass_through},
    {"FoldFlagsTestHalve", "CPU", tf::float32, halve},
    {"FoldFlagsTestHalveAll", "CPU", tf::float32, halve}};

bool ran(const tf::Session& s, const std::string& op) {
  return s.profile_report().find("\n" + op + " ") != std::string::npos;
}

TEST(FoldFlags, AnOpFlaggedAsForwardingItsInputIsReadThrough) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, {2}, "x");
  const tf::Tensor y = tf::op_builder::create1("FoldFlagsTestIdentity", {x}) * 3.0 +
                       tf::op_builder::create1("FoldFlagsTestCopy", {x});
  tf::Session s(g);
  s.set_profiling(true);
  EXPECT_FLOAT_EQ(s.run(y, {{x, np::Array::from_vector<float>({1, 2}, {2})}}).get_flat(1), 8.f);
  EXPECT_FALSE(ran(s, "FoldFlagsTestIdentity")) << s.profile_report();
  EXPECT_TRUE(ran(s, "FoldFlagsTestCopy")) << s.profile_report();
}

TEST(FoldFlags, AZeroKeepingOpOfZerosDropsFromASum) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, {2}, "x");
  const tf::Tensor zeros = tf::zeros_like(x);
  const tf::Tensor y = tf::add_n({x, tf::op_builder::create1("FoldFlagsTestHalve", {zeros}),
                                  tf::op_builder::create1("FoldFlagsTestHalveAll", {zeros}), x});
  tf::Session s(g);
  s.set_profiling(true);
  EXPECT_FLOAT_EQ(s.run(y, {{x, np::Array::from_vector<float>({1, 2}, {2})}}).get_flat(1), 4.f);
  EXPECT_FALSE(ran(s, "FoldFlagsTestHalve")) << s.profile_report();
  EXPECT_TRUE(ran(s, "FoldFlagsTestHalveAll")) << s.profile_report();
}

}  // namespace
