// InputLayer / Input(), UnaryLayerImpl's adapters and the Layer handle.
#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/keras/engine/topology.h"
#include "layer_util.h"

namespace keras::engine {

namespace K = keras::backend;

namespace {

std::string input_layer_name(const std::string& name) {
  return name.empty() ? "input_" + std::to_string(K::get_uid("input")) : name;
}

}  // namespace

InputLayerImpl::InputLayerImpl(const InputLayerOptions& o)
    : LayerImpl("InputLayer", LayerOptions{.name = input_layer_name(o.name)}) {
  trainable = false;
  built = true;
  sparse = o.sparse;
  if (sparse) throw keraspp::ValueError("Sparse inputs are not supported by Keras++ (layer " + name + ").");
  if (o.input_shape && o.batch_input_shape)
    throw keraspp::ValueError(
        "Only provide the input_shape OR batch_input_shape argument to InputLayer, not both at the "
        "same time.");
  std::optional<std::vector<int64_t>> shape = o.batch_input_shape.get();
  if (o.input_tensor && !shape && o.input_tensor.shape().has_rank())
    shape = keras_shape(o.input_tensor).dims();
  if (!shape) {
    if (!o.input_shape) {
      if (o.input_tensor)
        throw keraspp::ValueError(
            "InputLayer was provided an input_tensor argument, but its input shape cannot be "
            "automatically inferred. You should pass an input_shape or batch_input_shape argument.");
      throw keraspp::ValueError(
          "An Input layer should be passed either a `batch_input_shape` or an `input_shape`.");
    }
    std::vector<int64_t> s{o.batch_size.value_or(-1)};
    s.insert(s.end(), o.input_shape->begin(), o.input_shape->end());
    shape = s;
  }
  batch_input_shape = shape;
  dtype = !o.dtype.empty() ? o.dtype
          : o.input_tensor ? K::dtype(o.input_tensor)
                           : K::floatx();
  tf::Tensor input_tensor = o.input_tensor;
  is_placeholder = !input_tensor;
  if (!input_tensor) input_tensor = K::placeholder(*shape, std::nullopt, dtype, name);
  const tf::TensorShape ks(*shape);
  // The node Input() returns through; its history makes the tensor a Keras tensor.
  auto node = std::make_shared<Node>();
  node->input_tensors = {node_held(input_tensor)};
  node->output_tensors = {node_held(input_tensor)};
  node->input_masks = {tf::Tensor()};
  node->output_masks = {tf::Tensor()};
  node->input_shapes = {ks};
  node->output_shapes = {ks};
  inbound_nodes.push_back(node);
  // shared_from_this is not available in a constructor: InputLayer's
  // constructor links the node and the history once the object is owned.
}

Config InputLayerImpl::get_config() const {
  Config c;
  c["batch_input_shape"] = shape_config(*batch_input_shape);
  c["dtype"] = dtype;
  c["sparse"] = sparse;
  c["name"] = name;
  return c;
}

InputLayer::InputLayer(const InputLayerOptions& options)
    : Layer(std::make_shared<InputLayerImpl>(options)) {
  Node& node = *impl_->inbound_nodes[0];
  node.outbound_layer = impl_;
  tf::Tensor& x = node.output_tensors[0];
  set_keras_tensor_info(x, {node.output_shapes[0], KerasHistory{impl_, 0, 0}});
  x = node_held(x);
  node.input_tensors[0] = x;  // one tensor object, as in Keras
  K::set_uses_learning_phase(x, false);
}

tf::Tensor Input(const InputOptions& o) {
  if (!o.batch_shape && !o.tensor && !o.shape)
    throw keraspp::ValueError(
        "Please provide to Input either a `shape` or a `batch_shape` argument. Note that `shape` "
        "does not include the batch dimension.");
  std::optional<std::vector<int64_t>> batch_shape = o.batch_shape.get();
  if (o.shape && !batch_shape) {
    std::vector<int64_t> s{-1};
    s.insert(s.end(), o.shape->begin(), o.shape->end());
    batch_shape = s;
  }
  InputLayer layer({.batch_input_shape = batch_shape, .dtype = o.dtype, .input_tensor = o.tensor,
                    .sparse = o.sparse, .name = o.name});
  return user_held(layer.inbound_nodes()[0]->output_tensors[0]);
}

// ---- UnaryLayerImpl ------------------------------------------------------------

namespace {
void require_one(const LayerImpl& l, size_t n) {
  if (n != 1)
    throw keraspp::ValueError("Layer " + l.name + " expects 1 input, but it received " +
                              std::to_string(n) + " input tensors.");
}
}  // namespace

void UnaryLayerImpl::build(const std::vector<tf::TensorShape>& input_shapes) {
  require_one(*this, input_shapes.size());
  build(input_shapes[0]);
}

std::vector<tf::Tensor> UnaryLayerImpl::call(const std::vector<tf::Tensor>& inputs,
                                             const CallArgs& args) {
  require_one(*this, inputs.size());
  return {call(inputs[0], args)};
}

std::vector<tf::TensorShape> UnaryLayerImpl::compute_output_shape(
    const std::vector<tf::TensorShape>& input_shapes) {
  require_one(*this, input_shapes.size());
  return {compute_output_shape(input_shapes[0])};
}

// ---- the Layer handle --------------------------------------------------------

namespace {
template <class T> const T& single(const std::vector<T>& v, const LayerImpl& l, const char* what) {
  if (v.size() != 1)
    throw keraspp::ValueError("Layer " + l.name + " has " + std::to_string(v.size()) + " " + what +
                              "s; use the list form to get them all.");
  return v[0];
}
}  // namespace

tf::Tensor Layer::operator()(const tf::Tensor& x, const CallArgs& args) const {
  return single((*impl_)({x}, args), *impl_, "output");
}

std::vector<tf::Tensor> Layer::operator()(const std::vector<tf::Tensor>& xs, const CallArgs& args) const {
  return (*impl_)(xs, args);
}

void Layer::build(const tf::TensorShape& input_shape) const {
  impl_->build({input_shape});
  impl_->built = true;
}

Config Layer::get_config() const { return impl_->get_config(); }

tf::Tensor Layer::input() const { return single(impl_->input(), *impl_, "input"); }
tf::Tensor Layer::output() const { return single(impl_->output(), *impl_, "output"); }
tf::TensorShape Layer::input_shape() const { return single(impl_->input_shape(), *impl_, "input"); }
tf::TensorShape Layer::output_shape() const {
  return single(impl_->output_shape(), *impl_, "output");
}
tf::Tensor Layer::get_input_at(int node_index) const {
  return single(impl_->get_input_at(node_index), *impl_, "input");
}
tf::Tensor Layer::get_output_at(int node_index) const {
  return single(impl_->get_output_at(node_index), *impl_, "output");
}

}  // namespace keras::engine
