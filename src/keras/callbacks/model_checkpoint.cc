// keras.callbacks.ModelCheckpoint (Keras 2.0.x): saves the model or its
// weights after every `period`-th epoch, optionally only when the monitored
// quantity improved.
#include <cstdio>
#include <iostream>
#include <limits>

#include "keraspp/keras/callbacks.h"
#include "keraspp/keras/engine/model.h"
#include "keraspp/keras/progbar.h"

namespace keras::callbacks {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Python's warnings.warn(message, RuntimeWarning), on stderr.
void warn(const std::string& message) { std::cerr << "RuntimeWarning: " << message << '\n'; }

// Python's '%0.5f' ("inf" for the first best).
std::string fixed5(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%0.5f", v);
  return buf;
}

std::string epoch_tag(int epoch) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "Epoch %05d: ", epoch);
  return buf;
}

}  // namespace

ModelCheckpoint::ModelCheckpoint(std::string path, const ModelCheckpointOptions& opts)
    : filepath(std::move(path)), options(opts) {
  if (options.mode != "auto" && options.mode != "min" && options.mode != "max") {
    warn("ModelCheckpoint mode " + options.mode + " is unknown, fallback to auto mode.");
    options.mode = "auto";
  }
  greater_ = options.mode == "max" ||
             (options.mode == "auto" && (options.monitor.find("acc") != std::string::npos ||
                                         options.monitor.rfind("fmeasure", 0) == 0));
  best = greater_ ? -kInf : kInf;
}

void ModelCheckpoint::save(const std::string& path) const {
  if (!model) throw keraspp::ValueError("ModelCheckpoint needs the model: it is set by fit()");
  if (options.save_weights_only)
    model->save_weights(path);
  else
    model->save(path);
}

void ModelCheckpoint::on_epoch_end(int epoch, Logs& logs) {
  if (++epochs_since_last_save < options.period) return;
  epochs_since_last_save = 0;
  const std::string path = format_filepath(filepath, epoch, logs);
  std::ostream& out = *utils::progbar_output().stream;
  if (!options.save_best_only) {
    if (options.verbose > 0) out << epoch_tag(epoch) << "saving model to " << path << '\n';
    save(path);
    return;
  }
  const double* current = logs.find(options.monitor);
  if (!current) {
    warn("Can save best model only with " + options.monitor + " available, skipping.");
    return;
  }
  // NaN never improves (numpy's less/greater are false for it).
  if (greater_ ? *current > best : *current < best) {
    if (options.verbose > 0)
      out << epoch_tag(epoch) << options.monitor << " improved from " << fixed5(best) << " to "
          << fixed5(*current) << ", saving model to " << path << '\n';
    // The best moves only once the file is written: a failed save is retried
    // by the next epoch that beats the previous best.
    save(path);
    best = *current;
  } else if (options.verbose > 0) {
    out << epoch_tag(epoch) << options.monitor << " did not improve\n";
  }
}

}  // namespace keras::callbacks
