// keras.backend: variables, constants, placeholders and reading/writing
// values in the Keras session.
#include <sstream>

#include "keraspp/keras/backend.h"
#include "keraspp/ops/array_ops.h"

namespace keras::backend {

namespace {

tf::Variable make_variable(const tf::TensorLike& value, const std::string& dtype,
                           const std::string& name) {
  return tf::Variable(value, {.name = name, .dtype = dtype_from_string(dtype)});
}

np::Array converted(const np::Array& value, tf::DType dtype) {
  // Always a fresh buffer: the session may keep what it is fed.
  return value.astype(dtype);
}

void check_assignable(const tf::Variable& x, const np::Array& value) {
  if (!x.shape().is_compatible_with(value.shape()))
    throw keraspp::ValueError("Cannot assign a value of shape " + np::shape_str(value.shape()) +
                              " to variable '" + x.name() + "' of shape " + x.shape().str());
}

}  // namespace

tf::Variable variable(const np::Array& value, const std::string& dtype, const std::string& name) {
  return make_variable(converted(value, dtype_from_string(dtype)), dtype, name);
}

tf::Variable variable(double value, const std::string& dtype, const std::string& name) {
  return make_variable(np::full({}, value, dtype_from_string(dtype)), dtype, name);
}

tf::Variable variable(const tf::Tensor& value, const std::string& dtype, const std::string& name) {
  return make_variable(value, dtype, name);
}

tf::Tensor constant(double value, const std::string& dtype,
                    const std::optional<std::vector<int64_t>>& shape, const std::string& name) {
  return tf::constant(np::full(shape.value_or(np::Shape{}), value, dtype_from_string(dtype)), name);
}

tf::Tensor constant(const np::Array& value, const std::string& dtype, const std::string& name) {
  return tf::constant(value, dtype_from_string(dtype), name);
}

tf::Tensor placeholder(const std::optional<std::vector<int64_t>>& shape, std::optional<int> ndim,
                       const std::string& dtype, const std::string& name) {
  tf::TensorShape s = tf::TensorShape::unknown();
  if (shape)
    s = tf::TensorShape(*shape);
  else if (ndim)
    s = tf::TensorShape(std::vector<int64_t>(static_cast<size_t>(*ndim), -1));
  return tf::placeholder(dtype_from_string(dtype), s, name);
}

tf::Variable zeros(const std::vector<int64_t>& shape, const std::string& dtype,
                   const std::string& name) {
  return variable(np::zeros(shape, dtype_from_string(dtype)), dtype, name);
}

tf::Variable ones(const std::vector<int64_t>& shape, const std::string& dtype,
                  const std::string& name) {
  return variable(np::ones(shape, dtype_from_string(dtype)), dtype, name);
}

tf::Tensor zeros_like(const tf::Tensor& x, const std::string& name) {
  return tf::zeros_like(x, name);
}
tf::Tensor ones_like(const tf::Tensor& x, const std::string& name) {
  return tf::ones_like(x, name);
}

tf::TensorShape int_shape(const tf::Tensor& x) { return x.shape(); }
int ndim(const tf::Tensor& x) { return x.shape().rank(); }
std::string dtype(const tf::Tensor& x) { return np::dtype_name(x.dtype()); }
int64_t count_params(const tf::Variable& x) { return x.shape().num_elements(); }

np::Array eval(const tf::Tensor& x) { return get_session().run(x); }

np::Array get_value(const tf::Variable& x) { return get_session().run(x.value()); }

std::vector<np::Array> batch_get_value(const std::vector<tf::Variable>& xs) {
  if (xs.empty()) return {};
  std::vector<tf::Tensor> fetches;
  for (const tf::Variable& x : xs) fetches.push_back(x.value());
  return get_session().run(fetches);
}

void set_value(const tf::Variable& x, const np::Array& value) { batch_set_value({{x, value}}); }

// Runs each variable's initializer with its initial value fed: an assignment
// that needs no new ops, so setting weights repeatedly never grows the graph.
void batch_set_value(const std::vector<std::pair<tf::Variable, np::Array>>& tuples) {
  if (tuples.empty()) return;
  tf::FeedDict feeds;
  std::vector<tf::Operation> targets;
  for (const auto& [x, value] : tuples) {
    check_assignable(x, value);
    feeds.emplace_back(x.initial_value(), converted(value, x.dtype()));
    targets.push_back(x.initializer());
  }
  get_session().run(std::vector<tf::Tensor>{}, feeds, targets);
}

}  // namespace keras::backend
