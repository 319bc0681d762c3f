// tf::Variable construction, collections, initializers and printing.
#include "keraspp/variables/variable.h"

#include <algorithm>
#include <sstream>

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/state_ops.h"
#include "keraspp/runtime/session.h"

namespace tf {

namespace {

std::shared_ptr<VariableData> make_variable(const std::function<Tensor()>& init,
                                            const VariableOptions& opts) {
  auto d = std::make_shared<VariableData>();
  d->trainable = opts.trainable;
  Graph g = get_default_graph();
  // TF: the variable's op takes the (uniquified) scope name itself.
  name_scope scope(opts.name.empty() ? "Variable" : opts.name);
  const std::string base = scope.name().substr(0, scope.name().size() - 1);
  {
    name_scope init_scope("Initializer");
    d->initial_value = init();
  }
  if (opts.dtype && d->initial_value.dtype() != *opts.dtype)
    d->initial_value = cast(d->initial_value, *opts.dtype);
  const TensorShape& s = d->initial_value.shape();
  if (opts.validate_shape && !s.fully_defined())
    throw keraspp::ValueError("initial_value must have a shape specified: " +
                              [&] { std::ostringstream o; o << d->initial_value; return o.str(); }());
  d->ref = variable_v2(d->initial_value.dtype(), s, base + "/");
  d->initializer = assign(d->ref, d->initial_value, opts.validate_shape, "Assign").op();
  d->read = identity(d->ref, "read");
  std::vector<std::string> cols = opts.collections;
  if (cols.empty()) cols.push_back(GraphKeys::GLOBAL_VARIABLES);
  if (opts.trainable &&
      std::find(cols.begin(), cols.end(), GraphKeys::TRAINABLE_VARIABLES) == cols.end())
    cols.push_back(GraphKeys::TRAINABLE_VARIABLES);
  for (const auto& c : cols) g.add_to_collection(c, d);
  return d;
}

}  // namespace

Variable::Variable(const TensorLike& initial_value, const VariableOptions& opts)
    : d_(make_variable([&] { return initial_value.to_tensor(opts.dtype); }, opts)) {}

Variable::Variable(const std::function<Tensor()>& fn, const VariableOptions& opts)
    : d_(make_variable(fn, opts)) {}

Tensor Variable::assign(const TensorLike& value, const std::string& name) const {
  return tf::assign(d_->ref, value, true, name);
}
Tensor Variable::assign_add(const TensorLike& value, const std::string& name) const {
  return tf::assign_add(d_->ref, value, name);
}
Tensor Variable::assign_sub(const TensorLike& value, const std::string& name) const {
  return tf::assign_sub(d_->ref, value, name);
}

np::Array Variable::eval() const { return get_default_session().run(d_->ref); }

void Variable::load(const np::Array& value) const {
  // Feeds the initial value: the initializer assigns whatever is fed to it.
  get_default_session().run(std::vector<Tensor>{}, {{d_->initial_value, value}}, {d_->initializer});
}

std::ostream& operator<<(std::ostream& os, const Variable& v) {
  return os << "<tf.Variable '" << v.name() << "' shape=" << v.shape().str()
            << " dtype=" << np::dtype_name(v.dtype()) << "_ref>";
}

void add_variable_to_collections(const Variable& v, const std::vector<std::string>& collections) {
  Graph g = v.graph();
  for (const auto& c : collections) g.add_to_collection(c, v.data());
}

std::vector<Variable> get_collection_variables(const std::string& key) {
  std::vector<Variable> out;
  for (const auto& p : get_default_graph().get_collection_ref(key))
    out.emplace_back(std::static_pointer_cast<VariableData>(p));
  return out;
}

std::vector<Variable> global_variables() {
  return get_collection_variables(GraphKeys::GLOBAL_VARIABLES);
}
std::vector<Variable> trainable_variables() {
  return get_collection_variables(GraphKeys::TRAINABLE_VARIABLES);
}
std::vector<Variable> local_variables() {
  return get_collection_variables(GraphKeys::LOCAL_VARIABLES);
}

Operation variables_initializer(const std::vector<Variable>& vars, const std::string& name) {
  std::vector<Operation> ops;
  for (const Variable& v : vars) ops.push_back(v.initializer());
  return group(ops, name);
}

Operation global_variables_initializer() { return variables_initializer(global_variables(), "init"); }
Operation local_variables_initializer() {
  return variables_initializer(local_variables(), "init");
}

std::vector<Variable> report_uninitialized_variables(const std::vector<Variable>& vars) {
  Session s = get_default_session();
  std::vector<Tensor> checks;
  for (const Variable& v : vars) checks.push_back(is_variable_initialized(v.ref()));
  std::vector<Variable> out;
  if (checks.empty()) return out;
  auto r = s.run(checks);
  for (size_t i = 0; i < vars.size(); ++i)
    if (!r[i].item<bool>()) out.push_back(vars[i]);
  return out;
}

}  // namespace tf
