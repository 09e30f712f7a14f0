"""The measurement graph shared by the probe loop and the Keras callback: which layers are
watched, their activation statistics, and per-layer norms of groups of variables.

Activations are read in inference mode on a fixed probe batch, so Dropout never zeroes a unit
there, and Dropout layers themselves are never watched. A statistic is only recorded where
it means something for the layer's activation: dead units for the ReLU family, saturation
for sigmoid- and tanh-like activations; None elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..measurements import LayerTrace

RELU_FAMILY = {"relu", "relu6", "threshold_relu"}
SIGMOID_FAMILY = {"sigmoid", "hard_sigmoid"}
TANH_FAMILY = {"tanh", "hard_tanh", "softsign"}
_LAYER_ACTIVATIONS = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "ELU": "elu", "Softmax": "softmax", "PReLU": "prelu"}
ACTIVATION_STATS = ("dead", "saturated_sigmoid", "saturated_tanh", "mean", "std")
SATURATION_MARGIN = 0.01  # within this of a sigmoid's 0 or 1, or of tanh's ±1, the unit's gradient is ~0


def activation_name(layer) -> str | None:
    """The activation a layer applies to its output, by Keras name (None: it applies none)."""
    kind = type(layer).__name__
    if kind in _LAYER_ACTIVATIONS:
        if kind == "ReLU" and (getattr(layer, "negative_slope", 0) or 0) > 0:
            return "leaky_relu"
        return _LAYER_ACTIVATIONS[kind]
    fn = getattr(layer, "activation", None)
    if fn is None or not callable(fn):
        return None
    return getattr(fn, "__name__", type(fn).__name__)


def is_recurrent(layer) -> bool:
    """A recurrent layer (or a wrapper of one): its output is h, not the activation of a unit."""
    return hasattr(layer, "cell") or hasattr(getattr(layer, "forward_layer", None), "cell")


def watched_layers(model) -> list:
    """Layers whose output is the activation of their units: an activation, read in inference mode.

    Recurrent layers are left out: their output mixes gates and states, so dead or saturated
    fractions of it would not be those of any activation.
    """
    return [layer for layer in model.layers if activation_name(layer) is not None and not is_recurrent(layer)]


def activation_model(keras, model, layers: list):
    """A model from the inputs to the outputs of ``layers`` (and the layers it could reach)."""
    if not layers or not getattr(model, "inputs", None):
        return [], None
    reachable = []
    for layer in layers:
        try:
            output = layer.output
        except (AttributeError, ValueError):  # a shared layer, or a subclassed model's inner layer
            continue
        if not isinstance(output, (list, tuple, dict)):
            reachable.append((layer, output))
    if not reachable:
        return [], None
    try:
        probe = keras.Model(model.inputs, [output for _, output in reachable])
    except (AttributeError, TypeError, ValueError):
        return [], None
    return [layer for layer, _ in reachable], probe


def channels_first(layer) -> bool:
    """A convolution or pooling layer whose channels are on axis 1, not the last."""
    return getattr(layer, "data_format", None) == "channels_first"


def activation_rows(tf, outputs, first_channel: list[bool] | None = None):
    """Per output tensor, its [dead, saturated(sigmoid), saturated(tanh), mean, std].

    Dead units are counted per channel (every other axis reduced): a unit of a dense layer, a
    filter of a convolution (on axis 1 where ``first_channel`` says so, else the last axis).
    """
    rows = []
    low, high = SATURATION_MARGIN, 1.0 - SATURATION_MARGIN
    for k, out in enumerate(outputs):
        values = tf.cast(out, tf.float32)
        rank = values.shape.rank
        if first_channel and first_channel[k] and rank and rank > 2:
            values = tf.transpose(values, [0, *range(2, rank), 1])
        values = tf.reshape(values, [-1, tf.shape(values)[-1]])
        rows.append(tf.stack([
            tf.reduce_mean(tf.cast(tf.reduce_all(values <= 0.0, axis=0), tf.float32)),
            tf.reduce_mean(tf.cast((values < low) | (values > high), tf.float32)),
            tf.reduce_mean(tf.cast(tf.abs(values) > high, tf.float32)),
            tf.reduce_mean(values), tf.math.reduce_std(values)]))
    return tf.stack(rows) if rows else tf.zeros([0, len(ACTIVATION_STATS)])


def record_activations(by_name: dict[str, LayerTrace], watched: list[tuple[str, str]], stats) -> None:
    """Append one record of activation statistics to the traces of the watched layers."""
    for j, (name, activation) in enumerate(watched):
        trace = by_name[name]
        dead, sat_sigmoid, sat_tanh, mean, std = (None,) * len(ACTIVATION_STATS) if stats is None else stats[j]
        trace.dead_fraction.append(finite(dead) if activation in RELU_FAMILY else None)
        saturated = sat_sigmoid if activation in SIGMOID_FAMILY else sat_tanh if activation in TANH_FAMILY else None
        trace.saturated_fraction.append(finite(saturated))
        trace.act_mean.append(finite(mean))
        trace.act_std.append(finite(std))


@dataclass
class VariableGroup:
    """The trainable variables of one layer: their positions in the model's list, and their size."""

    name: str
    indices: list[int]
    size: int


def variable_groups(model, variables: list) -> list[VariableGroup]:
    """One group per layer that owns trainable variables, in the model's layer order."""
    position = {id(v): i for i, v in enumerate(variables)}
    groups = []
    for layer in model.layers:
        indices = [position[id(v)] for v in layer.trainable_variables if id(v) in position]
        if indices:
            size = int(sum(np.prod(variables[i].shape) for i in indices))
            groups.append(VariableGroup(layer.name, indices, size))
    return groups


def group_norms(tf, tensors: list, groups: list[VariableGroup]):
    """The L2 norm of each group's tensors, as one vector.

    Fused: one squared sum per tensor, stacked, then one segment sum into the groups.
    """
    members = [(i, k) for k, group in enumerate(groups) for i in group.indices]
    if not members:
        return tf.zeros([len(groups)])
    squares = tf.stack([tf.reduce_sum(tf.square(tf.cast(tensors[i], tf.float32))) for i, _ in members])
    return tf.sqrt(tf.math.unsorted_segment_sum(squares, [k for _, k in members], len(groups)))


def finite(value) -> float | None:
    """A float, or None for a missing, NaN or infinite value (JSON has no NaN)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
