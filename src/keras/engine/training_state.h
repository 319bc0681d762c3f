// Private: what Model::compile builds (Keras 2.0.2's targets, sample-weight
// placeholders, total loss, metrics) and the run-time machinery of the
// training loops: cached feed buffers per (function, batch size) so a
// steady-state step gathers rows into existing arrays and allocates nothing.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "keraspp/keras/callbacks.h"
#include "keraspp/keras/engine/model.h"
#include "keraspp/keras/engine/training.h"
#include "keraspp/runtime/session.h"

namespace keras::engine {

// The three compiled functions (Keras's train/test/predict_function).
enum class FunctionKind { kTrain = 0, kTest = 1, kPredict = 2 };

// Preallocated feeds of one function at one batch size; `feeds` points at
// `arrays` (plus the learning-phase scalar) and is reused every step.
struct BatchBuffers {
  std::vector<np::Array> arrays;  // one per fed placeholder (inputs, targets, weights)
  np::Array learning_phase;       // bool scalar
  tf::FeedDict feeds;
};

struct TrainingState {
  // False for the predict-only state predict() makes before compile.
  bool compiled = false;
  optimizers::Optimizer optimizer;
  std::vector<losses::Loss> loss_functions;  // per output; empty Loss = skipped output
  std::vector<double> loss_weights;
  std::string sample_weight_mode;

  // The model's inputs when this state was made (to notice a rebuilt model).
  std::vector<tf::Tensor> model_inputs;
  // The fed inputs (Keras's _feed_inputs: not those of Input(tensor=...)),
  // and the outputs.
  std::vector<tf::Tensor> inputs, outputs;
  std::vector<std::string> input_names, output_names;
  std::vector<tf::TensorShape> input_shapes, output_shapes;  // Keras shapes
  // Outputs that take part in the loss (not skipped), and their placeholders.
  std::vector<int> feed_outputs;
  std::vector<tf::Tensor> targets;         // parallel to feed_outputs
  std::vector<tf::Tensor> sample_weights;  // parallel to feed_outputs

  tf::Tensor total_loss;
  std::vector<tf::Tensor> metrics_tensors;
  std::vector<std::string> metrics_names;  // "loss" first
  // compile's metrics argument, as a saved model's training_config records it.
  std::vector<metrics::Metric> compile_metrics;
  std::vector<tf::Variable> collected_trainable_weights;

  // Built on first training use (Keras's _make_train_function).
  std::vector<tf::Operation> train_updates;
  bool train_function_made = false;

  // Fed with 1 (train) / 0 (test, predict) unless the phase is a constant.
  tf::Tensor learning_phase;
  bool feed_learning_phase = false;

  // Buffers by (function, batch size).
  std::map<std::pair<int, int64_t>, BatchBuffers> buffers;

  void make_train_function(Model& model);
  // The placeholders a function feeds, in feed order.
  std::vector<tf::Tensor> fed_tensors(FunctionKind kind) const;
  // Buffers for `kind` at batch size n, rows shaped like `src`'s (the
  // standardized arrays, in fed order); created on first use.
  BatchBuffers& buffers_for(FunctionKind kind, int64_t n, const std::vector<np::Array>& src);
  // Runs one batch: fetches [total_loss, metrics...] (train, test) or the
  // outputs (predict), after the updates when training.
  std::vector<np::Array> run(tf::Session& session, FunctionKind kind, BatchBuffers& b);
};

// The compiled state, or RuntimeError-like ValueError "You must compile your
// model before using it." (Keras 2.0.2's text).
TrainingState& compiled_state(const Model& model);
// The state predict uses: the compiled one, else one made for prediction
// only (as Keras predicts without compile), rebuilt if the outputs changed.
TrainingState& prediction_state(Model& model);

// ---- data (training_data.cc) -------------------------------------------------

// Keras's _standardize_input_data: 1-d arrays become (n, 1); count and
// shapes checked against `shapes` (a shape without rank: unchecked), with
// "Error when checking <prefix>: ..." texts.
std::vector<np::Array> standardize_input_data(const ArrayList& data,
                                              const std::vector<std::string>& names,
                                              const std::vector<tf::TensorShape>& shapes,
                                              const std::string& exception_prefix);
// x, y and sample weights checked and normalised as Keras's _standardize_user_data.
struct UserData {
  std::vector<np::Array> x, y, sample_weights;
};
UserData standardize_user_data(const TrainingState& s, const ArrayList& x, const ArrayList& y,
                               const ArrayList& sample_weight,
                               const std::map<int64_t, double>& class_weight);
// Rows `ids` of each array into `dst` (same order), converting dtypes when
// they differ; no allocation when they match.
void gather_rows(const std::vector<np::Array>& src, const int64_t* ids, int64_t n,
                 std::vector<np::Array>& dst, size_t dst_offset);

// Rows [start, start + n) of each array into `dst` (contiguous copies).
void copy_rows(const std::vector<np::Array>& src, int64_t start, int64_t n,
               std::vector<np::Array>& dst);

// ---- loops (training_loops.cc) ----------------------------------------------

// Keras's _fit_loop / _test_loop / _predict_loop over index ranges of the
// standardized arrays (`arrays`: inputs then targets then weights).
History fit_loop(Model& model, TrainingState& s, const std::vector<np::Array>& arrays,
                 const FitOptions& o, const std::vector<np::Array>* val_arrays);
std::vector<double> test_loop(TrainingState& s, tf::Session& session,
                              const std::vector<np::Array>& arrays, int batch_size, int verbose);
std::vector<np::Array> predict_loop(TrainingState& s, tf::Session& session,
                                    const std::vector<np::Array>& inputs, int batch_size,
                                    int verbose);

}  // namespace keras::engine
