"""Training data as ``model.fit`` takes it: one array, or a dict of arrays keyed by input or output name.

Pure NumPy. Every helper accepts either form, so single-input, single-output models keep
plain arrays while models with several inputs or outputs use the dict convention of
``model.fit``.
"""

from __future__ import annotations

from typing import Callable, Union

import numpy as np

Arrays = Union[np.ndarray, dict]


def leaves(data: Arrays) -> list[np.ndarray]:
    """The arrays of ``data``, in key order for a dict."""
    return list(data.values()) if isinstance(data, dict) else [data]


def first(data: Arrays) -> np.ndarray:
    """The one array, or the first of a dict: what single-array summaries describe."""
    return leaves(data)[0]


def map_arrays(fn: Callable[[np.ndarray], np.ndarray], data: Arrays | None) -> Arrays | None:
    """``fn`` applied to every array, keeping the structure (None stays None)."""
    if data is None:
        return None
    return {key: fn(value) for key, value in data.items()} if isinstance(data, dict) else fn(data)


def row_count(data: Arrays) -> int:
    return len(first(data))


def take_rows(data: Arrays | None, rows: np.ndarray) -> Arrays | None:
    """The rows at ``rows`` of every array."""
    return map_arrays(lambda a: a[rows], data)


def sample_indices(rows: int, size: int, seed: int) -> np.ndarray:
    """``size`` distinct row indices in increasing order, drawn by ``seed`` (every row if size >= rows).

    The one row-sampling rule of dnndoctor: data files, probe batches and validation rows.
    """
    if size >= rows:
        return np.arange(rows)
    return np.sort(np.random.default_rng(seed).choice(rows, size, replace=False))


def fit_dtype(array: np.ndarray) -> np.ndarray:
    """The array as ``model.fit`` feeds it: floats of any width as float32, integers unchanged."""
    array = np.asarray(array)
    return array.astype(np.float32) if array.dtype.kind == "f" and array.dtype != np.float32 else array


def indicator_rows(y: np.ndarray) -> str | None:
    """'one_hot' or 'multi_hot' when ``y`` holds 0/1 indicator rows of 2 or more classes, else None.

    The one test of one-hot targets, for the data profile and the matching-loss edit.
    """
    flat = np.asarray(y).reshape(len(y), -1)
    if flat.shape[1] < 2 or not np.all((flat == 0) | (flat == 1)):
        return None
    return "one_hot" if np.all(flat.sum(axis=1) == 1) else "multi_hot"


def class_weights_to_sample_weights(y: np.ndarray, class_weight: dict[int, float]) -> np.ndarray:
    """Per-row weights from ``class_weight``, exactly as Keras' data adapter derives them for ``fit``:
    one-hot rows by their argmax, (N, 1) labels squeezed, labels rounded; unlisted classes weigh 1."""
    labels = np.asarray(y)
    if labels.ndim > 1:
        labels = np.argmax(labels, axis=-1) if labels.shape[-1] != 1 else np.squeeze(labels, axis=-1)
    labels = np.round(labels).astype(np.int32).reshape(len(labels))
    return np.array([class_weight.get(int(label), 1.0) for label in labels], dtype=np.float32)
