"""Sampled ordinary setups: healthy controls drawn at random from the choices an ordinary Keras
user makes, so that the controls cover combinations no one picked by hand.

Each draw picks a data set and its preparation, a network family (dense, convolutional,
recurrent, embedding) with depth, width, activation and initializer, optional normalization,
dropout and L2, an optimizer at a common rate, a loss with its matching output and label format,
and a batch size; the epochs give model.fit about ``FIT_STEPS`` steps. Only healthy choices are
drawn: inputs standardized, min-max scaled or behind an adapted Normalization layer; regression
targets standardized or of modest raw scale; the loss matches the output. Draw ``k`` is seeded by
``k`` alone, so later draws never change earlier ones. ``fitcheck`` keeps a draw only when
model.fit trains it well.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import synthetic as s

SEED = 20261202
FIT_STEPS = 2000
SEQUENCE_FIT_STEPS = 900  # convolutional and recurrent draws cost more per step

REGRESSION_TABLES = ("friedman", "friedman2", "friedman3", "regression")
RAW_TARGET_TABLES = ("friedman", "friedman3")  # raw targets of std 5 and 0.3: ordinary, not unscaled
CLASSIFICATION_TABLES = ("iris", "wine", "breast_cancer", "moons", "circles", "classification4", "digits")
ACTIVATIONS = ("relu", "relu", "relu", "elu", "gelu", "swish", "tanh", "leaky_relu", "selu")
OPTIMIZERS = (("Adam", 1e-3), ("Adam", 1e-3), ("Adam", 3e-3), ("AdamW", 1e-3), ("RMSprop", 1e-3),
              ("Nadam", 1e-3), ("SGD", 0.01), ("SGD", 0.05))
REGRESSION_LOSSES = ("mse", "mse", "mae", "huber", "log_cosh")


@dataclass(frozen=True)
class Draw:
    """One sampled setup: its name, what it is, how to build it and its data, and how model.fit trains it."""
    name: str
    source: str
    build: Callable  # () -> compiled keras model
    data: Callable  # () -> (x, y)
    epochs: int
    batch_size: int


def _keras():
    import keras

    return keras


def _optimizer(name: str, rate: float):
    keras = _keras()
    if name == "SGD":
        return keras.optimizers.SGD(learning_rate=rate, momentum=0.9)
    return getattr(keras.optimizers, name)(learning_rate=rate)


def _table(name: str) -> tuple[np.ndarray, np.ndarray]:
    if name == "digits":
        return s.digits()
    return s.tabular(name)


def _prepare(x: np.ndarray, how: str) -> np.ndarray:
    if how == "standardized":
        return s.standardize(x)
    if how == "min-max":
        low, high = x.min(axis=0), x.max(axis=0)
        return ((x - low) / np.where(high > low, high - low, 1.0)).astype(np.float32)
    return x.astype(np.float32)  # raw, behind an adapted Normalization layer


def _dense_stack(keras, x, depth, width, activation, initializer, norm, dropout, l2):
    L = keras.layers
    for _ in range(depth):
        x = L.Dense(width, activation=None if norm else activation, kernel_initializer=initializer,
                    kernel_regularizer=keras.regularizers.l2(l2) if l2 else None)(x)
        if norm:
            x = L.Activation(activation)(L.BatchNormalization()(x) if norm == "batch" else L.LayerNormalization()(x))
        if dropout:
            x = L.Dropout(dropout)(x)
    return x


def _head(task: dict):
    """The output layer's units and activation, the loss and how labels are formatted, for a task."""
    keras = _keras()
    kind, classes = task["kind"], task.get("classes", 1)
    if kind == "regression":
        return 1, "linear", task["loss"]
    if kind == "binary-sigmoid":
        return 1, "sigmoid", "binary_crossentropy"
    if kind == "logits":
        return classes, None, keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    if kind == "one-hot":
        return classes, "softmax", "categorical_crossentropy"
    return classes, "softmax", "sparse_categorical_crossentropy"


def _labels(y: np.ndarray, task: dict) -> np.ndarray:
    kind = task["kind"]
    if kind == "regression":
        return task["targets"](y)
    if kind == "binary-sigmoid":
        return y.astype(np.float32).reshape(-1, 1) if task["column"] else y.astype(np.float32)
    if kind == "one-hot":
        return np.eye(task["classes"], dtype=np.float32)[y]
    return y.astype(np.int32)


def _classification_task(rng: random.Random, classes: int) -> dict:
    kinds = ["sparse", "sparse", "one-hot", "logits"] + (["binary-sigmoid"] * 3 if classes == 2 else [])
    kind = rng.choice(kinds)
    return {"kind": kind, "classes": classes, "column": rng.random() < 0.5}


def _task_text(task: dict) -> str:
    if task["kind"] == "regression":
        loss = task["loss"]
        return f"{loss} regression, {task['target_text']} targets"
    if task["kind"] == "binary-sigmoid":
        return f"sigmoid + binary cross-entropy, {'(n, 1)' if task['column'] else '1-D'} float labels"
    return {"sparse": "softmax + sparse categorical cross-entropy", "one-hot": "softmax + categorical cross-entropy "
            "on one-hot labels", "logits": "logits + sparse categorical cross-entropy (from_logits)"}[task["kind"]]


def _epochs(rows: int, batch: int, steps: int) -> int:
    return int(min(150, max(10, math.ceil(steps / math.ceil(rows / batch)))))


def _tabular_draw(rng: random.Random) -> tuple:
    regression = rng.random() < 0.4
    if regression:
        table = rng.choice(REGRESSION_TABLES)
        raw_target = table in RAW_TARGET_TABLES and rng.random() < 0.5
        task = {"kind": "regression", "loss": rng.choice(REGRESSION_LOSSES),
                "targets": (lambda y: y.astype(np.float32).reshape(-1, 1)) if raw_target
                else (lambda y: s.standardize(y.astype(np.float32).reshape(-1, 1))),
                "target_text": "raw" if raw_target else "standardized"}
    else:
        table = rng.choice(CLASSIFICATION_TABLES)
        task = _classification_task(rng, int(_table(table)[1].max()) + 1)
    prep = rng.choice(("standardized", "standardized", "min-max", "normalization-layer"))
    depth = rng.choice((1, 2, 2, 3, 4))
    width = rng.choice((16, 32, 64, 64, 128))
    activation = rng.choice(ACTIVATIONS)
    initializer = {"selu": "lecun_normal"}.get(activation, rng.choice(("glorot_uniform", "glorot_uniform",
                                                                       "he_normal")))
    norm = rng.choice((None, None, None, "batch", "layer"))
    dropout = rng.choice((0.0, 0.0, 0.1, 0.2, 0.3))
    l2 = rng.choice((0.0, 0.0, 0.0, 1e-4))
    optimizer = rng.choice(OPTIMIZERS)
    batch = rng.choice((16, 32, 32, 64, 128))

    def data():
        x, y = _table(table)
        return _prepare(x, prep), _labels(y, task)

    def build():
        keras = _keras()
        L = keras.layers
        x_raw = _table(table)[0]
        inputs = keras.Input((x_raw.shape[1],))
        h = inputs
        if prep == "normalization-layer":
            norm_layer = L.Normalization()
            norm_layer.adapt(x_raw)
            h = norm_layer(h)
        h = _dense_stack(keras, h, depth, width, activation, initializer, norm, dropout, l2)
        units, out_activation, loss = _head(task)
        model = keras.Model(inputs, L.Dense(units, activation=out_activation)(h))
        model.compile(optimizer=_optimizer(*optimizer), loss=loss)
        return model

    rows = len(_table(table)[1])
    short = f"{table}_mlp{depth}x{width}_{activation}"
    text = (f"{table} ({prep} inputs), {depth} Dense of {width} {activation} ({initializer})"
            + (f", {norm} normalization" if norm else "") + (f", Dropout {dropout}" if dropout else "")
            + (f", L2 {l2}" if l2 else "") + f"; {_task_text(task)}; {optimizer[0]} at {optimizer[1]}, batch {batch}")
    return short, text, build, data, _epochs(rows, batch, FIT_STEPS), batch


def _sequence_draw(rng: random.Random) -> tuple:
    """A convolutional network on digit images, or a convolutional, recurrent or embedding network
    on series or texts."""
    family = rng.choice(("image-cnn", "series-conv1d", "series-rnn", "text-embedding", "text-rnn"))
    classes = 10 if family == "image-cnn" else 2
    task = _classification_task(rng, classes)
    optimizer = rng.choice(OPTIMIZERS[:6])  # recurrent and conv nets in examples use adaptive optimizers
    batch = rng.choice((32, 32, 64))
    width = rng.choice((8, 16, 32))
    cell = rng.choice(("LSTM", "GRU"))
    pooling = rng.choice(("max", "average"))
    norm = rng.random() < 0.3

    def data():
        if family == "image-cnn":
            x, y = s.digit_images()
        elif family.startswith("series"):
            x, y = s.series_classes()
        else:
            x, y = s.texts()
        return x, _labels(y, task)

    def build():
        keras = _keras()
        L = keras.layers
        if family == "image-cnn":
            inputs = keras.Input((8, 8, 1))
            h = inputs
            for filters in (width, 2 * width):
                h = L.Conv2D(filters, 3, padding="same", activation=None if norm else "relu")(h)
                if norm:
                    h = L.ReLU()(L.BatchNormalization()(h))
                h = (L.MaxPooling2D if pooling == "max" else L.AveragePooling2D)(2)(h)
            h = L.Flatten()(h)
        elif family == "series-conv1d":
            inputs = keras.Input((64, 1))
            h = inputs
            for _ in range(2):
                h = L.Conv1D(width, 5, padding="same", activation=None if norm else "relu")(h)
                if norm:
                    h = L.ReLU()(L.BatchNormalization()(h))
                h = L.MaxPooling1D(2)(h)
            h = (L.GlobalMaxPooling1D if pooling == "max" else L.GlobalAveragePooling1D)()(h)
        elif family == "series-rnn":
            inputs = keras.Input((64, 1))
            h = getattr(L, cell)(width)(inputs)
        else:
            inputs = keras.Input((40,), dtype="int32")
            h = L.Embedding(200, width)(inputs)
            if family == "text-rnn":
                h = getattr(L, cell)(width)(h)
            else:
                h = (L.GlobalMaxPooling1D if pooling == "max" else L.GlobalAveragePooling1D)()(h)
                h = L.Dense(width, activation="relu")(h)
        units, out_activation, loss = _head(task)
        model = keras.Model(inputs, L.Dense(units, activation=out_activation)(h))
        model.compile(optimizer=_optimizer(*optimizer), loss=loss)
        return model

    layer = {"image-cnn": f"2 Conv2D ({width}, {2 * width}) with {pooling} pooling",
             "series-conv1d": f"2 Conv1D of {width} with max pooling, global {pooling} pooling",
             "series-rnn": f"{cell} {width}", "text-rnn": f"Embedding {width}, {cell} {width}",
             "text-embedding": f"Embedding {width}, global {pooling} pooling, Dense {width} relu"}[family]
    data_text = {"image-cnn": "8x8 digit images in [0, 1]", "series-conv1d": "64-step series",
                 "series-rnn": "64-step series", "text-embedding": "texts of 40 tokens",
                 "text-rnn": "texts of 40 tokens"}[family]
    short = f"{family.replace('-', '_')}{width}" + (f"_{cell.lower()}" if family.endswith("rnn") else "")
    text = (f"{data_text}, {layer}" + (", BatchNormalization" if norm and family in ("image-cnn", "series-conv1d")
                                      else "") + f"; {_task_text(task)}; {optimizer[0]} at {optimizer[1]}, batch {batch}")
    return short, text, build, data, _epochs(len(data()[1]), batch, SEQUENCE_FIT_STEPS), batch


def draw(k: int) -> Draw:
    """Draw number ``k``: a dense network on a table (70 %) or a sequence or image network (30 %)."""
    rng = random.Random(f"{SEED}:{k}")
    short, text, build, data, epochs, batch = (_tabular_draw if rng.random() < 0.7 else _sequence_draw)(rng)
    return Draw(f"sampled_{k:02d}_{short}", f"sampled ordinary setup {k}: {text}", build, data, epochs, batch)


def draws(first: int, count: int) -> list[Draw]:
    return [draw(k) for k in range(first, first + count)]
