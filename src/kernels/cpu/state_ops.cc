// CPU kernels of the variable ops; values live in SessionState::variables.
#include "../../ops/state_ops_schema.h"
#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"

namespace tf::kernels {
namespace {

// Input indices (state_ops_schema.h).
constexpr int kRef = schema::kAssign.index("ref");
constexpr int kValue = schema::kAssign.index("value");
static_assert(kRef == schema::kIsVariableInitialized.index("ref"));

int ref_id(const KernelContext& ctx) { return ctx.node().inputs.at(kRef).node; }

// Reading a variable aliases its value (the runtime copies it if fetched).
void variable(KernelContext& ctx) {
  const np::Array* v = ctx.variable(ctx.node().id);
  if (!v)
    throw errors::FailedPreconditionError("Attempting to use uninitialized value " +
                                          ctx.op_name());
  ctx.set_output(0, *v);
}

void assign(KernelContext& ctx) {
  const np::Array& value = ctx.input(kValue);
  const int id = ref_id(ctx);
  const bool validate = ctx.attr<bool>("validate_shape");
  if (validate) {
    const TensorShape& declared = ctx.input_node(kRef).out_shapes[0];
    if (!declared.is_compatible_with(value.shape()))
      throw errors::InvalidArgumentError(
          "Assign requires shapes of both tensors to match. lhs shape= " + declared.debug_str() +
          " rhs shape= " + TensorShape(value.shape()).debug_str() + " for '" + ctx.op_name() + "'");
  }
  const np::Array* v = ctx.variable(id);
  if (v && v->shape() == value.shape() && v->storage().use_count() == 1) {
    v->assign(value);
  } else {
    // First assignment (or a reshape / an aliased old value): a fresh buffer,
    // so values handed out earlier keep theirs.
    v = &ctx.set_variable(id, value.copy());
  }
  ctx.set_output(0, *v);
}

template <int Sign> void assign_update(KernelContext& ctx) {
  const np::Array* var = ctx.variable(ref_id(ctx));
  if (!var)
    throw errors::FailedPreconditionError("Attempting to use uninitialized value " +
                                          ctx.input_node(kRef).name);
  const np::Array& v = *var;
  const np::Array& d = ctx.input(kValue);
  if (v.shape() != d.shape())
    throw errors::InvalidArgumentError("Must have the same shape for '" + ctx.op_name() +
                                       "': " + np::shape_str(v.shape()) + " vs " +
                                       np::shape_str(d.shape()));
  np::dispatch(v.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      T* pv = v.data<T>();
      const T* pd = d.data<T>();
      const int64_t n = v.size();
      np::simd_for(n, [&](int64_t i) { pv[i] = static_cast<T>(pv[i] + Sign * pd[i]); });
    }
  });
  ctx.set_output(0, v);
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  r.add("VariableV2", "CPU", std::nullopt, variable);
  r.add("Assign", "CPU", std::nullopt, assign);
  r.add("AssignAdd", "CPU", std::nullopt, assign_update<1>);
  r.add("AssignSub", "CPU", std::nullopt, assign_update<-1>);
  r.add("IsVariableInitialized", "CPU", std::nullopt, [](KernelContext& ctx) {
    np::Array& out = ctx.allocate_output(0, {}, bool_);
    *out.data<bool>() = ctx.state().variables.contains(ref_id(ctx));
  });
  return true;
}();

}  // namespace
}  // namespace tf::kernels
