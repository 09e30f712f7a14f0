"""Everything about the compiled loss: its kind per output, the best constant prediction and its
loss (the yardstick of every loss), the lowest loss any prediction reaches (its floor), and the
loss a well-initialized model starts near.

``describe_loss`` and ``constant_predictions`` are pure; ``trivial_loss`` evaluates Keras'
own compiled loss, so target ranks, dicts of outputs and ``loss_weights`` count as in
``model.fit``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from .arrays import Arrays, fit_dtype

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
MSE_NAMES = ("mse", "mean_squared_error", "meansquarederror")
MAX_CANDIDATES = 16  # combinations of per-output constant predictions tried for the yardstick
CLIP = 1e-7  # Keras' epsilon: probabilities are clipped to [CLIP, 1 - CLIP] inside the cross-entropies


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


def output_names(model) -> list[str]:
    """The model's output names, in the order of ``model.outputs``."""
    names = getattr(model, "output_names", None)
    return list(names) if names else [t.name for t in model.outputs]


def output_losses(model) -> list[tuple[int, str, object]]:
    """(output index, output name, loss) for every output that ``compile`` gave a loss."""
    names, loss = output_names(model), model.loss
    if isinstance(loss, dict):
        return [(i, name, loss[name]) for i, name in enumerate(names) if loss.get(name) is not None]
    if isinstance(loss, (list, tuple)):
        return [(i, name, item) for i, (name, item) in enumerate(zip(names, loss)) if item is not None]
    return [(i, name, loss) for i, name in enumerate(names)]


def primary_loss(model):
    """The loss of the first output that has one: what single-output summaries describe."""
    found = output_losses(model)
    return found[0][2] if found else model.loss


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


def _targets_of(model, y: Arrays) -> dict[str, np.ndarray]:
    names = output_names(model)
    return dict(y) if isinstance(y, dict) else {names[0]: y}


def _constant_outputs(model, targets: dict[str, np.ndarray], rows: int) -> list[list[np.ndarray]]:
    """Per model output, the candidate constant outputs for ``rows`` rows (zeros where no loss)."""
    shapes = [tuple(int(d or 1) for d in t.shape[1:]) for t in model.outputs]
    candidates = [[np.zeros((rows, *shape), np.float32)] for shape in shapes]
    for index, name, loss in output_losses(model):
        if name not in targets:
            continue
        shape = shapes[index]
        size = int(np.prod(shape))
        rows_of = []
        for row in constant_predictions(describe_loss(loss), targets[name], shape[-1] if shape else 1):
            row = np.asarray(row, np.float32).reshape(-1)
            row = row[:size] if row.size >= size else np.resize(row, size)  # e.g. a class prior at every time step
            rows_of.append(np.broadcast_to(row.reshape(shape), (rows, *shape)))
        candidates[index] = rows_of
    return candidates


def trivial_loss(model, y: Arrays, sample_weight: np.ndarray | None = None) -> float:
    """The compiled loss of the best constant prediction: the yardstick of every loss."""
    from .kerascompat import compiled_loss

    loss = compiled_loss(model)
    targets = _targets_of(model, y)
    fed = {name: fit_dtype(value) for name, value in targets.items()}
    y_true = fed if isinstance(y, dict) else next(iter(fed.values()))
    rows = len(next(iter(targets.values())))
    weights = None if sample_weight is None else fit_dtype(sample_weight)
    best = math.inf
    for combination in itertools.islice(itertools.product(*_constant_outputs(model, targets, rows)), MAX_CANDIDATES):
        y_pred = list(combination) if len(combination) > 1 else combination[0]
        best = min(best, float(np.asarray(loss(y_true, y_pred, weights))))
    return best


def smoothed_targets(loss, y: np.ndarray) -> np.ndarray | None:
    """The distribution a cross-entropy compares its predictions with: the targets after the loss'
    label smoothing. None for other losses (focal ones included: their minimum is not at the targets)."""
    spec = describe_loss(loss)
    if spec.kind not in ("binary", "categorical") or "focal" in spec.name.lower():
        return None
    config = loss.get_config() if hasattr(loss, "get_config") else {}
    smoothing = float(config.get("label_smoothing") or 0.0)
    targets = np.asarray(y, np.float64)
    spread = 0.5 if spec.kind == "binary" else 1.0 / max(targets.shape[-1], 1)
    return targets * (1.0 - smoothing) + smoothing * spread


def _best_output(loss, y: np.ndarray) -> np.ndarray | None:
    """The prediction with the lowest cross-entropy against soft or smoothed targets: the targets
    themselves (as logits when the loss takes logits); None when the targets are hard labels, or
    not probabilities at all (then no prediction is best, and other rules speak of the targets)."""
    target = smoothed_targets(loss, y)
    if target is None or np.all((target == 0) | (target == 1)) or target.min() < 0 or target.max() > 1:
        return None
    p = np.clip(target, CLIP, 1 - CLIP)
    spec = describe_loss(loss)
    if spec.from_logits:
        p = np.log(p / (1 - p)) if spec.kind == "binary" else np.log(p)
    return p.astype(np.float32)


def floor_loss(model, y: Arrays, sample_weight: np.ndarray | None = None) -> float:
    """The compiled loss of the best possible prediction: 0 for regression and hard labels, the
    entropy of the targets for a cross-entropy on soft or label-smoothed targets (0.50 for 10
    classes at ``label_smoothing=0.1``). No model reaches below it, so losses are judged above it.
    0 unless every output with a loss is such a cross-entropy on soft or smoothed targets."""
    from .kerascompat import compiled_loss

    targets = _targets_of(model, y)
    found = output_losses(model)
    best = {name: _best_output(loss, targets[name]) for _, name, loss in found if name in targets}
    if not best or any(v is None for v in best.values()) or len(best) != len(model.outputs):
        return 0.0
    fed = {name: fit_dtype(value) for name, value in targets.items()}
    names = output_names(model)
    y_true = fed if isinstance(y, dict) else next(iter(fed.values()))
    y_pred = [best[name] for name in names] if len(names) > 1 else best[names[0]]
    weights = None if sample_weight is None else fit_dtype(sample_weight)
    floor = float(np.asarray(compiled_loss(model)(y_true, y_pred, weights)))
    return floor if math.isfinite(floor) and floor > 0 else 0.0


def expected_initial_loss(model, y: Arrays) -> float | None:
    """The loss a well-initialized model starts near: ln C for C classes (uniform prediction),
    E[y²] for a mean squared error on an output centred on zero; None for several outputs."""
    found = output_losses(model)
    if len(found) != 1:
        return None
    index, name, loss = found[0]
    spec = describe_loss(loss)
    units = int(model.outputs[index].shape[-1] or 1)
    if spec.kind in ("categorical", "sparse_categorical") and units > 1:
        return float(np.log(units))
    if spec.kind == "binary":
        return float(np.log(2))
    if spec.kind == "regression" and spec.name.lower() in MSE_NAMES:
        return float(np.mean(np.square(_targets_of(model, y)[name].astype(np.float64))))
    return None
