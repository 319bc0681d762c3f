// keras.activations: Keras 2.0.2's activation functions over keras::backend.
#include "keraspp/keras/activations.h"

#include <map>

#include "keraspp/keras/backend.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

namespace keras::activations {

namespace K = keras::backend;

namespace detail {

tf::Tensor Relu::operator()(const tf::Tensor& x, double alpha, std::optional<double> max_value) const {
  return K::relu(x, alpha, max_value);
}
tf::Tensor Elu::operator()(const tf::Tensor& x, double alpha) const { return K::elu(x, alpha); }

tf::Tensor softmax(const tf::Tensor& x) {
  const int nd = K::ndim(x);
  if (nd == 2) return K::softmax(x);
  if (nd > 2) {
    // Normalised over the last axis, max-subtracted for stability.
    tf::Tensor e = K::exp(tf::subtract(x, K::max(x, -1, true)));
    return tf::divide(e, K::sum(e, -1, true));
  }
  throw keraspp::ValueError("Cannot apply softmax to a tensor that is 1D");
}

tf::Tensor selu(const tf::Tensor& x) {
  const double alpha = 1.6732632423543772848170429916717;
  const double scale = 1.0507009873554804934193349852946;
  return tf::multiply(K::elu(x, alpha), scale);
}

tf::Tensor softplus(const tf::Tensor& x) { return K::softplus(x); }
tf::Tensor softsign(const tf::Tensor& x) { return K::softsign(x); }
tf::Tensor tanh(const tf::Tensor& x) { return K::tanh(x); }
tf::Tensor sigmoid(const tf::Tensor& x) { return K::sigmoid(x); }
tf::Tensor hard_sigmoid(const tf::Tensor& x) { return K::hard_sigmoid(x); }
tf::Tensor linear(const tf::Tensor& x) { return x; }

}  // namespace detail

Activation::Activation(const char* name) : Activation(get(name)) {}
Activation::Activation(const std::string& name) : Activation(get(name)) {}

Activation get(const std::string& name) {
  static const std::map<std::string, Activation> known = [] {
    std::map<std::string, Activation> m;
    for (const detail::Simple* f :
         {&softmax, &selu, &softplus, &softsign, &tanh, &sigmoid, &hard_sigmoid, &linear})
      m.emplace(f->name, Activation(*f));
    m.emplace("relu", Activation(relu));
    m.emplace("elu", Activation(elu));
    return m;
  }();
  auto it = known.find(name);
  if (it == known.end()) throw keraspp::ValueError("Unknown activation function:" + name);
  return it->second;
}

std::string serialize(const Activation& activation) { return activation.name(); }

}  // namespace keras::activations
