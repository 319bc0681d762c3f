"""Model.fit_generator / evaluate_generator / predict_generator (Keras 2.0's
engine/training.py): batches come from a Python generator or a
keras.utils.Sequence; each one runs through train_on_batch / test_on_batch /
predict_on_batch, which release the GIL, so `workers` threads can produce
the next batches while the C++ core trains on the current one. With
use_multiprocessing=True a Sequence's batches come from `workers` spawned
processes instead (a plain generator is a ValueError there)."""
import collections
import multiprocessing
import numbers
import queue
import threading

import numpy as np

from keraspp.keras import callbacks as cbks
from keraspp.keras.utils.data_utils import Sequence
from keraspp.keras.utils.generic_utils import Progbar

_GENERATOR_OUTPUT_ERROR = ("output of generator should be a tuple `(x, y, sample_weight)` "
                           "or `(x, y)`. Found: ")


class _Enqueuer:
    """Runs a generator (or walks a Sequence) in `workers` threads, keeping up
    to max_queue_size batches ready. An exception in a worker is raised by
    get() in the caller's thread."""

    def __init__(self, data, workers, max_queue_size, shuffle):
        self._data = data
        self._is_sequence = isinstance(data, Sequence)
        self._shuffle = shuffle
        self._queue = queue.Queue(max(1, max_queue_size))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._order = []
        self._threads = [threading.Thread(target=self._work, daemon=True)
                         for _ in range(max(1, workers))]
        for t in self._threads:
            t.start()

    def _next_item(self):
        with self._lock:  # one generator is not safe to advance from two threads
            if not self._is_sequence:
                return next(self._data)
            if not self._order:
                self._order = list(range(len(self._data)))
                if self._shuffle:
                    np.random.shuffle(self._order)
                self._order.reverse()
            index = self._order.pop()
            if not self._order:
                self._data.on_epoch_end()
        return self._data[index]

    def _work(self):
        while not self._stop.is_set():
            try:
                item = (True, self._next_item())
            except BaseException as e:  # noqa: B036 - handed to the caller
                item = (False, e)
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.05)
                    break
                except queue.Full:
                    continue
            if not item[0]:
                return

    def get(self):
        ok, value = self._queue.get()
        if not ok:
            if isinstance(value, StopIteration):
                raise ValueError("The generator stopped before producing the requested number of "
                                 "steps (its StopIteration was raised early)")
            raise value
        return value

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=1.0)


# use_multiprocessing=True: each worker process holds a copy of the
# Sequence (sent once, when the pool starts) and computes items by index.
_worker_sequence = None


def _init_process_worker(sequence):
    global _worker_sequence
    _worker_sequence = sequence


def _process_get_item(index):
    return _worker_sequence[index]


class _ProcessEnqueuer:
    """A keras.utils.Sequence's items computed by `workers` processes, up to
    max_queue_size ahead, handed out in (shuffled) index order. The processes
    are spawned, not forked: forking would copy the C++ core's running
    thread pools into children that cannot use them. An exception in a
    worker is raised by get(). on_epoch_end runs on the caller's copy."""

    def __init__(self, sequence, workers, max_queue_size, shuffle):
        self._sequence = sequence
        self._shuffle = shuffle
        self._ahead = max(1, max_queue_size)
        self._order = []
        self._pending = collections.deque()
        context = multiprocessing.get_context("spawn")
        self._pool = context.Pool(workers, initializer=_init_process_worker, initargs=(sequence,))
        self._fill()

    def _next_index(self):
        if not self._order:
            self._order = list(range(len(self._sequence)))
            if self._shuffle:
                np.random.shuffle(self._order)
            self._order.reverse()
        index = self._order.pop()
        if not self._order:
            self._sequence.on_epoch_end()
        return index

    def _fill(self):
        while len(self._pending) < self._ahead:
            self._pending.append(self._pool.apply_async(_process_get_item, (self._next_index(),)))

    def get(self):
        result = self._pending.popleft()
        self._fill()
        return result.get()

    def stop(self):
        self._pool.terminate()
        self._pool.join()


def _enqueuer(data, workers, max_queue_size, shuffle, use_multiprocessing):
    """Threads for a generator or a Sequence; processes for a Sequence with
    use_multiprocessing (a generator cannot be split between processes:
    each would replay it from the start)."""
    if not use_multiprocessing:
        return _Enqueuer(data, workers, max_queue_size, shuffle)
    if not isinstance(data, Sequence):
        raise ValueError("use_multiprocessing=True needs a keras.utils.Sequence: a Python generator "
                         "cannot be shared between processes (each would yield the same batches). "
                         "Pass a Sequence, or use_multiprocessing=False to run `workers` threads.")
    return _ProcessEnqueuer(data, workers, max_queue_size, shuffle)


def _steps_for(generator, steps, what):
    if steps is not None:
        return int(steps)
    if isinstance(generator, Sequence):
        return len(generator)
    raise ValueError("`%s=None` is only valid for a generator based on the "
                     "`keras.utils.Sequence` class. Please specify `%s` or use the "
                     "`keras.utils.Sequence` class." % (what, what))


def _unpack(output):
    """(x, y) or (x, y, sample_weight) from one generator output."""
    if not hasattr(output, "__len__") or len(output) not in (2, 3):
        raise ValueError(_GENERATOR_OUTPUT_ERROR + str(output))
    if len(output) == 2:
        return output[0], output[1], None
    return output[0], output[1], output[2]


def _batch_size(x):
    if isinstance(x, (list, tuple)):
        x = x[0]
    elif isinstance(x, dict):
        x = list(x.values())[0]
    return np.asarray(x).shape[0]


def _queue_args(kwargs, max_queue_size, workers, use_multiprocessing):
    """Keras 2.0.2's names (max_q_size, pickle_safe) are still accepted."""
    max_queue_size = kwargs.pop("max_q_size", max_queue_size)
    use_multiprocessing = bool(kwargs.pop("pickle_safe", False) or use_multiprocessing)
    if kwargs:
        raise TypeError("Unrecognized keyword arguments: " + str(kwargs))
    if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or workers < 1:
        raise ValueError("`workers` must be a positive integer (the number of threads, or of "
                         "processes with use_multiprocessing=True), got %r" % (workers,))
    return max_queue_size, int(workers), use_multiprocessing


class _BaseLogger(cbks.Callback):
    """Averages the batches' metrics over the epoch, weighted by batch size."""

    def on_epoch_begin(self, epoch, logs=None):
        self.seen, self.totals = 0, {}

    def on_batch_end(self, batch, logs=None):
        size = logs.get("size", 0)
        self.seen += size
        for k, v in logs.items():
            self.totals[k] = self.totals.get(k, 0.0) + v * size

    def on_epoch_end(self, epoch, logs=None):
        for k in self.params["metrics"]:
            if k in self.totals:
                logs[k] = self.totals[k] / self.seen


class _ProgbarLogger(cbks.Callback):
    """Keras's ProgbarLogger(count_mode='steps')."""

    def on_epoch_begin(self, epoch, logs=None):
        print("Epoch %d/%d" % (epoch + 1, self.params["epochs"]))
        self.target = self.params["steps"]
        self.progbar = Progbar(self.target, verbose=self.params["verbose"])
        self.seen = 0

    def on_batch_begin(self, batch, logs=None):
        if self.seen < self.target:
            self.log_values = []

    def on_batch_end(self, batch, logs=None):
        self.seen += 1
        self.log_values = [(k, logs[k]) for k in self.params["metrics"] if k in logs]
        if self.seen < self.target:
            self.progbar.update(self.seen, self.log_values)

    def on_epoch_end(self, epoch, logs=None):
        values = self.log_values + [(k, logs[k]) for k in self.params["metrics"]
                                    if k in logs and k.startswith("val_")]
        self.progbar.update(self.seen, values, force=True)


def _as_list(outs):
    return list(outs) if isinstance(outs, (list, tuple)) else [outs]


def _validate(model, validation_data, validation_steps, batch_size, max_queue_size, workers,
              use_multiprocessing):
    if hasattr(validation_data, "__next__") or isinstance(validation_data, Sequence):
        return _as_list(evaluate_generator(model, validation_data, validation_steps,
                                           max_queue_size=max_queue_size, workers=workers,
                                           use_multiprocessing=use_multiprocessing))
    if len(validation_data) not in (2, 3):
        raise ValueError("validation_data should be a tuple `(val_x, val_y, val_sample_weight)` "
                         "or `(val_x, val_y)`. Found: " + str(validation_data))
    weights = validation_data[2] if len(validation_data) == 3 else None
    return _as_list(model.evaluate(validation_data[0], validation_data[1], batch_size=batch_size,
                                   sample_weight=weights, verbose=0))


def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                  validation_data=None, validation_steps=None, class_weight=None,
                  max_queue_size=10, workers=1, use_multiprocessing=False, shuffle=True,
                  initial_epoch=0, **kwargs):
    """Trains on batches from `generator` (a generator or keras.utils.Sequence
    yielding (x, y) or (x, y, sample_weight)), steps_per_epoch batches an
    epoch; returns the History."""
    max_queue_size, workers, use_multiprocessing = _queue_args(kwargs, max_queue_size, workers,
                                                               use_multiprocessing)
    steps_per_epoch = _steps_for(generator, steps_per_epoch, "steps_per_epoch")
    do_validation = bool(validation_data)
    val_gen = hasattr(validation_data, "__next__") or isinstance(validation_data, Sequence)
    if val_gen and not validation_steps and not isinstance(validation_data, Sequence):
        raise ValueError("When using a generator for validation data, you must specify a value "
                         "for `validation_steps`.")
    out_labels = self.metrics_names
    metrics = out_labels + ["val_" + n for n in out_labels] if do_validation else list(out_labels)
    history = cbks.History()
    callbacks = [_BaseLogger()] + list(callbacks or []) + [history]
    if verbose:
        callbacks.append(_ProgbarLogger())
    for cb in callbacks:
        cb.set_model(self)
        cb.set_params({"epochs": epochs, "steps": steps_per_epoch, "verbose": verbose,
                       "do_validation": do_validation, "metrics": metrics})
    self.stop_training = False
    for cb in callbacks:
        cb.on_train_begin({})
    enqueuer = _enqueuer(generator, workers, max_queue_size, shuffle, use_multiprocessing)
    try:
        epoch = initial_epoch
        while epoch < epochs:
            for cb in callbacks:
                cb.on_epoch_begin(epoch, {})
            epoch_logs, size = {}, 0
            for batch_index in range(steps_per_epoch):
                x, y, sample_weight = _unpack(enqueuer.get())
                size = _batch_size(x)
                batch_logs = {"batch": batch_index, "size": size}
                for cb in callbacks:
                    cb.on_batch_begin(batch_index, batch_logs)
                outs = self.train_on_batch(x, y, sample_weight=sample_weight, class_weight=class_weight)
                batch_logs.update(zip(out_labels, _as_list(outs)))
                for cb in callbacks:
                    cb.on_batch_end(batch_index, batch_logs)
                if self.stop_training:
                    break
            if do_validation:
                val_outs = _validate(self, validation_data, validation_steps, size, max_queue_size, workers,
                                     use_multiprocessing)
                epoch_logs.update(("val_" + n, v) for n, v in zip(out_labels, val_outs))
            for cb in callbacks:
                cb.on_epoch_end(epoch, epoch_logs)
            history.epoch.append(epoch)
            for k, v in epoch_logs.items():
                history.history.setdefault(k, []).append(v)
            epoch += 1
            if self.stop_training:
                break
    finally:
        enqueuer.stop()
    for cb in callbacks:
        cb.on_train_end({})
    return history


def evaluate_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                       use_multiprocessing=False, **kwargs):
    """The loss (and metrics) over `steps` batches of `generator`, averaged
    weighted by batch size: a scalar, or a list when the model has metrics."""
    max_queue_size, workers, use_multiprocessing = _queue_args(kwargs, max_queue_size, workers,
                                                               use_multiprocessing)
    steps = _steps_for(generator, steps, "steps")
    enqueuer = _enqueuer(generator, workers, max_queue_size, False, use_multiprocessing)
    all_outs, sizes = [], []
    try:
        for _ in range(steps):
            x, y, sample_weight = _unpack(enqueuer.get())
            all_outs.append(_as_list(self.test_on_batch(x, y, sample_weight=sample_weight)))
            sizes.append(_batch_size(x))
    finally:
        enqueuer.stop()
    averages = [float(np.average([o[i] for o in all_outs], weights=sizes))
                for i in range(len(all_outs[0]))]
    return averages[0] if len(averages) == 1 else averages


def predict_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, verbose=0, **kwargs):
    """Predictions for `steps` batches of `generator` (x, or (x, ...) tuples),
    concatenated along the batch axis."""
    max_queue_size, workers, use_multiprocessing = _queue_args(kwargs, max_queue_size, workers,
                                                               use_multiprocessing)
    steps = _steps_for(generator, steps, "steps")
    enqueuer = _enqueuer(generator, workers, max_queue_size, False, use_multiprocessing)
    bar = Progbar(steps) if verbose == 1 else None
    outs = []
    try:
        for step in range(steps):
            output = enqueuer.get()
            x = output[0] if isinstance(output, tuple) and len(output) in (2, 3) else output
            outs.append(self.predict_on_batch(x))
            if bar is not None:
                bar.update(step + 1)
    finally:
        enqueuer.stop()
    return outs[0] if steps == 1 else np.concatenate(outs)
