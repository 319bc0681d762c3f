"""keras.layers: every Keras 2 layer Keras++ has, with Keras's positional and
keyword arguments (an unknown keyword raises TypeError, as Keras 2 does),
and the functional merge forms add(), concatenate(), ...

Each constructor turns its arguments into the layer's Keras config and
builds the layer with the class's registered from_config
(python/src/keras_layer_table.cc), so a layer accepts exactly the keys its
get_config writes plus Keras's common keywords (input_shape, input_dim,
batch_input_shape, batch_size, dtype, name, trainable, weights)."""
from keraspp._core import keras as _k
from keraspp._core.keras import Input, Lambda, Layer  # noqa: F401

# Every registered layer class (the models register too, but are not layers
# one makes from keywords).
_MODELS = ("Sequential", "Model", "Functional", "ReLU")  # ReLU: a reader of later files' spelling
_LAYER_NAMES = [n for n in _k._registered_layer_names() if n not in _MODELS]
globals().update({n: getattr(_k, n) for n in _LAYER_NAMES})

# Keras 2's aliases.
Convolution1D = Conv1D  # noqa: F821
Convolution2D = Conv2D  # noqa: F821
SeparableConvolution2D = SeparableConv2D  # noqa: F821
Deconvolution2D = Conv2DTranspose  # noqa: F821
MaxPool1D = MaxPooling1D  # noqa: F821
MaxPool2D = MaxPooling2D  # noqa: F821
AvgPool1D = AveragePooling1D  # noqa: F821
AvgPool2D = AveragePooling2D  # noqa: F821
GlobalMaxPool1D = GlobalMaxPooling1D  # noqa: F821
GlobalMaxPool2D = GlobalMaxPooling2D  # noqa: F821
GlobalAvgPool1D = GlobalAveragePooling1D  # noqa: F821
GlobalAvgPool2D = GlobalAveragePooling2D  # noqa: F821


# The functional forms of the merge layers: the layer made from **kwargs,
# called on the list of inputs (Keras 2's keras.layers.merge.add, ...).
def add(inputs, **kwargs):
    """Add()(inputs): their element-wise sum."""
    return Add(**kwargs)(inputs)  # noqa: F821


def subtract(inputs, **kwargs):
    """Subtract()(inputs): inputs[0] - inputs[1]."""
    return Subtract(**kwargs)(inputs)  # noqa: F821


def multiply(inputs, **kwargs):
    """Multiply()(inputs): their element-wise product."""
    return Multiply(**kwargs)(inputs)  # noqa: F821


def average(inputs, **kwargs):
    """Average()(inputs): their element-wise mean."""
    return Average(**kwargs)(inputs)  # noqa: F821


def maximum(inputs, **kwargs):
    """Maximum()(inputs): their element-wise maximum."""
    return Maximum(**kwargs)(inputs)  # noqa: F821


def concatenate(inputs, axis=-1, **kwargs):
    """Concatenate(axis)(inputs)."""
    return Concatenate(axis=axis, **kwargs)(inputs)  # noqa: F821


def dot(inputs, axes, normalize=False, **kwargs):
    """Dot(axes, normalize)(inputs)."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)  # noqa: F821


def serialize(layer):
    """{"class_name": ..., "config": layer.get_config()}."""
    return {"class_name": layer.__keras_class__, "config": layer.get_config()}


def deserialize(config, custom_objects=None):
    """The layer a {"class_name", "config"} dict describes."""
    if custom_objects:
        raise TypeError("keras.layers.deserialize: custom_objects are not supported; "
                        "use keras.models.load_model(..., custom_objects=...)")
    return _k._layer_from_config(config["class_name"], config["config"])


# Keras 2.0's submodules (`from keras.layers.recurrent import LSTM`), as
# aliases of this module's names.
_SUBMODULES = {
    "core": ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector", "Lambda",
             "ActivityRegularization", "Masking", "SpatialDropout1D", "SpatialDropout2D"],
    "convolutional": ["Conv1D", "Conv2D", "SeparableConv2D", "Conv2DTranspose", "UpSampling1D", "UpSampling2D",
                      "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D", "Convolution1D",
                      "Convolution2D", "SeparableConvolution2D", "Deconvolution2D"],
    "pooling": ["MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "GlobalMaxPooling1D",
                "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "MaxPool1D",
                "MaxPool2D", "AvgPool1D", "AvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalAvgPool1D",
                "GlobalAvgPool2D"],
    "recurrent": ["SimpleRNN", "GRU", "LSTM"],
    "embeddings": ["Embedding"],
    "normalization": ["BatchNormalization"],
    "advanced_activations": ["LeakyReLU", "PReLU", "ELU", "ThresholdedReLU"],
    "merge": ["Add", "Subtract", "Multiply", "Average", "Maximum", "Concatenate", "Dot", "add", "subtract",
              "multiply", "average", "maximum", "concatenate", "dot"],
    "wrappers": ["TimeDistributed", "Bidirectional"],
}


def _register_submodules():
    import sys
    import types

    for sub, names in _SUBMODULES.items():
        module = types.ModuleType(__name__ + "." + sub, "keras.layers.%s (Keras 2.0's layout)" % sub)
        module.__dict__.update({n: globals()[n] for n in names})
        module.__all__ = list(names)
        globals()[sub] = module
        sys.modules[module.__name__] = module


_register_submodules()

__all__ = _LAYER_NAMES + [
    "Input", "Layer", "Convolution1D", "Convolution2D", "SeparableConvolution2D", "Deconvolution2D",
    "MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D",
    "GlobalAvgPool1D", "GlobalAvgPool2D", "add", "subtract", "multiply", "average", "maximum",
    "concatenate", "dot", "serialize", "deserialize"]
