"""A custom loss, unregistered: a model compiled with it loads only with ``--custom-objects`` naming this file."""

from __future__ import annotations


def scaled_mse(y_true, y_pred):
    """Half the mean squared error, per sample."""
    import keras

    return 0.5 * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)
