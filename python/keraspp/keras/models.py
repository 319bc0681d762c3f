"""keras.models: Sequential and the functional Model."""
from keraspp._core.keras import (  # noqa: F401
    Model, Sequential, load_model, model_from_config, model_from_json, save_model,
)
from keraspp.keras import callbacks as _callbacks
from keraspp.keras.engine import training_generator as _generators

_FIT_ARGS = ("batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data",
             "shuffle", "class_weight", "sample_weight", "initial_epoch")


def _fit(self, x=None, y=None, batch_size=32, epochs=1, verbose=1, callbacks=None,
         validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
         sample_weight=None, initial_epoch=0, **kwargs):
    """Trains the model; the GIL is released while batches run and Ctrl-C
    stops training between batches (KeyboardInterrupt is raised after)."""
    if "nb_epoch" in kwargs:  # Keras 2.0 still takes the Keras 1 name
        epochs = kwargs.pop("nb_epoch")
    if kwargs:
        raise TypeError("Unrecognized keyword arguments: " + str(kwargs))
    callbacks = list(callbacks or [])
    history = _callbacks.History()
    for cb in callbacks + [history]:
        cb.set_model(self)
        cb.set_params({"batch_size": batch_size, "epochs": epochs, "verbose": verbose,
                       "do_validation": validation_data is not None or validation_split > 0})
    epoch, hist = self._fit(x, y, batch_size, epochs, verbose, callbacks, validation_split,
                            validation_data, shuffle, class_weight, sample_weight, initial_epoch)
    history.epoch = list(epoch)
    history.history = dict(hist)
    return history


Model.fit = _fit
Model.fit_generator = _generators.fit_generator
Model.evaluate_generator = _generators.evaluate_generator
Model.predict_generator = _generators.predict_generator

# A Python layer comes back as the object the user made (with its attributes).
_layers = Model.layers
_get_layer = Model.get_layer
Model.layers = property(lambda self: [l._python_object() for l in _layers.fget(self)],
                        doc=_layers.__doc__)
Model.get_layer = lambda self, name=None, index=None: _get_layer(self, name, index)._python_object()
