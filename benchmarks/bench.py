"""One benchmark subject outside the mutation suite: a compiled model builder, its data and how
model.fit trains it (epochs, batch size), with where it comes from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Bench:
    name: str
    label: str | None  # fault category; None for a healthy control
    source: str  # the report, thread or example it rebuilds
    build: Callable  # () -> compiled keras model; the caller seeds first
    data: Callable  # () -> (x, y); x is a list of arrays for a multi-input model
    epochs: int
    batch_size: int
    kind: str = "control"  # the fault type (the split is stratified by it)
    fixed: Callable | None = None  # () -> the compiled model with the reported fix, for validation
    notes: str = ""

    @property
    def control(self) -> bool:
        return self.label is None
