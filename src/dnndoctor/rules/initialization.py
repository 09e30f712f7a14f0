"""Initialization rules: symmetric or oversized initial weights, and an output bias off the prior."""

from __future__ import annotations

import math

import numpy as np

from ..findings import Finding, Fix, Severity
from ..formatting import format_number, seeds_phrase
from ..measurements import Measurements
from ..runstats import TINY, impaired, majority
from .fixes import measured_fix, refuted
from .rule import Option, Rule


def _init_stats(measured: Measurements) -> dict[str, list[dict]]:
    stats: dict[str, list[dict]] = {}
    for run in measured.runs_of("baseline"):
        for trace in run.layers:
            if trace.init:
                stats.setdefault(trace.name, []).append(trace.init)
    return stats


def _default_init(measured: Measurements, seeds: list[int]) -> Fix:
    return measured_fix(measured, "default_init", "use a standard initialization",
                        "kernel_initializer='glorot_uniform' (or 'he_normal' for ReLU), bias_initializer='zeros'",
                        seeds)


class SymmetricInitialization(Rule):
    """Units start identical: zero or constant kernels make every unit of a layer compute the same.

    What it does
    Checks each layer's initial kernel, in every seed, for columns (units) that are all equal,
    which is what zero or constant initializers produce.

    Why is this bad?
    Identical units receive identical gradients and stay identical forever: the layer acts as
    a single unit. With zeros everywhere, ReLU layers pass no gradient at all.

    Measured
    Whether every unit of a layer has the same incoming weights at initialization, in all
    seeds. An error. A standard initialization is probed at the same budget and seeds.

    Fix
    Use a random initializer: `glorot_uniform` (the Keras default) or `he_normal` for ReLU.
    """

    id = "DD601"
    name = "symmetric-initialization"
    category = "bad-initialization"
    severity = Severity.ERROR

    def check(self, measured: Measurements) -> list[Finding]:
        layers = sorted(name for name, stats in _init_stats(measured).items()
                        if stats and all(s.get("identical_units") for s in stats))
        if not layers:
            return []
        seeds = [r.seed for r in measured.runs_of("baseline")]
        return [self.finding(
            f"Symmetric initialization: all units of {', '.join(layers)} start with the same weights, so they "
            "can never learn different features.",
            {"layers_with_identical_units": layers}, layers=layers, fixes=[_default_init(measured, seeds)])]


class OversizedInitialization(Rule):
    """Initial weights are far too large, and the loss at initialization far above what it should be.

    What it does
    Compares each layer's initial kernel RMS with the Glorot scale for its shape, and the loss
    at initialization with the value a well-scaled model starts near (ln C for C classes,
    E[y²] for MSE with an output centred on zero).

    Why is this bad?
    Oversized weights saturate activations, blow up the output and the first gradients, and
    the first steps are spent undoing the initialization, when they do not diverge outright.

    Measured
    Kernel RMS ÷ Glorot RMS (> {scale:g}) in some layer, or initial loss ÷ expected initial loss
    (> {loss_ratio:g}), in a model that does not fit (final loss above {FITS:.0%} of the trivial
    baseline in most seeds); reported unless a standard initialization, probed at the same
    budget, fails to end at least {VERIFIED_GAIN:g}× lower.

    Fix
    Use `glorot_uniform` or `he_normal` (probed); for custom initializers, scale by
    1/sqrt(fan_in).
    """

    id = "DD602"
    name = "oversized-initialization"
    category = "bad-initialization"
    severity = Severity.WARNING

    options = (
        Option("scale", float, 5.0, (1, math.inf), "initial kernel RMS ÷ Glorot RMS that counts as oversized"),
        Option("loss_ratio", float, 10.0, (1, math.inf), "initial ÷ expected initial loss that counts as "
                                                         "oversized"),
    )

    def check(self, measured: Measurements) -> list[Finding]:
        ratios = {name: float(np.median([s["kernel_rms"] / max(s["glorot_rms"], TINY) for s in stats]))
                  for name, stats in _init_stats(measured).items()}
        oversized = {name: r for name, r in ratios.items() if r > self.scale}
        runs = measured.runs_of("baseline")
        starts = [r.eval_losses[0] for r in runs if r.eval_losses and r.eval_losses[0] is not None]
        start = float(np.median(starts)) if starts else math.nan
        expected = measured.initial_loss_expected
        loss_ratio = start / expected if expected and math.isfinite(start) else None
        if not oversized and not (loss_ratio and loss_ratio > self.loss_ratio):
            return []
        seeds = impaired(measured)
        if not majority(len(seeds), len(runs)):
            return []
        fix = _default_init(measured, seeds)
        if refuted([fix]):
            return []
        what = (f"{', '.join(oversized)} start{'s' * (len(oversized) == 1)} with weights "
                f"{format_number(max(oversized.values()))}× the Glorot scale" if oversized else
                f"the loss at initialization is {format_number(loss_ratio)}× the expected {format_number(expected)}")
        return [self.finding(
            f"Oversized initialization: {what}.",
            {"kernel_rms_over_glorot": ratios, "initial_loss": start, "expected_initial_loss": expected,
             "threshold": {"scale": self.scale, "loss_ratio": self.loss_ratio}},
            layers=sorted(oversized), seeds=seeds_phrase(len(seeds), len(runs)), fixes=[fix])]


class OutputBiasOffPrior(Rule):
    """The output starts far from the data: a constant prediction would beat the initial loss by far.

    What it does
    Compares the expected loss at initialization (output centred on zero, or uniform class
    probabilities) with the loss of the best constant prediction (the target mean, or the
    class prior), in a model that does not fit.

    Why is this bad?
    The first phase of training is then spent moving the output bias to the mean or prior;
    with imbalanced classes or offset targets it can dominate a short training.

    Measured
    Expected initial loss ÷ trivial baseline loss (> {ratio:g}) with the final loss above
    {FITS:.0%} of the trivial baseline in most seeds. Reported as information.

    Fix
    Initialize the output bias at the target mean (regression) or at log(prior) (classes).
    """

    id = "DD603"
    name = "output-bias-off-prior"
    category = "bad-initialization"
    severity = Severity.INFO

    options = (Option("ratio", float, 10.0, (1, math.inf), "expected initial ÷ constant prediction's loss that "
                                                           "counts as far off"),)

    def check(self, measured: Measurements) -> list[Finding]:
        expected = measured.initial_loss_expected
        if not expected or expected <= self.ratio * max(measured.baseline_loss, TINY):
            return []
        runs, seeds = measured.runs_of("baseline"), impaired(measured)
        if not majority(len(seeds), len(runs)):
            return []
        code = ("keras.layers.Dense(units, bias_initializer=keras.initializers.Constant(y.mean(0)))"
                if measured.model.loss_kind == "regression" else
                "keras.layers.Dense(units, bias_initializer=keras.initializers.Constant(np.log(prior)))")
        return [self.finding(
            f"The output starts far from the data: a constant prediction's loss is "
            f"{format_number(measured.baseline_loss)}, {format_number(expected / measured.baseline_loss)}× below the "
            "expected loss at initialization.",
            {"expected_initial_loss": expected, "baseline_loss": measured.baseline_loss, "threshold": self.ratio},
            seeds=seeds_phrase(len(seeds), len(runs)),
            fixes=[Fix("initialize the output bias at the mean or prior", code)])]
