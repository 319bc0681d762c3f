// tf::Variable construction, collections, initializers and printing.
#include "keraspp/variables/variable.h"

#include <algorithm>
#include <sstream>

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/state_ops.h"
#include "keraspp/runtime/session.h"

namespace tf {

namespace {

Variable make_variable(const std::function<Tensor()>& init, const VariableOptions& opts) {
  Graph g = get_default_graph();
  // As TF's Variable: its ops ignore enclosing control dependencies, so its
  // initializer never runs them (optimizer slots created inside
  // `control_dependencies(UPDATE_OPS)`).
  control_dependencies no_dependencies(nullptr);
  // TF: the variable's op takes the (uniquified) scope name itself.
  name_scope scope(opts.name.empty() ? "Variable" : opts.name);
  const std::string base = scope.name().substr(0, scope.name().size() - 1);
  Tensor initial_value;
  {
    name_scope init_scope("Initializer");
    initial_value = init();
  }
  if (opts.dtype && initial_value.dtype() != *opts.dtype)
    initial_value = cast(initial_value, *opts.dtype);
  const TensorShape& s = initial_value.shape();
  if (opts.validate_shape && !s.fully_defined())
    throw keraspp::ValueError("initial_value must have a shape specified: " +
                              [&] { std::ostringstream o; o << initial_value; return o.str(); }());
  const Tensor ref = variable_v2(initial_value.dtype(), s, base + "/");
  const Operation initializer = assign(ref, initial_value, opts.validate_shape, "Assign").op();
  Variable v(ref, identity(ref, "read"), initializer, initial_value, opts.trainable);
  std::vector<std::string> cols = opts.collections;
  if (cols.empty()) cols.push_back(GraphKeys::GLOBAL_VARIABLES);
  if (opts.trainable &&
      std::find(cols.begin(), cols.end(), GraphKeys::TRAINABLE_VARIABLES) == cols.end())
    cols.push_back(GraphKeys::TRAINABLE_VARIABLES);
  add_variable_to_collections(v, cols);
  return v;
}

}  // namespace

Variable::Variable(const TensorLike& initial_value, const VariableOptions& opts)
    : Variable(make_variable([&] { return initial_value.to_tensor(opts.dtype); }, opts)) {}

Variable::Variable(const std::function<Tensor()>& fn, const VariableOptions& opts)
    : Variable(make_variable(fn, opts)) {}

Variable::Variable(const Tensor& ref, const Tensor& read, const Operation& initializer,
                   const Tensor& initial_value, bool trainable)
    : graph_(ref.graph_data()), d_(std::make_shared<VariableData>()) {
  d_->ref_node = ref.node_id();
  d_->read_node = read.node_id();
  d_->initializer_node = initializer.node_id();
  d_->initial_value_node = initial_value.node_id();
  d_->initial_value_index = initial_value.value_index();
  d_->trainable = trainable;
}

const VariableData& Variable::checked() const {
  if (!d_) throw keraspp::ValueError("The variable is empty (None): it names no variable.");
  return *d_;
}

Tensor Variable::assign(const TensorLike& value, const std::string& name) const {
  return tf::assign(ref(), value, true, name);
}
Tensor Variable::assign_add(const TensorLike& value, const std::string& name) const {
  return tf::assign_add(ref(), value, name);
}
Tensor Variable::assign_sub(const TensorLike& value, const std::string& name) const {
  return tf::assign_sub(ref(), value, name);
}

np::Array Variable::eval() const { return get_default_session().run(ref()); }

void Variable::load(const np::Array& value) const {
  // Feeds the initial value: the initializer assigns whatever is fed to it.
  get_default_session().run(std::vector<Tensor>{}, {{initial_value(), value}}, {initializer()});
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
  Graph g = get_default_graph();
  for (const auto& p : g.get_collection_objects(key))
    out.emplace_back(g.data(), std::static_pointer_cast<VariableData>(p));
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
