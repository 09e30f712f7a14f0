"""Data as a finite ``tf.data.Dataset`` or Keras ``PyDataset``: sampled into arrays in one pass.

The probes train on arrays. A dataset is read once, batch by batch, as ``model.fit`` would read
one epoch of it; every row is counted and a uniform sample of at most the row and memory
limits is kept (reservoir sampling, seeded), in the rows' original order. The arrays then take
the path that arrays from a file take.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from .datascan import sample_size
from .errors import InputError
from .tf_runtime import import_keras

WHERE = "dataset"


@dataclass
class Sampled:
    """The sampled rows of a dataset: its (x, y, sample_weight) structure, and how many rows it had."""

    x: Any
    y: Any
    sample_weight: np.ndarray | None
    rows: int
    kept: int


def is_dataset(data: Any) -> bool:
    """Whether ``data`` is a ``tf.data.Dataset`` or a Keras ``PyDataset``."""
    tf, keras = import_keras()
    return isinstance(data, (tf.data.Dataset, keras.utils.PyDataset))


def sample_dataset(dataset: Any, *, max_rows: int, max_bytes: int, seed: int) -> Sampled:
    """Read every batch of ``dataset`` once; keep a seeded uniform sample of its rows."""
    tf, _ = import_keras()
    reservoir = None
    for batch in _batches(dataset):
        structure = _unpack(batch)
        leaves = [np.asarray(a) for a in tf.nest.flatten(structure)]
        if reservoir is None:
            row_bytes = sum(int(np.prod(a.shape[1:], dtype=np.int64)) * a.dtype.itemsize for a in leaves)
            reservoir = _Reservoir(structure, len(leaves), sample_size(max_rows, row_bytes, max_rows, max_bytes), seed)
        elif len(leaves) != reservoir.width:
            raise InputError("the batches of the dataset differ in structure", path=WHERE,
                             remedy="yield the same (x, y) or (x, y, sample_weight) structure in every batch")
        reservoir.add(leaves)
    if reservoir is None or reservoir.seen < 2:
        raise InputError("the dataset yields fewer than 2 rows; a training probe needs at least 2", path=WHERE,
                         remedy="pass a dataset with more rows")
    x, y, *weights = reservoir.sample()
    return Sampled(x, y, weights[0] if weights else None, reservoir.seen, min(reservoir.seen, reservoir.size))


def _batches(dataset: Any) -> Iterator[Any]:
    """The batches of one epoch of a finite dataset, as NumPy structures."""
    tf, keras = import_keras()
    if isinstance(dataset, tf.data.Dataset):
        if int(dataset.cardinality()) == int(tf.data.INFINITE_CARDINALITY):
            raise InputError("the dataset is infinite (it repeats)", path=WHERE,
                             remedy="pass one epoch of it, e.g. dataset.take(steps_per_epoch)")
        yield from dataset.as_numpy_iterator()
        return
    batches = dataset.num_batches
    if batches is None:
        raise InputError("the PyDataset is infinite (num_batches is None)", path=WHERE,
                         remedy="give it a finite __len__")
    for index in range(batches):
        yield keras.tree.map_structure(keras.ops.convert_to_numpy, dataset[index])


def _unpack(batch: Any) -> tuple:
    """(x, y) or (x, y, sample_weight) of a batch, as ``model.fit`` unpacks it."""
    if isinstance(batch, (tuple, list)) and len(batch) in (2, 3) and batch[-1] is not None:
        return tuple(batch)
    if isinstance(batch, (tuple, list)) and len(batch) == 3:
        return tuple(batch[:2])
    raise InputError("the dataset yields batches without targets", path=WHERE,
                     remedy="yield (x, y) or (x, y, sample_weight) batches, as model.fit takes them")


class _Reservoir:
    """A uniform sample of at most ``size`` rows of a stream of batches of ``width`` arrays
    (Vitter's algorithm R)."""

    def __init__(self, structure: Any, width: int, size: int, seed: int) -> None:
        self.structure, self.width, self.size = structure, width, size
        self.rng = np.random.default_rng(seed)
        self.parts: list[list[np.ndarray]] = []
        self.seen = 0
        self.slots: list[np.ndarray] | None = None
        self.index = np.empty(0, dtype=np.int64)

    def add(self, leaves: list[np.ndarray]) -> None:
        if any(a.ndim == 0 or len(a) != len(leaves[0]) for a in leaves):
            raise InputError("a batch of the dataset has arrays with different numbers of rows (is it batched?)",
                             path=WHERE, remedy="batch it, e.g. dataset.batch(32), with one row per sample in "
                                                "every input, target and weight")
        rows = len(leaves[0])
        free = max(0, self.size - self.seen)
        if free:
            self.parts.append([a[:free] for a in leaves])
        if rows > free:
            self._replace([a[free:] for a in leaves], self.seen + free)
        self.seen += rows

    def _replace(self, leaves: list[np.ndarray], start: int) -> None:
        if self.slots is None:
            self.slots = [np.concatenate(column) for column in zip(*self.parts)]
            self.index = np.arange(self.size)
        positions = start + np.arange(len(leaves[0]))
        draws = self.rng.integers(0, positions + 1)
        chosen = draws < self.size
        for slot, column in zip(self.slots, leaves):
            slot[draws[chosen]] = column[chosen]
        self.index[draws[chosen]] = positions[chosen]

    def sample(self) -> Any:
        """The kept rows, in the order the dataset yielded them, in the structure of its batches."""
        tf, _ = import_keras()
        if self.slots is None:
            leaves = [np.concatenate(column) for column in zip(*self.parts)]
        else:
            order = np.argsort(self.index)
            leaves = [slot[order] for slot in self.slots]
        return tf.nest.pack_sequence_as(self.structure, leaves)
