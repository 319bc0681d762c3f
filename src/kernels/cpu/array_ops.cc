// CPU kernels of the data-moving array ops (Placeholder, Const, Identity, ...).
#include "../../ops/array_ops_schema.h"
#include "kernels/kernel.h"

namespace tf::kernels {
namespace {

// Reached only when a placeholder was not fed.
void placeholder(KernelContext& ctx) {
  const Node& n = ctx.node();
  throw errors::InvalidArgumentError(
      "You must feed a value for placeholder tensor '" + n.name + "' with dtype " +
      np::tf_dtype_name(n.out_dtypes[0]) + " and shape " + n.out_shapes[0].debug_str());
}

// Identity, StopGradient, PlaceholderWithDefault: output 0 is the input.
constexpr int kInput = schema::kIdentity.index("input");
static_assert(kInput == schema::kPlaceholderWithDefault.index("input"));
void forward(KernelContext& ctx) { ctx.forward_input(kInput, 0); }

const bool registered = [] {
  auto& r = KernelRegistry::global();
  r.add("Placeholder", "CPU", std::nullopt, placeholder);
  r.add("PlaceholderWithDefault", "CPU", std::nullopt, forward);
  r.add("Identity", "CPU", std::nullopt, forward);
  r.add("StopGradient", "CPU", std::nullopt, forward);
  r.add("Const", "CPU", std::nullopt,
        [](KernelContext& ctx) { ctx.set_output(0, ctx.attr<np::Array>("value")); });
  r.add("NoOp", "CPU", std::nullopt, [](KernelContext&) {});
  return true;
}();

}  // namespace
}  // namespace tf::kernels
