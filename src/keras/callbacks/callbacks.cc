// keras.callbacks: the base class, CallbackList, and the loggers fit adds
// itself (BaseLogger, ProgbarLogger, History), as in Keras 2.0.2.
#include "keraspp/keras/callbacks.h"

#include <ostream>

#include "keraspp/keras/progbar.h"

namespace keras::callbacks {

// ---- CallbackList ----------------------------------------------------------

void CallbackList::set_params(const CallbackParams& p) {
  for (auto& c : callbacks_) c->set_params(p);
}
void CallbackList::set_model(engine::Model* m) {
  for (auto& c : callbacks_) c->set_model(m);
}
void CallbackList::on_epoch_begin(int epoch, Logs& logs) {
  for (auto& c : callbacks_) c->on_epoch_begin(epoch, logs);
}
void CallbackList::on_epoch_end(int epoch, Logs& logs) {
  for (auto& c : callbacks_) c->on_epoch_end(epoch, logs);
}
void CallbackList::on_batch_begin(int batch, Logs& logs) {
  for (auto& c : callbacks_) c->on_batch_begin(batch, logs);
}
void CallbackList::on_batch_end(int batch, Logs& logs) {
  for (auto& c : callbacks_) c->on_batch_end(batch, logs);
}
void CallbackList::on_train_begin(Logs& logs) {
  for (auto& c : callbacks_) c->on_train_begin(logs);
}
void CallbackList::on_train_end(Logs& logs) {
  for (auto& c : callbacks_) c->on_train_end(logs);
}

// ---- BaseLogger --------------------------------------------------------------

void BaseLogger::on_epoch_begin(int, Logs&) {
  seen_ = 0;
  totals_.clear();
}

void BaseLogger::on_batch_end(int, Logs& logs) {
  const double* size = logs.find("size");
  const double batch_size = size ? *size : 0.0;
  seen_ += static_cast<int64_t>(batch_size);
  for (const auto& [k, v] : logs) totals_[k] += v * batch_size;
}

void BaseLogger::on_epoch_end(int, Logs& logs) {
  for (const auto& k : params.metrics)
    if (const double* total = totals_.find(k))
      // Made available to the callbacks after this one.
      logs.set(k, *total / static_cast<double>(seen_));
}

// ---- ProgbarLogger ---------------------------------------------------------

struct ProgbarLogger::State {
  int verbose = 0;
  int epochs = 0;
  int64_t seen = 0;
  std::unique_ptr<utils::Progbar> progbar;
  utils::Progbar::Values log_values;
};

ProgbarLogger::ProgbarLogger() : s_(std::make_unique<State>()) {}
ProgbarLogger::~ProgbarLogger() = default;

void ProgbarLogger::on_train_begin(Logs&) {
  s_->verbose = params.verbose;
  s_->epochs = params.epochs;
}

void ProgbarLogger::on_epoch_begin(int epoch, Logs&) {
  if (s_->verbose) {
    *utils::progbar_output().stream << "Epoch " << epoch + 1 << "/" << s_->epochs << '\n';
    s_->progbar = std::make_unique<utils::Progbar>(params.samples,
                                                   utils::ProgbarOptions{.verbose = s_->verbose});
  }
  s_->seen = 0;
}

void ProgbarLogger::on_batch_begin(int, Logs&) {
  if (s_->seen < params.samples) s_->log_values.clear();
}

void ProgbarLogger::on_batch_end(int, Logs& logs) {
  const double* size = logs.find("size");
  s_->seen += size ? static_cast<int64_t>(*size) : 0;
  for (const auto& k : params.metrics)
    if (const double* v = logs.find(k)) s_->log_values.emplace_back(k, *v);
  // The last batch is drawn by on_epoch_end, with the epoch's values.
  if (s_->verbose && s_->seen < params.samples) s_->progbar->update(s_->seen, s_->log_values);
}

void ProgbarLogger::on_epoch_end(int, Logs& logs) {
  // Keras 2.0.2 appends the epoch values after the last batch's, all
  // weighted by the last batch's size in the final average.
  for (const auto& k : params.metrics)
    if (const double* v = logs.find(k)) s_->log_values.emplace_back(k, *v);
  if (s_->verbose && s_->progbar) s_->progbar->update(s_->seen, s_->log_values, /*force=*/true);
}

// ---- History -----------------------------------------------------------------

void History::on_train_begin(Logs&) {
  epoch.clear();
  history.clear();
}

void History::on_epoch_end(int e, Logs& logs) {
  epoch.push_back(e);
  for (const auto& [k, v] : logs) history[k].push_back(v);
}

// ---- LambdaCallback ------------------------------------------------------------

void LambdaCallback::on_epoch_begin(int epoch, Logs& logs) {
  if (fns_.on_epoch_begin) fns_.on_epoch_begin(epoch, logs);
}
void LambdaCallback::on_epoch_end(int epoch, Logs& logs) {
  if (fns_.on_epoch_end) fns_.on_epoch_end(epoch, logs);
}
void LambdaCallback::on_batch_begin(int batch, Logs& logs) {
  if (fns_.on_batch_begin) fns_.on_batch_begin(batch, logs);
}
void LambdaCallback::on_batch_end(int batch, Logs& logs) {
  if (fns_.on_batch_end) fns_.on_batch_end(batch, logs);
}
void LambdaCallback::on_train_begin(Logs& logs) {
  if (fns_.on_train_begin) fns_.on_train_begin(logs);
}
void LambdaCallback::on_train_end(Logs& logs) {
  if (fns_.on_train_end) fns_.on_train_end(logs);
}

}  // namespace keras::callbacks
