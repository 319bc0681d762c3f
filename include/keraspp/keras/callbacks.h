// keras.callbacks (Keras 2.0.2): hooks fit() calls around epochs and batches.
// Callbacks are passed to fit as shared pointers so the caller keeps the
// object and reads its state afterwards, as in Python:
//   auto stop = std::make_shared<keras::callbacks::EarlyStopping>(
//       keras::callbacks::EarlyStoppingOptions{.monitor = "val_loss", .patience = 2});
//   model.fit(x, y, {.callbacks = {stop}});
// User callbacks derive from Callback and override the hooks they need.
#pragma once
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "keraspp/keras/engine/training.h"

namespace keras::callbacks {

using engine::CallbackParams;
using engine::Logs;

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void set_params(const CallbackParams& p) { params = p; }
  virtual void set_model(engine::Model* m) { model = m; }

  virtual void on_epoch_begin(int epoch, Logs& logs) {}
  virtual void on_epoch_end(int epoch, Logs& logs) {}
  virtual void on_batch_begin(int batch, Logs& logs) {}
  virtual void on_batch_end(int batch, Logs& logs) {}
  virtual void on_train_begin(Logs& logs) {}
  virtual void on_train_end(Logs& logs) {}

  CallbackParams params;
  // The model being trained (valid during fit).
  engine::Model* model = nullptr;
};

using CallbackPtr = std::shared_ptr<Callback>;

// Averages the batch metrics over the epoch, weighted by batch size, and
// writes them into the epoch logs (fit adds it first).
class BaseLogger : public Callback {
 public:
  void on_epoch_begin(int epoch, Logs& logs) override;
  void on_batch_end(int batch, Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;

 private:
  int64_t seen_ = 0;
  Logs totals_;
};

// Prints `Epoch i/n` and the progress bar (fit adds it when verbose).
class ProgbarLogger : public Callback {
 public:
  ProgbarLogger();
  ~ProgbarLogger() override;
  void on_train_begin(Logs& logs) override;
  void on_epoch_begin(int epoch, Logs& logs) override;
  void on_batch_begin(int batch, Logs& logs) override;
  void on_batch_end(int batch, Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Records the epoch logs (fit adds it last and returns its record).
class History : public Callback {
 public:
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;

  std::vector<int> epoch;
  std::map<std::string, std::vector<double>> history;
};

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0;
  int patience = 0;
  int verbose = 0;
  std::string mode = "auto";  // "auto", "min", "max"
};
// Stops training when `monitor` has not improved by min_delta for
// `patience` epochs.
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(const EarlyStoppingOptions& opts = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
  void on_train_end(Logs& logs) override;

  std::string monitor;
  int patience;
  int verbose;
  double min_delta;  // signed: negative when lower is better
  int wait = 0;
  int stopped_epoch = 0;
  double best = 0;

 private:
  bool greater_ = false;
};

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;
  int patience = 10;
  int verbose = 0;
  std::string mode = "auto";
  double epsilon = 1e-4;
  int cooldown = 0;
  double min_lr = 0;
};
// Multiplies the optimizer's lr by `factor` when `monitor` stops improving.
class ReduceLROnPlateau : public Callback {
 public:
  // ValueError "ReduceLROnPlateau does not support a factor >= 1.0."
  explicit ReduceLROnPlateau(const ReduceLROnPlateauOptions& opts = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
  bool in_cooldown() const { return cooldown_counter > 0; }

  ReduceLROnPlateauOptions options;
  double best = 0;
  int wait = 0;
  int cooldown_counter = 0;

 private:
  void reset();
  bool greater_ = false;
  double lr_epsilon_ = 0;
};

// Sets lr = schedule(epoch) at the start of each epoch.
class LearningRateScheduler : public Callback {
 public:
  explicit LearningRateScheduler(std::function<double(int epoch)> schedule);
  void on_epoch_begin(int epoch, Logs& logs) override;

 private:
  std::function<double(int)> schedule_;
};

struct CSVLoggerOptions {
  std::string separator = ",";
  bool append = false;
};
// Writes `epoch,<sorted log keys>` rows (Python's csv module: "\r\n" line
// ends, values as Python's repr). The file is replaced atomically after each
// epoch (written beside it, then renamed), so an error never leaves a
// half-written file, and a file that was there survives a failed start.
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string filename, const CSVLoggerOptions& opts = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
  void on_train_end(Logs& logs) override;

 private:
  void write_atomically() const;
  std::string filename_;
  CSVLoggerOptions opts_;
  std::string content_;
  std::vector<std::string> keys_;
  bool header_written_ = false;
  bool append_header_ = true;
  bool started_ = false;
};

// Stops training when a batch's loss is NaN or infinite, printing
// `Batch 3: Invalid loss, terminating training`.
class TerminateOnNaN : public Callback {
 public:
  void on_batch_end(int batch, Logs& logs) override;
};

struct LambdaCallbackOptions {
  std::function<void(int epoch, Logs& logs)> on_epoch_begin = nullptr;
  std::function<void(int epoch, Logs& logs)> on_epoch_end = nullptr;
  std::function<void(int batch, Logs& logs)> on_batch_begin = nullptr;
  std::function<void(int batch, Logs& logs)> on_batch_end = nullptr;
  std::function<void(Logs& logs)> on_train_begin = nullptr;
  std::function<void(Logs& logs)> on_train_end = nullptr;
};
// A callback from functions: LambdaCallback({.on_epoch_end = [](int e, Logs& l) {...}}).
class LambdaCallback : public Callback {
 public:
  explicit LambdaCallback(LambdaCallbackOptions opts) : fns_(std::move(opts)) {}
  void on_epoch_begin(int epoch, Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
  void on_batch_begin(int batch, Logs& logs) override;
  void on_batch_end(int batch, Logs& logs) override;
  void on_train_begin(Logs& logs) override;
  void on_train_end(Logs& logs) override;

 private:
  LambdaCallbackOptions fns_;
};

// Python's `filepath.format(epoch=epoch, **logs)` as ModelCheckpoint uses it:
// `{name}` and `{name:spec}` fields (format spec [[fill]align][sign][#][0]
// [width][.precision][type], types d n x X o b for the int `epoch`, e E f F
// g G n % for either), `{{`/`}}` escapes, a field without a spec as Python's
// str() ("0.1" for a log value). A name in neither is LookupError (Python's
// KeyError: 'val_loss'); a malformed field or a code the value's type lacks is
// ValueError in Python's wording ("Unknown format code 'd' for object of type
// 'float'").
std::string format_filepath(const std::string& filepath, int epoch, const Logs& logs);

struct ModelCheckpointOptions {
  std::string monitor = "val_loss";
  int verbose = 0;
  bool save_best_only = false;
  bool save_weights_only = false;
  std::string mode = "auto";  // "auto", "min", "max"
  int period = 1;             // epochs between saves
};
// Saves the model (model.save, or save_weights when save_weights_only) after
// every `period`-th epoch to format_filepath(filepath, epoch, logs), e.g.
// "weights.{epoch:02d}-{val_loss:.2f}.h5". As Keras 2.0.x, `epoch` is the
// 0-based epoch index. With save_best_only, only when `monitor` improved on
// the best seen so far (mode "auto": higher is better for names containing
// "acc" or starting with "fmeasure"). Each save is atomic (see save_model); a
// failed save throws out of fit and leaves the previous file intact.
class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(std::string filepath, const ModelCheckpointOptions& opts = {});
  void on_epoch_end(int epoch, Logs& logs) override;

  std::string filepath;
  ModelCheckpointOptions options;
  double best = 0;
  int epochs_since_last_save = 0;

 private:
  void save(const std::string& path) const;
  bool greater_ = false;
};

// Calls every callback's hooks in order (what fit uses).
class CallbackList {
 public:
  explicit CallbackList(std::vector<CallbackPtr> callbacks) : callbacks_(std::move(callbacks)) {}
  void set_params(const CallbackParams& p);
  void set_model(engine::Model* m);
  void on_epoch_begin(int epoch, Logs& logs);
  void on_epoch_end(int epoch, Logs& logs);
  void on_batch_begin(int batch, Logs& logs);
  void on_batch_end(int batch, Logs& logs);
  void on_train_begin(Logs& logs);
  void on_train_end(Logs& logs);

 private:
  std::vector<CallbackPtr> callbacks_;
};

}  // namespace keras::callbacks
