"""Data rules: inputs far from standardized, targets of a huge scale or out of the output's reach."""

from __future__ import annotations

import math
from typing import NamedTuple

from ..findings import Finding, Severity
from ..formatting import format_number, seeds_phrase
from ..measurements import Measurements
from ..runstats import impaired, majority
from .fixes import measured_fix, refuted
from .rule import Option, Rule

BOUNDS = {"sigmoid": (0.0, 1.0), "hard_sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0),
          "relu": (0.0, math.inf), "softplus": (0.0, math.inf), "relu6": (0.0, 6.0)}
TOLERANCE = Option("tolerance", float, 0.01, (0, 1), "fraction of the output range the targets may pass it by")


def output_bounds(measured: Measurements) -> tuple[float, float] | None:
    """The range the output activation can produce, when it is bounded on either side."""
    return BOUNDS.get(measured.model.output_activation or "")


class Reach(NamedTuple):
    """A bounded output's range, and whether the targets pass it below or above."""

    low: float
    high: float
    below: bool
    above: bool


def output_reach(measured: Measurements, tolerance: float) -> Reach | None:
    """Where the targets of a regression loss lie against a bounded output's range, else None.
    Targets pass a bound when beyond it by more than ``tolerance`` of the range's width (of 1
    when unbounded above)."""
    bounds = output_bounds(measured)
    data = measured.profile
    if data is None or bounds is None or measured.model.loss_kind != "regression":
        return None
    low, high = bounds
    margin = tolerance * max(1.0, high - low if high != math.inf else 1.0)
    return Reach(low, high, below=data.y_min < low - margin, above=data.y_max > high + margin)


class UnscaledInputs(Rule):
    """Inputs are not standardized: features with large offsets, scales or spread of scales.

    What it does
    Measures each input feature's mean and standard deviation (features on the last axis) and
    probes the same training on standardized inputs.

    Why is this bad?
    Initializers assume inputs of unit scale. Large inputs saturate the first activations and
    make the loss surface badly conditioned, features of very different scales get very
    different effective learning rates.

    Measured
    Largest |mean| or standard deviation of a feature (> {scale:g}), or the ratio of the largest
    to the smallest standard deviation (> {spread:g}), in a model that does not fit (final loss
    above {FITS:.0%} of the trivial baseline in most seeds); reported unless standardized inputs,
    probed at the same budget, fail to end at least {VERIFIED_GAIN:g}× lower.

    Fix
    Standardize the inputs (probed) with statistics of the training set, or add a
    `keras.layers.Normalization` layer adapted to the data.
    """

    id = "DD501"
    name = "unscaled-inputs"
    category = "unscaled-inputs"
    severity = Severity.WARNING

    options = (
        Option("scale", float, 5.0, (0, math.inf), "largest |mean| or std of a feature that counts as unscaled"),
        Option("spread", float, 100.0, (1, math.inf), "largest ÷ smallest feature std that counts as unscaled"),
    )

    def check(self, measured: Measurements) -> list[Finding]:
        data = measured.profile
        # scaled inside the model, or already within [-1, 1]
        if data is None or measured.model.scales_own_inputs or data.x_max_abs <= 1.0:
            return []
        spread = data.x_std_max / data.x_std_min if data.x_std_min > 0 else math.inf
        offset = max(data.x_mean_abs_max, data.x_std_max)
        if offset <= self.scale and spread <= self.spread:
            return []
        runs, seeds = measured.runs_of("baseline"), impaired(measured)
        if not majority(len(seeds), len(runs)):
            return []
        fix = measured_fix(measured, "standardize_x", "standardize the inputs",
                           "norm = keras.layers.Normalization(); norm.adapt(x)  # as the first layer", seeds)
        if refuted([fix]):
            return []
        return [self.finding(
            f"Inputs are not standardized: features reach |mean| or std {format_number(offset)}"
            + (f", with scales {format_number(spread)}× apart" if spread > self.spread else "") + ".",
            {"largest_feature_mean_or_std": offset, "std_spread": spread, "x_max_abs": data.x_max_abs,
             "threshold": {"scale": self.scale, "spread": self.spread}},
            seeds=seeds_phrase(len(seeds), len(runs)), fixes=[fix])]


class UnscaledTargets(Rule):
    """Regression targets have a huge scale or offset, far from what the output starts near.

    What it does
    Measures the mean and standard deviation of the targets of a regression loss and probes the
    same training on standardized targets (each run judged against its own constant baseline).

    Why is this bad?
    A freshly initialized output predicts values near zero with unit spread. Targets in the
    hundreds or thousands make the first gradients enormous and the learning rate wrong by the
    same factor.

    Measured
    max(|mean|, std) of the targets (> {scale:g}) in a model that does not fit (final loss above
    {FITS:.0%} of the trivial baseline in most seeds); reported unless standardized targets fail
    to end at least {VERIFIED_GAIN:g}× lower relative to their own baseline.

    Fix
    Standardize the targets (probed) and invert the scaling at prediction time.
    """

    id = "DD511"
    name = "unscaled-targets"
    category = "unscaled-targets"
    severity = Severity.WARNING

    options = (Option("scale", float, 100.0, (0, math.inf), "max(|mean|, std) of the targets that counts as "
                                                            "unscaled"),)

    def check(self, measured: Measurements) -> list[Finding]:
        data = measured.profile
        if data is None or measured.model.loss_kind != "regression" or max(abs(data.y_mean), data.y_std) <= self.scale:
            return []
        if output_bounds(measured) is not None:
            return []  # a bounded output is DD512's or DD521's case
        runs, seeds = measured.runs_of("baseline"), impaired(measured)
        if not majority(len(seeds), len(runs)):
            return []
        fix = measured_fix(measured, "standardize_y", "standardize the targets",
                           "y_scaled = (y - y.mean(0)) / y.std(0)  # invert on predictions", seeds)
        if refuted([fix]):
            return []
        return [self.finding(
            f"Targets are unscaled: mean {format_number(data.y_mean)}, std {format_number(data.y_std)}, while the "
            "output starts near 0 ± 1.",
            {"y_mean": data.y_mean, "y_std": data.y_std, "threshold": self.scale},
            seeds=seeds_phrase(len(seeds), len(runs)), fixes=[fix])]


class TargetsBeyondOutputRange(Rule):
    """Targets lie beyond what the output activation can produce: the loss cannot reach zero.

    What it does
    Compares the range of the targets of a regression loss with the range of the output
    activation (sigmoid and softmax [0, 1], tanh [-1, 1], relu [0, ∞)) when the targets share
    the sign of that range but exceed its scale, for example pixel values 0–255 under a sigmoid.

    Why is this bad?
    The model can never predict the larger targets; the loss stalls at their shortfall and
    the output units saturate trying.

    Measured
    Target minimum and maximum against the output range (beyond it by more than
    {tolerance:.0%} of its width). An error:
    the fault holds whatever the optimizer does. Rescaled targets and a linear output are probed.

    Fix
    Rescale the targets into the output's range (probed), or use a linear output (probed).
    """

    id = "DD512"
    name = "targets-beyond-output-range"
    category = "unscaled-targets"
    severity = Severity.ERROR

    options = (TOLERANCE,)

    def check(self, measured: Measurements) -> list[Finding]:
        reach = output_reach(measured, self.tolerance)
        if reach is None or reach.below or not reach.above:
            return []  # targets below a bounded output are DD521's case
        data = measured.profile
        seeds = [r.seed for r in measured.runs_of("baseline")]
        fixes = [measured_fix(measured, "rescale_y", "rescale the targets to [0, 1]",
                              "y_scaled = (y - y.min(0)) / (y.max(0) - y.min(0))", seeds),
                 measured_fix(measured, "linear_output", "use a linear output layer",
                              "keras.layers.Dense(units, activation='linear')  # the output layer", seeds)]
        return [self.finding(
            f"Targets reach {format_number(data.y_max)}, beyond the {measured.model.output_activation} output's "
            f"maximum {format_number(reach.high)}.",
            {"y_min": data.y_min, "y_max": data.y_max, "output_range": [reach.low, reach.high]},
            layers=[measured.model.layers[-1].name], seeds=None, fixes=fixes)]
