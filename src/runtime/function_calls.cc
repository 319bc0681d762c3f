// Running a control-flow step's functions: feed the arguments, execute the
// nested plan, hand the results over, and name the failing op in errors.
#include "function_calls.h"

namespace tf::runtime {

namespace {

// Rethrows the exception in flight with `suffix` appended, keeping its type
// (TF's status code, or the Python error) so callers catch what they would
// have caught from the op itself.
[[noreturn]] void rethrow_with(const std::string& suffix) {
  try {
    throw;
  } catch (const errors::OpError& e) {
    const std::string m = e.what() + suffix;
    const std::string& c = e.code();
    if (c == "INVALID_ARGUMENT") throw errors::InvalidArgumentError(m);
    if (c == "NOT_FOUND") throw errors::NotFoundError(m);
    if (c == "FAILED_PRECONDITION") throw errors::FailedPreconditionError(m);
    if (c == "OUT_OF_RANGE") throw errors::OutOfRangeError(m);
    if (c == "UNIMPLEMENTED") throw errors::UnimplementedError(m);
    if (c == "RESOURCE_EXHAUSTED") throw errors::ResourceExhaustedError(m);
    if (c == "ALREADY_EXISTS") throw errors::AlreadyExistsError(m);
    if (c == "DATA_LOSS") throw errors::DataLossError(m);
    throw errors::InternalError(m);
  } catch (const keraspp::ValueError& e) {
    throw keraspp::ValueError(e.what() + suffix);
  } catch (const keraspp::TypeError& e) {
    throw keraspp::TypeError(e.what() + suffix);
  }
}

}  // namespace

FunctionCalls::FunctionCalls(const Step& step) : step_(step), states_(step.functions.size()) {}
FunctionCalls::~FunctionCalls() = default;

void FunctionCalls::call(int f, const std::vector<const np::Array*>& args, std::vector<np::Array>& results,
                         std::vector<bool>& pooled, const std::string& context, std::vector<np::Array>* donated) {
  const Plan& plan = *step_.functions.at(static_cast<size_t>(f));
  std::unique_ptr<ExecState>& state = states_[static_cast<size_t>(f)];
  if (!state) state = std::make_unique<ExecState>(plan);
  ExecState& x = *state;
  if (args.size() != plan.feed_slots.size())
    throw errors::InternalError("Function of '" + step_.node->name + "' takes " +
                                std::to_string(plan.feed_slots.size()) + " arguments, got " +
                                std::to_string(args.size()));
  for (size_t i = 0; i < args.size(); ++i) {
    const auto s = static_cast<size_t>(plan.feed_slots[i]);
    np::Array* given = donated && (*donated)[i].storage() ? &(*donated)[i] : nullptr;
    // A donated buffer is this state's own (pooled): its last reader may
    // take it over. Otherwise a handle to the caller's buffer, never written.
    x.slots[s] = given ? std::move(*given) : *args[i];
    x.pooled[s] = given != nullptr;
  }
  try {
    execute_plan(plan, x);
  } catch (...) {
    const int k = x.failed_step;
    const std::string op = k >= 0 ? plan.steps[static_cast<size_t>(k)].node->name : "?";
    rethrow_with("\n\t [[Node: " + op + " in " + context + "]]");
  }
  for (size_t i = 0; i < plan.fetch_slots.size(); ++i) {
    const int slot = plan.fetch_slots[i];
    if (!x.slots[static_cast<size_t>(slot)].is_plain()) make_plain(x, slot);
    results[i] = x.slots[static_cast<size_t>(slot)];
    pooled[i] = x.pooled[static_cast<size_t>(slot)];
  }
  for (auto& s : x.slots) s = np::Array();
}

}  // namespace tf::runtime
