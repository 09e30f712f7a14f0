"""The reference: ``model.fit``'s loss at every step, from given weights, in a given batch order.

The probes reinitialize the model with a seed and shuffle the rows every epoch with the same
seed; feeding ``model.fit`` the rows in that order with ``shuffle=False`` gives the training
the probe claims to follow. Keras logs the running mean of the epoch's loss after each batch
(weighted by batch size); differencing it recovers each step's loss.
"""

from __future__ import annotations

import math

import numpy as np


class StepLosses:
    """A Keras callback collecting each training step's loss from the epoch's running mean."""

    def __init__(self, keras, batch_sizes: list[int]) -> None:
        outer = self

        class Recorder(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                outer.seen, outer.total = 0, 0.0

            def on_train_batch_end(self, batch, logs=None):
                size = outer.batch_sizes[len(outer.losses)]
                running = float(logs["loss"]) * (outer.seen + size)
                outer.losses.append((running - outer.total) / size)
                outer.seen, outer.total = outer.seen + size, running

        self.batch_sizes = batch_sizes
        self.losses: list[float] = []
        self.seen, self.total = 0, 0.0
        self.callback = Recorder()


def take(data, rows: np.ndarray):
    """The rows ``rows`` of an array, or of every array of a dict or list (several inputs or outputs)."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {name: array[rows] for name, array in data.items()}
    if isinstance(data, (list, tuple)):
        return [array[rows] for array in data]
    return data[rows]


def fit_step_losses(model, x, y, *, order: np.ndarray, steps: int, batch_size: int,
                    sample_weight=None, class_weight=None) -> list[float]:
    """``model.fit``'s loss at each of the first ``steps`` steps over the rows in ``order``.

    ``order`` holds one permutation of the rows per epoch, as the probes draw them. Epochs
    whose batches all have ``batch_size`` rows run as one ``fit`` call, else one call each.
    """
    from dnndoctor.tf_runtime import import_keras

    _, keras = import_keras()
    rows = len(next(iter(x.values())) if isinstance(x, dict) else x)
    per_epoch = math.ceil(rows / batch_size)
    epochs = math.ceil(steps / per_epoch)
    sizes = ([batch_size] * (rows // batch_size) + ([rows % batch_size] if rows % batch_size else [])) * epochs
    recorder = StepLosses(keras, sizes)
    chunks = [order[:epochs * rows]] if rows % batch_size == 0 else \
        [order[e * rows:(e + 1) * rows] for e in range(epochs)]
    for idx in chunks:
        model.fit(take(x, idx), take(y, idx), sample_weight=take(sample_weight, idx), class_weight=class_weight,
                  batch_size=batch_size, epochs=1, shuffle=False, verbose=0, callbacks=[recorder.callback])
    return recorder.losses[:steps]
