// Model.compile (Keras 2.0.2's engine/training.py): per-output targets and
// sample-weight placeholders, the weighted total loss plus regularization,
// the metrics, and the train/test/predict functions run on cached plans.
#include <iostream>
#include <sstream>

#include "keraspp/keras/backend.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "training_state.h"

namespace keras::engine {

namespace K = keras::backend;

namespace {

std::string list_str(const std::vector<std::string>& names) {
  std::string s = "[";
  for (size_t i = 0; i < names.size(); ++i) s += (i ? ", '" : "'") + names[i] + "'";
  return s + "]";
}

std::string doubles_str(const std::vector<double>& v) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << "]";
  return os.str();
}

// The mask Keras attached to a model output (Masking and the layers after
// it), or an empty tensor: the output's own node's output mask.
tf::Tensor output_mask(const tf::Tensor& output) {
  std::optional<KerasTensorInfo> info = keras_tensor_info(output);
  if (!info || !info->history || !info->history->layer) return {};
  const KerasHistory& h = *info->history;
  const auto& nodes = h.layer->inbound_nodes;
  if (h.node_index < 0 || static_cast<size_t>(h.node_index) >= nodes.size()) return {};
  const auto& masks = nodes[static_cast<size_t>(h.node_index)]->output_masks;
  if (h.tensor_index < 0 || static_cast<size_t>(h.tensor_index) >= masks.size()) return {};
  return masks[static_cast<size_t>(h.tensor_index)];
}

// Masked entries drop out; the rest are scaled so the loss per batch stays
// proportional to the number of unmasked entries (Keras's masked objectives).
tf::Tensor apply_mask(const tf::Tensor& score, const tf::Tensor& mask) {
  if (!mask) return score;
  tf::Tensor m = tf::cast(mask, score.dtype());
  return score * m / tf::reduce_mean(m);
}

// Keras's _weighted_masked_objective: the per-sample loss (masked) averaged
// down to the weights' rank, weighted, normalised by the fraction of
// non-zero weights, averaged.
tf::Tensor weighted_loss(const losses::Loss& fn, const tf::Tensor& y_true, const tf::Tensor& y_pred,
                         const tf::Tensor& weights, const tf::Tensor& mask) {
  tf::Tensor score = apply_mask(fn(y_true, y_pred), mask);
  const int ndim = score.shape().rank();
  const int weight_ndim = weights.shape().rank();
  if (ndim > weight_ndim) {
    std::vector<int> axes;
    for (int a = weight_ndim; a < ndim; ++a) axes.push_back(a);
    score = tf::reduce_mean(score, axes);
  }
  score = score * tf::cast(weights, score.dtype());
  score = score / tf::reduce_mean(tf::cast(tf::not_equal(weights, 0.0), score.dtype()));
  return tf::reduce_mean(score);
}

std::vector<losses::Loss> losses_per_output(const LossList& loss,
                                            const std::vector<std::string>& output_names) {
  const size_t n = output_names.size();
  if (!loss.given())
    throw keraspp::TypeError("compile() missing 1 required positional argument: 'loss'");
  // A map, or None / an empty map (Keras's `loss or {}`).
  if (loss.empty() || !loss.by_name().empty()) {
    for (const auto& [name, fn] : loss.by_name())
      if (std::find(output_names.begin(), output_names.end(), name) == output_names.end())
        throw keraspp::ValueError("Unknown entry in loss dictionary: \"" + name +
                                  "\". Only expected the following keys: " + list_str(output_names));
    std::vector<losses::Loss> out;
    for (const auto& name : output_names) {
      auto it = loss.by_name().find(name);
      if (it == loss.by_name().end()) {
        // Keras's warnings.warn: the output is skipped (no target, no loss).
        std::cerr << "UserWarning: Output \"" << name
                  << "\" missing from loss dictionary. We assume this was done on purpose, and "
                     "we will not be expecting any data to be passed to \""
                  << name << "\" during training.\n";
        out.emplace_back();
        continue;
      }
      out.push_back(it->second);
    }
    return out;
  }
  if (!loss.list().empty()) {
    if (loss.list().size() != n) {
      std::vector<std::string> names;
      for (const auto& l : loss.list()) names.push_back(l.name());
      throw keraspp::ValueError(
          "When passing a list as loss, it should have one entry per model output. The model has " +
          std::to_string(n) + " outputs, but you passed loss=" + list_str(names));
    }
    return loss.list();
  }
  return std::vector<losses::Loss>(n, *loss.single());
}

// Keras's _feed_inputs / _feed_input_names / _feed_input_shapes: the model
// inputs whose InputLayer made a placeholder; Input(tensor=...) inputs are
// computed from their tensor and take no data.
void set_feed_inputs(TrainingState& s, const ModelImpl& m) {
  s.inputs.clear();
  s.input_names.clear();
  s.input_shapes.clear();
  for (size_t i = 0; i < m.inputs.size(); ++i) {
    const auto* input_layer =
        i < m.input_layers.size() ? dynamic_cast<const InputLayerImpl*>(m.input_layers[i].get()) : nullptr;
    if (input_layer && !input_layer->is_placeholder) continue;
    s.inputs.push_back(m.inputs[i]);
    s.input_names.push_back(m.input_names[i]);
    s.input_shapes.push_back(m.internal_input_shapes[i]);
  }
}

}  // namespace

TrainingState& compiled_state(const Model& model) {
  const auto& s = model.training_state();
  if (!s || !s->compiled) throw keraspp::ValueError("You must compile your model before using it.");
  return *s;
}

TrainingState& prediction_state(Model& model) {
  ModelImpl& m = model.impl();
  auto& s = model.training_state();
  if (s && s->outputs == m.outputs && s->model_inputs == m.inputs) return *s;
  s = std::make_shared<TrainingState>();
  s->model_inputs = m.inputs;
  set_feed_inputs(*s, m);
  s->outputs = m.outputs;
  s->output_names = m.output_names;
  s->output_shapes = m.internal_output_shapes;
  auto guard = s->outputs.at(0).graph().as_default();
  s->learning_phase = K::learning_phase();
  s->feed_learning_phase = !K::learning_phase_value().has_value() && m.outputs_use_learning_phase();
  return *s;
}

optimizers::Optimizer model_optimizer(const Model& model) { return compiled_state(model).optimizer; }

void Model::compile(const CompileOptions& o) {
  ModelImpl& m = impl();
  auto s = std::make_shared<TrainingState>();
  if (!o.optimizer)
    throw keraspp::TypeError("compile() missing 1 required positional argument: 'optimizer'");
  if (!o.sample_weight_mode.empty() && o.sample_weight_mode != "temporal")
    throw keraspp::ValueError("\"sample_weight_mode should be None or \"temporal\". Found: " +
                              o.sample_weight_mode);
  s->optimizer = o.optimizer;
  s->compile_metrics = o.metrics;
  s->sample_weight_mode = o.sample_weight_mode;
  s->model_inputs = m.inputs;
  set_feed_inputs(*s, m);
  s->outputs = m.outputs;
  s->output_names = m.output_names;
  s->output_shapes = m.internal_output_shapes;
  const size_t n = s->outputs.size();
  s->loss_functions = losses_per_output(o.loss, s->output_names);
  s->loss_weights = o.loss_weights.empty() ? std::vector<double>(n, 1.0) : o.loss_weights;
  if (s->loss_weights.size() != n)
    throw keraspp::ValueError(
        "When passing a list as loss_weights, it should have one entry per model outputs. The "
        "model has " + std::to_string(n) + " outputs, but you passed loss_weights=" +
        doubles_str(o.loss_weights));

  tf::Graph g = s->outputs.at(0).graph();
  auto guard = g.as_default();
  s->metrics_names = {"loss"};
  tf::Tensor total_loss;
  std::vector<tf::Tensor> output_losses;
  for (size_t i = 0; i < n; ++i) {
    const losses::Loss& fn = s->loss_functions[i];
    if (!fn) continue;  // Keras skips outputs whose loss is None
    const tf::Tensor& y_pred = s->outputs[i];
    const std::string& name = s->output_names[i];
    tf::Tensor target = K::placeholder(std::nullopt, y_pred.shape().rank(), K::dtype(y_pred),
                                       name + "_target");
    tf::Tensor weight = K::placeholder(std::nullopt, s->sample_weight_mode.empty() ? 1 : 2, "",
                                       name + "_sample_weights");
    s->feed_outputs.push_back(static_cast<int>(i));
    s->targets.push_back(target);
    s->sample_weights.push_back(weight);
    tf::Tensor output_loss;
    {
      tf::name_scope scope(name + "_loss");
      output_loss = weighted_loss(fn, target, y_pred, weight, output_mask(y_pred));
    }
    if (n > 1) {
      s->metrics_tensors.push_back(output_loss);
      s->metrics_names.push_back(name + "_loss");
    }
    tf::Tensor term = s->loss_weights[i] == 1.0 ? output_loss : output_loss * s->loss_weights[i];
    total_loss = total_loss ? total_loss + term : term;
  }
  // No output has a loss: the model's own (layer) losses are the loss, as
  // Keras 2.0's `total_loss = 0.` plus them; none at all is Keras's
  // RuntimeError (a ValueError here).
  const std::vector<tf::Tensor> layer_losses = m.losses();
  if (!total_loss && layer_losses.empty())
    throw keraspp::ValueError("The model cannot be compiled because it has no loss to optimize.");
  if (!total_loss) total_loss = tf::constant(0.0, layer_losses.front().dtype());
  // Regularization (and other layer) losses.
  for (const tf::Tensor& l : layer_losses) total_loss = total_loss + tf::cast(l, total_loss.dtype());
  s->total_loss = total_loss;

  // Metrics: the same list for every output, named "<output>_<metric>"
  // when there are several outputs.
  for (size_t k = 0; k < s->feed_outputs.size(); ++k) {
    const int i = s->feed_outputs[k];
    const tf::Tensor& y_true = s->targets[k];
    const tf::Tensor& y_pred = s->outputs[static_cast<size_t>(i)];
    for (const metrics::Metric& metric : o.metrics) {
      metrics::MetricFunction fn = metric.function();
      if (metric.is_accuracy()) {
        const tf::TensorShape& shape = s->output_shapes[static_cast<size_t>(i)];
        const losses::LossFunctionPtr loss = s->loss_functions[static_cast<size_t>(i)].builtin();
        if ((shape.has_rank() && shape.rank() > 0 && shape.dim(-1) == 1) ||
            loss == &losses::binary_crossentropy)
          fn = &metrics::binary_accuracy;
        else if (loss == &losses::sparse_categorical_crossentropy)
          fn = &metrics::sparse_categorical_accuracy;
        else
          fn = &metrics::categorical_accuracy;
      }
      if (!fn) throw keraspp::ValueError("Unknown metric function:" + metric.name());
      s->metrics_tensors.push_back(tf::reduce_mean(apply_mask(fn(y_true, y_pred), output_mask(y_pred))));
      s->metrics_names.push_back(n > 1 ? s->output_names[static_cast<size_t>(i)] + "_" + metric.name()
                                       : metric.name());
    }
  }

  s->collected_trainable_weights = m.trainable_weights();
  s->learning_phase = K::learning_phase();
  s->feed_learning_phase = !K::learning_phase_value().has_value() && m.outputs_use_learning_phase();
  s->compiled = true;
  training_state() = s;
}

std::vector<std::string> Model::metrics_names() const { return compiled_state(*this).metrics_names; }

bool Model::stop_training() const { return impl().stop_training; }
void Model::set_stop_training(bool value) { impl().stop_training = value; }

// ---- the compiled functions ----------------------------------------------------

void TrainingState::make_train_function(Model& model) {
  if (train_function_made) return;
  ModelImpl& m = model.impl();
  auto guard = total_loss.graph().as_default();
  optimizers::ConstraintMap constraints;
  for (const auto& [var, c] : m.constraints())
    // (init-capture: clang 14, the sanitizer build's compiler, cannot capture a binding)
    if (c) constraints.emplace_back(var, [c = c](const tf::Tensor& t) { return c(t); });
  // The step's loss and metrics are computed from the weights before the
  // update: the updates wait for them.
  std::vector<tf::Operation> before = {total_loss.op()};
  for (const auto& t : metrics_tensors) before.push_back(t.op());
  train_updates = optimizer.get_updates(collected_trainable_weights, constraints, total_loss, before);
  for (const tf::Operation& u : m.updates()) train_updates.push_back(u);
  train_function_made = true;
}

std::vector<tf::Tensor> TrainingState::fed_tensors(FunctionKind kind) const {
  std::vector<tf::Tensor> t = inputs;
  if (kind != FunctionKind::kPredict) {
    t.insert(t.end(), targets.begin(), targets.end());
    t.insert(t.end(), sample_weights.begin(), sample_weights.end());
  }
  return t;
}

std::vector<np::Array> TrainingState::run(tf::Session& session, FunctionKind kind,
                                          BatchBuffers& b) {
  if (kind == FunctionKind::kPredict) return session.run(outputs, b.feeds);
  std::vector<tf::Tensor> fetches;
  fetches.reserve(1 + metrics_tensors.size());
  fetches.push_back(total_loss);
  fetches.insert(fetches.end(), metrics_tensors.begin(), metrics_tensors.end());
  if (kind == FunctionKind::kTrain) return session.run(fetches, b.feeds, train_updates);
  return session.run(fetches, b.feeds);
}

}  // namespace keras::engine
