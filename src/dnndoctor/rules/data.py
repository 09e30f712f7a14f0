"""Data rules: inputs far from standardized, targets of a huge scale or out of the output's reach."""

from __future__ import annotations

from ..findings import Finding, Severity
from ..measurements import Measurements
from .base import Rule, fmt, impaired, majority, measured_fix, refuted, seeds_phrase

BOUNDS = {"sigmoid": (0.0, 1.0), "hard_sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0),
          "relu": (0.0, float("inf")), "softplus": (0.0, float("inf")), "relu6": (0.0, 6.0)}


def output_bounds(m: Measurements) -> tuple[float, float] | None:
    """The range the output activation can produce, when it is bounded on either side."""
    return BOUNDS.get(m.model.output_activation or "")


def bounded_regression(m: Measurements, tolerance: float) -> tuple[float, float, float] | None:
    """(low, high, margin) of a bounded output under a regression loss, else None; the margin
    is ``tolerance`` of the output's range (of 1 when unbounded above)."""
    bounds = output_bounds(m)
    if m.profile is None or bounds is None or m.model.loss_kind != "regression":
        return None
    low, high = bounds
    return low, high, tolerance * max(1.0, high - low if high != float("inf") else 1.0)


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
    Largest |mean| or standard deviation of a feature (> 5), or the ratio of the largest to
    the smallest standard deviation (> 100), in a model that does not fit (final loss above 1 %
    of the trivial baseline in most seeds); reported when standardized inputs end at least 2×
    lower at the same budget.

    Fix
    Standardize the inputs (probed) with statistics of the training set, or add a
    `keras.layers.Normalization` layer adapted to the data.
    """

    id = "DD501"
    name = "unscaled-inputs"
    category = "unscaled-inputs"
    severity = Severity.WARNING

    scale = 5.0
    spread = 100.0

    def check(self, m: Measurements) -> list[Finding]:
        p = m.profile
        if p is None or m.model.scales_own_inputs or p.x_max_abs <= 1.0:  # scaled in the model, or already in [-1, 1]
            return []
        spread = p.x_std_max / p.x_std_min if p.x_std_min > 0 else float("inf")
        offset = max(p.x_mean_abs_max, p.x_std_max)
        if offset <= self.scale and spread <= self.spread:
            return []
        runs, seeds = m.runs_of("baseline"), impaired(m)
        if not majority(len(seeds), len(runs)):
            return []
        fix = measured_fix(m, "standardize_x", "standardize the inputs",
                           "norm = keras.layers.Normalization(); norm.adapt(x)  # as the first layer", seeds)
        if refuted([fix]):
            return []
        return [self.finding(
            f"Inputs are not standardized: features reach |mean| or std {fmt(offset)}"
            + (f", with scales {fmt(spread)}× apart" if spread > self.spread else "") + ".",
            {"largest_feature_mean_or_std": offset, "std_spread": spread, "x_max_abs": p.x_max_abs,
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
    max(|mean|, std) of the targets (> 100) in a model that does not fit (final loss above 1 %
    of the trivial baseline in most seeds); reported when standardized targets end at least 2×
    lower relative to their own baseline.

    Fix
    Standardize the targets (probed) and invert the scaling at prediction time.
    """

    id = "DD511"
    name = "unscaled-targets"
    category = "unscaled-targets"
    severity = Severity.WARNING

    scale = 100.0

    def check(self, m: Measurements) -> list[Finding]:
        p = m.profile
        if p is None or m.model.loss_kind != "regression" or max(abs(p.y_mean), p.y_std) <= self.scale:
            return []
        if output_bounds(m) is not None:
            return []  # a bounded output is DD512's or DD521's case
        runs, seeds = m.runs_of("baseline"), impaired(m)
        if not majority(len(seeds), len(runs)):
            return []
        fix = measured_fix(m, "standardize_y", "standardize the targets",
                           "y_scaled = (y - y.mean(0)) / y.std(0)  # invert on predictions", seeds)
        if refuted([fix]):
            return []
        return [self.finding(
            f"Targets are unscaled: mean {fmt(p.y_mean)}, std {fmt(p.y_std)}, while the output starts near 0 ± 1.",
            {"y_mean": p.y_mean, "y_std": p.y_std, "threshold": self.scale},
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
    Target minimum and maximum against the output range (more than 1 % beyond it). An error:
    the fault holds whatever the optimizer does. Rescaled targets and a linear output are probed.

    Fix
    Rescale the targets into the output's range (probed), or use a linear output (probed).
    """

    id = "DD512"
    name = "targets-beyond-output-range"
    category = "unscaled-targets"
    severity = Severity.ERROR

    tolerance = 0.01

    def check(self, m: Measurements) -> list[Finding]:
        p, bounded = m.profile, bounded_regression(m, self.tolerance)
        if bounded is None:
            return []
        low, high, margin = bounded
        if p.y_min < low - margin or p.y_max <= high + margin:
            return []  # negative targets under a non-negative output are DD521's case
        seeds = [r.seed for r in m.runs_of("baseline")]
        fixes = [measured_fix(m, "rescale_y", "rescale the targets to [0, 1]",
                              "y_scaled = (y - y.min(0)) / (y.max(0) - y.min(0))", seeds),
                 measured_fix(m, "linear_output", "use a linear output layer",
                              "keras.layers.Dense(units, activation='linear')  # the output layer", seeds)]
        return [self.finding(
            f"Targets reach {fmt(p.y_max)}, beyond the {m.model.output_activation} output's maximum {fmt(high)}.",
            {"y_min": p.y_min, "y_max": p.y_max, "output_range": [low, high]},
            layers=[m.model.layers[-1].name], seeds=None, fixes=fixes)]
