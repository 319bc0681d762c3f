// keras.regularizers: L1L2 and its shorthands.
#include "keraspp/keras/regularizers.h"

#include "keraspp/keras/backend.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

namespace keras::regularizers {

namespace K = keras::backend;

Regularizer::Regularizer(const char* name) : Regularizer(get(name)) {}
Regularizer::Regularizer(const std::string& name) : Regularizer(get(name)) {}
Regularizer::Regularizer(Fn fn, std::string class_name, double l1, double l2)
    : d_(std::make_shared<const Data>(Data{std::move(fn), std::move(class_name), l1, l2})) {}

tf::Tensor Regularizer::operator()(const tf::Tensor& x) const {
  if (!d_) throw keraspp::ValueError("Cannot call an empty (None) regularizer");
  return d_->fn(x);
}

const std::string& Regularizer::class_name() const {
  static const std::string none = "None";
  return d_ ? d_->class_name : none;
}
double Regularizer::l1() const { return d_ ? d_->l1 : 0.0; }
double Regularizer::l2() const { return d_ ? d_->l2 : 0.0; }

Regularizer L1L2(double l1, double l2) {
  return Regularizer(
      [l1, l2](const tf::Tensor& x) {
        tf::Tensor r;
        if (l1 != 0.0) r = K::sum(tf::multiply(K::abs(x), l1));
        if (l2 != 0.0) {
          tf::Tensor t = K::sum(tf::multiply(K::square(x), l2));
          r = r ? tf::add(r, t) : t;
        }
        return r ? r : tf::constant(0.0, x.dtype());
      },
      "L1L2", l1, l2);
}

Regularizer l1(double l) { return L1L2(l, 0.0); }
Regularizer l2(double l) { return L1L2(0.0, l); }
Regularizer l1_l2(double l1, double l2) { return L1L2(l1, l2); }

Regularizer get(const std::string& name) {
  if (name == "l1") return l1();
  if (name == "l2") return l2();
  if (name == "l1_l2") return l1_l2();
  if (name == "L1L2") return L1L2();
  throw keraspp::ValueError("Unknown regularizer: " + name);
}

}  // namespace keras::regularizers
