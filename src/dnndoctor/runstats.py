"""Statistics of probe runs that rules and reports share: final and relative loss, trend, fit.

Pure: no TensorFlow. Every loss is read off a ``ProbeRun``; "relative" means the loss above the
floor (the lowest any prediction reaches: 0 unless the targets are soft or label-smoothed) as a
fraction of the best constant prediction's (the trivial baseline), so 1.0 is no better than a
constant and 0 is the best fit possible.
"""

from __future__ import annotations

import math

import numpy as np

from .measurements import Measurements, ProbeRun, Variant

FITS = 0.01  # a setup ending within 1 % of a constant prediction's loss has fit the data
TRIVIAL = 1.0  # the relative loss of the best constant prediction itself
STILL_FALLING = 0.7  # the second half of the probe cut the loss by 30 % or more: it is still falling
HEAD_STEPS = 10  # the loss at the start is the mean of the first steps, which smooths batch noise
TINY = 1e-12  # stands in for a zero loss in divisions and logarithms
# Seed noise, in decades: the spread (standard deviation) of log10 of the relative final loss of
# one setup across seeds, median over the probed variants of the seed fixtures (6 seeds each,
# benchmarks/fixture_stability.py). Evidence within it of a threshold is a knife edge.
SEED_NOISE = 0.2  # measured: median 0.22 over 31 variants of the 6 default-budget fixtures, seeds 0-5


def tail_mean(values: list[float]) -> float | None:
    """Mean of the last ``HEAD_STEPS`` values, as the final training loss is read (None if empty or not finite)."""
    tail = values[-HEAD_STEPS:]
    mean = float(np.mean(tail)) if tail else math.nan
    return mean if math.isfinite(mean) else None


def final_loss(run: ProbeRun, total_steps: int, moving_statistics: bool = False) -> float:
    """Loss on the fixed probe batch after the last step; inf if the run went non-finite.

    With ``moving_statistics`` (BatchNormalization), the lower of that and the mean training loss of
    the last ``HEAD_STEPS`` steps: the probe batch is scored in inference mode, with moving averages
    that lag the weights early in training, while model.fit reports the training loss (keras-io's
    ConvLSTM after 400 steps: 0.39× a constant prediction's loss in inference mode, 0.012× in training).
    """
    losses = np.asarray(run.losses, dtype=float)
    if len(losses) < total_steps or not np.all(np.isfinite(losses)) or not run.eval_losses:
        return math.inf
    last = run.eval_losses[-1]
    last = float(last) if last is not None and math.isfinite(last) else math.inf
    return min(last, float(np.mean(losses[-HEAD_STEPS:]))) if moving_statistics else last


def above_floor(loss: float, baseline: float, floor: float = 0.0) -> float:
    """``loss`` above ``floor`` as a fraction of ``baseline`` above it (1.0: a constant's, 0: the floor)."""
    return max(loss - floor, 0.0) / max(baseline - floor, TINY)


def relative_loss(run: ProbeRun, variant: Variant | None, baseline_loss: float, total_steps: int,
                  floor: float = 0.0) -> float:
    """Final loss relative to a constant prediction's, above the floor: the variant's own yardstick
    and floor when it has them (edited targets or another loss), else ``baseline_loss`` and ``floor``."""
    if variant is not None and variant.baseline_loss:
        baseline_loss, floor = variant.baseline_loss, variant.floor_loss
    moving = variant is not None and variant.moving_statistics
    return above_floor(final_loss(run, total_steps, moving), baseline_loss, floor)


def relative_final(measured: Measurements, run: ProbeRun) -> float:
    """Final loss relative to the trivial baseline's, above the floor (1.0: no better than a constant)."""
    return relative_loss(run, measured.variant(run.variant), measured.baseline_loss, measured.budget.steps,
                         measured.floor_loss)


def final_of(measured: Measurements, run: ProbeRun) -> float:
    """The run's final loss, as ``final_loss`` reads it; inf if it went non-finite."""
    variant = measured.variant(run.variant)
    return final_loss(run, measured.budget.steps, variant is not None and variant.moving_statistics)


def initial_loss(run: ProbeRun) -> float:
    """Mean loss over the first ``HEAD_STEPS`` steps of the probe; inf if one is non-finite."""
    head = np.asarray(run.losses[: max(1, min(HEAD_STEPS, len(run.losses)))], dtype=float)
    return float(np.mean(head)) if np.all(np.isfinite(head)) else math.inf


def first_nonfinite_step(run: ProbeRun) -> int | None:
    """The first step whose training loss is NaN or infinite, or None."""
    losses = np.asarray(run.losses, dtype=float)
    bad = np.flatnonzero(~np.isfinite(losses))
    return int(bad[0]) if bad.size else None


def by_seed(measured: Measurements, variant: str) -> dict[int, ProbeRun]:
    """The runs of one variant, by seed."""
    return {r.seed: r for r in measured.runs_of(variant)}


def majority(count: int, total: int) -> bool:
    """More than half."""
    return total > 0 and count * 2 > total


def impaired(measured: Measurements, floor: float = FITS) -> list[int]:
    """Seeds whose run of the user's setup ends above ``floor`` × the trivial baseline loss."""
    return [r.seed for r in measured.runs_of("baseline") if relative_final(measured, r) > floor]


def fits_in_every_seed(measured: Measurements) -> bool:
    """Whether every seed's run of the user's setup ends within ``FITS`` of zero (relative loss)."""
    runs = measured.runs_of("baseline")
    return bool(runs) and not impaired(measured, FITS)


def stopped_falling(run: ProbeRun, floor: float = 0.0) -> bool:
    """Whether the second half of the probe cut the probe-batch loss above ``floor`` by less than
    ``1 - STILL_FALLING``."""
    return settled(run, STILL_FALLING, floor)


def settled(run: ProbeRun, above: float, floor: float = 0.0) -> bool:
    """Whether the probe-batch loss above ``floor`` ended at ``above`` × its mid-probe value or
    higher: the second half of the probe cut it by less than ``1 - above``."""
    evals = run.eval_losses
    if len(evals) < 3 or evals[-1] is None or evals[len(evals) // 2] is None:
        return False
    mid = evals[len(evals) // 2] - floor
    return mid > 0 and not evals[-1] - floor < above * mid


def final_accuracy(run: ProbeRun, moving_statistics: bool = False) -> float | None:
    """A classifier's accuracy on the probe batch after the last step (None: not a classifier).

    With ``moving_statistics`` (BatchNormalization), the higher of that and the mean accuracy on the
    last ``HEAD_STEPS`` training batches, as ``final_loss`` reads the loss: the probe batch is scored
    with moving averages that lag the weights (keras-io's FCN on 1,500 series: 0.64 against 1.0).
    """
    if not moving_statistics or run.train_accuracy is None:
        return run.accuracy
    return max(run.train_accuracy, run.accuracy if run.accuracy is not None else 0.0)


def median_accuracy(measured: Measurements, seeds: list[int]) -> float | None:
    """Median over ``seeds`` of the final accuracy of the user's setup, or None unless each of those
    runs has one (a classifier on hard labels)."""
    variant = measured.variant("baseline")
    moving = variant is not None and variant.moving_statistics
    runs = by_seed(measured, "baseline")
    found = [final_accuracy(runs[s], moving) for s in seeds if s in runs]
    if not found or any(a is None for a in found):
        return None
    return float(np.median(found))


def fit_status(measured: Measurements) -> tuple[str | None, float | None]:
    """How the user's setup ends the probe (median seed): fits, descending, stalled or diverges,
    with its relative final loss."""
    runs = measured.runs_of("baseline")
    if not runs:
        return None, None
    relative = float(np.median([relative_final(measured, r) for r in runs]))
    if not math.isfinite(relative):
        return "diverges", None
    if relative <= FITS:
        return "fits", relative
    falling = sum(not stopped_falling(r, measured.floor_loss) for r in runs)
    return ("descending" if majority(falling, len(runs)) else "stalled"), relative
