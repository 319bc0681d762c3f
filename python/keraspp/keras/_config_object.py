"""The base of keras.initializers / regularizers / constraints objects: a
Keras class name and its config. Layers take them through their configs
({"class_name": ..., "config": ...}), which the C++ registries read."""


class ConfigObject:
    """Subclasses set _keras_class and keep their arguments in _config."""

    _keras_class = ""

    def __init__(self, **config):
        self._config = config

    def get_config(self):
        return dict(self._config)

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _keras_config(self):
        return {"class_name": self._keras_class or type(self).__name__, "config": self.get_config()}

    def __repr__(self):
        args = ", ".join("%s=%r" % kv for kv in self._config.items())
        return "%s(%s)" % (type(self).__name__, args)


def get(module_name, identifier, table):
    """Keras's get(identifier): None, a name, a {"class_name", "config"} dict,
    or an object (returned as is)."""
    if identifier is None or isinstance(identifier, ConfigObject) or callable(identifier):
        return identifier
    if isinstance(identifier, str):
        return identifier
    if isinstance(identifier, dict):
        cls = table.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError("Unknown %s: %s" % (module_name, identifier.get("class_name")))
        return cls.from_config(identifier.get("config", {}))
    raise ValueError("Could not interpret %s identifier: %r" % (module_name, identifier))
