"""Learning-rate rules: a loss that diverges, bounces, crawls or stalls."""

from __future__ import annotations

import math

import numpy as np

from ..findings import Finding, Fix, Severity
from ..formatting import format_number, seeds_phrase
from ..measurements import Measurements
from ..runstats import (SEED_NOISE, TINY, TRIVIAL, by_seed, final_of, first_nonfinite_step, initial_loss, majority,
                        median_accuracy, relative_final)
from .fixes import LR_DOWN, LR_UP, clip_fix, lr_change, lr_text, measured_fix, refuted
from .ranking import near, near_info
from .rule import Option, Rule, classified_well, classifies_well, fit_floor, labelled_right, trains_well

HEAVY_MOMENTUM = 0.95  # from this momentum on, the probe of a lighter one (0.9) is proposed
OUTGROWS = 1 / LR_DOWN  # a schedule raising the rate this much ends the ÷10 probe above the starting rate
# Faults of the model or data as built that make a learning rate look wrong: oversized weights or
# inputs make each step too large or leave far more loss to cover, a mismatched output or loss and
# vanishing gradients shrink the useful step. Their own verified fix is then the remedy.
ROOT_CAUSES = ("bad-initialization", "unscaled-inputs", "unscaled-targets", "output-loss-mismatch",
               "vanishing-gradients")
CONSEQUENCE = ("Info, ranked below it, when a finding of a root cause (" + ", ".join(ROOT_CAUSES)
               + ") has a verified fix that ends as low as this finding's best, within the seed noise")


def _lower_lr(measured: Measurements, seeds: list[int], gain: float | None = None) -> Fix:
    """Learning rate ÷10, backed by the lr_div10 probe (verified at ``gain``, default the usual one)."""
    extra = {} if gain is None else {"gain": gain}
    return measured_fix(measured, "lr_div10", f"lower the learning rate to {lr_text(measured, LR_DOWN)}",
                        lr_change(measured, LR_DOWN), seeds, **extra)


def _suggested_lr(measured: Measurements, seeds: list[int]) -> Fix:
    suggestion = measured.range_test and _suggested(measured)
    text = f"{suggestion:.3g}" if suggestion else "the range test's suggestion"
    return measured_fix(measured, "lr_suggested", f"use the LR range test's suggestion {text}",
                        f"optimizer.learning_rate = {text}", seeds)


def _suggests_smaller(measured: Measurements) -> bool:
    """Whether the range test suggests a rate below the user's (or the user's is a schedule):
    only then does its probe test a rate too high."""
    suggestion = measured.range_test and _suggested(measured)
    return bool(suggestion) and suggestion < (measured.model.learning_rate or math.inf)


def _suggested(measured: Measurements) -> float | None:
    from ..lr_suggest import suggest

    return suggest(measured.range_test.learning_rates, measured.range_test.losses).recommended


def rate_growth(measured: Measurements) -> float | None:
    """How many times the learning rate grew over the probe of the user's setup (the rate at its
    end ÷ the compiled rate, median over seeds), or None when either is unknown."""
    start = measured.model.learning_rate
    ends = [r.learning_rate for r in measured.runs_of("baseline") if r.learning_rate]
    return float(np.median(ends)) / start if start and ends else None


def diverged(measured: Measurements, run) -> bool:
    """The run went non-finite, or ended above both its start and a constant prediction."""
    rel = relative_final(measured, run)
    return not math.isfinite(rel) or (rel > TRIVIAL and final_of(measured, run) > initial_loss(run))


class DivergingLoss(Rule):
    """The loss diverges: it ends above where it started and above a constant prediction.

    What it does
    Flags probe runs of the compiled setup whose loss turns non-finite, or whose final loss is
    higher than both the loss at the first steps and the loss of the best constant prediction,
    when the same probe at a 10× smaller learning rate does not diverge.

    Why is this bad?
    Each update overshoots the minimum it aims at, so the weights are thrown further away with
    every step. Training makes the model worse than predicting the mean, or ends in NaN.

    Measured
    Final probe-batch loss ÷ trivial baseline loss (> 1) and ÷ initial loss (> 1), or the first
    non-finite step; confirmed when the learning rate ÷10 (or the range test's suggestion, when it
    is smaller than the rate) ends at least {VERIFIED_GAIN:g}× lower, or when a schedule raised
    the rate {OUTGROWS:g}× or more over the probe (÷10 then only delays the climb). An error when most
    seeds diverge, a warning when some do.

    {CONSEQUENCE}.

    Fix
    Lower the learning rate (÷10 and the LR range test's suggestion are probed), or clip
    gradients with `clipnorm=1.0`; a schedule must not raise the rate.
    """

    id = "DD301"
    name = "diverging-loss"
    category = "learning-rate-too-high"
    consequence_of = ROOT_CAUSES
    severity = Severity.ERROR
    severities = (Severity.WARNING, Severity.ERROR)

    def check(self, measured: Measurements) -> list[Finding]:
        runs = measured.runs_of("baseline")
        bad = [r for r in runs if diverged(measured, r)]
        if not bad:
            return []
        seeds = [r.seed for r in bad]
        smaller = [_suggested_lr(measured, seeds)] if _suggests_smaller(measured) else []
        fixes = [_lower_lr(measured, seeds), *smaller, clip_fix(measured, seeds)]
        growth = rate_growth(measured)
        grows = growth is not None and growth >= OUTGROWS
        if grows:  # ÷10 ends the probe at a rate above the user's start: it delays the climb, it cannot test it
            fixes.append(Fix("keep the schedule from raising the learning rate",
                             "keras.optimizers.schedules.ExponentialDecay(..., decay_rate=0.96)  # below 1"))
        elif refuted(fixes[:1]) and not any(f.verified for f in smaller):
            return []  # no smaller rate helps: not a rate too high (DD102, DD105; DD311 when a larger one does)
        nonfinite = [s for r in bad if (s := first_nonfinite_step(r)) is not None]
        evidence = {"relative_final_loss": [relative_final(measured, r) for r in bad],
                    "initial_loss": [initial_loss(r) for r in bad], "baseline_loss": measured.baseline_loss,
                    "threshold": "final loss > trivial baseline and > initial loss, or non-finite",
                    "learning_rate": measured.model.learning_rate}
        if grows:
            evidence["learning_rate_growth"] = growth
        if measured.range_test and _suggested(measured):
            evidence["range_test_suggestion"] = _suggested(measured)
        if nonfinite:
            evidence["first_nonfinite_step"] = min(nonfinite)
        what = (f"the loss became non-finite at step {min(nonfinite)}" if nonfinite else
                f"the loss ended at {format_number(float(np.median(evidence['relative_final_loss'])))}× the "
                "loss of a constant prediction, above where it started")
        rate = f" at learning rate {measured.model.learning_rate:.3g}" if measured.model.learning_rate else ""
        if grows:
            rate = (f" as the schedule raises the learning rate {format_number(growth)}× over the probe"
                    + (f", from {measured.model.learning_rate:.3g}" if measured.model.learning_rate else ""))
        return [self.finding(f"Training diverges{rate}: {what}.", evidence,
                             severity=Severity.ERROR if majority(len(seeds), len(runs)) else Severity.WARNING,
                             seeds=seeds_phrase(len(seeds), len(runs)), fixes=fixes)]


class OscillatingLoss(Rule):
    """The loss bounces: it reached a low value, then climbed far above it and stayed there.

    What it does
    Compares the final probe-batch loss with the lowest one reached during the probe, in runs
    that did not diverge outright, and checks that a smaller learning rate (or, with heavy
    momentum, a lighter one) ends lower.

    Why is this bad?
    A step size too large for the curvature near the minimum, or momentum that keeps pushing
    past it, makes the optimizer jump across the valley instead of descending into it: the loss
    oscillates and ends far above the best point the model already found.

    Measured
    Final probe-batch loss ÷ minimum probe-batch loss (> {bounce:g}) with the final relative loss
    above {floor:.0%} of the trivial baseline; a fix (learning rate ÷10, or momentum 0.9 when the
    momentum is {HEAVY_MOMENTUM:g} or more) must end at least {VERIFIED_GAIN:g}× lower in most seeds.

    {CONSEQUENCE}.

    Fix
    Lower the learning rate (÷10 is probed), decay it with a schedule, or lower the momentum.
    """

    id = "DD302"
    name = "oscillating-loss"
    category = "learning-rate-too-high"
    consequence_of = ROOT_CAUSES
    severity = Severity.WARNING

    options = (
        Option("bounce", float, 10.0, (1, math.inf), "final ÷ lowest probe-batch loss that counts as a bounce"),
        fit_floor(0.01),
    )

    def check(self, measured: Measurements) -> list[Finding]:
        runs = measured.runs_of("baseline")
        bouncing = []
        for run in runs:
            rel = relative_final(measured, run)
            evals = [v for v in run.eval_losses if v is not None and math.isfinite(v)]
            if not math.isfinite(rel) or rel > TRIVIAL or not evals:
                continue
            lowest = min(evals)
            if rel > self.floor and final_of(measured, run) > self.bounce * max(lowest, TINY):
                bouncing.append((run, lowest))
        if not bouncing:
            return []
        seeds = [r.seed for r, _ in bouncing]
        fixes = [_lower_lr(measured, seeds)]
        if (measured.model.optimizer_config.get("momentum") or 0) >= HEAVY_MOMENTUM:
            fixes.append(measured_fix(measured, "momentum_0.9", "lower the momentum to 0.9", "momentum=0.9", seeds))
        if not any(f.verified for f in fixes):
            return []
        ratios = [final_of(measured, r) / max(low, TINY) for r, low in bouncing]
        return [self.finding(
            f"The loss oscillates: it ends {format_number(float(np.median(ratios)))}× above the lowest value it "
            "reached, and a smaller step ends lower.",
            {"final_over_minimum": ratios, "threshold": self.bounce,
             "relative_final_loss": [relative_final(measured, r) for r, _ in bouncing]},
            seeds=seeds_phrase(len(seeds), len(runs)), fixes=fixes)]


class NoisyLoss(Rule):
    """The loss stays high and noisy: a smaller learning rate ends clearly lower.

    What it does
    Compares the compiled setup with the same probe at a 10× smaller learning rate, and at the
    LR range test's suggestion when that is smaller, in runs that neither diverged nor fitted
    to high precision.

    Why is this bad?
    A step size somewhat too large keeps the optimizer bouncing around the bottom of the
    valley: the loss stops improving at a level the model could beat, and it fluctuates from
    batch to batch.

    Measured
    Final relative loss of the setup (above {floor:.1%} of the trivial baseline) against that of
    a smaller learning rate (at least {gain:g}× lower) in most of the seeds it was probed on,
    when no seed diverges.

    {CONSEQUENCE}.

    Fix
    Lower the learning rate (÷10 and the range test's suggestion are probed), or decay it over
    training.
    """

    id = "DD303"
    name = "noisy-loss"
    category = "learning-rate-too-high"
    consequence_of = ROOT_CAUSES
    severity = Severity.WARNING
    needs = ("lr_div10",)

    options = (
        fit_floor(0.005),
        Option("gain", float, 2.0, (1, math.inf), "how many times lower a smaller rate must end"),
    )

    def check(self, measured: Measurements) -> list[Finding]:
        base, lower = by_seed(measured, "baseline"), by_seed(measured, "lr_div10")
        smaller = [lower]
        if (measured.range_test and measured.runs_of("lr_suggested")
                and (_suggested(measured) or math.inf) < (measured.model.learning_rate or 0)):
            smaller.append(by_seed(measured, "lr_suggested"))
        seeds = [s for s, run in base.items() if self.floor < relative_final(measured, run) < math.inf
                 and any(s in v and relative_final(measured, v[s]) * self.gain <= relative_final(measured, run)
                         for v in smaller)]
        compared = [s for s in base if any(s in v for v in smaller)]
        if not majority(len(seeds), len(compared)) or any(diverged(measured, r) for r in base.values()):
            return []
        fixes = [_lower_lr(measured, seeds, self.gain)]
        if len(smaller) > 1:
            suggestion = f"{_suggested(measured):.3g}"
            fixes.append(measured_fix(measured, "lr_suggested", f"use the LR range test's suggestion {suggestion}",
                                      f"optimizer.learning_rate = {suggestion}", seeds, gain=self.gain))
        rels = [relative_final(measured, base[s]) for s in seeds]
        lowers = [min(relative_final(measured, v[s]) for v in smaller if s in v) for s in seeds]
        return [self.finding(
            f"The learning rate {lr_text(measured, 1)} is too high: the loss ends at "
            f"{format_number(float(np.median(rels)))}× a constant prediction's, and a smaller rate ends at "
            f"{format_number(float(np.median(lowers)))}×.",
            {"relative_final_loss": rels, "relative_final_loss_smaller_rate": lowers, "threshold": self.gain,
             "range_test_suggestion": _suggested(measured) if measured.range_test else None},
            seeds=seeds_phrase(len(seeds), len(compared)), fixes=fixes)]


class SlowProgress(Rule):
    """The loss creeps down: a larger learning rate ends far lower at the same budget.

    What it does
    Compares the compiled setup with the same probe at 10× the learning rate and at the LR
    range test's suggestion. Fires when one of them ends at least {gain:g}× lower in most of the
    seeds it was probed on (the same variant in most seeds) and the setup is still far from a fit.

    Why is this bad?
    Updates are so small against the weights that training needs orders of magnitude more
    steps than necessary; on a budget it looks like a plateau.

    Measured
    Final relative loss of the setup (> {floor:.0%} of the trivial baseline) against that of the
    faster variant (at least {gain:g}× lower, and finite), with the update-to-weight ratio per
    step (a healthy value is near 1e-3). Info when the updates are clearly of a healthy size
    (median update-to-weight ratio above {healthy_update:g} by more than the seed noise,
    {SEED_NOISE:g} decades: the rate does not hold the steps back, so a faster one is advice
    however far the loss still has to go), or when the setup already trains well (median
    relative final loss at most {trains_well:g}, the model.fit criterion of a healthy control, or a
    classifier's median probe-batch accuracy at least {classifies_well:.0%} or within seed noise of
    it: a cross-entropy still falls while every row is classified right). Otherwise an error when
    the setup barely moved (median relative final loss > {error_above:g}) and a warning when it
    moved, each with low confidence when the ratio or the loss is within seed noise of the
    threshold of info.

    {CONSEQUENCE}.

    Fix
    Raise the learning rate (×10 and the range test's suggestion are probed), or use an
    adaptive optimizer such as Adam.
    """

    id = "DD311"
    name = "slow-progress"
    category = "learning-rate-too-low"
    consequence_of = ROOT_CAUSES
    severity = Severity.WARNING
    severities = (Severity.INFO, Severity.WARNING, Severity.ERROR)
    needs = ("lr_x10",)
    options = (
        fit_floor(0.01),
        Option("gain", float, 10.0, (1, math.inf), "how many times lower a larger rate must end"),
        Option("error_above", float, 0.5, (0, 1), "median relative final loss above which it is an error"),
        Option("healthy_update", float, 1e-3, (0, 1), "median update-to-weight ratio per step from which a setup "
                                                      "that moved trains at a healthy pace (info)"),
        trains_well(),
        classifies_well(),
    )

    def check(self, measured: Measurements) -> list[Finding]:
        base = by_seed(measured, "baseline")
        faster = [by_seed(measured, v) for v in ("lr_x10", "lr_suggested") if measured.runs_of(v)]
        rate = measured.model.learning_rate
        if rate and measured.range_test and (_suggested(measured) or 0) <= rate:
            faster = faster[:1]  # the range test suggests no larger rate
        shown = []  # (seeds where the variant ends gain× lower, seeds it ran on) of each variant that shows it
        for f in faster:
            wins = [s for s, run in base.items() if s in f and self.floor < relative_final(measured, run) < math.inf
                    and relative_final(measured, f[s]) * self.gain <= relative_final(measured, run)]
            ran = [s for s in base if s in f]
            if majority(len(wins), len(ran)):
                shown.append((wins, ran))
        if not shown:
            return []  # no one faster rate ends far lower in most seeds (two coin tosses do not add up)
        slow, compared = max(shown, key=lambda wr: len(wr[0]) / len(wr[1]))
        fixes = [measured_fix(measured, "lr_x10", f"raise the learning rate to {lr_text(measured, LR_UP)}",
                              lr_change(measured, LR_UP), slow, gain=self.gain)]
        if measured.range_test and (_suggested(measured) or 0) > (measured.model.learning_rate or math.inf):
            fixes.append(_suggested_lr(measured, slow))
        rels = [relative_final(measured, base[s]) for s in slow]
        pace = _pace(measured, slow)
        reached = float(np.median(rels))
        accuracy = median_accuracy(measured, slow)
        if _clearly_healthy(pace, self.healthy_update):
            severity = Severity.INFO  # its steps are clearly of a healthy size: a larger rate is advice
        elif reached <= self.trains_well or classified_well(accuracy, self.classifies_well):
            severity = Severity.INFO  # it already trains well within the budget: a larger rate is advice
        elif reached > self.error_above:
            severity = Severity.ERROR
        else:
            severity = Severity.WARNING
        finding = self.finding(
            f"Training is slow at learning rate {lr_text(measured, 1)}: after {measured.budget.steps} steps the "
            f"loss is still {format_number(float(np.median(rels)))}× a constant prediction's, and a larger rate ends "
            f"at least {self.gain:g}× lower." + labelled_right(accuracy, self.classifies_well),
            {"relative_final_loss": rels, "median_update_ratio": [_median_update_ratio(base[s]) for s in slow],
             "healthy_update": self.healthy_update, "accuracy": accuracy,
             "range_test_suggestion": _suggested(measured) if measured.range_test else None, "threshold": self.gain},
            severity=severity, seeds=seeds_phrase(len(slow), len(compared)), fixes=fixes)
        return [near_info(finding, [_pace_edge(pace, self.healthy_update),
                                    ("the loss reached is within seed noise of training well",
                                     near(reached, self.trains_well))])]


class LossPlateau(Rule):
    """The loss stalls early, far above zero, and a better-tuned optimizer escapes the plateau.

    What it does
    Finds runs whose probe-batch loss stayed flat over the second half of the probe while still
    above {floor:.0%} of the trivial baseline, and probes the LR range test's suggested rate and
    Adam as ways out.

    Why is this bad?
    Flat regions and saddle points stall gradient descent: the gradient is small, the loss
    barely moves, and more epochs only waste time. A different step size or an adaptive
    optimizer often walks off the plateau.

    Measured
    Final ÷ mid-probe probe-batch loss between {flat:g} and 1/{flat:g} (flat, neither falling nor
    rising) and final relative loss between {floor:g} and 1 in most seeds; reported unless every
    probed fix fails to end at least {VERIFIED_GAIN:g}× lower. Information when the median
    update-to-weight ratio per step is above {healthy_update:g} by more than the seed noise: steps of
    a healthy size are not what holds the loss, and a larger rate is advice (as for DD311); and when
    a classifier's median probe-batch accuracy is at least {classifies_well:.0%} or within seed noise
    of it: a plateau of a classifier that labels its training rows right is not what holds it back.

    {CONSEQUENCE}.

    Fix
    Use the learning rate the LR range test suggests, or switch to Adam.
    """

    id = "DD304"
    name = "loss-plateau"
    category = "learning-rate-too-low"
    consequence_of = ROOT_CAUSES
    severity = Severity.WARNING

    options = (
        Option("flat", float, 0.9, (0, 1), "final ÷ mid-probe loss above which (and below its inverse) the loss "
                                           "is flat"),
        Option("floor", float, 0.05, (0, 1), "relative final loss above which a plateau matters"),
        Option("healthy_update", float, 1e-3, (0, 1), "median update-to-weight ratio per step from which the "
                                                      "steps are of a healthy size (info)"),
        classifies_well(),
    )

    def check(self, measured: Measurements) -> list[Finding]:
        runs = measured.runs_of("baseline")
        flat_seeds = []
        for run in runs:
            rel = relative_final(measured, run)
            evals = run.eval_losses
            mid = evals[len(evals) // 2] if evals else None
            if (math.isfinite(rel) and self.floor < rel <= TRIVIAL and mid and math.isfinite(mid)
                    and self.flat * mid < final_of(measured, run) <= mid / self.flat):
                flat_seeds.append(run.seed)
        if not majority(len(flat_seeds), len(runs)):
            return []
        fixes = [_suggested_lr(measured, flat_seeds),
                 measured_fix(measured, "adam", "switch to Adam", "optimizer=keras.optimizers.Adam(1e-3)", flat_seeds)]
        if refuted(fixes):
            return []
        rels = [relative_final(measured, r) for r in runs if r.seed in flat_seeds]
        pace = _pace(measured, flat_seeds)
        accuracy = median_accuracy(measured, flat_seeds)
        healthy = _clearly_healthy(pace, self.healthy_update) or classified_well(accuracy, self.classifies_well)
        finding = self.finding(
            f"The loss plateaus at {format_number(float(np.median(rels)))}× a constant prediction's: it improved by "
            f"less than {1 - self.flat:.0%} over the second half of the probe."
            + labelled_right(accuracy, self.classifies_well),
            {"relative_final_loss": rels, "threshold": self.flat, "median_update_ratio": pace,
             "healthy_update": self.healthy_update, "accuracy": accuracy,
             "range_test_suggestion": _suggested(measured) if measured.range_test else None},
            severity=Severity.INFO if healthy else Severity.WARNING,
            seeds=seeds_phrase(len(flat_seeds), len(runs)), fixes=fixes)
        return [near_info(finding, [_pace_edge(pace, self.healthy_update)])]


def _pace(measured: Measurements, seeds: list[int]) -> float | None:
    """Median over ``seeds`` of the setup's median update-to-weight ratio per step."""
    runs = by_seed(measured, "baseline")
    ratios = [r for s in seeds if s in runs and (r := _median_update_ratio(runs[s])) is not None]
    return float(np.median(ratios)) if ratios else None


def _pace_edge(pace: float | None, healthy_update: float) -> tuple[str, bool]:
    """The edge of ``near_info`` that the step size sets: within seed noise of a healthy pace."""
    return ("the update-to-weight ratio is within seed noise of a healthy pace",
            pace is not None and near(pace, healthy_update))


def _clearly_healthy(pace: float | None, healthy_update: float) -> bool:
    """Whether the steps are of a healthy size by more than the seed noise."""
    return pace is not None and pace >= healthy_update * 10 ** SEED_NOISE


def _median_update_ratio(run) -> float | None:
    values = [v for t in run.layers for v in t.update_ratio[1:] if v is not None]
    return float(np.median(values)) if values else None
