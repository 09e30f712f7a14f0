"""Counterfactual setups probed next to the user's: the same budget and seeds, one change each."""

from __future__ import annotations

from dataclasses import dataclass

from ..measurements import Variant
from ..tf_runtime import import_keras
from .summary import learning_rate_of, output_layer, width_of

WIDEN_FACTOR = 4
MAX_WIDTH = 1024


@dataclass
class VariantSetup:
    """A variant with the compiled model that trains it and the learning rate to set, if any."""

    variant: Variant
    model: object
    learning_rate: float | None = None


def fresh_optimizer(optimizer, scale: float = 1.0):
    """A new optimizer of the same class and hyperparameters, the learning rate times ``scale``."""
    _, keras = import_keras()
    new = optimizer.__class__.from_config(optimizer.get_config())
    if scale != 1.0:
        _, schedule = learning_rate_of(optimizer)
        if schedule is None:
            new.learning_rate = float(new.learning_rate) * scale
        else:
            new.learning_rate = _scaled_schedule(keras, optimizer._learning_rate, scale)
    return new


def _scaled_schedule(keras, schedule, scale: float):
    class ScaledSchedule(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            return schedule(step) * scale

        def get_config(self):
            return {"scale": scale}

    return ScaledSchedule()


def probe_clone(model, clone_function=None, scale: float = 1.0):
    """A freshly initialized, compiled clone trained exactly like the user's model."""
    _, keras = import_keras()
    clone = keras.models.clone_model(model, clone_function=clone_function)
    clone.compile(optimizer=fresh_optimizer(model.optimizer, scale), loss=model.loss)
    return clone


def hidden_widths(model) -> dict[str, int]:
    """Width of every hidden dense or convolutional layer (the output layer excluded)."""
    out = output_layer(model)
    return {layer.name: w for layer in model.layers if layer is not out and (w := width_of(layer))}


def widened(model):
    """A clone whose hidden layers are ``WIDEN_FACTOR`` times wider, or None if it has none."""
    widths = hidden_widths(model)
    if not widths:
        return None

    def widen(layer):
        config = layer.get_config()
        if layer.name in widths:
            key = "units" if "units" in config else "filters"
            config[key] = min(widths[layer.name] * WIDEN_FACTOR, max(widths[layer.name], MAX_WIDTH))
        return layer.__class__.from_config(config)

    return probe_clone(model, clone_function=widen)


def build_variants(model, counterfactuals: bool) -> list[VariantSetup]:
    """The user's setup first, then learning rate ×10 and ÷10 and a wider model."""
    base = probe_clone(model)
    setups = [VariantSetup(Variant("baseline", "the model as compiled"), base)]
    if not counterfactuals:
        return setups
    lr, schedule = learning_rate_of(model.optimizer)
    for name, scale, words in (("lr_x10", 10.0, "learning rate ×10"), ("lr_div10", 0.1, "learning rate ÷10")):
        change = f"optimizer.learning_rate = {lr * scale:.3g}" if lr else f"learning rate scaled by {scale:g}"
        variant = Variant(name, words, change)
        if schedule is None:
            setups.append(VariantSetup(variant, base, learning_rate=lr * scale))
        else:
            setups.append(VariantSetup(variant, probe_clone(model, scale=scale)))
    wide = widened(model)
    if wide is not None:
        widths = hidden_widths(model)
        change = ", ".join(f"{name}: {w} → {hidden_widths(wide)[name]}" for name, w in widths.items())
        setups.append(VariantSetup(Variant("wider", f"hidden layers ×{WIDEN_FACTOR} wider", change), wide))
    return setups
