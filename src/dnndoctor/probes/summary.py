"""Plain summaries of a Keras model for Measurements and the report header: its layers, their
depth in the layer graph, its training setup, and whether it scales its own inputs."""

from __future__ import annotations

from collections import deque

import numpy as np

from ..kerascompat import layer_parents
from ..lossinfo import describe_loss, output_losses
from ..measurements import LayerInfo, ModelInfo
from .graphstats import activation_name

INPUT_SCALERS = ("Normalization", "Rescaling", "BatchNormalization", "LayerNormalization")
PASS_THROUGH = ("InputLayer", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
                "Reshape", "Flatten")


def output_layer(model):
    """The layer that produces the model's first output with a loss."""
    index = output_losses(model)[0][0] if output_losses(model) else 0
    names = list(getattr(model, "output_names", None) or [])
    if index < len(names):
        try:
            return model.get_layer(names[index])
        except ValueError:  # an output named otherwise than its layer
            pass
    return model.layers[-1]


def output_layers(model) -> list:
    """The layers that produce the model's outputs (the last layer when they cannot be named)."""
    found = []
    for name in getattr(model, "output_names", None) or []:
        try:
            found.append(model.get_layer(name))
        except ValueError:
            pass
    return found or [model.layers[-1]]


def width_of(layer) -> int | None:
    """Units of a dense layer or filters of a convolution, if the layer has either."""
    config = layer.get_config()
    value = config.get("units", config.get("filters"))
    return int(value) if isinstance(value, int) else None


def learning_rate_of(optimizer) -> tuple[float | None, str | None]:
    """The initial learning rate as a float, and the schedule's class name when it has one."""
    rate = optimizer.get_config().get("learning_rate")
    if isinstance(rate, dict):  # a serialized LearningRateSchedule
        config = rate.get("config", {})
        initial = config.get("initial_learning_rate", (config.get("values") or [None])[0])  # piecewise: first
        return (float(initial) if isinstance(initial, (int, float)) else None), rate.get("class_name")
    return float(np.asarray(optimizer.learning_rate)), None


def layer_depths(model) -> dict[str, int]:
    """Per layer, the fewest layers with weights on a path from it to an output (0: it makes an output).

    Measured in the layer graph, so a residual block's skip shortens the depth of the layers
    below it, as it shortens the path of their gradients.
    """
    outputs = output_layers(model)
    depths: dict[str, int] = {}
    queue = deque()
    for layer in outputs:
        if layer.name not in depths:
            depths[layer.name] = 0
            queue.append(layer)
    while queue:  # a 0-1 breadth-first search: passing a layer without weights adds no depth
        layer = queue.popleft()
        step = 1 if getattr(layer, "trainable_weights", None) else 0  # keras ops appear in the graph too
        for parent in layer_parents(layer):
            depth = depths[layer.name] + step
            if depth < depths.get(parent.name, depth + 1):
                depths[parent.name] = depth
                (queue.appendleft if step == 0 else queue.append)(parent)
    return depths


def scales_own_inputs(model) -> bool:
    """Whether the inputs reach a scaling layer (adapted Normalization, Rescaling, BatchNormalization)
    before any layer with weights, or are integer indices (token ids): raw input scale does not matter."""
    inputs = getattr(model, "inputs", None) or []
    if inputs and all("int" in str(t.dtype) for t in inputs):
        return True
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in INPUT_SCALERS:
            return True
        if kind not in PASS_THROUGH:
            return False
    return False


def uses_moving_statistics(model) -> bool:
    """Whether a trainable BatchNormalization layer (nested ones included) normalizes with the batch's
    statistics in training and with their moving averages in inference."""
    stack = list(getattr(model, "layers", []))
    while stack:
        layer = stack.pop()
        if "BatchNormalization" in type(layer).__name__ and layer.trainable:
            return True
        stack += list(getattr(layer, "layers", []))
    return False


def model_info(model) -> ModelInfo:
    found = output_losses(model)
    index, _, loss = found[0] if found else (0, None, model.loss)
    spec = describe_loss(loss)
    out = output_layer(model)
    depths = layer_depths(model)
    layers = [
        LayerInfo(name=layer.name, kind=type(layer).__name__, activation=activation_name(layer),
                  units=width_of(layer), params=int(layer.count_params()) if layer.built else 0,
                  depth=depths.get(layer.name))
        for layer in model.layers
    ]
    learning_rate, schedule = learning_rate_of(model.optimizer)
    config = {k: v for k, v in model.optimizer.get_config().items() if _plain(v)}
    units = model.outputs[index].shape[-1]
    return ModelInfo(
        name=model.name,
        params=int(model.count_params()),
        layers=layers,
        optimizer=type(model.optimizer).__name__,
        learning_rate=learning_rate,
        learning_rate_schedule=schedule,
        optimizer_config=config,
        loss=spec.name,
        loss_kind=spec.kind,
        from_logits=spec.from_logits,
        output_activation=activation_name(out),
        output_units=int(units) if units else None,
        scales_own_inputs=scales_own_inputs(model),
        inputs=len(model.inputs),
        outputs=len(model.outputs),
    )


def _plain(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))
