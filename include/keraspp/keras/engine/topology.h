// Keras 2.0.2's engine/topology: Layer, InputSpec, Node, InputLayer / Input,
// and the Keras metadata of tensors (Keras shape and layer history).
//
// keras::engine::Layer is a handle (a shared pointer to a LayerImpl), as
// Python passes layers by reference: copies name the same layer, and calling
// one layer object on two tensors shares its weights.
//
//   auto dense = keras::layers::Dense(512, {.activation = "relu"});
//   tf::Tensor h = dense(x);   // builds dense_1's weights in the graph
//
// Calling a layer opens tf::name_scope(layer.name()), builds the layer on its
// first call (weights are tf::Variables, so enclosing name scopes prefix them:
// `mlp_model/dense_1/kernel:0`), calls it, and records a Node.
//
// A custom layer derives from LayerImpl (or UnaryLayerImpl) and overrides
// build / call / compute_output_shape; wrap it with Layer(std::make_shared<...>).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keraspp/graph/graph.h"
#include "keraspp/keras/constraints.h"
#include "keraspp/keras/initializers.h"
#include "keraspp/keras/regularizers.h"
#include "keraspp/variables/variable.h"

namespace keras {
// A layer's config (Python's get_config() dict), insertion-ordered; include
// "keraspp/keras/engine/config.h" (or keraspp/keras.h) to use it.
using Config = nlohmann::ordered_json;
}  // namespace keras

namespace keras::engine {

// An optional shape argument (Python's None or a tuple): unset, or dims with
// -1 for None. Written `{784}`, `{-1, 3}` or `std::vector<int64_t>{...}`;
// `{}` is unset (as Keras treats an empty tuple).
class OptionalShape {
 public:
  OptionalShape() = default;
  OptionalShape(std::nullopt_t) {}
  OptionalShape(std::initializer_list<int64_t> dims) : dims_(std::vector<int64_t>(dims)) {}
  OptionalShape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}
  OptionalShape(std::optional<std::vector<int64_t>> dims) : dims_(std::move(dims)) {}
  explicit operator bool() const { return dims_.has_value(); }
  bool has_value() const { return dims_.has_value(); }
  const std::vector<int64_t>& operator*() const { return *dims_; }
  const std::vector<int64_t>* operator->() const { return &*dims_; }
  const std::optional<std::vector<int64_t>>& get() const { return dims_; }

 private:
  std::optional<std::vector<int64_t>> dims_;
};

// The keyword arguments every Keras layer accepts, in the spec's order; each
// layer's options struct ends with these fields (KERAS_LAYER_COMMON_OPTIONS).
// Shapes use -1 for None.
#define KERAS_LAYER_COMMON_OPTIONS                                            \
  std::optional<int64_t> input_dim = std::nullopt;                            \
  ::keras::engine::OptionalShape input_shape = {};                            \
  ::keras::engine::OptionalShape batch_input_shape = {};                      \
  std::optional<int64_t> batch_size = std::nullopt;                           \
  std::string dtype = "";                                                     \
  std::string name = "";                                                      \
  bool trainable = true;                                                      \
  std::vector<np::Array> weights = {}

struct LayerOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};

// The common fields of any layer's options struct.
template <class Options> LayerOptions common_options(const Options& o) {
  return LayerOptions{.input_dim = o.input_dim, .input_shape = o.input_shape,
                      .batch_input_shape = o.batch_input_shape, .batch_size = o.batch_size,
                      .dtype = o.dtype, .name = o.name, .trainable = o.trainable,
                      .weights = o.weights};
}

// Constraints on a layer's inputs, checked when it is called. Unset fields
// are not checked; axes: axis (may be negative) -> required size.
struct InputSpec {
  std::optional<tf::DType> dtype = std::nullopt;
  std::optional<std::vector<int64_t>> shape = std::nullopt;
  std::optional<int> ndim = std::nullopt;
  std::optional<int> max_ndim = std::nullopt;
  std::optional<int> min_ndim = std::nullopt;
  std::map<int, int64_t> axes = {};
};

class LayerImpl;

// One call of a layer: the connection from its inbound layers' output tensors
// to its own outputs. Its tensors are node_held (their metadata does not own
// a layer); read them through the layer's accessors, which hand out
// user_held copies. inbound_layers[i] produced input_tensors[i] as output
// tensor_indices[i] of its node node_indices[i].
struct Node {
  std::weak_ptr<LayerImpl> outbound_layer;
  std::vector<std::shared_ptr<LayerImpl>> inbound_layers;
  std::vector<int> node_indices;
  std::vector<int> tensor_indices;
  std::vector<tf::Tensor> input_tensors;
  std::vector<tf::Tensor> output_tensors;
  std::vector<tf::Tensor> input_masks;   // empty Tensor = None
  std::vector<tf::Tensor> output_masks;
  std::vector<tf::TensorShape> input_shapes;
  std::vector<tf::TensorShape> output_shapes;
};

// ---- Keras tensors -----------------------------------------------------------

// Where a Keras tensor came from (Python's `_keras_history`). The metadata
// rides on the tf::Tensor handle (tf::Tensor::annotation), as Python keeps it
// on the tensor object, so the graph never holds layers: a tensor the user
// holds keeps its layer (and so the model behind it) alive; the copies a
// Node keeps (node_held) do not, breaking the layer -> node -> tensor ->
// layer cycle.
struct KerasHistory {
  std::shared_ptr<LayerImpl> layer;
  int node_index = 0;
  int tensor_index = 0;
};
// A tensor's Keras metadata (`_keras_shape`, `_keras_history`).
struct KerasTensorInfo {
  tf::TensorShape keras_shape;
  std::optional<KerasHistory> history;
};
// The metadata of x, or nullopt for a plain TF tensor.
std::optional<KerasTensorInfo> keras_tensor_info(const tf::Tensor& x);
void set_keras_tensor_info(tf::Tensor& x, const KerasTensorInfo& info);
// The same tensors, their metadata no longer owning their layer (what Nodes
// store), or owning it again (what is handed back to the user).
tf::Tensor node_held(const tf::Tensor& x);
tf::Tensor user_held(const tf::Tensor& x);
std::vector<tf::Tensor> node_held(const std::vector<tf::Tensor>& xs);
std::vector<tf::Tensor> user_held(const std::vector<tf::Tensor>& xs);
// True for outputs of Keras layers (and Input()).
bool is_keras_tensor(const tf::Tensor& x);
// x's Keras shape, else its static shape (K::int_shape).
tf::TensorShape keras_shape(const tf::Tensor& x);
// The Input() tensors x is computed from (Keras's get_source_inputs).
std::vector<tf::Tensor> get_source_inputs(const tf::Tensor& x);

// Extra arguments of a call: the inputs' masks (filled from the inputs'
// history when empty) and Keras's `training` argument.
struct CallArgs {
  std::vector<tf::Tensor> mask = {};
  std::optional<bool> training = std::nullopt;
};

// ---- the layer object --------------------------------------------------------

class LayerImpl : public std::enable_shared_from_this<LayerImpl> {
 public:
  // class_name: Keras's class name ("Dense"); an auto name is
  // snake_case(class_name) + "_" + K::get_uid(class_name).
  LayerImpl(std::string class_name, const LayerOptions& options = {});
  virtual ~LayerImpl() = default;
  LayerImpl(const LayerImpl&) = delete;
  LayerImpl& operator=(const LayerImpl&) = delete;

  // ---- what layers override ----
  // Creates the weights for inputs of these Keras shapes.
  virtual void build(const std::vector<tf::TensorShape>& input_shapes);
  // The layer's computation (default: identity).
  virtual std::vector<tf::Tensor> call(const std::vector<tf::Tensor>& inputs, const CallArgs& args);
  // Output Keras shapes for input Keras shapes (default: unchanged).
  virtual std::vector<tf::TensorShape> compute_output_shape(
      const std::vector<tf::TensorShape>& input_shapes);
  // Output masks; default: TypeError if a mask is given and the layer does
  // not support masking, else the input mask (or none).
  virtual std::vector<tf::Tensor> compute_mask(const std::vector<tf::Tensor>& inputs,
                                               const std::vector<tf::Tensor>& masks);
  // Keras's get_config(): {name, trainable[, batch_input_shape, dtype], ...}.
  virtual Config get_config() const;

  // ---- Keras's __call__ ----
  std::vector<tf::Tensor> operator()(const std::vector<tf::Tensor>& inputs, const CallArgs& args = {});

  // ---- weights ----
  // Creates a weight (a tf::Variable named `name` under the current name
  // scope) of dtype floatx(), registering its regularizer loss and constraint.
  tf::Variable add_weight(const std::string& name, const std::vector<int64_t>& shape,
                          const initializers::InitializerArg& initializer,
                          const regularizers::Regularizer& regularizer = {}, bool trainable = true,
                          const constraints::Constraint& constraint = {});
  virtual std::vector<tf::Variable> trainable_weights() const;
  virtual std::vector<tf::Variable> non_trainable_weights() const;
  std::vector<tf::Variable> weights() const;
  std::vector<np::Array> get_weights() const;
  // ValueError (Keras's texts) on a count or shape mismatch.
  void set_weights(const std::vector<np::Array>& weights);
  // RuntimeError-like ValueError when the layer is not built.
  int64_t count_params() const;
  // Weight -> constraint, applied by the optimizer after each update.
  virtual std::vector<std::pair<tf::Variable, constraints::Constraint>> constraints() const;

  // ---- losses and updates ----
  // Adds penalties; `inputs` empty = unconditional (weight regularizers),
  // else they depend on those inputs (activity regularizers).
  void add_loss(const std::vector<tf::Tensor>& losses, const std::vector<tf::Tensor>& inputs = {});
  virtual std::vector<tf::Tensor> losses() const;
  std::vector<tf::Tensor> get_losses_for(const std::vector<tf::Tensor>& inputs) const;
  // Ops to run with each training step (none of the layers here has any).
  virtual std::vector<tf::Operation> updates() const { return {}; }

  // ---- node-indexed accessors (Keras's errors when ill-defined) ----
  std::vector<tf::Tensor> get_input_at(int node_index) const;
  std::vector<tf::Tensor> get_output_at(int node_index) const;
  std::vector<tf::TensorShape> get_input_shape_at(int node_index) const;
  std::vector<tf::TensorShape> get_output_shape_at(int node_index) const;
  // The single-node forms: AttributeError-like ValueError when the layer has
  // several inbound nodes (or none).
  std::vector<tf::Tensor> input() const;
  std::vector<tf::Tensor> output() const;
  std::vector<tf::TensorShape> input_shape() const;
  std::vector<tf::TensorShape> output_shape() const;

  void assert_input_compatibility(const std::vector<tf::Tensor>& inputs) const;
  // Whether this layer is a Model (a container of layers).
  virtual bool is_container() const { return false; }
  // Keras's `layer.uses_learning_phase` as a call reads it to flag its
  // outputs: the attribute, or for a Model whether any of its outputs uses
  // the phase (so all outputs of a model re-applied to new inputs are flagged).
  virtual bool flags_outputs_with_learning_phase() const { return uses_learning_phase; }
  // Keras's `layer.stateful`: the layer carries state from batch to batch
  // (a stateful RNN, a model holding one); reset_states() zeroes it
  // (Model::reset_states resets every stateful layer). Stateless layers hold none.
  virtual bool is_stateful() const { return false; }
  virtual void reset_states() {}

  // ---- state (Python's attributes) ----
  std::string class_name;
  std::string name;
  bool trainable = true;
  bool built = false;
  bool supports_masking = false;
  // Outputs depend on the learning phase (Dropout).
  bool uses_learning_phase = false;
  std::vector<InputSpec> input_spec;
  // Set when constructed with input_shape / input_dim / batch_input_shape.
  std::optional<std::vector<int64_t>> batch_input_shape;
  std::string dtype;  // "" unless an input shape was given
  std::vector<np::Array> initial_weights;
  regularizers::Regularizer activity_regularizer;
  std::vector<std::shared_ptr<Node>> inbound_nodes;
  std::vector<std::weak_ptr<Node>> outbound_nodes;

 protected:
  // Records a call: a Node in inbound_nodes (and the inbound layers'
  // outbound_nodes) and the outputs' Keras metadata.
  // Annotates `outputs` with their Keras metadata (the caller returns them).
  void add_inbound_node(const std::vector<tf::Tensor>& inputs, std::vector<tf::Tensor>& outputs,
                        const std::vector<tf::Tensor>& input_masks,
                        const std::vector<tf::Tensor>& output_masks,
                        const std::vector<tf::TensorShape>& input_shapes,
                        const std::vector<tf::TensorShape>& output_shapes);

  std::vector<tf::Variable> trainable_weights_;
  std::vector<tf::Variable> non_trainable_weights_;
  std::vector<std::pair<tf::Variable, constraints::Constraint>> constraints_;
  // (loss, the inputs it depends on; empty = unconditional)
  std::vector<std::pair<tf::Tensor, std::vector<tf::Tensor>>> losses_;
};

// A layer of one input tensor and one output tensor: override the
// single-shape / single-tensor forms.
class UnaryLayerImpl : public LayerImpl {
 public:
  using LayerImpl::LayerImpl;
  virtual void build(const tf::TensorShape& input_shape) {}
  virtual tf::Tensor call(const tf::Tensor& inputs, const CallArgs& args) = 0;
  virtual tf::TensorShape compute_output_shape(const tf::TensorShape& input_shape) {
    return input_shape;
  }

  void build(const std::vector<tf::TensorShape>& input_shapes) final;
  std::vector<tf::Tensor> call(const std::vector<tf::Tensor>& inputs, const CallArgs& args) final;
  std::vector<tf::TensorShape> compute_output_shape(
      const std::vector<tf::TensorShape>& input_shapes) final;
};

// Keras's _to_snake_case: "Dense" -> "dense", "LeakyReLU" -> "leaky_re_lu".
std::string to_snake_case(const std::string& name);

// ---- the handle ------------------------------------------------------------

class Layer {
 public:
  Layer() = default;
  Layer(std::shared_ptr<LayerImpl> impl) : impl_(std::move(impl)) {}

  explicit operator bool() const { return impl_ != nullptr; }
  // Calls the layer on one tensor; ValueError if it returns several.
  tf::Tensor operator()(const tf::Tensor& x, const CallArgs& args = {}) const;
  // Calls the layer on a list of tensors.
  std::vector<tf::Tensor> operator()(const std::vector<tf::Tensor>& xs, const CallArgs& args = {}) const;
  std::vector<tf::Tensor> operator()(std::initializer_list<tf::Tensor> xs, const CallArgs& args = {}) const {
    return (*this)(std::vector<tf::Tensor>(xs), args);
  }

  const std::string& name() const { return impl_->name; }
  const std::string& class_name() const { return impl_->class_name; }
  bool trainable() const { return impl_->trainable; }
  void set_trainable(bool trainable) const { impl_->trainable = trainable; }
  bool built() const { return impl_->built; }
  // Builds for an input Keras shape, as a first call would.
  void build(const tf::TensorShape& input_shape) const;

  std::vector<tf::Variable> weights() const { return impl_->weights(); }
  std::vector<tf::Variable> trainable_weights() const { return impl_->trainable_weights(); }
  std::vector<tf::Variable> non_trainable_weights() const { return impl_->non_trainable_weights(); }
  std::vector<np::Array> get_weights() const { return impl_->get_weights(); }
  void set_weights(const std::vector<np::Array>& w) const { impl_->set_weights(w); }
  int64_t count_params() const { return impl_->count_params(); }
  std::vector<tf::Tensor> losses() const { return impl_->losses(); }
  std::vector<std::pair<tf::Variable, constraints::Constraint>> constraints() const {
    return impl_->constraints();
  }
  Config get_config() const;

  // Single-node, single-tensor forms (ValueError when ill-defined).
  tf::Tensor input() const;
  tf::Tensor output() const;
  tf::TensorShape input_shape() const;
  tf::TensorShape output_shape() const;
  tf::Tensor get_input_at(int node_index) const;
  tf::Tensor get_output_at(int node_index) const;
  const std::vector<std::shared_ptr<Node>>& inbound_nodes() const { return impl_->inbound_nodes; }

  const std::shared_ptr<LayerImpl>& impl_ptr() const { return impl_; }
  LayerImpl& impl() const { return *impl_; }
  bool operator==(const Layer& o) const { return impl_ == o.impl_; }

 protected:
  std::shared_ptr<LayerImpl> impl_;
};

// ---- InputLayer / Input ------------------------------------------------------

struct InputLayerOptions {
  OptionalShape input_shape = {};
  std::optional<int64_t> batch_size = std::nullopt;
  OptionalShape batch_input_shape = {};
  std::string dtype = "";
  // Use this tensor instead of creating a placeholder.
  tf::Tensor input_tensor = {};
  bool sparse = false;
  std::string name = "";
};

// The layer behind Input(): a placeholder named after the layer ("input_1").
class InputLayerImpl : public LayerImpl {
 public:
  explicit InputLayerImpl(const InputLayerOptions& options);
  Config get_config() const override;
  bool sparse = false;
  // False for Input(tensor=...): the model does not feed that input (Keras's
  // is_placeholder; fit / evaluate / predict take no data for it).
  bool is_placeholder = true;
};

class InputLayer : public Layer {
 public:
  explicit InputLayer(const InputLayerOptions& options);
};

struct InputOptions {
  // Without the batch dimension: {784}.
  OptionalShape shape = {};
  // With it: {-1, 784} or {32, 784}.
  OptionalShape batch_shape = {};
  std::string name = "";
  std::string dtype = "";
  bool sparse = false;
  tf::Tensor tensor = {};
};
// A Keras tensor fed by a new InputLayer: keras::layers::Input({.shape = {784}}).
// ValueError "Please provide to Input either a `shape` or a `batch_shape`
// argument. Note that `shape` does not include the batch dimension." when
// neither is given.
tf::Tensor Input(const InputOptions& options);

}  // namespace keras::engine

namespace keras::layers {
using engine::CallArgs;
using engine::Input;
using engine::InputLayer;
using engine::InputOptions;
using engine::InputSpec;
using engine::Layer;
using engine::LayerImpl;
using engine::LayerOptions;
using engine::OptionalShape;
using engine::UnaryLayerImpl;
}  // namespace keras::layers
