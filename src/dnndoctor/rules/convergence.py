"""Slow convergence: a loss still high at the end of the probe that a standard remedy cuts far lower."""

from __future__ import annotations

import math

import numpy as np

from ..findings import Finding, Fix, Severity
from ..formatting import format_number, seeds_phrase
from ..measurements import Measurements
from ..runstats import by_seed, majority, median_accuracy, relative_final
from .fixes import measured_fix, refuted
from .ranking import clear_win
from .rule import Option, Rule, classified_well, classifies_well, fit_floor, labelled_right

# The standard remedies (AutoTrainer's list): edit, summary, Keras code. An edit that does not
# apply to the model (no saturating or ReLU-family hidden layer, no range test) is skipped.
REMEDIES = (
    ("relu", "use ReLU in hidden layers", "keras.layers.Dense(units, activation='relu', kernel_initializer='he_normal')"),
    ("leaky_relu", "use LeakyReLU in hidden layers",
     "keras.layers.Dense(units, activation='leaky_relu', kernel_initializer='he_normal')"),
    ("lr_suggested", "use the LR range test's suggested rate", "optimizer.learning_rate = <the range test's suggestion>"),
    ("batchnorm", "normalize activations", "keras.layers.BatchNormalization()  # after each hidden layer"),
    ("adam", "switch to Adam", "optimizer=keras.optimizers.Adam(1e-3)"),
    ("wider", "widen the hidden layers", "keras.layers.Dense(max(4 * units, 32), ...)  # for each hidden layer"),
    ("standardize_x_lr_suggested", "standardize the inputs and use the LR range test's suggested rate",
     "x = (x - x.mean(0)) / x.std(0); optimizer.learning_rate = <the range test's suggestion>"),
)


class SlowConvergence(Rule):
    """The loss converges slowly, and a standard remedy reaches a far lower loss at the same budget.

    What it does
    When no other rule has a warning or error and the setup's loss is still above {floor:.0%} of
    a constant prediction's at the end of the probe in most seeds, proposes the standard remedies
    as probes at the same budget and seeds: a ReLU-family activation, the LR range test's rate,
    normalization, Adam, width, and standardized inputs trained at the range test's rate (on
    tanh units fed raw inputs in [0, 10] neither change alone escapes the plateau; together they
    do). Reports when one of them ends at least {gain:g}× lower in most seeds; stays silent when
    every remedy was probed and none did, or when every remedy that did is already a verified
    fix of another finding (that finding explains the loss).

    Why is this bad?
    No single mechanism (vanishing gradients, dead units, a wrong learning rate) stands out, yet
    the setup learns far more slowly than a standard variant of it: on a fixed budget it ends
    with a much worse model, and it needs many times the epochs to get as far.

    Measured
    Relative final loss of the setup (> {floor:.0%} of the trivial baseline) against that of each
    remedy's probe (at least {gain:g}× lower in most seeds). A note (info) while the remedies
    are not yet probed; a warning once one is verified. Info when a classifier's median
    probe-batch accuracy is at least {classifies_well:.0%}, or within seed noise of it ({SEED_NOISE:g}
    decades of the error rate): it already labels its training rows right, and the remedy only
    makes it surer sooner. Info too when no verified remedy beats the {gain:g}× by more than the
    seed noise ({SEED_NOISE:g} decades): the gain is this finding's whole evidence, and within
    noise of its threshold slow convergence is as likely not to hold, so the faster remedy is
    advice.

    Fix
    Apply the verified remedy; the report lists each remedy that ended {gain:g}× lower.
    """

    id = "DD321"
    name = "slow-convergence"
    category = "slow-convergence"
    severity = Severity.WARNING
    severities = (Severity.INFO, Severity.WARNING)
    residual = True
    options = (
        fit_floor(0.05),
        Option("gain", float, 10.0, (1, math.inf), "how many times lower a remedy must end, in most seeds"),
        classifies_well(),
    )

    def check(self, measured: Measurements) -> list[Finding]:
        base = by_seed(measured, "baseline")
        high = [s for s, run in base.items() if self.floor < relative_final(measured, run) < math.inf]
        if not majority(len(high), len(base)):
            return []
        fixes = [measured_fix(measured, variant, summary, code, high, gain=self.gain)
                 for variant, summary, code in REMEDIES]
        if refuted(fixes):
            return []
        verified = [f for f in fixes if f.verified]
        rels = [relative_final(measured, base[s]) for s in high]
        evidence = {"relative_final_loss": rels, "threshold": self.gain, "floor": self.floor}
        steps = measured.budget.steps
        if not verified:
            return [self.finding(
                f"After {steps} steps the loss is still {format_number(float(np.median(rels)))}× a constant "
                "prediction's and no rule explains it; the standard remedies are to be probed.",
                evidence, severity=Severity.INFO, seeds=seeds_phrase(len(high), len(base)), fixes=fixes)]
        best = min(verified, key=lambda f: _median_relative(measured, f, high))
        evidence["relative_final_loss_best_remedy"] = [relative_final(measured, run)
                                                       for s, run in by_seed(measured, best.variant).items()
                                                       if s in high]
        accuracy = median_accuracy(measured, high)
        evidence["accuracy"] = accuracy
        marginal = not any(clear_win(f, measured, high) for f in verified)
        return [self.finding(
            f"The loss converges slowly: after {steps} steps it is still {format_number(float(np.median(rels)))}× "
            f"a constant prediction's, while the remedy \"{best.summary}\" ends at "
            f"{format_number(_median_relative(measured, best, high))}×, at least {self.gain:g}× lower."
            + labelled_right(accuracy, self.classifies_well)
            + (f" No remedy beats the {self.gain:g}× by more than the seed noise: a faster variant, not a "
               "setup held back." if marginal else ""), evidence,
            severity=Severity.INFO if marginal or classified_well(accuracy, self.classifies_well) else Severity.WARNING,
            seeds=seeds_phrase(len(high), len(base)), fixes=fixes)]


def _median_relative(measured: Measurements, fix: Fix, seeds: list[int]) -> float:
    runs = by_seed(measured, fix.variant)
    return float(np.median([relative_final(measured, runs[s]) for s in seeds if s in runs]))
