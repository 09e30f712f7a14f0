"""What kind of loss a model was compiled with, and the loss of the best constant prediction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_KINDS = {
    "regression": {
        "mse", "mean_squared_error", "meansquarederror", "mae", "mean_absolute_error",
        "meanabsoluteerror", "huber", "huber_loss", "log_cosh", "logcosh", "msle",
        "mean_squared_logarithmic_error", "mape", "mean_absolute_percentage_error",
    },
    "binary": {"binary_crossentropy", "binarycrossentropy", "binary_focal_crossentropy",
               "binaryfocalcrossentropy", "bce"},
    "categorical": {"categorical_crossentropy", "categoricalcrossentropy",
                    "categorical_focal_crossentropy", "categoricalfocalcrossentropy", "cce"},
    "sparse_categorical": {"sparse_categorical_crossentropy", "sparsecategoricalcrossentropy"},
}


@dataclass(frozen=True)
class LossSpec:
    """A compiled loss reduced to what the rules need: a name, a kind and the logits flag."""

    name: str
    kind: str
    from_logits: bool = False


def describe_loss(loss) -> LossSpec:
    """Classify a loss given as a Keras name, a Loss object or a loss function."""
    if isinstance(loss, str):
        name, from_logits = loss, False
    else:
        config = loss.get_config() if hasattr(loss, "get_config") else {}
        name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
        from_logits = bool(config.get("from_logits", False))
    key = name.lower().replace(" ", "")
    kind = next((k for k, names in _KINDS.items() if key in names), "other")
    return LossSpec(name=name, kind=kind, from_logits=from_logits)


def constant_predictions(spec: LossSpec, y: np.ndarray, output_units: int) -> list[np.ndarray]:
    """Candidate best constant predictions (one row each) for the loss kind."""
    eps = 1e-7
    if spec.kind == "sparse_categorical":
        counts = np.bincount(y.reshape(-1).astype(int), minlength=output_units)[:output_units]
        prior = np.clip(counts / counts.sum(), eps, 1)
        return [np.log(prior) if spec.from_logits else prior]
    flat = y.reshape(len(y), -1).astype(np.float64)
    if spec.kind in ("binary", "categorical"):
        prior = np.clip(flat.mean(axis=0), eps, 1 - eps)
        if spec.from_logits:
            prior = np.log(prior / (1 - prior)) if spec.kind == "binary" else np.log(prior)
        return [prior.reshape(y.shape[1:])]
    return [flat.mean(axis=0).reshape(y.shape[1:]), np.median(flat, axis=0).reshape(y.shape[1:])]
