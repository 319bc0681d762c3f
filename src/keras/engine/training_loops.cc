// Keras 2.0.2's _fit_loop, _test_loop and _predict_loop. Batches are
// gathered into the cached feed buffers of their size (full batches share
// one set, the last short batch has its own), so after the first epoch a
// step allocates no array storage.
#include <algorithm>
#include <cstring>
#include <ostream>

#include "keraspp/keras/backend.h"
#include "keraspp/keras/progbar.h"
#include "keraspp/np/random.h"
#include "training_state.h"

namespace keras::engine {

namespace K = keras::backend;

History fit_loop(Model& model, TrainingState& s, const std::vector<np::Array>& arrays,
                 const FitOptions& o, const std::vector<np::Array>* val_arrays) {
  const bool do_validation = val_arrays != nullptr;
  const int64_t num_train = arrays.empty() ? 0 : arrays[0].shape(0);
  const int64_t batch_size = o.batch_size;
  tf::Session session = K::get_session();

  auto history = std::make_shared<callbacks::History>();
  std::vector<callbacks::CallbackPtr> list = {std::make_shared<callbacks::BaseLogger>()};
  for (const auto& c : o.callbacks)
    if (c) list.push_back(c);
  list.push_back(history);
  if (o.verbose) list.push_back(std::make_shared<callbacks::ProgbarLogger>());
  callbacks::CallbackList cbs(list);

  const std::vector<std::string>& out_labels = s.metrics_names;
  CallbackParams params{.batch_size = o.batch_size,
                        .epochs = o.epochs,
                        .samples = num_train,
                        .verbose = o.verbose,
                        .do_validation = do_validation,
                        .metrics = out_labels};
  if (do_validation)
    for (const auto& l : out_labels) params.metrics.push_back("val_" + l);
  std::vector<std::string> val_labels;
  for (const auto& l : out_labels) val_labels.push_back("val_" + l);
  cbs.set_model(&model);
  cbs.set_params(params);
  Logs train_logs;
  cbs.on_train_begin(train_logs);
  model.set_stop_training(false);

  np::Array index_array = np::arange(num_train, np::int64);
  const int64_t num_batches = (num_train + batch_size - 1) / batch_size;
  Logs batch_logs;
  std::vector<np::Array> outs;
  for (int epoch = o.initial_epoch; epoch < o.epochs; ++epoch) {
    Logs epoch_logs;
    cbs.on_epoch_begin(epoch, epoch_logs);
    if (o.shuffle) np::random::shuffle(index_array);
    const int64_t* ids = index_array.data<int64_t>();
    for (int64_t b = 0; b < num_batches; ++b) {
      const int64_t start = b * batch_size;
      const int64_t n = std::min(num_train, start + batch_size) - start;
      BatchBuffers& buf = s.buffers_for(FunctionKind::kTrain, n, arrays);
      gather_rows(arrays, ids + start, n, buf.arrays, 0);
      batch_logs.clear();
      batch_logs.set("batch", static_cast<double>(b));
      batch_logs.set("size", static_cast<double>(n));
      cbs.on_batch_begin(static_cast<int>(b), batch_logs);
      outs = s.run(session, FunctionKind::kTrain, buf);
      for (size_t i = 0; i < outs.size(); ++i) batch_logs.set(out_labels[i], outs[i].get_flat(0));
      // Hand the fetched buffers back to the plan's pool.
      outs.clear();
      cbs.on_batch_end(static_cast<int>(b), batch_logs);
      if (b == num_batches - 1 && do_validation) {
        std::vector<double> val_outs = test_loop(s, session, *val_arrays, o.batch_size, 0);
        for (size_t i = 0; i < val_outs.size(); ++i) epoch_logs.set(val_labels[i], val_outs[i]);
      }
      if (model.stop_training()) break;
    }
    cbs.on_epoch_end(epoch, epoch_logs);
    if (model.stop_training()) break;
  }
  cbs.on_train_end(train_logs);
  return History{history->epoch, history->history, params};
}

std::vector<double> test_loop(TrainingState& s, tf::Session& session,
                              const std::vector<np::Array>& arrays, int batch_size, int verbose) {
  const int64_t samples = arrays.empty() ? 0 : arrays[0].shape(0);
  std::vector<double> totals(s.metrics_names.size(), 0.0);
  std::unique_ptr<utils::Progbar> bar;
  if (verbose == 1) bar = std::make_unique<utils::Progbar>(samples);
  std::vector<np::Array> outs;
  for (int64_t start = 0; start < samples; start += batch_size) {
    const int64_t n = std::min<int64_t>(samples, start + batch_size) - start;
    BatchBuffers& buf = s.buffers_for(FunctionKind::kTest, n, arrays);
    copy_rows(arrays, start, n, buf.arrays);
    outs = s.run(session, FunctionKind::kTest, buf);
    for (size_t i = 0; i < outs.size(); ++i)
      totals[i] += outs[i].get_flat(0) * static_cast<double>(n);
    outs.clear();
    if (bar) bar->update(start + n);
  }
  for (double& t : totals) t /= static_cast<double>(samples);
  return totals;
}

std::vector<np::Array> predict_loop(TrainingState& s, tf::Session& session,
                                    const std::vector<np::Array>& inputs, int batch_size,
                                    int verbose) {
  const int64_t samples = inputs.empty() ? 0 : inputs[0].shape(0);
  std::vector<np::Array> results;
  std::unique_ptr<utils::Progbar> bar;
  if (verbose == 1) bar = std::make_unique<utils::Progbar>(samples);
  std::vector<np::Array> outs;
  for (int64_t start = 0; start < samples; start += batch_size) {
    const int64_t n = std::min<int64_t>(samples, start + batch_size) - start;
    BatchBuffers& buf = s.buffers_for(FunctionKind::kPredict, n, inputs);
    copy_rows(inputs, start, n, buf.arrays);
    outs = s.run(session, FunctionKind::kPredict, buf);
    if (results.empty())
      for (const np::Array& o : outs) {
        np::Shape shape = o.shape();
        if (shape.empty()) shape = {1};
        shape[0] = samples;
        results.push_back(np::Array::empty(shape, o.dtype()));
      }
    for (size_t j = 0; j < outs.size(); ++j) {
      const size_t bytes = outs[j].nbytes();
      const size_t row_bytes = n ? bytes / static_cast<size_t>(n) : 0;
      std::memcpy(static_cast<unsigned char*>(results[j].raw_data()) +
                      static_cast<size_t>(start) * row_bytes,
                  outs[j].raw_data(), bytes);
    }
    outs.clear();
    if (bar) bar->update(start + n);
  }
  if (results.empty())
    for (const tf::Tensor& t : s.outputs) {
      std::vector<int64_t> dims = t.shape().has_rank() ? t.shape().dims() : std::vector<int64_t>{0};
      np::Shape shape(dims.begin(), dims.end());
      for (auto& d : shape) d = std::max<int64_t>(d, 0);
      if (!shape.empty()) shape[0] = 0;
      results.push_back(np::Array::empty(shape, t.dtype()));
    }
  return results;
}

}  // namespace keras::engine
