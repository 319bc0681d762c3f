// TimeDistributed and Bidirectional (Keras 2.0.x's wrappers.py).
#include "keraspp/keras/layers/wrappers.h"

#include "../saving/config_reader.h"
#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/keras/layers/recurrent.h"
#include "keraspp/keras/serialization.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/strided_slice.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

namespace {

// Builds `child` for these shapes under the current name scope (so its
// weights are prefixed by the wrapper's name), as Keras's wrappers do.
void build_child(const Layer& child, const std::vector<tf::TensorShape>& shapes) {
  if (child.built()) return;
  child.impl().build(shapes);
  child.impl().built = true;
}

// ---- TimeDistributed -------------------------------------------------------------

class TimeDistributedImpl : public UnaryLayerImpl {
 public:
  TimeDistributedImpl(const Layer& l, const TimeDistributedOptions& o)
      : UnaryLayerImpl("TimeDistributed", engine::common_options(o)), layer(l) {
    supports_masking = true;
    input_spec = {InputSpec{.min_ndim = 3}};
  }
  // [batch, time, rest...] -> [batch, rest...] (what the wrapped layer sees).
  static tf::TensorShape child_shape(const tf::TensorShape& s) {
    std::vector<int64_t> d = {s.dim(0)};
    for (int i = 2; i < s.rank(); ++i) d.push_back(s.dim(i));
    return tf::TensorShape(d);
  }
  void build(const tf::TensorShape& s) override {
    input_spec = {InputSpec{.shape = s.dims()}};
    build_child(layer, {child_shape(s)});
    uses_learning_phase = layer.impl().uses_learning_phase;
  }
  // x [batch, time, rest...] -> the wrapped layer on [batch * time, rest...]
  // -> [batch, time, out...]; an unknown time dimension is read at run time
  // (Keras's K.shape(inputs)[1]).
  tf::Tensor call(const tf::Tensor& x, const CallArgs& args) override {
    const tf::TensorShape s = engine::keras_shape(x);
    std::vector<int64_t> flat = {-1};
    for (int i = 2; i < s.rank(); ++i) flat.push_back(s.dim(i));
    const tf::Tensor y = layer.impl().call({K::reshape(x, flat)}, CallArgs{.training = args.training}).at(0);
    std::vector<int64_t> out = compute_output_shape(s).dims();
    out[0] = -1;
    if (s.dim(1) >= 0) return K::reshape(y, out);
    std::vector<int32_t> rest;
    for (size_t i = 2; i < out.size(); ++i) rest.push_back(static_cast<int32_t>(out[i]));
    const tf::Tensor shape = tf::concat(
        {tf::constant(np::Array::from_vector<int32_t>({-1}, {1})), tf::strided_slice(tf::shape(x), std::vector<int64_t>{1}, std::vector<int64_t>{2}),
         tf::constant(np::Array::from_vector<int32_t>(rest, {static_cast<int64_t>(rest.size())}))},
        0);
    tf::Tensor r = tf::reshape(y, shape);
    r.set_shape(tf::TensorShape(out));
    return r;
  }
  tf::TensorShape compute_output_shape(const tf::TensorShape& s) override {
    const tf::TensorShape c = layer.impl().compute_output_shape({child_shape(s)}).at(0);
    std::vector<int64_t> d = {s.dim(0), s.dim(1)};
    for (int i = 1; i < c.rank(); ++i) d.push_back(c.dim(i));
    return tf::TensorShape(d);
  }
  std::vector<tf::Variable> trainable_weights() const override { return layer.impl().trainable_weights(); }
  std::vector<tf::Variable> non_trainable_weights() const override { return layer.impl().non_trainable_weights(); }
  std::vector<tf::Tensor> losses() const override { return layer.impl().losses(); }
  std::vector<std::pair<tf::Variable, constraints::Constraint>> constraints() const override {
    return layer.impl().constraints();
  }
  Config get_config() const override {
    Config c = LayerImpl::get_config();
    c["layer"] = serialize(layer);
    return c;
  }
  Layer layer;
};

// ---- Bidirectional -----------------------------------------------------------------

// A copy of a recurrent layer from its config, renamed (and reversed).
Layer recurrent_copy(const Layer& layer, const std::string& prefix, bool flip) {
  Config config = layer.get_config();
  config["name"] = prefix + layer.name();
  if (flip) config["go_backwards"] = !config.value("go_backwards", false);
  return deserialize(Config{{"class_name", layer.class_name()}, {"config", config}});
}

class BidirectionalImpl : public LayerImpl {
 public:
  BidirectionalImpl(const Layer& l, const BidirectionalOptions& o)
      : LayerImpl("Bidirectional", engine::common_options(o)), layer(l), merge_mode(o.merge_mode) {
    if (merge_mode && *merge_mode != "sum" && *merge_mode != "mul" && *merge_mode != "ave" &&
        *merge_mode != "concat")
      throw keraspp::ValueError(
          "Invalid merge mode. Merge mode should be one of {\"sum\", \"mul\", \"ave\", \"concat\", None}");
    if (!dynamic_cast<RecurrentImpl*>(&l.impl()))
      throw keraspp::ValueError("Layer " + name + ": Bidirectional wraps a recurrent layer (SimpleRNN, LSTM, GRU), got " +
                                l.class_name());
    forward = recurrent_copy(l, "forward_", false);
    backward = recurrent_copy(l, "backward_", true);
    supports_masking = true;
    uses_learning_phase = l.impl().uses_learning_phase;
    return_sequences = static_cast<RecurrentImpl&>(l.impl()).options.return_sequences;
  }
  void build(const std::vector<tf::TensorShape>& shapes) override {
    for (const Layer& child : {forward, backward}) {
      tf::name_scope scope(child.name());
      build_child(child, shapes);
    }
  }
  std::vector<tf::Tensor> call(const std::vector<tf::Tensor>& inputs, const CallArgs& args) override {
    const tf::Tensor y = forward.impl().call(inputs, args).at(0);
    tf::Tensor y_rev = backward.impl().call(inputs, args).at(0);
    if (return_sequences) y_rev = K::reverse(y_rev, {1});
    if (!merge_mode) return {y, y_rev};
    if (*merge_mode == "concat") return {K::concatenate({y, y_rev}, -1)};
    if (*merge_mode == "sum") return {y + y_rev};
    if (*merge_mode == "ave") return {(y + y_rev) / 2.0};
    return {y * y_rev};
  }
  std::vector<tf::TensorShape> compute_output_shape(const std::vector<tf::TensorShape>& shapes) override {
    const tf::TensorShape s = forward.impl().compute_output_shape(shapes).at(0);
    if (!merge_mode) return {s, s};
    if (*merge_mode != "concat") return {s};
    std::vector<int64_t> d = s.dims();
    d.back() *= 2;
    return {tf::TensorShape(d)};
  }
  std::vector<tf::Tensor> compute_mask(const std::vector<tf::Tensor>&, const std::vector<tf::Tensor>& masks) override {
    const tf::Tensor m = return_sequences && !masks.empty() ? masks[0] : tf::Tensor();
    if (!merge_mode) return {m, m};
    return {m};
  }
  std::vector<tf::Variable> trainable_weights() const override { return both(&LayerImpl::trainable_weights); }
  std::vector<tf::Variable> non_trainable_weights() const override { return both(&LayerImpl::non_trainable_weights); }
  std::vector<tf::Tensor> losses() const override {
    std::vector<tf::Tensor> l = forward.impl().losses(), b = backward.impl().losses();
    l.insert(l.end(), b.begin(), b.end());
    return l;
  }
  std::vector<std::pair<tf::Variable, constraints::Constraint>> constraints() const override {
    auto c = forward.impl().constraints(), b = backward.impl().constraints();
    c.insert(c.end(), b.begin(), b.end());
    return c;
  }
  Config get_config() const override {
    Config c = LayerImpl::get_config();
    c["layer"] = serialize(layer);
    c["merge_mode"] = merge_mode ? Config(*merge_mode) : Config(nullptr);
    return c;
  }

  std::vector<tf::Variable> both(std::vector<tf::Variable> (LayerImpl::*get)() const) const {
    std::vector<tf::Variable> w = (forward.impl().*get)(), b = (backward.impl().*get)();
    w.insert(w.end(), b.begin(), b.end());
    return w;
  }

  Layer layer, forward, backward;
  std::optional<std::string> merge_mode;
  bool return_sequences = false;
};

Layer wrapped_layer(const Config& c, const CustomObjects& objects, const std::string& cls) {
  const std::string w = "Layer " + c.value("name", std::string("?")) + " (" + cls + ")";
  return deserialize(saving::require(c, "layer", w), objects);
}

const LayerRegistration kTimeDistributed("TimeDistributed", [](const Config& c, const CustomObjects& objects) -> Layer {
  return TimeDistributed(wrapped_layer(c, objects, "TimeDistributed"),
                         with_common_options(TimeDistributedOptions{}, c));
});
const LayerRegistration kBidirectional("Bidirectional", [](const Config& c, const CustomObjects& objects) -> Layer {
  BidirectionalOptions o = with_common_options(BidirectionalOptions{}, c);
  if (c.contains("merge_mode"))
    o.merge_mode = c["merge_mode"].is_null()
                       ? std::nullopt
                       : std::optional<std::string>(saving::as_string(c["merge_mode"], "Bidirectional 'merge_mode'"));
  return Bidirectional(wrapped_layer(c, objects, "Bidirectional"), o);
});

}  // namespace

TimeDistributed::TimeDistributed(const Layer& layer, const TimeDistributedOptions& options)
    : Layer(std::make_shared<TimeDistributedImpl>(layer, options)) {}

Bidirectional::Bidirectional(const Layer& layer, const BidirectionalOptions& options)
    : Layer(std::make_shared<BidirectionalImpl>(layer, options)) {}

Layer Bidirectional::forward_layer() const { return static_cast<BidirectionalImpl&>(*impl_).forward; }
Layer Bidirectional::backward_layer() const { return static_cast<BidirectionalImpl&>(*impl_).backward; }

}  // namespace keras::layers
