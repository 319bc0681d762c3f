// Private: what the model file formats share. Keras 2's HDF5 files
// (hdf5_format.cc) and Keras 3's .keras archives (keras_archive.cc) read and
// write the same training configuration, the latter in Keras 3's spelling
// (keras3_config.cc).
#pragma once
#include <string>

#include "../engine/training_state.h"
#include "hdf5.h"
#include "keraspp/keras/models.h"
#include "keraspp/keras/serialization.h"

namespace keras::saving {

// Keras 2's training_config: {"optimizer_config", "loss", "metrics",
// "sample_weight_mode", "loss_weights"}.
Config training_config(const engine::TrainingState& state);
// The compile arguments a Keras 2 / tf.keras training_config describes.
engine::CompileOptions compile_options(const Config& training_config, const CustomObjects& objects);

// ---- Keras 3 .keras archives ----

// Whether `path` names a .keras archive (by its extension, as Keras 3 decides).
bool is_keras_archive_path(const std::string& path);
void save_keras_archive(const engine::Model& model, const std::string& path, bool include_optimizer);
engine::Model load_keras_archive(const std::string& path, const models::LoadModelOptions& options);
// Whether save_weights(path) writes Keras 3's layout: a path ending in
// ".weights.h5", the name Keras 3's save_weights requires.
bool is_keras3_weights_path(const std::string& path);
// The model's weights in Keras 3's layout (/layers/<group>/vars/<i>, as
// Keras 3's save_weights writes them) at `root`.
void save_keras3_weights(const engine::Model& model, const h5::Group& root);
// Keras 3's weights layout (model.weights.h5, or a Keras 3 save_weights
// file) at `root` into `model`, every count and shape checked before any
// weight is assigned.
void load_keras3_weights(const engine::Model& model, const h5::Group& root);

// Keras 3's config.json from Keras++'s (Keras 2) configs: {"module",
// "class_name", "config", "registered_name", "build_config"(,
// "compile_config")}.
Config keras3_model_config(const engine::Model& model);
Config keras3_compile_config(const engine::TrainingState& state);
// Throws ValueError naming the layer when a Keras 3 config.json uses
// hard_sigmoid (Keras 3's differs from Keras 2's, which Keras++ computes).
void check_keras3_layer_configs(const Config& config);
// Whether a Keras 3 functional config's layer entry is an op (module
// keras.src.ops.*: the NotEqual / Any that compute masks), not a layer.
bool is_keras3_op_layer(const Config& entry);
// Keras 3's compile_config read as a Keras 2 training_config.
Config training_config_from_keras3(const Config& compile_config);

// Keras's naming.to_snake_case ("Conv2D" -> "conv2d", "PReLU" -> "p_re_lu"):
// Keras 3 names a layer's group in model.weights.h5 by its class.
std::string to_snake_case(const std::string& class_name);

}  // namespace keras::saving
