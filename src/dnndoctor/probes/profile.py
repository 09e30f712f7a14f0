"""Scale and kind of the arrays the probes train on (already subsampled, so bounded)."""

from __future__ import annotations

import numpy as np

from ..arrays import indicator_rows
from ..measurements import DataProfile


def target_kind(y: np.ndarray) -> tuple[str, int | None]:
    """'one_hot', 'multi_hot', 'binary', 'integer' or 'continuous', and the class count if any."""
    flat = y.reshape(len(y), -1)
    indicator = indicator_rows(flat)
    if indicator is not None:
        return indicator, flat.shape[1]
    values = np.unique(flat)
    if values.size <= 2 and np.all(np.isin(values, (0, 1))):
        return "binary", 2
    if np.all(np.mod(values, 1) == 0) and values.size <= 1000:
        return "integer", int(values.size)
    return "continuous", None


def profile_data(x: np.ndarray, y: np.ndarray) -> DataProfile:
    """Per-feature scale of x (features on the last axis) and the range and kind of y."""
    features = x.reshape(-1, x.shape[-1]).astype(np.float64) if x.ndim > 1 else x.reshape(-1, 1).astype(np.float64)
    means, stds = np.abs(features.mean(axis=0)), features.std(axis=0)
    kind, classes = target_kind(y)
    values = y.astype(np.float64)
    return DataProfile(
        x_mean_abs_max=float(means.max()), x_std_max=float(stds.max()),
        x_std_min=float(stds[stds > 0].min()) if np.any(stds > 0) else 0.0, x_max_abs=float(np.abs(features).max()),
        y_min=float(values.min()), y_max=float(values.max()), y_mean=float(values.mean()),
        y_std=float(values.std()), y_kind=kind, y_classes=classes,
    )
