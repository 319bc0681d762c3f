// The merge layers (Keras 2.0.x's _Merge family): Add, Subtract, Multiply,
// Average, Maximum, Concatenate, Dot, and their functional forms.
#include "keraspp/keras/layers/merge.h"

#include <functional>

#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "layer_config.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

namespace {

std::string shapes_str(const std::vector<tf::TensorShape>& shapes) {
  std::string s = "[";
  for (size_t i = 0; i < shapes.size(); ++i) s += (i ? ", " : "") + shapes[i].keras_str();
  return s + "]";
}

// An all-true mask [batch, ...] for an input without one (its last axis dropped).
tf::Tensor all_true_mask(const tf::Tensor& x) {
  return tf::equal(tf::reduce_sum(tf::zeros_like(x), -1), 0.0);
}

// Base of the merges: checks the list, and ANDs the input masks.
class MergeImpl : public LayerImpl {
 public:
  MergeImpl(const std::string& class_name, const engine::LayerOptions& o) : LayerImpl(class_name, o) {
    supports_masking = true;
  }
  void build(const std::vector<tf::TensorShape>& shapes) override {
    if (shapes.size() < 2)
      throw keraspp::ValueError("A merge layer should be called on a list of at least 2 inputs. Got " +
                                std::to_string(shapes.size()) + " inputs.");
    MergeImpl::compute_output_shape(shapes);  // Keras checks the shapes when building
  }
  std::vector<tf::Tensor> call(const std::vector<tf::Tensor>& inputs, const CallArgs&) override {
    if (inputs.size() < 2) throw keraspp::ValueError("A merge layer should be called on a list of inputs.");
    return {merge(inputs)};
  }
  virtual tf::Tensor merge(const std::vector<tf::Tensor>& inputs) = 0;
  // Elementwise merges: equal dims, or 1 broadcasting (Keras's
  // _compute_elemwise_op_output_shape); unknown dims stay unknown.
  std::vector<tf::TensorShape> compute_output_shape(const std::vector<tf::TensorShape>& shapes) override {
    tf::TensorShape out = shapes.at(0);
    for (size_t i = 1; i < shapes.size(); ++i) {
      const tf::TensorShape& s = shapes[i];
      if (!out.has_rank() || !s.has_rank() || out.rank() != s.rank()) {
        if (out.has_rank() && s.has_rank())
          throw keraspp::ValueError("Operands could not be broadcast together with shapes " + out.keras_str() +
                                    " " + s.keras_str());
        out = tf::TensorShape::unknown();
        continue;
      }
      std::vector<int64_t> d = out.dims();
      for (int k = 0; k < s.rank(); ++k) {
        const int64_t a = d[static_cast<size_t>(k)], b = s.dim(k);
        if (a == 1 || a < 0) d[static_cast<size_t>(k)] = (a < 0 && b == 1) ? -1 : b;
        else if (b != 1 && b >= 0 && a != b)
          throw keraspp::ValueError("Operands could not be broadcast together with shapes " + out.keras_str() +
                                    " " + s.keras_str());
      }
      out = tf::TensorShape(d);
    }
    return {out};
  }
  std::vector<tf::Tensor> compute_mask(const std::vector<tf::Tensor>& inputs,
                                       const std::vector<tf::Tensor>& masks) override {
    if (std::none_of(masks.begin(), masks.end(), [](const tf::Tensor& m) { return static_cast<bool>(m); }))
      return {tf::Tensor()};
    tf::Tensor all;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const tf::Tensor m = i < masks.size() && masks[i] ? masks[i] : all_true_mask(inputs[i]);
      all = all ? tf::logical_and(all, m) : m;
    }
    return {all};
  }
};

// A merge folding the inputs with a binary function.
class FoldImpl : public MergeImpl {
 public:
  using Fn = std::function<tf::Tensor(const tf::Tensor&, const tf::Tensor&)>;
  FoldImpl(const std::string& class_name, Fn fn, const MergeOptions& o)
      : MergeImpl(class_name, engine::common_options(o)), fn_(std::move(fn)) {}
  tf::Tensor merge(const std::vector<tf::Tensor>& inputs) override {
    if (class_name == "Subtract" && inputs.size() != 2)
      throw keraspp::ValueError("A `Subtract` layer should be called on exactly 2 inputs");
    tf::Tensor out = inputs[0];
    for (size_t i = 1; i < inputs.size(); ++i) out = fn_(out, inputs[i]);
    if (class_name == "Average") out = out / static_cast<double>(inputs.size());
    return out;
  }

 private:
  Fn fn_;
};

class ConcatenateImpl : public MergeImpl {
 public:
  explicit ConcatenateImpl(const ConcatenateOptions& o)
      : MergeImpl("Concatenate", engine::common_options(o)), axis(o.axis) {}
  void build(const std::vector<tf::TensorShape>& shapes) override {
    if (shapes.size() < 2)
      throw keraspp::ValueError("A `Concatenate` layer should be called on a list of at least 2 inputs");
    compute_output_shape(shapes);
  }
  tf::Tensor merge(const std::vector<tf::Tensor>& inputs) override { return K::concatenate(inputs, axis); }
  std::vector<tf::TensorShape> compute_output_shape(const std::vector<tf::TensorShape>& shapes) override {
    const tf::TensorShape& first = shapes.at(0);
    if (!first.has_rank()) return {tf::TensorShape::unknown()};
    const int rank = first.rank();
    const int ax = axis < 0 ? axis + rank : axis;
    std::vector<int64_t> d = first.dims();
    for (size_t i = 1; i < shapes.size(); ++i) {
      const tf::TensorShape& s = shapes[i];
      bool ok = s.has_rank() && s.rank() == rank && ax >= 0 && ax < rank;
      for (int k = 0; ok && k < rank; ++k) {
        if (k == ax) d[static_cast<size_t>(k)] = (d[static_cast<size_t>(k)] < 0 || s.dim(k) < 0) ? -1 : d[static_cast<size_t>(k)] + s.dim(k);
        else if (d[static_cast<size_t>(k)] >= 0 && s.dim(k) >= 0) ok = d[static_cast<size_t>(k)] == s.dim(k);
        else if (d[static_cast<size_t>(k)] < 0) d[static_cast<size_t>(k)] = s.dim(k);
      }
      if (!ok)
        throw keraspp::ValueError("`Concatenate` layer requires inputs with matching shapes except for the "
                                  "concat axis. Got inputs shapes: " + shapes_str(shapes));
    }
    return {tf::TensorShape(d)};
  }
  // On the feature axis the masks AND; on another axis they concatenate.
  std::vector<tf::Tensor> compute_mask(const std::vector<tf::Tensor>& inputs,
                                       const std::vector<tf::Tensor>& masks) override {
    const int rank = inputs.at(0).shape().rank();
    if (axis == -1 || axis == rank - 1) return MergeImpl::compute_mask(inputs, masks);
    if (std::none_of(masks.begin(), masks.end(), [](const tf::Tensor& m) { return static_cast<bool>(m); }))
      return {tf::Tensor()};
    std::vector<tf::Tensor> parts;
    for (size_t i = 0; i < inputs.size(); ++i)
      parts.push_back(i < masks.size() && masks[i] ? masks[i] : all_true_mask(inputs[i]));
    return {tf::concat(parts, axis)};
  }
  Config get_config() const override {
    Config c = LayerImpl::get_config();
    c["axis"] = axis;
    return c;
  }
  int axis;
};

class DotImpl : public MergeImpl {
 public:
  DotImpl(std::pair<int, int> a, bool single, const DotOptions& o)
      : MergeImpl("Dot", engine::common_options(o)), axes(a), axes_is_int(single), normalize(o.normalize) {}
  std::pair<int, int> resolved(int rank1, int rank2) const {
    auto wrap = [](int a, int r) { return a < 0 ? ((a % r) + r) % r : a; };
    return {wrap(axes.first, rank1), wrap(axes.second, rank2)};
  }
  void build(const std::vector<tf::TensorShape>& shapes) override {
    if (shapes.size() != 2) throw keraspp::ValueError("A `Dot` layer should be called on a list of 2 inputs.");
    const tf::TensorShape &s1 = shapes[0], &s2 = shapes[1];
    if (!s1.has_rank() || !s2.has_rank()) return;
    const auto [a1, a2] = resolved(s1.rank(), s2.rank());
    if (s1.dim(a1) != s2.dim(a2))
      throw keraspp::ValueError("Dimension incompatibility " + std::to_string(s1.dim(a1)) + " != " +
                                std::to_string(s2.dim(a2)) + ". Layer shapes: " + s1.keras_str() + ", " +
                                s2.keras_str());
  }
  tf::Tensor merge(const std::vector<tf::Tensor>& inputs) override {
    if (inputs.size() != 2) throw keraspp::ValueError("A `Dot` layer should be called on a list of 2 inputs.");
    tf::Tensor x1 = inputs[0], x2 = inputs[1];
    const auto a = resolved(x1.shape().rank(), x2.shape().rank());
    if (normalize) {
      x1 = K::l2_normalize(x1, a.first);
      x2 = K::l2_normalize(x2, a.second);
    }
    return K::batch_dot(x1, x2, a);
  }
  std::vector<tf::TensorShape> compute_output_shape(const std::vector<tf::TensorShape>& shapes) override {
    std::vector<int64_t> d1 = shapes.at(0).dims(), d2 = shapes.at(1).dims();
    const auto [a1, a2] = resolved(static_cast<int>(d1.size()), static_cast<int>(d2.size()));
    d1.erase(d1.begin() + a1);
    d2.erase(d2.begin() + a2);
    d2.erase(d2.begin());
    d1.insert(d1.end(), d2.begin(), d2.end());
    if (d1.size() == 1) d1.push_back(1);
    return {tf::TensorShape(d1)};
  }
  std::vector<tf::Tensor> compute_mask(const std::vector<tf::Tensor>&, const std::vector<tf::Tensor>&) override {
    return {tf::Tensor()};
  }
  Config get_config() const override {
    Config c = LayerImpl::get_config();
    if (axes_is_int) c["axes"] = axes.first;
    else c["axes"] = std::vector<int64_t>{axes.first, axes.second};
    c["normalize"] = normalize;
    return c;
  }
  std::pair<int, int> axes;
  bool axes_is_int, normalize;
};

tf::Tensor plus(const tf::Tensor& a, const tf::Tensor& b) { return a + b; }
tf::Tensor minus(const tf::Tensor& a, const tf::Tensor& b) { return a - b; }
tf::Tensor times(const tf::Tensor& a, const tf::Tensor& b) { return a * b; }
tf::Tensor larger(const tf::Tensor& a, const tf::Tensor& b) { return K::maximum(a, b); }

}  // namespace

Add::Add(const MergeOptions& o) : Layer(std::make_shared<FoldImpl>("Add", plus, o)) {}
Subtract::Subtract(const MergeOptions& o) : Layer(std::make_shared<FoldImpl>("Subtract", minus, o)) {}
Multiply::Multiply(const MergeOptions& o) : Layer(std::make_shared<FoldImpl>("Multiply", times, o)) {}
Average::Average(const MergeOptions& o) : Layer(std::make_shared<FoldImpl>("Average", plus, o)) {}
Maximum::Maximum(const MergeOptions& o) : Layer(std::make_shared<FoldImpl>("Maximum", larger, o)) {}
Concatenate::Concatenate(const ConcatenateOptions& o) : Layer(std::make_shared<ConcatenateImpl>(o)) {}
Dot::Dot(int axes, const DotOptions& o) : Layer(std::make_shared<DotImpl>(std::pair{axes, axes}, true, o)) {}
Dot::Dot(std::pair<int, int> axes, const DotOptions& o) : Layer(std::make_shared<DotImpl>(axes, false, o)) {}

// ---- from_config (Keras 2.x, tf.keras and Keras 3 spellings) ---------------------

namespace {

template <class MergeLayer> LayerFactory merge_from_config() {
  return [](const Config& c, const CustomObjects&) -> Layer { return MergeLayer(with_common_options(MergeOptions{}, c)); };
}

Layer concatenate_from_config(const Config& c, const CustomObjects&) {
  ConcatenateOptions o = with_common_options(ConcatenateOptions{}, c);
  o.axis = static_cast<int>(saving::optional_int(c, "axis", layer_config::what(c, "Concatenate")).value_or(-1));
  return Concatenate(o);
}

// axes: an int or a pair [a1, a2].
Layer dot_from_config(const Config& c, const CustomObjects&) {
  const std::string w = layer_config::what(c, "Dot");
  DotOptions o = with_common_options(DotOptions{}, c);
  if (const Config* v = saving::find(c, "normalize")) o.normalize = saving::as_bool(*v, w + " 'normalize'");
  const Config& axes = saving::require(c, "axes", w);
  if (!axes.is_array()) return Dot(static_cast<int>(saving::as_int(axes, w + " 'axes'")), o);
  const backend::IntPair p = layer_config::int_pair(axes, w + " 'axes'");
  return Dot(std::pair<int, int>{static_cast<int>(p.rows), static_cast<int>(p.cols)}, o);
}

[[maybe_unused]] const LayerRegistration kAdd("Add", merge_from_config<Add>());
[[maybe_unused]] const LayerRegistration kSubtract("Subtract", merge_from_config<Subtract>());
[[maybe_unused]] const LayerRegistration kMultiply("Multiply", merge_from_config<Multiply>());
[[maybe_unused]] const LayerRegistration kAverage("Average", merge_from_config<Average>());
[[maybe_unused]] const LayerRegistration kMaximum("Maximum", merge_from_config<Maximum>());
[[maybe_unused]] const LayerRegistration kConcatenate("Concatenate", concatenate_from_config);
[[maybe_unused]] const LayerRegistration kDot("Dot", dot_from_config);

}  // namespace

tf::Tensor add(const std::vector<tf::Tensor>& inputs, const MergeOptions& o) { return Add(o)(inputs).at(0); }
tf::Tensor subtract(const std::vector<tf::Tensor>& inputs, const MergeOptions& o) {
  return Subtract(o)(inputs).at(0);
}
tf::Tensor multiply(const std::vector<tf::Tensor>& inputs, const MergeOptions& o) {
  return Multiply(o)(inputs).at(0);
}
tf::Tensor average(const std::vector<tf::Tensor>& inputs, const MergeOptions& o) {
  return Average(o)(inputs).at(0);
}
tf::Tensor maximum(const std::vector<tf::Tensor>& inputs, const MergeOptions& o) {
  return Maximum(o)(inputs).at(0);
}
tf::Tensor concatenate(const std::vector<tf::Tensor>& inputs, const ConcatenateOptions& o) {
  return Concatenate(o)(inputs).at(0);
}
tf::Tensor dot(const std::vector<tf::Tensor>& inputs, std::pair<int, int> axes, const DotOptions& o) {
  return Dot(axes, o)(inputs).at(0);
}

}  // namespace keras::layers
