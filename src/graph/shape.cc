// tf::TensorShape: printing and compatibility rules.
#include "keraspp/graph/shape.h"

#include "keraspp/errors.h"

namespace tf {

bool TensorShape::fully_defined() const {
  if (!known_rank_) return false;
  for (int64_t d : dims_)
    if (d < 0) return false;
  return true;
}

int64_t TensorShape::num_elements() const {
  if (!fully_defined()) return -1;
  int64_t n = 1;
  for (int64_t d : dims_)
    if (__builtin_mul_overflow(n, d, &n))
      throw keraspp::ValueError("Encountered overflow computing the number of elements of shape " +
                       debug_str());
  return n;
}

bool TensorShape::is_compatible_with(const std::vector<int64_t>& s) const {
  if (!known_rank_) return true;
  if (s.size() != dims_.size()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (dims_[i] >= 0 && dims_[i] != s[i]) return false;
  return true;
}

bool TensorShape::is_compatible_with(const TensorShape& s) const {
  if (!known_rank_ || !s.known_rank_) return true;
  if (s.dims_.size() != dims_.size()) return false;
  for (size_t i = 0; i < dims_.size(); ++i)
    if (dims_[i] >= 0 && s.dims_[i] >= 0 && dims_[i] != s.dims_[i]) return false;
  return true;
}

TensorShape TensorShape::merge_with(const TensorShape& other) const {
  if (!known_rank_) return other;
  if (!other.known_rank_) return *this;
  std::vector<int64_t> d = dims_;
  for (size_t i = 0; i < d.size() && i < other.dims_.size(); ++i)
    if (d[i] < 0) d[i] = other.dims_[i];
  return TensorShape(d);
}

namespace {
std::string join_dims(const std::vector<int64_t>& dims, const char* unknown, const char* sep) {
  std::string out;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) out += sep;
    out += dims[i] < 0 ? std::string(unknown) : std::to_string(dims[i]);
  }
  return out;
}
}  // namespace

std::string TensorShape::str() const {
  if (!known_rank_) return "<unknown>";
  std::string s = "(" + join_dims(dims_, "?", ", ");
  if (dims_.size() == 1) s += ",";
  return s + ")";
}

std::string TensorShape::debug_str() const {
  if (!known_rank_) return "?";
  return "[" + join_dims(dims_, "?", ",") + "]";
}

std::string TensorShape::keras_str() const {
  if (!known_rank_) return "None";
  std::string s = "(" + join_dims(dims_, "None", ", ");
  if (dims_.size() == 1) s += ",";
  return s + ")";
}

}  // namespace tf
