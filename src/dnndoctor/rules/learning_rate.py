"""Learning-rate rules: a loss that diverges or bounces, and one that crawls."""

from __future__ import annotations

import math

import numpy as np

from ..findings import Finding, Severity
from ..measurements import Measurements
from .base import (Rule, by_seed, first_nonfinite_step, fix_gain, fmt, initial_loss, lr_change, lr_text,
                   majority, measured_fix, relative_final, seeds_phrase)


class DivergingLoss(Rule):
    """The loss diverges: it ends above where it started and above a constant prediction.

    What it does
    Flags probe runs of the compiled setup whose loss turns non-finite, or whose final loss is
    higher than both the loss at the first steps and the loss of the best constant prediction.

    Why is this bad?
    Each update overshoots the minimum it aims at, so the weights are thrown further away with
    every step. Training makes the model worse than predicting the mean, or ends in NaN.

    Measured
    Final probe-batch loss ÷ trivial baseline loss (> 1) and ÷ initial loss (> 1), or the first
    non-finite step. An error when most seeds diverge, a warning when some do. The learning
    rate ÷10 is probed at the same budget and seeds to confirm the cause.

    Fix
    Lower the learning rate (÷10 is probed), or clip gradients with `clipnorm=1.0`.
    """

    id = "DD301"
    name = "diverging-loss"
    category = "learning-rate-too-high"
    severity = Severity.ERROR

    def check(self, m: Measurements) -> list[Finding]:
        runs = m.runs_of("baseline")
        diverged = []
        for run in runs:
            rel = relative_final(m, run)
            if not math.isfinite(rel) or (rel > 1.0 and rel * m.baseline_loss > initial_loss(run)):
                diverged.append(run)
        if not diverged:
            return []
        seeds = [r.seed for r in diverged]
        nonfinite = [s for r in diverged if (s := first_nonfinite_step(r)) is not None]
        fix = measured_fix(m, "lr_div10", f"lower the learning rate to {lr_text(m, 0.1)}",
                           lr_change(m, 0.1), seeds)
        evidence = {
            "relative_final_loss": [relative_final(m, r) for r in diverged],
            "initial_loss": [initial_loss(r) for r in diverged],
            "baseline_loss": m.baseline_loss,
            "threshold": "final loss > trivial baseline and > initial loss, or non-finite",
            "learning_rate": m.model.learning_rate,
        }
        if nonfinite:
            evidence["first_nonfinite_step"] = min(nonfinite)
        what = (f"the loss became non-finite at step {min(nonfinite)}" if nonfinite else
                f"the loss ended at {fmt(float(np.median(evidence['relative_final_loss'])))}× the "
                "loss of a constant prediction, above where it started")
        severity = Severity.ERROR if majority(len(seeds), len(runs)) else Severity.WARNING
        return [self.finding(
            f"Training diverges at learning rate {m.model.learning_rate:.3g}: {what}."
            if m.model.learning_rate else f"Training diverges: {what}.",
            evidence, severity=severity, seeds=seeds_phrase(len(seeds), len(runs)),
            fixes=[f for f in (fix,) if f], rank=fix_gain(fix, m, seeds))]


class OscillatingLoss(Rule):
    """The loss bounces: it reached a low value, then climbed far above it and stayed there.

    What it does
    Compares the final probe-batch loss with the lowest one reached during the probe, in runs
    that did not diverge outright, and checks that a learning rate ÷10 ends lower.

    Why is this bad?
    A step size too large for the curvature near the minimum makes the optimizer jump across
    the valley instead of descending into it: the loss oscillates and ends far above the best
    point the model already found.

    Measured
    Final probe-batch loss ÷ minimum probe-batch loss (> 10) and final relative loss above 1 %
    of the trivial baseline; the learning rate ÷10 must end at least 2× lower in most seeds.

    Fix
    Lower the learning rate (÷10 is probed), or decay it with a schedule.
    """

    id = "DD302"
    name = "oscillating-loss"
    category = "learning-rate-too-high"
    severity = Severity.WARNING
    needs = ("lr_div10",)

    bounce = 10.0
    floor = 0.01

    def check(self, m: Measurements) -> list[Finding]:
        runs = m.runs_of("baseline")
        bouncing = []
        for run in runs:
            rel = relative_final(m, run)
            evals = [v for v in run.eval_losses if v is not None and math.isfinite(v)]
            if not math.isfinite(rel) or rel > 1.0 or not evals:
                continue
            lowest = min(evals)
            if rel > self.floor and rel * m.baseline_loss > self.bounce * max(lowest, 1e-12):
                bouncing.append((run, lowest))
        if not bouncing:
            return []
        seeds = [r.seed for r, _ in bouncing]
        fix = measured_fix(m, "lr_div10", f"lower the learning rate to {lr_text(m, 0.1)}",
                           lr_change(m, 0.1), seeds)
        if fix is None or not fix.verified:
            return []
        ratios = [relative_final(m, r) * m.baseline_loss / max(low, 1e-12) for r, low in bouncing]
        return [self.finding(
            f"The loss oscillates: it ends {fmt(float(np.median(ratios)))}× above the lowest value it "
            "reached, and a smaller learning rate ends lower.",
            {"final_over_minimum": ratios, "threshold": self.bounce,
             "relative_final_loss": [relative_final(m, r) for r, _ in bouncing]},
            seeds=seeds_phrase(len(seeds), len(runs)), fixes=[fix], rank=fix_gain(fix, m, seeds))]


class SlowProgress(Rule):
    """The loss creeps down: a 10× larger learning rate ends far lower at the same budget.

    What it does
    Compares the compiled setup with the same probe at 10× the learning rate. Fires when the
    larger rate ends at least 10× lower in most seeds and the setup is still far from a fit.

    Why is this bad?
    Updates are so small against the weights that training needs orders of magnitude more
    steps than necessary; on a budget it looks like a plateau.

    Measured
    Final relative loss of the setup (> 1 % of the trivial baseline) against that of the
    learning rate ×10 (at least 10× lower, and finite), with the update-to-weight ratio per
    step as evidence (a healthy value is near 1e-3). An error when the setup barely moved
    (final relative loss > 0.5), a warning otherwise.

    Fix
    Raise the learning rate (×10 is probed), or use an adaptive optimizer such as Adam.
    """

    id = "DD311"
    name = "slow-progress"
    category = "learning-rate-too-low"
    severity = Severity.WARNING
    needs = ("lr_x10",)

    floor = 0.01
    gain = 10.0

    def check(self, m: Measurements) -> list[Finding]:
        base, faster = by_seed(m, "baseline"), by_seed(m, "lr_x10")
        if not faster:
            return []
        slow = [s for s, run in base.items() if s in faster
                and self.floor < relative_final(m, run) < math.inf
                and relative_final(m, faster[s]) * self.gain <= relative_final(m, run)]
        if not majority(len(slow), len(base)):
            return []
        fix = measured_fix(m, "lr_x10", f"raise the learning rate to {lr_text(m, 10)}",
                           lr_change(m, 10), slow, factor=self.gain)
        rels = [relative_final(m, base[s]) for s in slow]
        ratios = [_median_update_ratio(base[s]) for s in slow]
        severity = Severity.ERROR if float(np.median(rels)) > 0.5 else Severity.WARNING
        return [self.finding(
            f"Training is slow at learning rate {lr_text(m, 1)}: after {m.budget.steps} steps the loss is "
            f"still {fmt(float(np.median(rels)))}× a constant prediction's, and 10× the rate ends at least "
            f"{self.gain:g}× lower.",
            {"relative_final_loss": rels,
             "relative_final_loss_lr_x10": [relative_final(m, faster[s]) for s in slow],
             "median_update_ratio": ratios, "threshold": self.gain},
            severity=severity, seeds=seeds_phrase(len(slow), len(base)),
            fixes=[f for f in (fix,) if f], rank=fix_gain(fix, m, slow))]


def _median_update_ratio(run) -> float | None:
    values = [v for t in run.layers for v in t.update_ratio[1:] if v is not None]
    return float(np.median(values)) if values else None
