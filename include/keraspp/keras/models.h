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
#include "keraspp/keras/serialization.h"

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

// ---- model files (src/keras/saving) --------------------------------------------

// {"class_name": "Sequential" | "Model", "config": ...}: what to_json writes
// without keras_version / backend.
Config model_to_config(const Model& model);
// The model a config or JSON text describes (Keras 2.0.x-2.3.x, tf.keras
// 2.x); the layers are new (weights freshly initialised). ValueError
// "Unknown layer: Foo", or naming the missing key / bad value.
Model model_from_config(const Config& config, const CustomObjects& custom_objects = {});
Model model_from_json(const std::string& json, const CustomObjects& custom_objects = {});
// The keras_version Keras++ writes into files ("2.2.4": the Keras 2 layout it writes).
std::string keras_version();

struct LoadModelOptions {
  CustomObjects custom_objects = {};
  // Compile with the saved training_config and restore the optimizer state.
  bool compile = true;
};
// Keras 2's HDF5 model file (model.save / keras.models.save_model): config,
// weights, training config and optimizer state. The file is written to a
// temporary file in the same directory and renamed over `path`, so a failed
// save leaves a previous file intact.
void save_model(const Model& model, const std::string& path, bool include_optimizer = true);
// Reads what Keras 2.0.x-2.3.x, tf.keras 2.x and Keras++ write. IOError for
// a missing or unreadable file; ValueError naming the file and the part for
// malformed contents ("No model found in config file.", ...).
Model load_model(const std::string& path, const LoadModelOptions& options = {});
}  // namespace keras::models
