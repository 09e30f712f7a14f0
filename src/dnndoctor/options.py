"""Options of a check, shared by the CLI and the Python API."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CheckOptions:
    """How to load the subject and how much to probe it."""

    steps: int = 400
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    batch_size: int = 32
    records: int = 10
    probe_rows: int = 256
    max_rows: int = 100_000
    loss: str | None = None
    optimizer: str | None = None
    learning_rate: float | None = None
    x_key: str | None = None
    y_key: str | None = None
    jit: bool = True
    counterfactuals: bool = True
