"""Data and compiled Keras models of the benchmark cases, and the yardsticks of their losses.

Data come from scikit-learn (the bundled digits, generated Friedman #1 and moons data sets) with
fixed random states, so every call returns the same arrays. Models are built after
``keras.utils.set_random_seed(seed)``, so a seed gives the same initial weights.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .cases import Spec

ROWS = 1000  # rows of the generated data sets (digits has 1,797)


def _standardize(a: np.ndarray) -> np.ndarray:
    std = a.std(axis=0)
    return (a - a.mean(axis=0)) / np.where(std > 0, std, 1.0)


@functools.cache
def _dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits, make_friedman1, make_moons

    if name in ("digits", "digits_images"):
        digits = load_digits()
        pixels, labels = digits.data.astype(np.float64), digits.target.astype(np.int32)
        if name == "digits":
            return _standardize(pixels).astype(np.float32), labels
        return (pixels / 16.0).reshape(-1, 8, 8, 1).astype(np.float32), labels
    if name in ("friedman", "friedman_unit"):
        x, y = make_friedman1(n_samples=ROWS, n_features=10, noise=0.0, random_state=0)
        y = y.reshape(-1, 1)
        y = _standardize(y) if name == "friedman" else (y - y.min()) / (y.max() - y.min())
        return _standardize(x).astype(np.float32), y.astype(np.float32)
    if name == "moons":
        x, y = make_moons(n_samples=ROWS, noise=0.1, random_state=0)
        return _standardize(x).astype(np.float32), y.reshape(-1, 1).astype(np.float32)
    raise KeyError(f"unknown data set {name!r}")


DATASETS = ("digits", "digits_images", "friedman", "friedman_unit", "moons")


def build_data(spec: Spec) -> tuple[np.ndarray, np.ndarray]:
    """The training arrays of a case: the data set with the spec's scaling and label encoding."""
    x, y = _dataset(spec.dataset)
    x = (x * spec.x_scale).astype(np.float32)
    if spec.one_hot:
        y = np.eye(spec.output_units, dtype=np.float32)[y]
    elif y.dtype.kind == "f":
        y = (y * spec.y_scale).astype(np.float32)
    return x, y


def _kernel_initializer(keras, spec: Spec):
    if spec.kernel_init == "default":
        return "glorot_uniform"
    if spec.kernel_init == "zeros":
        return "zeros"
    if spec.kernel_init == "huge":
        return keras.initializers.RandomNormal(stddev=10.0)
    raise ValueError(f"unknown kernel_init {spec.kernel_init!r}")


def make_loss(keras, spec: Spec):
    """The loss object the spec compiles with."""
    if spec.loss == "mse":
        return keras.losses.MeanSquaredError()
    classes = {"binary_crossentropy": keras.losses.BinaryCrossentropy,
               "categorical_crossentropy": keras.losses.CategoricalCrossentropy,
               "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy}
    return classes[spec.loss](from_logits=spec.from_logits)


def build_model(spec: Spec, seed: int = 0):
    """The compiled, untrained model of a spec; its initial weights are fixed by ``seed``."""
    import keras

    keras.utils.set_random_seed(seed)
    bias = keras.initializers.Constant(spec.bias_init) if spec.bias_init else "zeros"
    x, _ = _dataset(spec.dataset)
    layers = [keras.Input(shape=x.shape[1:])]
    if spec.arch == "mlp":
        for units in spec.hidden:
            layers.append(keras.layers.Dense(units, activation=spec.activation,
                                             kernel_initializer=_kernel_initializer(keras, spec),
                                             bias_initializer=bias))
    elif spec.arch == "cnn":
        for filters in spec.hidden:
            layers.append(keras.layers.Conv2D(filters, 3, padding="same", activation=spec.activation,
                                              kernel_initializer=_kernel_initializer(keras, spec),
                                              bias_initializer=bias))
            layers.append(keras.layers.MaxPooling2D(2))
        layers.append(keras.layers.Flatten())
    else:
        raise ValueError(f"unknown arch {spec.arch!r}")
    layers.append(keras.layers.Dense(spec.output_units, activation=spec.output_activation,
                                     kernel_initializer=_kernel_initializer(keras, spec)))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=spec.learning_rate), loss=make_loss(keras, spec))
    return model


def constant_loss(spec: Spec, y: np.ndarray) -> float:
    """The compiled loss of the best constant prediction: the target mean, or the class prior
    given as probabilities or as logits (whichever the loss scores lower)."""
    import keras

    loss = make_loss(keras, spec)
    y = np.asarray(y)
    if not spec.classifier:
        candidates = [y.mean(axis=0)]
    elif spec.one_hot or spec.loss == "categorical_crossentropy":
        prior = np.clip(y.mean(axis=0), 1e-7, 1.0)
        candidates = [prior, np.log(prior)]
    elif spec.loss == "sparse_categorical_crossentropy":
        prior = np.clip(np.bincount(y.reshape(-1), minlength=spec.output_units) / len(y), 1e-7, 1.0)
        candidates = [prior, np.log(prior)]
    else:
        p = float(np.clip(y.mean(), 1e-7, 1 - 1e-7))
        candidates = [np.array([p]), np.array([math.log(p / (1 - p))])]
    best = math.inf
    for row in candidates:
        prediction = np.broadcast_to(np.asarray(row, np.float32), (len(y), spec.output_units))
        best = min(best, float(keras.ops.convert_to_numpy(loss(y.astype(np.float32), prediction))))
    return best


def task_metric(spec: Spec, model, x: np.ndarray, y: np.ndarray) -> tuple[str, float]:
    """Training accuracy of a classifier, or R² of a regression (nan when predictions are not
    finite). Probabilities are thresholded at 0.5, logits (linear output, from_logits) at 0."""
    predictions = np.asarray(model.predict(x, batch_size=512, verbose=0), dtype=np.float64)
    if not spec.classifier:
        if not np.all(np.isfinite(predictions)):
            return "r2", math.nan
        residual = float(np.mean((y - predictions) ** 2))
        return "r2", 1.0 - residual / float(np.var(y))
    if spec.output_units > 1:
        labels = np.argmax(y, axis=1) if spec.one_hot else y.reshape(-1)
        return "accuracy", float(np.mean(np.argmax(predictions, axis=1) == labels))
    threshold = 0.0 if spec.output_activation == "linear" and spec.from_logits else 0.5
    return "accuracy", float(np.mean((predictions.reshape(-1) > threshold) == (y.reshape(-1) > 0.5)))
