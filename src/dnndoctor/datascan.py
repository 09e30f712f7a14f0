"""One pass over an array in bounded chunks: the rows the probes train on, facts about every row."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import numpy as np

from .datasource import ArraySource
from .measurements import ArrayInfo


@dataclass
class Scan:
    """What one pass over every row of an array found, and the sampled rows it kept."""

    sample: np.ndarray
    info: ArrayInfo
    nonfinite_rows: int = 0
    first_nonfinite_row: int | None = None
    integral: bool = True


def sample_size(rows: int, row_bytes: int, max_rows: int, max_bytes: int) -> int:
    """How many rows the probes may hold: all of them, or as many as the row and memory limits allow."""
    return min(rows, max_rows, max(2, max_bytes // max(1, row_bytes)))


def scan(source: ArraySource, keep: np.ndarray) -> Scan:
    """Read every row once: keep the rows at ``keep``, count non-finite rows, gather statistics."""
    sample = np.empty((len(keep), *source.shape[1:]), dtype=source.dtype)
    stats = _RunningStats()
    nonfinite, first_bad, integral = 0, None, True
    start = 0
    with contextlib.closing(source.chunks()) as chunks:
        for chunk in chunks:
            stop = start + len(chunk)
            lo, hi = np.searchsorted(keep, [start, stop])
            sample[lo:hi] = chunk[keep[lo:hi] - start]
            values = chunk.reshape(len(chunk), -1)
            if values.dtype.kind == "f":
                bad_rows = ~np.isfinite(values).all(axis=1)
                if bad_rows.any():
                    first_bad = start + int(np.argmax(bad_rows)) if first_bad is None else first_bad
                    nonfinite += int(bad_rows.sum())
                    values = values[~bad_rows]
                integral = integral and bool(np.all(values == np.floor(values)))
            stats.add(values)
            start = stop
    return Scan(sample=sample, info=stats.info(source), nonfinite_rows=nonfinite, first_nonfinite_row=first_bad,
                integral=integral)


class _RunningStats:
    """Minimum, maximum, mean and standard deviation merged chunk by chunk (Chan et al.)."""

    def __init__(self) -> None:
        self.count, self.mean, self.m2 = 0, 0.0, 0.0
        self.low, self.high = math.inf, -math.inf

    def add(self, values: np.ndarray) -> None:
        if values.size == 0:
            return
        values = values.astype(np.float64, copy=False)
        count, mean = values.size, float(values.mean())
        m2 = float(np.square(values - mean).sum())
        total = self.count + count
        delta = mean - self.mean
        self.mean += delta * count / total
        self.m2 += m2 + delta * delta * self.count * count / total
        self.count = total
        self.low, self.high = min(self.low, float(values.min())), max(self.high, float(values.max()))

    def info(self, source: ArraySource) -> ArrayInfo:
        empty = self.count == 0
        return ArrayInfo(shape=list(source.shape), dtype=str(source.dtype),
                         min=math.nan if empty else self.low, max=math.nan if empty else self.high,
                         mean=math.nan if empty else self.mean,
                         std=math.nan if empty else math.sqrt(self.m2 / self.count))
