// keras.callbacks that watch a logged quantity or the loss: EarlyStopping,
// ReduceLROnPlateau, LearningRateScheduler, TerminateOnNaN (Keras 2.0.2).
#include <cmath>
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

std::ostream& out() { return *utils::progbar_output().stream; }

engine::Model& require_model(engine::Model* m, const char* who) {
  if (!m) throw keraspp::ValueError(std::string(who) + " needs the model: it is set by fit()");
  return *m;
}

}  // namespace

// ---- EarlyStopping -------------------------------------------------------------

EarlyStopping::EarlyStopping(const EarlyStoppingOptions& o)
    : monitor(o.monitor), patience(o.patience), verbose(o.verbose), min_delta(o.min_delta) {
  std::string mode = o.mode;
  if (mode != "auto" && mode != "min" && mode != "max") {
    warn("EarlyStopping mode " + mode + " is unknown, fallback to auto mode.");
    mode = "auto";
  }
  greater_ = mode == "max" || (mode == "auto" && monitor.find("acc") != std::string::npos);
  // Improvement means exceeding best by min_delta in the monitored direction.
  min_delta = greater_ ? min_delta : -min_delta;
}

void EarlyStopping::on_train_begin(Logs&) {
  wait = 0;
  stopped_epoch = 0;
  best = greater_ ? -kInf : kInf;
}

void EarlyStopping::on_epoch_end(int epoch, Logs& logs) {
  const double* current = logs.find(monitor);
  if (!current) {
    warn("Early stopping requires " + monitor + " available!");
    return;
  }
  const double shifted = *current - min_delta;
  if (greater_ ? shifted > best : shifted < best) {
    best = *current;
    wait = 0;
  } else {
    if (wait >= patience) {
      stopped_epoch = epoch;
      require_model(model, "EarlyStopping").set_stop_training(true);
    }
    ++wait;
  }
}

void EarlyStopping::on_train_end(Logs&) {
  if (stopped_epoch > 0 && verbose > 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "Epoch %05d: early stopping", stopped_epoch);
    out() << buf << '\n';
  }
}

// ---- ReduceLROnPlateau -----------------------------------------------------------

ReduceLROnPlateau::ReduceLROnPlateau(const ReduceLROnPlateauOptions& o) : options(o) {
  if (options.factor >= 1.0)
    throw keraspp::ValueError("ReduceLROnPlateau does not support a factor >= 1.0.");
  reset();
}

void ReduceLROnPlateau::reset() {
  if (options.mode != "auto" && options.mode != "min" && options.mode != "max") {
    warn("Learning Rate Plateau Reducing mode " + options.mode + " is unknown, fallback to auto mode.");
    options.mode = "auto";
  }
  greater_ = !(options.mode == "min" ||
               (options.mode == "auto" && options.monitor.find("acc") == std::string::npos));
  best = greater_ ? -kInf : kInf;
  cooldown_counter = 0;
  wait = 0;
  lr_epsilon_ = options.min_lr * 1e-4;
}

void ReduceLROnPlateau::on_train_begin(Logs&) { reset(); }

void ReduceLROnPlateau::on_epoch_end(int epoch, Logs& logs) {
  optimizers::Optimizer opt = engine::model_optimizer(require_model(model, "ReduceLROnPlateau"));
  logs.set("lr", opt.get_lr());
  const double* current = logs.find(options.monitor);
  if (!current) {
    warn("Learning Rate Plateau Reducing requires " + options.monitor + " available!");
    return;
  }
  if (in_cooldown()) {
    --cooldown_counter;
    wait = 0;
  }
  const bool improved =
      greater_ ? *current > best + options.epsilon : *current < best - options.epsilon;
  if (improved) {
    best = *current;
    wait = 0;
  } else if (!in_cooldown()) {
    if (wait >= options.patience) {
      const double old_lr = opt.get_lr();
      if (old_lr > options.min_lr + lr_epsilon_) {
        const double new_lr = std::max(old_lr * options.factor, options.min_lr);
        opt.set_lr(new_lr);
        if (options.verbose > 0) {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%05d", epoch);
          out() << "\nEpoch " << buf << ": reducing learning rate to "
                << utils::python_float_repr(new_lr) << ".\n";
        }
        cooldown_counter = options.cooldown;
        wait = 0;
      }
    }
    ++wait;
  }
}

// ---- LearningRateScheduler ---------------------------------------------------------

LearningRateScheduler::LearningRateScheduler(std::function<double(int)> schedule)
    : schedule_(std::move(schedule)) {
  if (!schedule_) throw keraspp::ValueError("LearningRateScheduler needs a schedule function");
}

void LearningRateScheduler::on_epoch_begin(int epoch, Logs&) {
  optimizers::Optimizer opt = engine::model_optimizer(require_model(model, "LearningRateScheduler"));
  const double lr = schedule_(epoch);
  if (!std::isfinite(lr))
    throw keraspp::ValueError("The output of the \"schedule\" function should be float.");
  opt.set_lr(lr);
}

// ---- TerminateOnNaN -------------------------------------------------------------------

void TerminateOnNaN::on_batch_end(int batch, Logs& logs) {
  const double* loss = logs.find("loss");
  if (loss && (std::isnan(*loss) || std::isinf(*loss))) {
    out() << "Batch " << batch << ": Invalid loss, terminating training\n";
    require_model(model, "TerminateOnNaN").set_stop_training(true);
  }
}

}  // namespace keras::callbacks
