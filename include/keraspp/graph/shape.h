// tf::TensorShape: a static shape whose rank or dimensions may be unknown (-1,
// printed "?" / "None"), as TensorFlow's graph-construction shapes are.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace tf {

class TensorShape {
 public:
  // Unknown rank.
  TensorShape() : known_rank_(false) {}
  // Known rank; -1 marks an unknown dimension.
  TensorShape(std::initializer_list<int64_t> dims) : known_rank_(true), dims_(dims) {}
  TensorShape(std::vector<int64_t> dims) : known_rank_(true), dims_(std::move(dims)) {}
  static TensorShape unknown() { return {}; }
  static TensorShape scalar() { return TensorShape(std::vector<int64_t>{}); }

  bool has_rank() const { return known_rank_; }
  int rank() const { return known_rank_ ? static_cast<int>(dims_.size()) : -1; }
  int64_t dim(int i) const { return dims_.at(static_cast<size_t>(i < 0 ? i + rank() : i)); }
  const std::vector<int64_t>& dims() const { return dims_; }
  bool fully_defined() const;
  // Element count, or -1 when not fully defined.
  int64_t num_elements() const;
  // True if a concrete shape `s` could be a value of this shape.
  bool is_compatible_with(const std::vector<int64_t>& s) const;
  bool is_compatible_with(const TensorShape& s) const;
  // The more specific of two compatible shapes.
  TensorShape merge_with(const TensorShape& other) const;

  // "(?, 784)" as Tensor printing shows it; "<unknown>" for unknown rank.
  std::string str() const;
  // "[?,784]" as error messages show it; "?" for unknown rank.
  std::string debug_str() const;
  // "(None, 784)" as Keras prints shapes.
  std::string keras_str() const;

  bool operator==(const TensorShape& o) const {
    return known_rank_ == o.known_rank_ && dims_ == o.dims_;
  }

 private:
  bool known_rank_;
  std::vector<int64_t> dims_;
};

}  // namespace tf
