"""Plain summaries of a Keras model and of arrays, for Measurements and the report header."""

from __future__ import annotations

import numpy as np

from ..lossinfo import describe_loss
from ..measurements import LayerInfo, ModelInfo
from .loop import activation_name


def output_layer(model):
    """The layer that produces the model's (single) output."""
    history = getattr(model.outputs[0], "_keras_history", None) if getattr(model, "outputs", None) else None
    return history[0] if history else model.layers[-1]


def width_of(layer) -> int | None:
    """Units of a dense layer or filters of a convolution, if the layer has either."""
    config = layer.get_config()
    value = config.get("units", config.get("filters"))
    return int(value) if isinstance(value, int) else None


def learning_rate_of(optimizer) -> tuple[float | None, str | None]:
    """The initial learning rate as a float, and the schedule's class name when it has one."""
    raw = getattr(optimizer, "_learning_rate", None)
    if raw is not None and callable(raw) and not hasattr(raw, "assign"):
        config = getattr(raw, "get_config", lambda: {})()
        initial = config.get("initial_learning_rate")
        return (float(initial) if isinstance(initial, (int, float)) else None), type(raw).__name__
    return float(np.asarray(optimizer.learning_rate)), None


def model_info(model) -> ModelInfo:
    spec = describe_loss(model.loss)
    out = output_layer(model)
    layers = [
        LayerInfo(name=layer.name, kind=type(layer).__name__, activation=activation_name(layer),
                  units=width_of(layer), params=int(layer.count_params()) if layer.built else 0)
        for layer in model.layers
    ]
    learning_rate, schedule = learning_rate_of(model.optimizer)
    config = {k: v for k, v in model.optimizer.get_config().items() if _plain(v)}
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
        output_units=int(model.outputs[0].shape[-1]) if model.outputs[0].shape[-1] else None,
    )


def _plain(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))
