"""Loss curves drawn with characters, on a log scale. Pure: lists of floats in, lines out."""

from __future__ import annotations

import math

import numpy as np

MARKS = "●○◆◇▲△"


def resample(values: list[float], width: int) -> list[float]:
    """Mean of log10(loss) in ``width`` equal slices of the curve (NaN where non-finite)."""
    logs = np.array([math.log10(v) if v is not None and math.isfinite(v) and v > 0 else np.nan for v in values])
    if len(logs) == 0:
        return []
    edges = np.linspace(0, len(logs), min(width, len(logs)) + 1).astype(int)
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        chunk = logs[a:max(b, a + 1)]
        out.append(float(np.nanmean(chunk)) if np.any(np.isfinite(chunk)) else math.nan)
    return out


def draw(series: dict[str, list[float]], width: int = 60, height: int = 10) -> tuple[list[str], dict[str, str]]:
    """Plot each named curve with its own mark; returns the lines and the legend marks."""
    sampled = {name: resample(values, width) for name, values in series.items()}
    finite = [v for s in sampled.values() for v in s if math.isfinite(v)]
    if not finite:
        return ["(no finite loss to draw)"], {}
    top, bottom = max(finite), min(finite)
    span = max(top - bottom, 1e-9)
    grid = [[" "] * width for _ in range(height)]
    marks = {}
    for k, (name, values) in enumerate(sampled.items()):
        mark = MARKS[k % len(MARKS)]
        marks[name] = mark
        for col, value in enumerate(values):
            if math.isfinite(value):
                row = int(round((top - value) / span * (height - 1)))
                if grid[row][col] == " ":
                    grid[row][col] = mark
    lines = []
    for r, cells in enumerate(grid):
        label = top - span * r / (height - 1)
        axis = f"{10 ** label:9.3g} ┤" if r in (0, height // 2, height - 1) else " " * 10 + "│"
        lines.append(axis + "".join(cells))
    lines.append(" " * 10 + "└" + "─" * width)
    return lines, marks
