// keras.losses.get and the Loss handle: names <-> built-in functions.
#include <utility>
#include <vector>

#include "keraspp/keras/losses.h"

namespace keras::losses {

namespace {

struct Entry {
  const char* name;
  LossFunctionPtr fn;
};

// Canonical names first: name_of returns the first match.
const std::vector<Entry>& table() {
  static const std::vector<Entry> t = {
      {"mean_squared_error", &mean_squared_error},
      {"mean_absolute_error", &mean_absolute_error},
      {"mean_absolute_percentage_error", &mean_absolute_percentage_error},
      {"mean_squared_logarithmic_error", &mean_squared_logarithmic_error},
      {"squared_hinge", &squared_hinge},
      {"hinge", &hinge},
      {"categorical_crossentropy", &categorical_crossentropy},
      {"sparse_categorical_crossentropy", &sparse_categorical_crossentropy},
      {"binary_crossentropy", &binary_crossentropy},
      {"kullback_leibler_divergence", &kullback_leibler_divergence},
      {"poisson", &poisson},
      {"cosine_proximity", &cosine_proximity},
      {"mse", &mean_squared_error},
      {"mae", &mean_absolute_error},
      {"mape", &mean_absolute_percentage_error},
      {"msle", &mean_squared_logarithmic_error},
      {"kld", &kullback_leibler_divergence},
      {"cosine", &cosine_proximity},
  };
  return t;
}

// The aliases are distinct C++ functions; map them to the canonical ones so
// compile() can recognise e.g. losses::mse as mean_squared_error.
LossFunctionPtr canonical(LossFunctionPtr fn) {
  if (fn == &mse) return &mean_squared_error;
  if (fn == &mae) return &mean_absolute_error;
  if (fn == &mape) return &mean_absolute_percentage_error;
  if (fn == &msle) return &mean_squared_logarithmic_error;
  if (fn == &kld) return &kullback_leibler_divergence;
  if (fn == &cosine) return &cosine_proximity;
  return fn;
}

}  // namespace

LossFunctionPtr get(const std::string& name) {
  for (const Entry& e : table())
    if (name == e.name) return e.fn;
  throw keraspp::ValueError("Unknown loss function:" + name);
}

std::string name_of(LossFunctionPtr fn) {
  fn = canonical(fn);
  for (const Entry& e : table())
    if (e.fn == fn) return e.name;
  return "";
}

Loss::Loss(const char* name) : Loss(std::string(name)) {}

Loss::Loss(const std::string& name) {
  builtin_ = get(name);
  fn_ = builtin_;
  name_ = name_of(builtin_);
}

Loss::Loss(LossFunctionPtr fn) {
  if (!fn) return;
  builtin_ = canonical(fn);
  fn_ = builtin_;
  name_ = name_of(builtin_);
  if (name_.empty()) {
    builtin_ = nullptr;
    name_ = "lambda";
  }
}

tf::Tensor Loss::operator()(const tf::Tensor& y_true, const tf::Tensor& y_pred) const {
  if (!fn_) throw keraspp::ValueError("Loss function is None");
  return fn_(y_true, y_pred);
}

}  // namespace keras::losses
