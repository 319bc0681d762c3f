// keras::engine::LayerImpl: Keras 2.0.2's Layer.__call__ (build on first
// call, input checks, mask propagation, nodes and tensor metadata), weights,
// losses and the node-indexed accessors.
#include <algorithm>
#include <sstream>

#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/keras/engine/topology.h"
#include "keraspp/ops/array_ops.h"
#include "layer_util.h"

namespace keras::engine {

namespace K = keras::backend;

LayerImpl::LayerImpl(std::string cls, const LayerOptions& o) : class_name(std::move(cls)) {
  name = o.name.empty() ? to_snake_case(class_name) + "_" + std::to_string(K::get_uid(class_name))
                        : o.name;
  trainable = o.trainable;
  std::optional<std::vector<int64_t>> input_shape = o.input_shape.get();
  if (!input_shape && o.input_dim) input_shape = std::vector<int64_t>{*o.input_dim};
  if (o.batch_input_shape) {
    batch_input_shape = o.batch_input_shape.get();
  } else if (input_shape) {
    std::vector<int64_t> s{o.batch_size.value_or(-1)};
    s.insert(s.end(), input_shape->begin(), input_shape->end());
    batch_input_shape = s;
  }
  if (batch_input_shape) dtype = o.dtype.empty() ? K::floatx() : o.dtype;
  initial_weights = o.weights;
}

// ---- defaults of the overridable API -------------------------------------------

void LayerImpl::build(const std::vector<tf::TensorShape>&) {}

std::vector<tf::Tensor> LayerImpl::call(const std::vector<tf::Tensor>& inputs, const CallArgs&) {
  return inputs;
}

std::vector<tf::TensorShape> LayerImpl::compute_output_shape(
    const std::vector<tf::TensorShape>& input_shapes) {
  return input_shapes;
}

std::vector<tf::Tensor> LayerImpl::compute_mask(const std::vector<tf::Tensor>& inputs,
                                                const std::vector<tf::Tensor>& masks) {
  const bool any = std::any_of(masks.begin(), masks.end(), [](const tf::Tensor& m) { return bool(m); });
  if (!supports_masking) {
    if (any) {
      std::ostringstream os;
      os << "Layer " << name << " does not support masking, but was passed an input_mask: "
         << tensor_list_repr(masks);
      throw keraspp::TypeError(os.str());
    }
    return {};
  }
  return masks;
}

Config LayerImpl::get_config() const {
  Config c;
  c["name"] = name;
  c["trainable"] = trainable;
  if (batch_input_shape) {
    c["batch_input_shape"] = shape_config(*batch_input_shape);
    c["dtype"] = dtype;
  }
  return c;
}

// ---- __call__ --------------------------------------------------------------------

std::vector<tf::Tensor> LayerImpl::operator()(const std::vector<tf::Tensor>& inputs,
                                              const CallArgs& args) {
  if (inputs.empty())
    throw keraspp::ValueError("Layer " + name + " was called with an empty list of inputs.");
  for (const tf::Tensor& x : inputs)
    if (!x) throw keraspp::ValueError("Layer " + name + " was called with a None input.");
  // Build and call in the inputs' graph, under the layer's name scope.
  tf::Graph::DefaultGuard graph_guard(inputs[0].graph());
  tf::name_scope scope(name);

  std::vector<tf::TensorShape> input_shapes;
  for (const tf::Tensor& x : inputs) input_shapes.push_back(keras_shape(x));
  if (!built) {
    assert_input_compatibility(inputs);
    build(input_shapes);
    built = true;
    if (!initial_weights.empty()) set_weights(initial_weights);
  }
  assert_input_compatibility(inputs);

  // The previous layers' masks, from the inputs' history.
  std::vector<tf::Tensor> previous_masks;
  bool any_mask = false;
  for (const tf::Tensor& x : inputs) {
    tf::Tensor m;
    if (auto info = keras_tensor_info(x); info && info->history) {
      const KerasHistory& h = *info->history;
      const Node& n = *h.layer->inbound_nodes.at(static_cast<size_t>(h.node_index));
      if (static_cast<size_t>(h.tensor_index) < n.output_masks.size())
        m = n.output_masks[static_cast<size_t>(h.tensor_index)];
    }
    any_mask = any_mask || bool(m);
    previous_masks.push_back(m);
  }
  CallArgs call_args = args;
  if (call_args.mask.empty() && any_mask) call_args.mask = previous_masks;

  std::vector<tf::Tensor> outputs = call(inputs, call_args);
  std::vector<tf::Tensor> output_masks = compute_mask(inputs, any_mask ? previous_masks : std::vector<tf::Tensor>{});
  // Outputs that are inputs are copied, so their metadata stays distinct.
  for (tf::Tensor& y : outputs)
    if (std::find(inputs.begin(), inputs.end(), y) != inputs.end()) y = tf::identity(y);

  const bool shapes_known = std::all_of(input_shapes.begin(), input_shapes.end(),
                                        [](const tf::TensorShape& s) { return s.has_rank(); });
  std::vector<tf::TensorShape> output_shapes =
      shapes_known ? compute_output_shape(input_shapes)
                   : std::vector<tf::TensorShape>(outputs.size(), tf::TensorShape::unknown());
  if (output_shapes.size() != outputs.size())
    throw keraspp::ValueError("Layer " + name + " returned " + std::to_string(outputs.size()) +
                              " outputs but compute_output_shape gave " +
                              std::to_string(output_shapes.size()) + " shapes");
  if (output_masks.size() < outputs.size()) output_masks.resize(outputs.size());

  add_inbound_node(inputs, outputs, any_mask ? previous_masks : std::vector<tf::Tensor>(inputs.size()),
                   output_masks, input_shapes, output_shapes);

  if (activity_regularizer) {
    std::vector<tf::Tensor> penalties;
    for (const tf::Tensor& y : outputs) penalties.push_back(activity_regularizer(y));
    add_loss(penalties, inputs);
  }
  return outputs;
}

void LayerImpl::add_inbound_node(const std::vector<tf::Tensor>& inputs,
                                 std::vector<tf::Tensor>& outputs,
                                 const std::vector<tf::Tensor>& input_masks,
                                 const std::vector<tf::Tensor>& output_masks,
                                 const std::vector<tf::TensorShape>& input_shapes,
                                 const std::vector<tf::TensorShape>& output_shapes) {
  auto node = std::make_shared<Node>();
  node->outbound_layer = weak_from_this();
  bool inputs_use_lp = false;
  for (const tf::Tensor& x : inputs) {
    inputs_use_lp = inputs_use_lp || K::uses_learning_phase(x);
    if (auto info = keras_tensor_info(x); info && info->history) {
      // A layer applied to its own output must not own itself: the node (which
      // the layer owns) then points at it without owning.
      const std::shared_ptr<LayerImpl>& in = info->history->layer;
      node->inbound_layers.push_back(in.get() == this ? std::shared_ptr<LayerImpl>(std::shared_ptr<LayerImpl>(), this) : in);
      node->node_indices.push_back(info->history->node_index);
      node->tensor_indices.push_back(info->history->tensor_index);
    }
  }
  // Keras keeps the connection only when every input is a Keras tensor.
  if (node->inbound_layers.size() != inputs.size()) {
    node->inbound_layers.clear();
    node->node_indices.clear();
    node->tensor_indices.clear();
  }
  // Inputs keep their layers alive (Python's node holds its input tensors),
  // except an output of this very layer (a layer applied to its own output),
  // which would make the layer own itself.
  for (const tf::Tensor& x : inputs) {
    const auto info = keras_tensor_info(x);
    const bool own = info && info->history && info->history->layer.get() == this;
    node->input_tensors.push_back(own ? node_held(x) : x);
  }
  node->input_masks = input_masks;
  node->output_masks = output_masks;
  node->input_shapes = input_shapes;
  node->output_shapes = output_shapes;
  for (const auto& l : node->inbound_layers) l->outbound_nodes.push_back(node);
  inbound_nodes.push_back(node);

  const int node_index = static_cast<int>(inbound_nodes.size()) - 1;
  for (size_t i = 0; i < outputs.size(); ++i) {
    set_keras_tensor_info(outputs[i],
                          {output_shapes[i], KerasHistory{shared_from_this(), node_index, static_cast<int>(i)}});
    if (inputs_use_lp || flags_outputs_with_learning_phase()) K::set_uses_learning_phase(outputs[i], true);
  }
  node->output_tensors = node_held(outputs);
}

void LayerImpl::assert_input_compatibility(const std::vector<tf::Tensor>& inputs) const {
  if (input_spec.empty()) return;
  if (inputs.size() != input_spec.size())
    throw keraspp::ValueError("Layer " + name + " expects " + std::to_string(input_spec.size()) +
                              " inputs, but it received " + std::to_string(inputs.size()) +
                              " input tensors. Input received: " + tensor_list_repr(inputs));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const InputSpec& spec = input_spec[i];
    const tf::Tensor& x = inputs[i];
    const std::string prefix =
        "Input " + std::to_string(i) + " is incompatible with layer " + name + ": ";
    const int nd = x.shape().rank();
    if (spec.ndim && nd != *spec.ndim)
      throw keraspp::ValueError(prefix + "expected ndim=" + std::to_string(*spec.ndim) +
                                ", found ndim=" + (nd < 0 ? "None" : std::to_string(nd)));
    if (spec.max_ndim && nd >= 0 && nd > *spec.max_ndim)
      throw keraspp::ValueError(prefix + "expected max_ndim=" + std::to_string(*spec.max_ndim) +
                                ", found ndim=" + std::to_string(nd));
    if (spec.min_ndim && nd >= 0 && nd < *spec.min_ndim)
      throw keraspp::ValueError(prefix + "expected min_ndim=" + std::to_string(*spec.min_ndim) +
                                ", found ndim=" + std::to_string(nd));
    if (spec.dtype && x.dtype() != *spec.dtype)
      throw keraspp::ValueError(prefix + "expected dtype=" + np::dtype_name(*spec.dtype) +
                                ", found dtype=" + np::dtype_name(x.dtype()));
    const tf::TensorShape s = keras_shape(x);
    if (!spec.axes.empty() && s.has_rank()) {
      for (const auto& [axis, value] : spec.axes) {
        const int a = axis < 0 ? axis + s.rank() : axis;
        const int64_t d = (a >= 0 && a < s.rank()) ? s.dim(a) : -1;
        if (d >= 0 && d != value)
          throw keraspp::ValueError(prefix + "expected axis " + std::to_string(axis) +
                                    " of input shape to have value " + std::to_string(value) +
                                    " but got shape " + s.keras_str());
      }
    }
    if (spec.shape && s.has_rank()) {
      for (size_t k = 0; k < spec.shape->size() && k < s.dims().size(); ++k) {
        const int64_t want = (*spec.shape)[k], got = s.dims()[k];
        if (want >= 0 && got >= 0 && want != got)
          throw keraspp::ValueError(prefix + "expected shape=" +
                                    tf::TensorShape(*spec.shape).keras_str() + ", found shape=" +
                                    s.keras_str());
      }
    }
  }
}

// ---- weights ---------------------------------------------------------------------

tf::Variable LayerImpl::add_weight(const std::string& weight_name, const std::vector<int64_t>& shape,
                                   const initializers::InitializerArg& initializer,
                                   const regularizers::Regularizer& regularizer, bool weight_trainable,
                                   const constraints::Constraint& constraint) {
  // The initial value is built first, under the layer's scope (Keras calls
  // the initializer before K.variable), then the variable named `name`.
  const tf::Tensor value = initializer.get()(shape, K::dtype_from_string(K::floatx()));
  tf::Variable w = K::variable(value, K::floatx(), weight_name);
  if (regularizer) add_loss({regularizer(w.value())});
  if (constraint) constraints_.emplace_back(w, constraint);
  (weight_trainable ? trainable_weights_ : non_trainable_weights_).push_back(w);
  return w;
}

std::vector<tf::Variable> LayerImpl::trainable_weights() const {
  return trainable ? trainable_weights_ : std::vector<tf::Variable>{};
}

std::vector<tf::Variable> LayerImpl::non_trainable_weights() const {
  if (trainable) return non_trainable_weights_;
  std::vector<tf::Variable> all = trainable_weights_;
  all.insert(all.end(), non_trainable_weights_.begin(), non_trainable_weights_.end());
  return all;
}

std::vector<tf::Variable> LayerImpl::weights() const {
  std::vector<tf::Variable> w = trainable_weights();
  const std::vector<tf::Variable> n = non_trainable_weights();
  w.insert(w.end(), n.begin(), n.end());
  return w;
}

std::vector<np::Array> LayerImpl::get_weights() const { return K::batch_get_value(weights()); }

void LayerImpl::set_weights(const std::vector<np::Array>& values) {
  const std::vector<tf::Variable> params = weights();
  if (params.size() != values.size()) {
    std::string provided = array_list_repr(values);
    if (provided.size() > 50) provided = provided.substr(0, 50);
    throw keraspp::ValueError("You called `set_weights(weights)` on layer \"" + name +
                              "\" with a  weight list of length " + std::to_string(values.size()) +
                              ", but the layer was expecting " + std::to_string(params.size()) +
                              " weights. Provided weights: " + provided + "...");
  }
  std::vector<std::pair<tf::Variable, np::Array>> tuples;
  for (size_t i = 0; i < params.size(); ++i) {
    if (!params[i].shape().is_compatible_with(values[i].shape()))
      throw keraspp::ValueError("Layer weight shape " + shape_tuple_str(params[i].shape().dims()) +
                                " not compatible with provided weight shape " +
                                shape_tuple_str(values[i].shape()));
    tuples.emplace_back(params[i], values[i]);
  }
  K::batch_set_value(tuples);
}

int64_t LayerImpl::count_params() const {
  if (!built) {
    throw keraspp::ValueError("You tried to call `count_params` on " + name +
                              ", but the layer isn't built. You can build it manually via: `" + name +
                              ".build(batch_input_shape)`.");
  }
  int64_t n = 0;
  for (const tf::Variable& w : weights()) n += K::count_params(w);
  return n;
}

std::vector<std::pair<tf::Variable, constraints::Constraint>> LayerImpl::constraints() const {
  return constraints_;
}

// ---- losses ------------------------------------------------------------------------

void LayerImpl::add_loss(const std::vector<tf::Tensor>& new_losses, const std::vector<tf::Tensor>& inputs) {
  for (const tf::Tensor& l : new_losses)
    if (l) losses_.emplace_back(l, inputs);
}

std::vector<tf::Tensor> LayerImpl::losses() const {
  std::vector<tf::Tensor> out;
  for (const auto& [l, in] : losses_) out.push_back(l);
  return out;
}

std::vector<tf::Tensor> LayerImpl::get_losses_for(const std::vector<tf::Tensor>& inputs) const {
  std::vector<tf::Tensor> out;
  for (const auto& [l, in] : losses_)
    if (in == inputs) out.push_back(l);
  return out;
}

}  // namespace keras::engine
