"""Numbers and counts as the messages and reports print them. Pure: no TensorFlow."""

from __future__ import annotations

import math


def format_number(value: float | None) -> str:
    """A loss or ratio for messages: three significant digits, inf spelled out."""
    if value is None or not math.isfinite(value):
        return "non-finite"
    return f"{value:.3g}"


def seed_cell(values: dict[int, float], seed: int) -> str:
    """A per-seed table cell: the number, or a dash where that seed was not probed (the race skipped it)."""
    return format_number(values[seed]) if seed in values else "–"


def seeds_phrase(count: int, total: int) -> str:
    """How many seeds showed something, e.g. "2/3 seeds"."""
    return f"{count}/{total} seeds"
