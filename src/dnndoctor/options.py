"""Options of a check, shared by the CLI and the Python API."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CheckOptions:
    """How to load the subject, how much to probe it and which rules judge it."""

    steps: int = 400
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    batch_size: int = 32
    records: int = 10
    probe_rows: int = 256
    max_rows: int = 100_000
    max_data_mb: float = 256.0
    loss: str | None = None
    optimizer: str | None = None
    learning_rate: float | None = None
    x_key: str | None = None
    y_key: str | None = None
    class_weight: dict[int, float] | None = None  # per-class loss weights, applied as model.fit applies them
    jit: bool | None = None  # None: XLA where a GPU is present
    counterfactuals: bool = True
    fix_out: str | None = None  # save the model with the best verified fix here (.keras)
    max_fixes: int = 6  # proposed edits verified by a probe each, most important findings first
    time_budget: float | None = None  # seconds for the whole check, TensorFlow start-up excluded
    unsafe_load: bool = False
    custom_objects: str | None = None
    select: list[str] = field(default_factory=list)  # rule ids, names or categories; empty: all
    ignore: list[str] = field(default_factory=list)
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)  # rule id or name -> overrides
