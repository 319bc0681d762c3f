// Model.fit / evaluate / predict and the *_on_batch functions (Keras
// 2.0.2's public training API): check and normalise the data, then run the
// loops on the compiled functions.
#include <ostream>
#include <sstream>

#include "keraspp/keras/backend.h"
#include "keraspp/keras/progbar.h"
#include "training_state.h"

namespace keras::engine {

namespace K = keras::backend;

namespace {

void check_batch_size(int batch_size) {
  if (batch_size < 1)
    throw keraspp::ValueError("batch_size must be a positive integer, got " +
                              std::to_string(batch_size));
}

std::vector<np::Array> concat(const UserData& d) {
  std::vector<np::Array> a = d.x;
  a.insert(a.end(), d.y.begin(), d.y.end());
  a.insert(a.end(), d.sample_weights.begin(), d.sample_weights.end());
  return a;
}

std::vector<np::Array> slice_all(const std::vector<np::Array>& arrays, int64_t begin, int64_t end) {
  std::vector<np::Array> out;
  for (const auto& a : arrays) out.push_back(a.slice(begin, end));
  return out;
}

// Runs one batch made of all the rows given (the *_on_batch functions).
std::vector<np::Array> run_whole(TrainingState& s, FunctionKind kind,
                                 const std::vector<np::Array>& arrays) {
  tf::Session session = K::get_session();
  const int64_t n = arrays.empty() ? 0 : arrays[0].shape(0);
  BatchBuffers& buf = s.buffers_for(kind, n, arrays);
  copy_rows(arrays, 0, n, buf.arrays);
  return s.run(session, kind, buf);
}

std::vector<double> scalars(const std::vector<np::Array>& outs) {
  std::vector<double> v;
  for (const auto& o : outs) v.push_back(o.get_flat(0));
  return v;
}

// Losses and metrics averaged over no samples would be 0 / 0: an error, as
// tf.keras's "Expect x to be a non-empty array".
void require_samples(const std::vector<np::Array>& arrays, const std::string& what) {
  if (!arrays.empty() && arrays[0].ndim() > 0 && arrays[0].shape(0) == 0)
    throw keraspp::ValueError("Expect " + what + " to be a non-empty array (it has 0 samples).");
}

// Where fit splits n samples for validation_split (Keras: the last
// fraction validates). Outside [0, 1), NaN, or a split leaving either part
// empty is an error (tf.keras's wording), never silently no validation.
int64_t validation_split_index(int64_t n, double split) {
  if (!(split >= 0.0 && split < 1.0)) {
    std::ostringstream v;
    v << split;
    throw keraspp::ValueError("validation_split must be in [0, 1), got " + v.str() + ".");
  }
  const auto split_at = static_cast<int64_t>(static_cast<double>(n) * (1.0 - split));
  if (split_at == 0 || split_at == n) {
    std::ostringstream v;
    v << split;
    throw keraspp::ValueError("Training data contains " + std::to_string(n) +
                              " samples, which is not sufficient to split it into a validation "
                              "and training set as specified by `validation_split=" + v.str() +
                              "`. Either provide more data, or a different value for the "
                              "`validation_split` argument.");
  }
  return split_at;
}

}  // namespace

History Model::fit(const ArrayList& x, const ArrayList& y, const FitOptions& o) {
  TrainingState& s = compiled_state(*this);
  check_batch_size(o.batch_size);
  auto guard = s.total_loss.graph().as_default();
  UserData d = standardize_user_data(s, x, y, o.sample_weight, o.class_weight);
  std::vector<np::Array> arrays = concat(d);
  std::vector<np::Array> val_arrays;
  bool do_validation = false;
  require_samples(arrays, "x");
  if (o.validation_data) {
    const ValidationData& v = *o.validation_data;
    val_arrays = concat(standardize_user_data(s, v.x, v.y, v.sample_weight, {}));
    require_samples(val_arrays, "validation_data");
    do_validation = true;
  } else if (o.validation_split != 0.0) {
    const int64_t n = arrays[0].shape(0);
    const auto split_at = validation_split_index(n, o.validation_split);
    val_arrays = slice_all(arrays, split_at, n);
    arrays = slice_all(arrays, 0, split_at);
    do_validation = true;
  }
  s.make_train_function(*this);
  if (o.verbose && do_validation)
    *utils::progbar_output().stream << "Train on " << arrays[0].shape(0) << " samples, validate on "
                                    << val_arrays[0].shape(0) << " samples\n";
  return fit_loop(*this, s, arrays, o, do_validation ? &val_arrays : nullptr);
}

std::vector<double> Model::evaluate(const ArrayList& x, const ArrayList& y,
                                    const EvaluateOptions& o) {
  TrainingState& s = compiled_state(*this);
  check_batch_size(o.batch_size);
  auto guard = s.total_loss.graph().as_default();
  std::vector<np::Array> arrays = concat(standardize_user_data(s, x, y, o.sample_weight, {}));
  require_samples(arrays, "x");
  tf::Session session = K::get_session();
  return test_loop(s, session, arrays, o.batch_size, o.verbose);
}

std::vector<np::Array> Model::predict_multi(const ArrayList& x, const PredictOptions& o) {
  TrainingState& s = prediction_state(*this);
  check_batch_size(o.batch_size);
  auto guard = s.outputs.at(0).graph().as_default();
  std::vector<np::Array> inputs = standardize_input_data(x, s.input_names, s.input_shapes, "input");
  tf::Session session = K::get_session();
  return predict_loop(s, session, inputs, o.batch_size, o.verbose);
}

np::Array Model::predict(const ArrayList& x, const PredictOptions& o) {
  return predict_multi(x, o).at(0);
}

std::vector<double> Model::train_on_batch(const ArrayList& x, const ArrayList& y,
                                          const ArrayList& sample_weight,
                                          const std::map<int64_t, double>& class_weight) {
  TrainingState& s = compiled_state(*this);
  auto guard = s.total_loss.graph().as_default();
  std::vector<np::Array> arrays = concat(standardize_user_data(s, x, y, sample_weight, class_weight));
  s.make_train_function(*this);
  return scalars(run_whole(s, FunctionKind::kTrain, arrays));
}

std::vector<double> Model::test_on_batch(const ArrayList& x, const ArrayList& y,
                                         const ArrayList& sample_weight) {
  TrainingState& s = compiled_state(*this);
  auto guard = s.total_loss.graph().as_default();
  std::vector<np::Array> arrays = concat(standardize_user_data(s, x, y, sample_weight, {}));
  return scalars(run_whole(s, FunctionKind::kTest, arrays));
}

np::Array Model::predict_on_batch(const ArrayList& x) {
  TrainingState& s = prediction_state(*this);
  auto guard = s.outputs.at(0).graph().as_default();
  std::vector<np::Array> inputs = standardize_input_data(x, s.input_names, s.input_shapes, "input");
  std::vector<np::Array> outs = run_whole(s, FunctionKind::kPredict, inputs);
  // The pool does not reuse a fetched buffer while the caller holds it.
  return outs.at(0);
}

}  // namespace keras::engine
