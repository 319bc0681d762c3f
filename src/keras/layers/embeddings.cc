// Embedding (Keras 2.0.x): a gather of rows of the weight "embeddings".
#include "keraspp/keras/layers/embeddings.h"

#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/config.h"
#include "layer_config.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

namespace {

// Keras sets dtype='int32' and, without input_shape, (input_length,).
engine::LayerOptions embedding_common(const EmbeddingOptions& o) {
  engine::LayerOptions c = engine::common_options(o);
  c.input_dim = std::nullopt;
  c.dtype = "int32";
  if (!c.input_shape && !c.batch_input_shape)
    c.input_shape = std::vector<int64_t>{o.input_length.value_or(-1)};
  return c;
}

class EmbeddingImpl : public UnaryLayerImpl {
 public:
  EmbeddingImpl(int64_t in, int64_t out, const EmbeddingOptions& o)
      : UnaryLayerImpl("Embedding", embedding_common(o)), input_dim(in), output_dim(out), options(o) {
    if (input_dim <= 0 || output_dim <= 0)
      throw keraspp::ValueError("Layer " + name + ": `input_dim` and `output_dim` must be positive, got " +
                                std::to_string(input_dim) + " and " + std::to_string(output_dim));
    activity_regularizer = o.activity_regularizer;
    supports_masking = o.mask_zero;
  }
  void build(const tf::TensorShape&) override {
    embeddings = add_weight("embeddings", {input_dim, output_dim}, options.embeddings_initializer,
                            options.embeddings_regularizer, true, options.embeddings_constraint);
  }
  tf::Tensor call(const tf::Tensor& x, const CallArgs&) override {
    return K::gather(embeddings.value(), K::dtype(x) == "int32" ? x : K::cast(x, "int32"));
  }
  std::vector<tf::Tensor> compute_mask(const std::vector<tf::Tensor>& inputs,
                                       const std::vector<tf::Tensor>&) override {
    if (!options.mask_zero) return {tf::Tensor()};
    return {K::not_equal(inputs.at(0), 0)};
  }
  tf::TensorShape compute_output_shape(const tf::TensorShape& s) override {
    std::vector<int64_t> d = s.has_rank() ? s.dims() : std::vector<int64_t>{-1, -1};
    if (options.input_length && d.size() >= 2) d[1] = *options.input_length;
    d.push_back(output_dim);
    return tf::TensorShape(d);
  }
  Config get_config() const override {
    Config c = LayerImpl::get_config();
    c["input_dim"] = input_dim;
    c["output_dim"] = output_dim;
    c["embeddings_initializer"] = serialize(options.embeddings_initializer.get());
    c["embeddings_regularizer"] = serialize(options.embeddings_regularizer);
    c["activity_regularizer"] = serialize(options.activity_regularizer);
    c["embeddings_constraint"] = serialize(options.embeddings_constraint);
    c["mask_zero"] = options.mask_zero;
    c["input_length"] = options.input_length ? Config(*options.input_length) : Config(nullptr);
    return c;
  }
  int64_t input_dim, output_dim;
  EmbeddingOptions options;
  tf::Variable embeddings;
};

}  // namespace

Embedding::Embedding(int64_t input_dim, int64_t output_dim, const EmbeddingOptions& options)
    : Layer(std::make_shared<EmbeddingImpl>(input_dim, output_dim, options)) {}

namespace {

// Keras 2.x, tf.keras and Keras 3 (which has no input_length) spellings.
Layer embedding_from_config(const Config& c, const CustomObjects& objects) {
  const std::string w = layer_config::what(c, "Embedding");
  EmbeddingOptions o = with_common_options(EmbeddingOptions{}, c);
  if (const Config* v = saving::find(c, "embeddings_initializer"))
    o.embeddings_initializer = initializers::deserialize(*v, objects);
  o.embeddings_regularizer = regularizers::deserialize(c.value("embeddings_regularizer", Config()), objects);
  o.activity_regularizer = regularizers::deserialize(c.value("activity_regularizer", Config()), objects);
  o.embeddings_constraint = constraints::deserialize(c.value("embeddings_constraint", Config()), objects);
  if (const Config* v = saving::find(c, "mask_zero")) o.mask_zero = saving::as_bool(*v, w + " 'mask_zero'");
  o.input_length = saving::optional_int(c, "input_length", w);
  return Embedding(saving::as_int(saving::require(c, "input_dim", w), w + " 'input_dim'"),
                   saving::as_int(saving::require(c, "output_dim", w), w + " 'output_dim'"), o);
}

[[maybe_unused]] const LayerRegistration kEmbedding("Embedding", embedding_from_config);

}  // namespace

}  // namespace keras::layers
