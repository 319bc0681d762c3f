// keras.models (Keras 2.0.2): Model (the functional API, engine/model.h) and
// Sequential, a linear stack of layers.
//
//   keras::models::Sequential model;
//   model.add(keras::layers::Dense(512, {.input_dim = 784}));
//   model.add(keras::layers::Activation("relu"));
//   model.summary();
//
// The first layer added must know its input shape (input_shape, input_dim or
// batch_input_shape): Sequential creates the input `<layer name>_input` from it.
#pragma once
#include <string>
#include <vector>

#include "keraspp/keras/engine/model.h"

namespace keras::engine {

class SequentialImpl : public ModelImpl {
 public:
  explicit SequentialImpl(const std::string& name = "");
  void add(const Layer& layer);
  void pop();
  // Computes the container topology from the stack when it changed.
  void ensure_built() override;
  Config get_config() const override;

 private:
  bool topology_current_ = false;
};

class Sequential : public Model {
 public:
  explicit Sequential(const std::string& name = "");
  Sequential(const std::vector<Layer>& layers, const std::string& name = "");

  // Appends a layer, connecting it to the current output. ValueError (Keras's
  // texts) when the first layer has no input shape, when a layer is already
  // connected elsewhere, or has several outputs.
  void add(const Layer& layer) const;
  // Removes the last layer. TypeError "There are no layers in the model."
  void pop() const;

  SequentialImpl& sequential_impl() const;
};

}  // namespace keras::engine

namespace keras::models {
using engine::Model;
using engine::Sequential;
}  // namespace keras::models
