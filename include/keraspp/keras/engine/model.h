// keras::engine::Model — Keras 2.0.2's Container (a graph of layers from
// input to output Keras tensors) with the training API of engine/training.
//
//   auto a = keras::layers::Input({.shape = {32}, .name = "a"});
//   auto b = keras::layers::Input({.shape = {16}, .name = "b"});
//   ...
//   keras::models::Model model({a, b}, {out}, "my_model");
//   model.summary();
//
// A Model is a Layer: calling it on new tensors re-applies its layers (with
// their weights) to them. The topology (layers ordered by depth, nodes by
// depth, input/output layers and names) is computed when it is created.
//
// compile / fit / evaluate / predict and the *_on_batch functions are
// defined by the training side (src/keras/engine/training*.cc), which keeps
// its compiled state in ModelImpl::training_state.
#pragma once
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "keraspp/keras/engine/topology.h"
#include "keraspp/keras/engine/training.h"

namespace keras::engine {

class ModelImpl : public LayerImpl {
 public:
  // An empty container named `name` (auto: snake_case(class_name)_N with
  // Keras's lower-case uid prefix); init_graph gives it its graph.
  explicit ModelImpl(const std::string& name = "", std::string class_name = "Model");

  // Keras's Container.__init__: checks the tensors are Keras tensors, finds
  // the input/output layers, orders nodes and layers by depth, checks the
  // graph is connected and layer names are unique (ValueError / TypeError /
  // RuntimeError-like ValueError with Keras's texts). With create_node the
  // container gets its own first inbound node, as Keras's does.
  void init_graph(const std::vector<tf::Tensor>& inputs, const std::vector<tf::Tensor>& outputs,
                  bool create_node = true);
  // Sequential computes its topology lazily; a functional model has it.
  virtual void ensure_built() {}

  // ---- LayerImpl ----
  void build(const std::vector<tf::TensorShape>& input_shapes) override;
  // Re-applies the layers to new inputs (Keras's run_internal_graph).
  std::vector<tf::Tensor> call(const std::vector<tf::Tensor>& inputs, const CallArgs& args) override;
  std::vector<tf::TensorShape> compute_output_shape(
      const std::vector<tf::TensorShape>& input_shapes) override;
  std::vector<tf::Tensor> compute_mask(const std::vector<tf::Tensor>& inputs,
                                       const std::vector<tf::Tensor>& masks) override;
  Config get_config() const override;
  std::vector<tf::Variable> trainable_weights() const override;
  std::vector<tf::Variable> non_trainable_weights() const override;
  // The layers' losses that belong to this model's graph (regularizers).
  std::vector<tf::Tensor> losses() const override;
  // ValueError "Received multiple constraints for one weight tensor: ...".
  std::vector<std::pair<tf::Variable, constraints::Constraint>> constraints() const override;
  std::vector<tf::Operation> updates() const override;
  bool is_container() const override { return true; }
  // Whether any output depends on the learning phase.
  bool outputs_use_learning_phase() const;
  bool flags_outputs_with_learning_phase() const override { return outputs_use_learning_phase(); }
  // Keras's Container.stateful / reset_states: any layer's, every stateful layer's.
  bool is_stateful() const override;
  void reset_states() override;

  // ---- the topology (Keras's Container attributes) ----
  std::vector<std::shared_ptr<LayerImpl>> layers;  // by decreasing depth
  std::vector<tf::Tensor> inputs, outputs;
  std::vector<std::shared_ptr<LayerImpl>> input_layers, output_layers;
  std::vector<int> input_layers_node_indices, input_layers_tensor_indices;
  std::vector<int> output_layers_node_indices, output_layers_tensor_indices;
  std::vector<std::string> input_names, output_names;
  // Keras shapes of inputs / outputs ((None, 784)).
  std::vector<tf::TensorShape> internal_input_shapes, internal_output_shapes;
  std::map<int, std::vector<std::shared_ptr<Node>>> nodes_by_depth;
  std::map<int, std::vector<std::shared_ptr<LayerImpl>>> layers_by_depth;
  // "<layer>_ib-<node index>" of every node inside this model.
  std::set<std::string> container_nodes;

  // ---- training ----
  std::shared_ptr<TrainingState> training_state;
  bool stop_training = false;

 private:
  // The inputs and output masks of the last call(), which compute_mask
  // returns (Keras's output-mask cache).
  std::vector<tf::Tensor> last_call_inputs_, last_output_masks_;
};

// Options of Model::load_weights.
struct LoadWeightsOptions {
  // Match layers by name (layers absent from the file keep their weights)
  // instead of by position among the layers with weights.
  bool by_name = false;
};

class Model : public Layer {
 public:
  // A functional model from Input() tensors to outputs of layers called on them.
  Model(const std::vector<tf::Tensor>& inputs, const std::vector<tf::Tensor>& outputs,
        const std::string& name = "");
  Model(const tf::Tensor& input, const tf::Tensor& output, const std::string& name = "");
  Model(const std::vector<tf::Tensor>& inputs, const tf::Tensor& output, const std::string& name = "");
  Model(const tf::Tensor& input, const std::vector<tf::Tensor>& outputs, const std::string& name = "");
  explicit Model(std::shared_ptr<ModelImpl> impl);

  // ---- topology ----
  // The model's layers (Sequential: the added ones, without the input layer).
  std::vector<Layer> layers() const;
  // ValueError "No such layer: foo".
  Layer get_layer(const std::string& name) const;
  // ValueError "Was asked to retrieve layer at index 5 but model only has 3 layers."
  Layer get_layer(int index) const;
  const std::vector<tf::Tensor>& inputs() const;
  const std::vector<tf::Tensor>& outputs() const;
  const std::vector<std::string>& input_names() const;
  const std::vector<std::string>& output_names() const;
  std::vector<Layer> input_layers() const;
  std::vector<Layer> output_layers() const;
  // Keras shapes of the inputs/outputs, for checking arrays against them.
  const std::vector<tf::TensorShape>& internal_input_shapes() const;
  const std::vector<tf::TensorShape>& internal_output_shapes() const;
  bool uses_learning_phase() const;
  std::vector<tf::Operation> updates() const;
  // Keras's Container.reset_states: resets every stateful layer (nested
  // models included); a model without one is left as it is.
  void reset_states() const;

  // Keras 2.0.2's summary: Sequential-like models 65 wide (columns at 29, 55,
  // 65), others 100 wide with "Connected to". line_length <= 0 and empty
  // positions mean those defaults; positions <= 1 are fractions.
  void summary(std::ostream& os = std::cout, int line_length = 0,
               std::vector<double> positions = {}) const;

  // ---- training (defined in src/keras/engine/training*.cc) ----
  void compile(const CompileOptions& options);
  History fit(const ArrayList& x, const ArrayList& y, const FitOptions& options = {});
  std::vector<double> evaluate(const ArrayList& x, const ArrayList& y,
                               const EvaluateOptions& options = {});
  np::Array predict(const ArrayList& x, const PredictOptions& options = {});
  std::vector<np::Array> predict_multi(const ArrayList& x, const PredictOptions& options = {});
  // Keras's sample_weight / class_weight, as fit takes them (fit_generator's batches carry them).
  std::vector<double> train_on_batch(const ArrayList& x, const ArrayList& y,
                                     const ArrayList& sample_weight = {},
                                     const std::map<int64_t, double>& class_weight = {});
  std::vector<double> test_on_batch(const ArrayList& x, const ArrayList& y,
                                    const ArrayList& sample_weight = {});
  np::Array predict_on_batch(const ArrayList& x);
  std::vector<std::string> metrics_names() const;
  bool stop_training() const;
  void set_stop_training(bool value);
  // The compiled state (null before compile); shared by copies of the handle.
  std::shared_ptr<TrainingState>& training_state() const { return impl().training_state; }

  // ---- model files (src/keras/saving) ----
  // The model's config as JSON with keras_version and backend (Keras's to_json).
  std::string to_json() const;
  // keras::models::save_model(*this, path, include_optimizer).
  void save(const std::string& path, bool include_optimizer = true) const;
  // Keras 2's HDF5 weight file: root attrs layer_names / backend /
  // keras_version, a group per layer with attr weight_names and a dataset
  // per weight. A path ending in ".weights.h5" gets Keras 3's layout
  // instead (/layers/<group>/vars/<i>, what Keras 3's save_weights writes
  // and its load_weights reads). Written atomically (temporary file + rename).
  void save_weights(const std::string& path) const;
  // Loads a weight file (or a model file's model_weights). ValueError "You
  // are trying to load a weight file containing 3 layers into a model with
  // 2 layers." and on shape mismatches; on any error the model's weights
  // are unchanged.
  void load_weights(const std::string& path, const LoadWeightsOptions& options = {}) const;

  // The container, built (Sequential's topology is computed on demand).
  ModelImpl& impl() const;
  std::shared_ptr<ModelImpl> model_impl_ptr() const;
};

// Prints `model`'s summary (Keras's utils.print_summary).
void print_summary(const ModelImpl& model, std::ostream& os = std::cout, int line_length = 0,
                   std::vector<double> positions = {});

}  // namespace keras::engine

namespace keras::models {
using engine::Model;
}  // namespace keras::models
