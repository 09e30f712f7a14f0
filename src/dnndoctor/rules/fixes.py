"""Fixes that rules propose, backed by the probe of their edit at the same budget and seeds."""

from __future__ import annotations

import math

import numpy as np

from ..findings import Fix
from ..formatting import format_number, seeds_phrase
from ..measurements import Measurements
from ..runstats import by_seed, majority, relative_final

VERIFIED_GAIN = 2.0  # a fix is verified when its probe ends at least 2× lower than the setup in most seeds
LR_DOWN, LR_UP = 0.1, 10.0  # the learning-rate factors of the lr_div10 and lr_x10 probes


def variant_effect(measured: Measurements, variant: str, seeds: list[int]) -> tuple[list[float], list[float]]:
    """Relative final losses of the baseline and of ``variant`` on the given seeds."""
    base, other = by_seed(measured, "baseline"), by_seed(measured, variant)
    pairs = [(relative_final(measured, base[s]), relative_final(measured, other[s]))
             for s in seeds if s in base and s in other]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def wins(before: list[float], after: list[float], gain: float) -> int:
    """How many seeds' variant ended at least ``gain`` times lower than the setup (finite)."""
    return sum(math.isfinite(a) and a * gain <= b for b, a in zip(before, after))


def measured_fix(measured: Measurements, variant: str, summary: str, code: str, seeds: list[int],
                 *, gain: float = VERIFIED_GAIN) -> Fix:
    """A fix backed by the probe of edit ``variant`` at the same budget and seeds.

    It counts as verified when the variant's final loss beats the baseline's by ``gain`` in a
    majority of the seeds; the effect text gives the median losses relative to the baseline.
    Before that probe ran, the fix is unprobed and names the edit, so that the verification
    phase probes it. An edit the prober could not build for this model counts as probed.
    """
    if variant in measured.inapplicable_edits:
        return Fix(summary=summary, code=code, variant=variant, effect="does not apply to this model", probed=True,
                   needed=gain)
    before, after = variant_effect(measured, variant, seeds)
    if not before:
        return Fix(summary=summary, code=code, variant=variant, needed=gain)
    won = wins(before, after, gain)
    effect = (f"relative loss {format_number(float(np.median(before)))} → "
              f"{format_number(float(np.median(after)))} at {measured.budget.steps} steps; "
              f"better in {seeds_phrase(won, len(before))}")
    return Fix(summary=summary, code=code, variant=variant, effect=effect, probed=True,
               verified=majority(won, len(before)), needed=gain)


def clip_fix(measured: Measurements, seeds: list[int]) -> Fix:
    """Gradient clipping, backed by the probe of the clipnorm edit."""
    return measured_fix(measured, "clipnorm", "clip the gradient norm", "optimizer = ...(clipnorm=1.0)", seeds)


def refuted(fixes: list[Fix]) -> bool:
    """Every probe-backed fix was probed and none helped: the hypothesis behind them fails."""
    backed = [f for f in fixes if f.variant]
    return bool(backed) and all(f.probed for f in backed) and not any(f.verified for f in backed)


def lr_text(measured: Measurements, scale: float) -> str:
    """The learning rate times ``scale``, or the scale itself when the rate is a schedule."""
    rate = measured.model.learning_rate
    return f"{rate * scale:.3g}" if rate else f"{scale:g} × the current rate"


def lr_change(measured: Measurements, scale: float) -> str:
    """Keras code that recompiles with the learning rate scaled."""
    if not measured.model.learning_rate:
        return f"# multiply the schedule's initial_learning_rate by {scale:g}, then recompile"
    optimizer = f"keras.optimizers.{measured.model.optimizer}(learning_rate={lr_text(measured, scale)})"
    return f"model.compile(optimizer={optimizer}, loss={measured.model.loss!r})"
