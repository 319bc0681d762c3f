// If: runs the branch the predicate picks through the step's nested plans
// (KernelContext::functions); the other branch does not run.
#include "kernels/kernel.h"

namespace tf::kernels {

namespace {

// "cond 'a/cond'" for an op "a/cond/If": the scope the builder opened.
std::string scope_of(const std::string& op_name) {
  const size_t slash = op_name.rfind('/');
  return slash == std::string::npos ? op_name : op_name.substr(0, slash);
}

void if_kernel(KernelContext& ctx) {
  const np::Array& pred = ctx.input(0);
  if (pred.size() != 1)
    throw errors::InvalidArgumentError("The predicate of '" + ctx.op_name() +
                                       "' must be a scalar, got shape " + np::shape_str(pred.shape()));
  const bool taken = pred.get_flat(0) != 0;
  const auto n_then = static_cast<int>(ctx.attr<int64_t>("num_then_inputs"));
  const int begin = taken ? 1 : 1 + n_then, end = taken ? 1 + n_then : ctx.num_inputs();
  std::vector<const np::Array*> args;
  args.reserve(static_cast<size_t>(end - begin));
  for (int i = begin; i < end; ++i) args.push_back(&ctx.input(i));
  const size_t n = ctx.outputs.size();
  std::vector<np::Array> results(n);
  std::vector<bool> pooled(n);
  ctx.functions->call(taken ? 0 : 1, args, results, pooled,
                      std::string(taken ? "the true" : "the false") + " branch of cond '" +
                          scope_of(ctx.op_name()) + "'");
  for (size_t i = 0; i < n; ++i) ctx.set_output(static_cast<int>(i), std::move(results[i]), pooled[i]);
}

}  // namespace

KPP_REGISTER_KERNEL("If", "CPU", std::nullopt, if_kernel);

}  // namespace tf::kernels
