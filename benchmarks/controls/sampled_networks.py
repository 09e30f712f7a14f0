"""Sampled ordinary networks: healthy controls drawn at random from the convolutional, recurrent
and attention networks an ordinary Keras user builds, to widen the sampled setups of
``sampled.py``, which are dense networks on tables in most draws.

Each draw picks a family (image CNN, 1-D CNN or recurrent network on series, a forecaster, or a
text network with pooling, convolution, a recurrent layer or a transformer block), its depth,
width, activation, normalization, residual connections, dropout and pooling, an adaptive optimizer
or SGD with momentum at a common rate, a loss with its matching output and label format, and a
batch size. Inputs are as the data provide them: pixels in [0, 1], standardized series, token ids.
Draw ``k`` is seeded by ``k`` alone, on a stream of its own, so later draws never change earlier
ones. ``fitcheck`` keeps a draw only when model.fit trains it well.
"""

from __future__ import annotations

import random

from .. import synthetic as s
from .sampled import (OPTIMIZERS, REGRESSION_LOSSES, SEED, SEQUENCE_FIT_STEPS, Draw, _classification_task, _epochs,
                      _head, _keras, _labels, _optimizer, _task_text)

FAMILIES = ("image-cnn", "image-cnn", "series-conv1d", "series-rnn", "forecaster", "text-pooling", "text-conv1d",
            "text-rnn", "text-transformer")
CONV_ACTIVATIONS = ("relu", "relu", "relu", "gelu", "swish", "elu", "leaky_relu")
NETWORK_OPTIMIZERS = OPTIMIZERS[:6] + (("SGD", 0.01),)  # SGD with momentum 0.9


def _conv_block(L, h, conv, filters, kernel, activation, norm, residual):
    """conv → (BatchNormalization) → activation, with a skip connection (1×1 projection) if ``residual``."""
    out = conv(filters, kernel, padding="same", activation=None if norm else activation)(h)
    if norm:
        out = L.Activation(activation)(L.BatchNormalization()(out))
    if residual:
        project = L.Conv2D if conv is L.Conv2D else L.Conv1D
        out = L.Add()([out, project(filters, 1)(h)])
    return out


def _spec(rng: random.Random) -> dict:
    """Every choice of one draw, made in a fixed order."""
    family = rng.choice(FAMILIES)
    spec = {
        "family": family,
        "depth": rng.choice((1, 2, 2, 3)),
        "width": rng.choice((8, 16, 32, 32, 64)),
        "activation": rng.choice(CONV_ACTIVATIONS),
        "norm": rng.random() < 0.3,
        "residual": rng.random() < 0.25,
        "dropout": rng.choice((0.0, 0.0, 0.1, 0.25)),
        "pooling": rng.choice(("max", "average")),
        "kernel": rng.choice((3, 5)),
        "cell": rng.choice(("LSTM", "GRU")),
        "bidirectional": rng.random() < 0.3,
        "optimizer": rng.choice(NETWORK_OPTIMIZERS),
        "batch": rng.choice((32, 32, 64, 128)),
    }
    if family == "forecaster":
        spec["task"] = {"kind": "regression", "loss": rng.choice(REGRESSION_LOSSES), "targets": lambda y: y,
                        "target_text": "standardized"}
    else:
        spec["task"] = _classification_task(rng, 10 if family == "image-cnn" else 2)
    return spec


def _data(family: str):
    if family == "image-cnn":
        return s.digit_images()
    if family in ("series-conv1d", "series-rnn"):
        return s.series_classes()
    if family == "forecaster":
        return s.forecasting()
    return s.texts()


def _recurrent(L, h, spec, depth):
    for i in range(depth):
        cell = getattr(L, spec["cell"])(spec["width"], return_sequences=i < depth - 1)
        h = (L.Bidirectional(cell) if spec["bidirectional"] else cell)(h)
    return h


def _body(keras, spec):
    """The inputs and the features the head reads, for the draw's family."""
    L = keras.layers
    family, depth, width, activation = spec["family"], spec["depth"], spec["width"], spec["activation"]
    global_pool = L.GlobalMaxPooling1D if spec["pooling"] == "max" else L.GlobalAveragePooling1D
    if family == "image-cnn":
        inputs = h = keras.Input((8, 8, 1))
        for i in range(depth):
            h = _conv_block(L, h, L.Conv2D, width * 2 ** i, 3, activation, spec["norm"], spec["residual"])
            h = (L.MaxPooling2D if spec["pooling"] == "max" else L.AveragePooling2D)(2)(h)
        return inputs, L.GlobalAveragePooling2D()(h) if depth == 3 else L.Flatten()(h)
    if family == "series-conv1d":
        inputs = h = keras.Input((64, 1))
        for _ in range(depth):
            h = L.MaxPooling1D(2)(_conv_block(L, h, L.Conv1D, width, spec["kernel"], activation, spec["norm"],
                                             spec["residual"]))
        return inputs, global_pool()(h)
    if family == "series-rnn":
        inputs = keras.Input((64, 1))
        return inputs, _recurrent(L, inputs, spec, min(depth, 2))
    if family == "forecaster":
        inputs = keras.Input((24, 7))
        return inputs, _recurrent(L, inputs, spec, min(depth, 2))
    inputs = keras.Input((40,), dtype="int32")
    h = L.Embedding(200, width)(inputs)
    if family == "text-conv1d":
        h = global_pool()(L.Conv1D(width, spec["kernel"], activation=activation)(h))
    elif family == "text-rnn":
        h = _recurrent(L, h, spec, min(depth, 2))
    elif family == "text-transformer":
        attended = L.MultiHeadAttention(num_heads=2, key_dim=max(4, width // 2))(h, h)
        h = L.LayerNormalization()(L.Add()([h, attended]))
        feed = L.Dense(width)(L.Dense(2 * width, activation=activation)(h))
        h = global_pool()(L.LayerNormalization()(L.Add()([h, feed])))
    else:
        h = L.Dense(width, activation=activation)(global_pool()(h))
    return inputs, h


def _describe(spec: dict) -> tuple[str, str]:
    """A draw's short name and its description."""
    family, depth, width, pooling, kernel = (spec[key] for key in ("family", "depth", "width", "pooling", "kernel"))
    conv = family in ("image-cnn", "series-conv1d")
    recurrent_family = family in ("series-rnn", "forecaster", "text-rnn")
    stacked = min(depth, 2)  # recurrent layers
    recurrent = f"{stacked} " + ("Bidirectional " if spec["bidirectional"] else "") + f"{spec['cell']} of {width}"
    blocks = f"{depth} block{'s' if depth > 1 else ''}"
    layers = {
        "image-cnn": f"{blocks.replace(' ', ' Conv2D ')} from {width} filters, {pooling} pooling",
        "series-conv1d": f"{blocks.replace(' ', ' Conv1D ')} of {width} (kernel {kernel}), global {pooling} pooling",
        "series-rnn": recurrent,
        "forecaster": recurrent,
        "text-pooling": f"Embedding {width}, global {pooling} pooling, Dense {width}",
        "text-conv1d": f"Embedding {width}, Conv1D {width} (kernel {kernel}), global {pooling} pooling",
        "text-rnn": f"Embedding {width}, {recurrent}",
        "text-transformer": f"Embedding {width}, a transformer block (2 heads), global {pooling} pooling",
    }[family]
    extras = []
    if not recurrent_family:
        extras.append(spec["activation"])
    if conv and spec["norm"]:
        extras.append("BatchNormalization")
    if conv and spec["residual"]:
        extras.append("residual")
    if spec["dropout"]:
        extras.append(f"Dropout {spec['dropout']}")
    data = {"image-cnn": "8x8 digit images in [0, 1]", "series-conv1d": "64-step series", "series-rnn": "64-step series",
            "forecaster": "24-step windows of 7 standardized features"}.get(family, "texts of 40 tokens")
    short = (f"{family.replace('-', '_')}{depth if conv else stacked if recurrent_family else 1}x{width}"
             + (f"_{spec['cell'].lower()}" if recurrent_family else ""))
    return short, f"{data}, {layers}" + "".join(f", {e}" for e in extras)


def network_draw(k: int) -> Draw:
    """Network draw number ``k``."""
    spec = _spec(random.Random(f"{SEED}:networks:{k}"))
    task, (name, rate), batch = spec["task"], spec["optimizer"], spec["batch"]

    def data():
        x, y = _data(spec["family"])
        return x, _labels(y, task)

    def build():
        keras = _keras()
        L = keras.layers
        inputs, h = _body(keras, spec)
        if spec["dropout"]:
            h = L.Dropout(spec["dropout"])(h)
        units, out_activation, loss = _head(task)
        model = keras.Model(inputs, L.Dense(units, activation=out_activation)(h))
        model.compile(optimizer=_optimizer(name, rate), loss=loss)
        return model

    short, text = _describe(spec)
    return Draw(f"sampled_net{k:02d}_{short}",
                f"sampled ordinary network {k}: {text}; {_task_text(task)}; {name} at {rate}, batch {batch}",
                build, data, _epochs(len(_data(spec['family'])[1]), batch, SEQUENCE_FIT_STEPS), batch)


def network_draws(first: int, count: int) -> list[Draw]:
    return [network_draw(k) for k in range(first, first + count)]
