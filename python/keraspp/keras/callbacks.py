"""keras.callbacks: subclass Callback in Python; fit calls its on_* methods
(with the GIL) and passes logs as a dict."""


class Callback:
    def __init__(self):
        self.model = None
        self.params = {}

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


class History(Callback):
    """What fit returns: .epoch and .history (metric name -> per-epoch values)."""

    def __init__(self):
        super().__init__()
        self.epoch = []
        self.history = {}


class LambdaCallback(Callback):
    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None):
        super().__init__()
        noop = lambda *a: None  # noqa: E731
        self.on_epoch_begin = on_epoch_begin or noop
        self.on_epoch_end = on_epoch_end or noop
        self.on_batch_begin = on_batch_begin or noop
        self.on_batch_end = on_batch_end or noop
        self.on_train_begin = on_train_begin or noop
        self.on_train_end = on_train_end or noop
