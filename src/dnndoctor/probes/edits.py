"""Executable edits of the model, optimizer or data: the counterfactual setups probes compare.

Each edit has a stable name that rules use to ask for it (``Fix.variant``). ``build_setup``
turns a name into a ``VariantSetup``: the compiled model to train, the learning rate to set
and the arrays to train on. Edits never touch the user's model: they clone it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..arrays import Arrays, indicator_rows
from ..kerascompat import layer_parents
from ..lossinfo import describe_loss, output_losses
from ..measurements import Variant
from ..tf_runtime import import_keras
from .graphstats import RELU_FAMILY, SIGMOID_FAMILY, TANH_FAMILY, activation_name
from .summary import learning_rate_of, output_layer, output_layers, width_of

WIDEN_FACTOR = 4
MAX_WIDTH = 1024
MIN_WIDTH = 32
SATURATING = SIGMOID_FAMILY | TANH_FAMILY
DIAGNOSTIC = ("lr_x10", "lr_div10", "wider")
WIDTH_PASSING = frozenset(  # layers whose output width is their input's: a wider input passes on
    ["Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax", "Dropout", "GaussianNoise", "GaussianDropout",
     "AlphaDropout", "BatchNormalization", "LayerNormalization", "Flatten", "Concatenate"]
    + [f"{kind}{d}D" for d in (1, 2, 3) for kind in ("SpatialDropout", "MaxPooling", "AveragePooling",
                                                     "GlobalMaxPooling", "GlobalAveragePooling", "UpSampling",
                                                     "ZeroPadding", "Cropping")])


@dataclass
class Context:
    """What edits may depend on: the user's compiled model, the data and the LR range test."""

    model: object
    x: Arrays
    y: Arrays
    suggested_lr: float | None = None

    @property
    def single_io(self) -> bool:
        """One input array and one target array: what the data and output edits know how to change."""
        return not isinstance(self.x, dict) and not isinstance(self.y, dict)

    @property
    def loss(self):
        """The loss of the single output (edits of the output and loss apply to single-output models only)."""
        return output_losses(self.model)[0][2]


@dataclass
class VariantSetup:
    """A variant with the compiled model that trains it, the learning rate and the arrays."""

    variant: Variant
    model: object
    learning_rate: float | None = None
    data: tuple[Arrays, Arrays] | None = None
    changes_loss: bool = False  # the edit trains another loss: its own constant prediction is its yardstick


# -- helpers ------------------------------------------------------------------------------------

SCHEDULE_RATES = ("initial_learning_rate", "end_learning_rate", "warmup_target", "values", "boundaries_values")


def fresh_optimizer(optimizer, scale: float = 1.0, **overrides):
    """A new optimizer of the same class and hyperparameters, every learning rate times ``scale``.

    A LearningRateSchedule is rebuilt from its config with its rates scaled (initial, final,
    warm-up target, piecewise values), so the edited setup saves and reloads like the user's.
    """
    config = {**optimizer.get_config(), **overrides}
    if scale != 1.0:
        config["learning_rate"] = _scaled_rate(config["learning_rate"], scale)
    return optimizer.__class__.from_config(config)


def _scaled_rate(rate, scale: float):
    if not isinstance(rate, dict):
        return float(rate) * scale
    inner = dict(rate.get("config", {}))
    scaled = [key for key in SCHEDULE_RATES if key in inner]
    if not scaled:
        raise ValueError(f"cannot scale the learning-rate schedule {rate.get('class_name')}: it names no rate")
    for key in scaled:
        value = inner[key]
        inner[key] = [v * scale for v in value] if isinstance(value, (list, tuple)) else (
            None if value is None else value * scale)
    return {**rate, "config": inner}


def probe_clone(model, clone_function=None, *, optimizer=None, loss=None):
    """A freshly initialized, compiled clone trained like the user's model unless told otherwise."""
    _, keras = import_keras()
    clone = keras.models.clone_model(model, clone_function=clone_function)
    keep_untrained_state(model, clone)
    clone.compile(optimizer=optimizer or fresh_optimizer(model.optimizer), loss=loss or model.loss,
                  loss_weights=model.get_compile_config().get("loss_weights"))
    return clone


def keep_untrained_state(model, clone) -> None:
    """Copy the values of layers without trainable weights (adapted preprocessing statistics, frozen
    layers) into the clone, where the shapes still match: training never changes them."""
    for layer, copy in zip(model.layers, clone.layers):
        if layer.trainable_weights or not layer.weights:
            continue
        values = layer.get_weights()
        if [v.shape for v in values] == [tuple(w.shape) for w in copy.weights]:
            copy.set_weights(values)
            if hasattr(copy, "finalize_state"):  # e.g. Normalization derives its mean and variance here
                copy.finalize_state()


def hidden_layers(model) -> list:
    """Hidden dense or convolutional layers (those with units or filters), outputs excluded."""
    outputs = output_layers(model)
    return [layer for layer in model.layers if layer not in outputs and width_of(layer)]


def _reconfigured(model, change: Callable[[object, dict], dict | None], **compile_args):
    """A clone in which ``change(layer, config)`` may return a new config for any layer."""

    def clone_layer(layer):
        config = change(layer, dict(layer.get_config()))
        return layer.__class__.from_config(config if config is not None else layer.get_config())

    return probe_clone(model, clone_layer, **compile_args)


# -- the edits ----------------------------------------------------------------------------------

def _lr_scaled(ctx: Context, name: str, scale: float, words: str) -> VariantSetup | None:
    lr, schedule = learning_rate_of(ctx.model.optimizer)
    change = f"learning_rate={lr * scale:.3g}" if lr else f"learning-rate schedule × {scale:g}"
    variant = Variant(name, words, change)
    if schedule is None:
        return VariantSetup(variant, None, learning_rate=lr * scale)
    return VariantSetup(variant, probe_clone(ctx.model, optimizer=fresh_optimizer(ctx.model.optimizer, scale)))


def _lr_suggested(ctx: Context) -> VariantSetup | None:
    lr, schedule = learning_rate_of(ctx.model.optimizer)
    if ctx.suggested_lr is None or schedule is not None:
        return None
    return VariantSetup(Variant("lr_suggested", "learning rate from the range test",
                                f"learning_rate={ctx.suggested_lr:.3g}"), None, learning_rate=ctx.suggested_lr)


def _wider(ctx: Context) -> VariantSetup | None:
    """Every hidden layer 4× wider; where that cannot be built (a residual Add or a Reshape needs
    the old width), only the layers whose every consumer has its own kernel to take the new width."""
    widths = {layer.name: width_of(layer) for layer in hidden_layers(ctx.model)}
    if not widths:
        return None
    try:
        return _widened(ctx.model, widths)
    except (ValueError, TypeError):
        absorbed = {layer.name for layer in width_absorbed(ctx.model, hidden_layers(ctx.model))}
        widths = {name: width for name, width in widths.items() if name in absorbed}
        return _widened(ctx.model, widths) if widths else None


def _widened(model, widths: dict[str, int]) -> VariantSetup:
    new = {name: min(max(w * WIDEN_FACTOR, MIN_WIDTH), max(w, MAX_WIDTH)) for name, w in widths.items()}

    def widen(layer, config):
        if layer.name in new:
            config["units" if "units" in config else "filters"] = new[layer.name]
            return config
        return None

    change = ", ".join(f"{name}: {widths[name]} → {new[name]}" for name in widths)
    return VariantSetup(Variant("wider", f"hidden layers ×{WIDEN_FACTOR} wider (≥ {MIN_WIDTH})", change),
                        _reconfigured(model, widen))


def width_absorbed(model, layers: list) -> list:
    """Those of ``layers`` whose output width may change: every path from them reaches a layer with
    its own kernel (units or filters), through layers that only pass the width on."""
    consumers: dict[int, list] = {}
    for layer in model.layers:
        for parent in layer_parents(layer):
            consumers.setdefault(id(parent), []).append(layer)
    outputs = {id(layer) for layer in output_layers(model)}

    def absorbed(layer) -> bool:
        following = consumers.get(id(layer), [])
        return bool(following) and all(
            width_of(c) or (type(c).__name__ in WIDTH_PASSING and id(c) not in outputs and absorbed(c))
            for c in following)

    return [layer for layer in layers if absorbed(layer)]


def _swap_activation(ctx: Context, name: str, source: set[str], target: str, words: str) -> VariantSetup | None:
    layers = [layer.name for layer in hidden_layers(ctx.model) if activation_name(layer) in source]
    if not layers:
        return None

    def swap(layer, config):
        if layer.name in layers:
            config["activation"] = target
            config["kernel_initializer"] = "he_normal"
            return config
        return None

    return VariantSetup(Variant(name, words, f"activation='{target}', kernel_initializer='he_normal' in "
                                f"{', '.join(layers)}"), _reconfigured(ctx.model, swap))


def _default_init(ctx: Context) -> VariantSetup | None:
    layers = [layer for layer in ctx.model.layers if "kernel_initializer" in layer.get_config()]
    if not layers:
        return None

    def reset(layer, config):
        if "kernel_initializer" not in config:
            return None
        relu = activation_name(layer) in RELU_FAMILY
        config["kernel_initializer"] = "he_normal" if relu else "glorot_uniform"
        if "bias_initializer" in config:
            config["bias_initializer"] = "zeros"
        return config

    return VariantSetup(Variant("default_init", "standard initialization",
                                "kernel_initializer='he_normal' (ReLU) or 'glorot_uniform', bias zeros"),
                        _reconfigured(ctx.model, reset))


def _batchnorm(ctx: Context) -> VariantSetup | None:
    _, keras = import_keras()
    hidden = {layer.name for layer in hidden_layers(ctx.model)}
    if not hidden or not isinstance(ctx.model, keras.Sequential):
        return None
    layers = []
    for layer in ctx.model.layers:
        layers.append(layer.__class__.from_config(layer.get_config()))
        if layer.name in hidden:
            layers.append(keras.layers.BatchNormalization(name=f"{layer.name}_batchnorm"))  # a stable name
    source = ctx.model.inputs[0]
    model = keras.Sequential([keras.Input(shape=source.shape[1:], dtype=source.dtype)] + layers, name=ctx.model.name)
    model.compile(optimizer=fresh_optimizer(ctx.model.optimizer), loss=ctx.model.loss)
    return VariantSetup(Variant("batchnorm", "BatchNormalization after hidden layers",
                                "keras.layers.BatchNormalization() after each hidden layer"), model)


def _linear_output(ctx: Context) -> VariantSetup | None:
    out = output_layer(ctx.model)
    if not ctx.single_io or activation_name(out) in (None, "linear") or describe_loss(ctx.loss).kind != "regression":
        return None

    def linear(layer, config):
        if layer.name == out.name:
            config["activation"] = "linear"
            return config
        return None

    return VariantSetup(Variant("linear_output", "linear output layer", f"{out.name}: activation='linear'"),
                        _reconfigured(ctx.model, linear))


def matching_loss(ctx: Context) -> tuple[str, object, str | None] | None:
    """The loss (name, Keras object) and output activation that fit the output and targets."""
    _, keras = import_keras()
    if not ctx.single_io:
        return None
    spec = describe_loss(ctx.loss)
    out = output_layer(ctx.model)
    act = activation_name(out)
    units = int(ctx.model.outputs[0].shape[-1] or 1)
    probabilities = act in ("softmax", "sigmoid")
    if units == 1 and act == "softmax":
        return "binary_crossentropy", keras.losses.BinaryCrossentropy(), "sigmoid"
    if spec.kind in ("categorical", "sparse_categorical", "binary") and spec.from_logits == probabilities:
        cls = {"categorical": keras.losses.CategoricalCrossentropy, "binary": keras.losses.BinaryCrossentropy,
               "sparse_categorical": keras.losses.SparseCategoricalCrossentropy}[spec.kind]
        return f"{spec.name}(from_logits={not probabilities})", cls(from_logits=not probabilities), None
    labels = indicator_rows(ctx.y) if ctx.y.ndim == 2 and ctx.y.shape[1] == units else None
    if spec.kind == "regression" and labels is not None:
        if labels == "one_hot":
            return ("categorical_crossentropy", keras.losses.CategoricalCrossentropy(),
                    None if act == "softmax" else "softmax")
        if labels == "multi_hot":
            return "binary_crossentropy", keras.losses.BinaryCrossentropy(), None if act == "sigmoid" else "sigmoid"
    if spec.kind == "categorical" and act == "softmax" and labels == "multi_hot":
        return "binary_crossentropy", keras.losses.BinaryCrossentropy(), "sigmoid"
    return None


def _matching_loss(ctx: Context) -> VariantSetup | None:
    found = matching_loss(ctx)
    if found is None:
        return None
    name, loss, activation = found
    out = output_layer(ctx.model)

    def set_output(layer, config):
        if activation and layer.name == out.name:
            config["activation"] = activation
            return config
        return None

    change = f"loss={name}" + (f", {out.name}: activation='{activation}'" if activation else "")
    return VariantSetup(Variant("matching_loss", "output and loss that match", change),
                        _reconfigured(ctx.model, set_output, loss=loss), changes_loss=True)


def _clipnorm(ctx: Context) -> VariantSetup | None:
    if ctx.model.optimizer.get_config().get("clipnorm"):
        return None
    return VariantSetup(Variant("clipnorm", "gradient clipping", "clipnorm=1.0"),
                        probe_clone(ctx.model, optimizer=fresh_optimizer(ctx.model.optimizer, clipnorm=1.0)))


def _momentum(ctx: Context) -> VariantSetup | None:
    if (ctx.model.optimizer.get_config().get("momentum") or 0) <= 0.9:
        return None
    return VariantSetup(Variant("momentum_0.9", "momentum 0.9", "momentum=0.9"),
                        probe_clone(ctx.model, optimizer=fresh_optimizer(ctx.model.optimizer, momentum=0.9)))


def _adam(ctx: Context) -> VariantSetup | None:
    _, keras = import_keras()
    if type(ctx.model.optimizer).__name__ == "Adam":
        return None
    return VariantSetup(Variant("adam", "Adam optimizer", "optimizer=keras.optimizers.Adam(1e-3)"),
                        probe_clone(ctx.model, optimizer=keras.optimizers.Adam(1e-3)))


def _standardize_x(ctx: Context) -> VariantSetup | None:
    if not ctx.single_io or ctx.x.dtype.kind != "f":  # integer inputs are indices (tokens), not features
        return None
    x = ctx.x.astype(np.float64)
    axes = tuple(range(x.ndim - 1))
    mean, std = x.mean(axis=axes), x.std(axis=axes)
    scaled = (x - mean) / np.where(std > 0, std, 1.0)
    return VariantSetup(Variant("standardize_x", "standardized inputs", "x = (x - x.mean(0)) / x.std(0)"),
                        None, data=(scaled.astype(np.float32), ctx.y))


def _standardize_x_lr_suggested(ctx: Context) -> VariantSetup | None:
    """Standardized inputs trained at the range test's rate: two standard remedies that work together.

    Inputs far from zero mean and unit scale (a feature in [0, 10] feeding tanh units) leave the
    first layer badly conditioned; standardized, the units start near their linear range and need
    larger weights, which the compiled rate can be too small to reach within the budget. The rate
    is the range test's on the user's data (it is not rerun on the standardized inputs).
    """
    data, rate = _standardize_x(ctx), _lr_suggested(ctx)
    if data is None or rate is None:
        return None
    return VariantSetup(Variant("standardize_x_lr_suggested", "standardized inputs at the range test's rate",
                                f"{data.variant.change}; {rate.variant.change}"),
                        None, learning_rate=rate.learning_rate, data=data.data)


def _standardize_y(ctx: Context) -> VariantSetup | None:
    if not ctx.single_io or describe_loss(ctx.loss).kind != "regression":
        return None
    y = ctx.y.astype(np.float64)
    std = y.std(axis=0)
    scaled = (y - y.mean(axis=0)) / np.where(std > 0, std, 1.0)
    return VariantSetup(Variant("standardize_y", "standardized targets", "y = (y - y.mean(0)) / y.std(0)"),
                        None, data=(ctx.x, scaled.astype(np.float32)))


def _rescale_y(ctx: Context) -> VariantSetup | None:
    if not ctx.single_io or describe_loss(ctx.loss).kind != "regression":
        return None
    y = ctx.y.astype(np.float64)
    low, high = y.min(axis=0), y.max(axis=0)
    scaled = (y - low) / np.where(high > low, high - low, 1.0)
    return VariantSetup(Variant("rescale_y", "targets rescaled to [0, 1]",
                                "y = (y - y.min(0)) / (y.max(0) - y.min(0))"), None,
                        data=(ctx.x, scaled.astype(np.float32)))


EDITS: dict[str, Callable[[Context], VariantSetup | None]] = {
    "lr_x10": lambda ctx: _lr_scaled(ctx, "lr_x10", 10.0, "learning rate ×10"),
    "lr_div10": lambda ctx: _lr_scaled(ctx, "lr_div10", 0.1, "learning rate ÷10"),
    "lr_suggested": _lr_suggested,
    "wider": _wider,
    "relu": lambda ctx: _swap_activation(ctx, "relu", SATURATING, "relu", "ReLU hidden activations"),
    "leaky_relu": lambda ctx: _swap_activation(ctx, "leaky_relu", RELU_FAMILY, "leaky_relu",
                                               "LeakyReLU hidden activations"),
    "default_init": _default_init,
    "batchnorm": _batchnorm,
    "linear_output": _linear_output,
    "matching_loss": _matching_loss,
    "clipnorm": _clipnorm,
    "adam": _adam,
    "momentum_0.9": _momentum,
    "standardize_x": _standardize_x,
    "standardize_x_lr_suggested": _standardize_x_lr_suggested,
    "standardize_y": _standardize_y,
    "rescale_y": _rescale_y,
}
MODEL_EDITS = ("relu", "leaky_relu", "default_init", "batchnorm", "linear_output", "matching_loss", "wider")
OPTIMIZER_EDITS = ("lr_x10", "lr_div10", "lr_suggested", "clipnorm", "adam", "momentum_0.9",
                   "standardize_x_lr_suggested")
DATA_EDITS = ("standardize_x", "standardize_x_lr_suggested", "standardize_y", "rescale_y")  # one edits both


def build_setup(name: str, ctx: Context) -> VariantSetup | None:
    """The setup of edit ``name``, or None when it does not apply to this model and data."""
    if name not in EDITS:
        raise KeyError(f"unknown edit {name!r}")
    return EDITS[name](ctx)
