"""Learning-rate suggestions from an LR range test: pure functions of (rates, losses)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SMOOTHING = 0.9
DIVERGED = 4.0


@dataclass(frozen=True)
class Suggestion:
    """Candidate learning rates read off one range test (None where the curve gives none)."""

    valley: float | None
    minimum_tenth: float | None
    steep: float | None
    diverged_at: float | None

    @property
    def recommended(self) -> float | None:
        """The rate to try: a tenth of the loss minimum's, the most robust of the three."""
        return self.minimum_tenth if self.minimum_tenth is not None else self.valley


def smooth(losses: list[float]) -> np.ndarray:
    """Bias-corrected exponential moving average; NaN from the first non-finite loss on."""
    out, avg = [], 0.0
    for i, value in enumerate(losses):
        if value is None or not math.isfinite(value):
            out.extend([math.nan] * (len(losses) - i))
            break
        avg = SMOOTHING * avg + (1 - SMOOTHING) * value
        out.append(avg / (1 - SMOOTHING ** (i + 1)))
    return np.asarray(out, dtype=float)


def usable_length(smoothed: np.ndarray) -> int:
    """How many points precede divergence: a non-finite loss or DIVERGED × the best so far."""
    best = math.inf
    for i, value in enumerate(smoothed):
        if not math.isfinite(value) or (i > 0 and value > DIVERGED * best):
            return i
        best = min(best, value)
    return len(smoothed)


def longest_descent(values: np.ndarray) -> tuple[int, int]:
    """Start and end index of the longest stretch over which the values keep falling."""
    best, start = (0, 0), 0
    for i in range(1, len(values)):
        if values[i] >= values[i - 1]:
            start = i
        elif i - start > best[1] - best[0]:
            best = (start, i)
    return best


def suggest(learning_rates: list[float], losses: list[float]) -> Suggestion:
    """Valley (two thirds down the longest descent), minimum ÷ 10 and steepest descent."""
    lrs = np.asarray(learning_rates, dtype=float)
    smoothed = smooth(losses)
    n = usable_length(smoothed)
    diverged = float(lrs[n]) if n < len(lrs) else None
    if n < 3:
        return Suggestion(None, None, None, diverged)
    lrs, curve = lrs[:n], smoothed[:n]
    minimum_tenth = float(lrs[int(np.argmin(curve))] / 10)
    slopes = np.gradient(curve, np.log(lrs))
    steep = float(lrs[int(np.argmin(slopes))]) if np.min(slopes) < 0 else None
    start, end = longest_descent(curve)
    valley = float(lrs[start + 2 * (end - start) // 3]) if end > start else None
    return Suggestion(valley, minimum_tenth, steep, diverged)
