// Keras 2.0.2's training API (keras/engine/training.py): the options of
// Model.compile / fit / evaluate / predict, the History fit returns, the
// ordered logs callbacks see, and ArrayList (Python's "an array or a list of
// arrays", one per model input or output).
//
// keras::engine::Model (include/keraspp/keras/engine/model.h, K-engine's)
// includes this header and declares compile/fit/evaluate/predict/... with
// these types; their definitions live in src/keras/engine/training*.cc.
// Model is keras::engine::Model (forward-declared below; keras::models::Model
// and Sequential refer to it).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keraspp/keras/losses.h"
#include "keraspp/keras/metrics.h"
#include "keraspp/keras/optimizers.h"
#include "keraspp/np/array.h"

namespace keras::engine {
class Model;
// Everything compile() builds (placeholders, losses, metrics, optimizer
// updates, the cached train/test/predict functions); defined in
// src/keras/engine/training_state.h.
struct TrainingState;
}  // namespace keras::engine

namespace keras::callbacks {
class Callback;
}  // namespace keras::callbacks

namespace keras::engine {

// One array per model input (or output); a single array converts implicitly,
// so `model.fit(x, y)` and `model.fit({x1, x2}, y)` both work.
class ArrayList {
 public:
  ArrayList() = default;
  ArrayList(const np::Array& a) : arrays_{a} {}
  ArrayList(std::vector<np::Array> arrays) : arrays_(std::move(arrays)) {}
  ArrayList(std::initializer_list<np::Array> arrays) : arrays_(arrays) {}

  size_t size() const { return arrays_.size(); }
  bool empty() const { return arrays_.empty(); }
  const np::Array& operator[](size_t i) const { return arrays_.at(i); }
  const std::vector<np::Array>& arrays() const { return arrays_; }
  auto begin() const { return arrays_.begin(); }
  auto end() const { return arrays_.end(); }

 private:
  std::vector<np::Array> arrays_;
};

// Logs: name -> value, kept in insertion order (so the progress bar prints
// `loss - acc - val_loss - val_acc` in metrics_names order, as Keras's
// OrderedDict-fed Progbar does). Setting an existing name keeps its place.
class Logs {
 public:
  using Entry = std::pair<std::string, double>;
  Logs() = default;
  Logs(std::initializer_list<Entry> entries);

  void set(const std::string& name, double value);
  // Inserts 0 when absent (as a Python dict default would need).
  double& operator[](const std::string& name);
  // LookupError (Python's KeyError) naming the key when absent.
  double at(const std::string& name) const;
  bool contains(const std::string& name) const;
  const double* find(const std::string& name) const;
  void erase(const std::string& name);
  void clear() { entries_.clear(); }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }
  std::vector<std::string> keys() const;

 private:
  std::vector<Entry> entries_;
};

// Callback.params as Keras 2.0.2 fills them in fit.
struct CallbackParams {
  int batch_size = 0;
  int epochs = 0;
  int64_t samples = 0;
  int verbose = 0;
  bool do_validation = false;
  // metrics_names plus the "val_" ones when validating.
  std::vector<std::string> metrics = {};
};

// What fit returns (Keras's History callback): history["loss"][epoch] etc.
struct History {
  std::vector<int> epoch;
  std::map<std::string, std::vector<double>> history;
  CallbackParams params;
};

// ---- compile -------------------------------------------------------------

// The loss argument of compile: one loss for every output, a list with one
// per output, or a map output-name -> loss. `nullptr` is Python's
// loss=None: as Keras 2.0's `loss or {}`, an empty map, so no output has a
// loss (the model's own losses, added by layers, are what is minimized).
// Not given at all (the default), compile raises Keras's TypeError.
class LossList {
 public:
  LossList() = default;
  LossList(std::nullptr_t) : given_(true) {}
  LossList(const char* name) : single_(losses::Loss(name)), given_(true) {}
  LossList(const std::string& name) : single_(losses::Loss(name)), given_(true) {}
  LossList(losses::Loss loss) : single_(std::move(loss)), given_(true) {}
  LossList(losses::LossFunctionPtr fn) : single_(losses::Loss(fn)), given_(true) {}
  template <class F>
    requires losses::LossCallable<F>
  LossList(F fn) : single_(losses::Loss(std::move(fn))), given_(true) {}
  LossList(std::initializer_list<losses::Loss> per_output) : list_(per_output), given_(true) {}
  LossList(std::vector<losses::Loss> per_output) : list_(std::move(per_output)), given_(true) {}
  LossList(std::map<std::string, losses::Loss> by_output)
      : by_name_(std::move(by_output)), given_(true) {}

  bool empty() const { return !single_ && list_.empty() && by_name_.empty(); }
  // False only for the default (no loss argument).
  bool given() const { return given_; }
  const std::optional<losses::Loss>& single() const { return single_; }
  const std::vector<losses::Loss>& list() const { return list_; }
  const std::map<std::string, losses::Loss>& by_name() const { return by_name_; }

 private:
  std::optional<losses::Loss> single_;
  std::vector<losses::Loss> list_;
  std::map<std::string, losses::Loss> by_name_;
  bool given_ = false;
};

// model.compile({.optimizer = keras::optimizers::Adagrad(),
//                .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
struct CompileOptions {
  // A name ("adam") or an optimizer object; required.
  optimizers::Optimizer optimizer = {};
  LossList loss = {};
  // Applied to every output (Keras 2.0.2's list form).
  std::vector<metrics::Metric> metrics = {};
  // One scalar per output; empty = 1 for each.
  std::vector<double> loss_weights = {};
  // "" (None: one weight per sample) or "temporal" (per sample and timestep).
  std::string sample_weight_mode = "";
};

// ---- fit / evaluate / predict -------------------------------------------

// validation_data = {{x_val, y_val}} or {{x_val, y_val, w_val}}.
struct ValidationData {
  ArrayList x;
  ArrayList y;
  ArrayList sample_weight = {};
};

struct FitOptions {
  int batch_size = 32;
  int epochs = 1;
  // 0 silent, 1 progress bar, 2 one line per epoch.
  int verbose = 1;
  std::vector<std::shared_ptr<callbacks::Callback>> callbacks = {};
  // Fraction of the data (taken from the end, before shuffling) held out.
  double validation_split = 0.0;
  std::optional<ValidationData> validation_data = std::nullopt;
  bool shuffle = true;
  // Class index -> weight (single-output models; used for every output).
  std::map<int64_t, double> class_weight = {};
  // One (samples,) array per output ((samples, timesteps) when "temporal").
  ArrayList sample_weight = {};
  int initial_epoch = 0;
};

struct EvaluateOptions {
  int batch_size = 32;
  int verbose = 1;
  ArrayList sample_weight = {};
};

struct PredictOptions {
  int batch_size = 32;
  int verbose = 0;
};

// The optimizer `model` was compiled with (Keras's model.optimizer), e.g. for
// a callback changing its lr. RuntimeError-like ValueError before compile.
optimizers::Optimizer model_optimizer(const Model& model);

}  // namespace keras::engine

namespace keras::losses {
using engine::LossList;
}  // namespace keras::losses

namespace keras {
// Short names for user code: keras::FitOptions etc. are rarely spelled out
// (designated initializers name the fields), but callbacks take Logs.
using engine::ArrayList;
using engine::CallbackParams;
using engine::Logs;
}  // namespace keras
