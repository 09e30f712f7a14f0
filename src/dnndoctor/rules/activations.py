"""Activation rules: ReLU units that never fire, sigmoid and tanh units stuck at their limits."""

from __future__ import annotations

import math

import numpy as np

from ..findings import Finding, Severity
from ..formatting import format_number, seeds_phrase
from ..measurements import Measurements
from ..runstats import TINY, final_of, majority, relative_final, stopped_falling
from .fixes import LR_DOWN, lr_change, measured_fix, refuted
from .rule import Option, Rule, fit_floor

WHOLE_LAYER = 1.0  # a dead fraction of 1: every unit of the layer is dead
CLIMB = 10.0  # a final probe-batch loss this many times its lowest: the loss climbed back after training


def climbed_back(measured: Measurements, run) -> bool:
    """Whether the run's loss ended at least ``CLIMB`` times above the lowest it reached."""
    evals = [v for v in run.eval_losses if v is not None and math.isfinite(v)]
    final = final_of(measured, run)
    return bool(evals) and math.isfinite(final) and final >= CLIMB * max(min(evals), TINY)


class DeadReLU(Rule):
    """ReLU units die: they output zero for every sample, and training stalls with them.

    What it does
    Measures, for every ReLU layer, the fraction of units whose output is zero for every
    sample of the probe batch, at initialization and after the probe, in every seed.

    Why is this bad?
    A dead unit passes no gradient, so it never recovers. When a whole layer dies, nothing
    below it can learn and the model is stuck at a constant prediction. Dying is often
    stochastic: it happens in some initializations and not in others.

    Measured
    Dead fraction of each ReLU layer after the probe (≥ {dead:.0%}, or a whole layer) in runs
    whose loss stopped falling (it ends at {STILL_FALLING:g}× its mid-probe value or above)
    above {floor:.0%} of the trivial baseline; runs that fit or keep improving despite dead
    units are not flagged, nor partly dead layers whose probed fixes do not help, nor units that
    only a smaller learning rate keeps alive (a learning-rate finding) or that symmetric initial
    weights kill (DD601), nor runs whose loss first fell and then climbed back to {CLIMB:g}× its
    lowest (the units died in a divergence: DD301, DD302).
    An error when most seeds die, a warning when some do; info, ranked below it, when a
    learning-rate-too-high or bad-initialization finding has a verified fix that ends as low as
    this finding's best, within the seed noise (a step or a start too large kills the units).

    Fix
    Use LeakyReLU (probed), He initialization (probed), a smaller learning rate (probed), or
    BatchNormalization before the activation.
    """

    id = "DD201"
    name = "dead-relu-units"
    category = "dead-units"
    consequence_of = ("learning-rate-too-high", "bad-initialization")
    severity = Severity.ERROR
    severities = (Severity.WARNING, Severity.ERROR)
    options = (
        Option("dead", float, 0.5, (0, 1), "fraction of a layer's units dead on every sample"),
        fit_floor(0.1),
    )

    def check(self, measured: Measurements) -> list[Finding]:
        runs = measured.runs_of("baseline")
        hits = []
        for run in runs:
            rel = relative_final(measured, run)
            if rel <= self.floor or not math.isfinite(rel) or not stopped_falling(run, measured.floor_loss):  # fits, diverged or falling
                continue
            if any(t.init.get("identical_units") for t in run.layers):
                continue  # symmetric initial weights kill the units: DD601's root cause
            if climbed_back(measured, run):
                continue  # the model had trained, then the loss climbed: what killed the units diverged it
            layers = {t.name: t.dead_fraction[-1] for t in run.layers
                      if t.dead_fraction and t.dead_fraction[-1] is not None and t.dead_fraction[-1] >= self.dead}
            if layers:
                at_init = {t.name: t.dead_fraction[0] for t in run.layers if t.name in layers}
                hits.append((run, rel, layers, at_init))
        if not hits:
            return []
        seeds = [run.seed for run, *_ in hits]
        names = sorted({name for _, _, layers, _ in hits for name in layers})
        worst = max(hits, key=lambda h: max(h[2].values()))
        layer, fraction = max(worst[2].items(), key=lambda kv: kv[1])
        fixes = [
            measured_fix(measured, "leaky_relu", "replace ReLU with LeakyReLU",
                         "keras.layers.Dense(units, activation='leaky_relu', kernel_initializer='he_normal')", seeds),
            measured_fix(measured, "default_init", "use He initialization",
                         "keras.layers.Dense(units, activation='relu', kernel_initializer='he_normal')", seeds),
            measured_fix(measured, "lr_div10", "lower the learning rate ×10", lr_change(measured, LR_DOWN), seeds),
        ]
        if refuted(fixes) and fraction < WHOLE_LAYER:
            return []  # some units died, but reviving them does not help: not the cause
        if fixes[2].verified and all(f.probed and not f.verified for f in fixes[:2]):
            return []  # only a smaller step revives them: the learning rate kills them (DD301, DD303)
        return [self.finding(
            f"{'All' if fraction >= WHOLE_LAYER else f'{fraction:.0%} of the'} units of {layer} died (zero output "
            f"for every sample) and training stalled at {format_number(worst[1])}× a constant prediction's loss.",
            {"dead_fraction_final": {f"seed {r.seed}": d for r, _, d, _ in hits},
             "dead_fraction_at_init": {f"seed {r.seed}": d for r, _, _, d in hits},
             "relative_final_loss": [rel for _, rel, _, _ in hits], "threshold": self.dead},
            severity=Severity.ERROR if majority(len(seeds), len(runs)) else Severity.WARNING,
            layers=names, seeds=seeds_phrase(len(seeds), len(runs)), fixes=fixes,
            rank=float(np.log10(1 + len(seeds))))]


class SaturatedActivations(Rule):
    """Sigmoid or tanh units saturate: most outputs sit at the flat ends of the curve.

    What it does
    Measures, for every sigmoid and tanh layer, the fraction of outputs on the probe batch that
    lie in the flat tails (sigmoid below 0.01 or above 0.99, |tanh| above 0.99), at
    initialization and over the probe.

    Why is this bad?
    In the tails the derivative is nearly zero, so saturated units pass almost no gradient and
    stop learning. Unscaled inputs and large initial weights are the usual causes.

    Measured
    Largest saturated fraction of a hidden sigmoid/tanh layer (a confident output layer sits in
    its tails by design), median over the probe's record steps (≥ {saturated:.0%}), in most
    seeds, in runs that did not fit (final loss above {floor:.0%} of the trivial baseline);
    reported when standardized inputs, ReLU or BatchNormalization, probed at the same budget,
    end at least {VERIFIED_GAIN:g}× lower; info, ranked below it, when an unscaled-inputs or
    bad-initialization finding has a verified fix that ends as low, within the seed noise.

    Fix
    Standardize the inputs (probed), use ReLU in hidden layers (probed), or add
    BatchNormalization before the activation (probed).
    """

    id = "DD202"
    name = "saturated-activations"
    category = "saturated-activations"
    consequence_of = ("unscaled-inputs", "bad-initialization")
    severity = Severity.WARNING

    options = (
        Option("saturated", float, 0.3, (0, 1), "fraction of a layer's outputs in the flat tails"),
        fit_floor(0.01),
    )

    def check(self, measured: Measurements) -> list[Finding]:
        runs = measured.runs_of("baseline")
        output = measured.model.layers[-1].name if measured.model.layers else None
        hits = []
        for run in runs:
            hidden = [t for t in run.layers if t.name != output]
            worst = max(((np.median([v for v in t.saturated_fraction if v is not None]), t.name)
                         for t in hidden if any(v is not None for v in t.saturated_fraction)), default=None)
            if worst and worst[0] >= self.saturated and relative_final(measured, run) > self.floor:
                hits.append((run, worst))
        if not majority(len(hits), len(runs)):
            return []
        seeds = [r.seed for r, _ in hits]
        fixes = [measured_fix(measured, "standardize_x", "standardize the inputs",
                              "x = (x - x.mean(0)) / x.std(0)  # keep the statistics for inference", seeds),
                 measured_fix(measured, "relu", "use ReLU in hidden layers",
                              "keras.layers.Dense(units, activation='relu', kernel_initializer='he_normal')", seeds),
                 measured_fix(measured, "batchnorm", "normalize before the activation",
                              "keras.layers.BatchNormalization()  # after each hidden layer", seeds)]
        if refuted(fixes):
            return []
        fraction, layer = max(w for _, w in hits)
        return [self.finding(
            f"Activations saturate: {fraction:.0%} of {layer}'s outputs sit in the flat tails, where the "
            "gradient vanishes.",
            {"saturated_fraction": {f"seed {r.seed}": float(w[0]) for r, w in hits}, "threshold": self.saturated,
             "relative_final_loss": [relative_final(measured, r) for r, _ in hits]},
            layers=sorted({w[1] for _, w in hits}), seeds=seeds_phrase(len(hits), len(runs)), fixes=fixes)]
