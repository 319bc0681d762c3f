// tf::layers::Layer: scope capture, the __call__ protocol and variable tracking.
#include "keraspp/layers/base.h"

#include <algorithm>
#include <sstream>

namespace tf::layers {

Layer::Impl::Impl(std::string base_name, bool trainable_, const std::string& name_, Reuse reuse,
                  Regularizer activity_regularizer)
    : trainable(trainable_),
      base_name_(name_.empty() ? std::move(base_name) : name_),
      graph_(get_default_graph()),
      reuse_(reuse),
      activity_regularizer_(std::move(activity_regularizer)) {}

// TF 1.1's lazy scope selection: on the first call, under the variable scope
// current then. With reuse the base name is taken as is (to find the scope
// being reused); otherwise it is a default name, uniquified among sibling
// scopes ("dense", "dense_1"), a given name included ("my_layer_1"). The
// layer's name is that scope's full name ("var_scope/dense").
void Layer::Impl::capture_scope(const std::string& scope_name) {
  Graph::DefaultGuard in_graph(graph_);
  variable_scope vs(scope_name);
  scope = vs.scope();
  name = scope.name();
}

void Layer::Impl::set_scope() {
  if (scope.data()) return;
  if (reuse_.truthy()) {
    variable_scope vs(base_name_);
    scope = vs.scope();
  } else {
    variable_scope vs(std::nullopt, {.default_name = base_name_});
    scope = vs.scope();
  }
  name = scope.name();
}

Tensor Layer::Impl::apply(const Tensor& inputs, const std::function<Tensor(const Tensor&)>& call) {
  if (!inputs)
    throw keraspp::ValueError("Layer " + (name.empty() ? base_name_ : name) +
                              " was called with an empty (None) input");
  if (inputs.graph() != graph_) {
    std::ostringstream os;
    os << "Input graph and Layer graph are not the same: " << inputs
       << " is not from the layer's graph.";
    throw keraspp::ValueError(os.str());
  }
  Graph::DefaultGuard in_graph(graph_);
  set_scope();
  variable_scope vs(scope, {.reuse = built ? Reuse(true) : reuse_});
  // Back into the name scope the layer got when its scope was captured, so
  // every call's ops sit together ("dense/MatMul", "dense/MatMul_1").
  name_scope ns(vs.original_name_scope());
  if (!built) {
    if (!dtype_) dtype_ = inputs.dtype();
    build(inputs.shape());
    built = true;
  }
  Tensor outputs = call(inputs);
  if (activity_regularizer_) {
    Tensor loss;
    {
      name_scope reg("ActivityRegularizer");
      loss = activity_regularizer_(outputs);
    }
    if (loss) add_loss(loss);
  }
  return outputs;
}

void Layer::Impl::add_loss(const Tensor& loss) {
  losses.push_back(loss);
  graph_.add_to_collection(GraphKeys::REGULARIZATION_LOSSES, loss);
}

Variable Layer::Impl::add_variable(const std::string& var_name, const TensorShape& shape,
                                   const Initializer& initializer, const Regularizer& regularizer,
                                   bool var_trainable) {
  const std::vector<Variable> existing = global_variables();
  Variable v = get_variable(
      var_name, shape,
      {.dtype = dtype(), .initializer = initializer, .trainable = var_trainable && trainable});
  // A reused variable is returned as is: it was regularized and tracked by
  // the layer that created it.
  if (std::find(existing.begin(), existing.end(), v) != existing.end()) return v;
  if (regularizer) {
    Tensor loss;
    {
      name_scope reg(var_name + "/Regularizer");
      loss = regularizer(v.value());
    }
    if (loss) add_loss(loss);
  }
  (var_trainable && trainable ? trainable_weights : non_trainable_weights).push_back(v);
  return v;
}

const std::string& Layer::name() const {
  if (!impl_->scope.data())
    throw keraspp::ValueError("No name available for layer because it has not been used yet.");
  return impl_->name;
}
const VariableScope& Layer::scope() const {
  if (!impl_->scope.data())
    throw keraspp::ValueError(
        "No name available for layer scope because the layer \"" + impl_->base_name() +
        "\" has not been used yet. The scope name  is determined the first time the layer "
        "instance is called. You must therefore call the layer before querying `scope_name`.");
  return impl_->scope;
}
const std::string& Layer::scope_name() const { return scope().name(); }
bool Layer::built() const { return impl_->built; }
bool Layer::trainable() const { return impl_->trainable; }
std::vector<Variable> Layer::trainable_weights() const { return impl_->trainable_weights; }
std::vector<Variable> Layer::non_trainable_weights() const { return impl_->non_trainable_weights; }
std::vector<Variable> Layer::weights() const {
  std::vector<Variable> w = impl_->trainable_weights;
  w.insert(w.end(), impl_->non_trainable_weights.begin(), impl_->non_trainable_weights.end());
  return w;
}
std::vector<Tensor> Layer::losses() const { return impl_->losses; }

}  // namespace tf::layers
