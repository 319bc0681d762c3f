// tf::layers::Layer — TF 1.x's tf.layers base layer: a callable object that
// owns a variable scope and creates its variables with get_variable, so
// layers share variables through variable scopes and `reuse` (unlike Keras
// layers, which create plain variables under a name scope).
//
// As TF 1.1, a layer picks its variable scope on its first call, under the
// variable scope current then: its name (given, or the class's: "dense") as
// a default name, unique among sibling variable scopes ("dense", "dense_1";
// a second layer named "my_layer" gets "my_layer_1"), or, with reuse, the
// name as is. The layer's name is that scope's full name ("mlp1/dense1"),
// unavailable before the first call. The functional tf::layers::dense takes
// its name as the scope itself, chosen at once (TF's `_scope=name`). Each call re-enters the scope
// (reuse=true once built) and its original name scope, so ops go to
// "dense/MatMul" and variables to "dense/kernel".
// Layers are handles: copies share the layer (and its variables).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "keraspp/graph/graph.h"
#include "keraspp/variables/variable_scope.h"

namespace tf::layers {

// A Python-function activation such as tf::nn::relu: x -> same shape.
using Activation = std::function<Tensor(const Tensor&)>;

// An argument TF takes as either a Python value or a tensor (dropout's rate,
// its `training` flag).
template <class T>
class ValueOrTensor {
 public:
  ValueOrTensor(T value) : v_(value) {}
  ValueOrTensor(const Tensor& t) : v_(t) {}
  bool is_tensor() const { return std::holds_alternative<Tensor>(v_); }
  const T& value() const { return std::get<T>(v_); }
  const Tensor& tensor() const { return std::get<Tensor>(v_); }

 private:
  std::variant<T, Tensor> v_;
};

class Layer {
 public:
  // The layer's name: its variable scope's full name ("dense_1",
  // "mlp1/dense1"). ValueError before the first call, as TF 1.1.
  const std::string& name() const;
  // The variable scope chosen on the first call and its name (ValueError
  // before it).
  const VariableScope& scope() const;
  const std::string& scope_name() const;
  bool built() const;
  bool trainable() const;
  // The variables this layer created (reused ones are not tracked, as TF 1.x).
  std::vector<Variable> trainable_weights() const;
  std::vector<Variable> non_trainable_weights() const;
  std::vector<Variable> weights() const;  // trainable first
  std::vector<Variable> variables() const { return weights(); }
  // Regularization losses this layer added (also in REGULARIZATION_LOSSES).
  std::vector<Tensor> losses() const;

  // What a layer kind implements; the base does scoping and bookkeeping.
  class Impl {
   public:
    Impl(std::string base_name, bool trainable, const std::string& name, Reuse reuse,
         Regularizer activity_regularizer = nullptr);
    virtual ~Impl() = default;

    // Creates the variables for inputs of `input_shape` (in the layer's scopes).
    virtual void build(const TensorShape& input_shape) {}
    // TF's Layer.__call__: checks the graph, enters the scopes, builds once,
    // runs `call` and the activity regularizer.
    Tensor apply(const Tensor& inputs, const std::function<Tensor(const Tensor&)>& call);
    // get_variable in the layer's scope; regularizes and tracks new ones.
    Variable add_variable(const std::string& name, const TensorShape& shape,
                          const Initializer& initializer, const Regularizer& regularizer,
                          bool trainable = true);
    DType dtype() const { return dtype_.value_or(float32); }
    // The given name, else the class's ("dense"): the scope's default name.
    const std::string& base_name() const { return base_name_; }
    // TF's `_scope` constructor argument, which the functional tf.layers.dense
    // passes as its name: enters variable_scope(scope_name) now and keeps it
    // as is (not uniquified: a second dense(x, name="h") without reuse finds
    // "h/kernel" taken).
    void capture_scope(const std::string& scope_name);

    std::string name;    // empty until the first call
    VariableScope scope;  // null until the first call
    bool trainable;
    bool built = false;
    std::vector<Variable> trainable_weights, non_trainable_weights;
    std::vector<Tensor> losses;

   private:
    void add_loss(const Tensor& loss);
    // Picks the variable scope on the first call (see the file comment).
    void set_scope();

    std::string base_name_;
    Graph graph_;
    Reuse reuse_;
    Regularizer activity_regularizer_;
    std::optional<DType> dtype_;  // the first input's, set on the first call
  };

 protected:
  explicit Layer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace tf::layers
