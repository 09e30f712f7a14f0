"""Activation rules: ReLU units that never fire."""

from __future__ import annotations

import math

import numpy as np

from ..findings import Finding, Fix, Severity
from ..measurements import Measurements
from .base import Rule, fix_gain, fmt, lr_change, majority, measured_fix, relative_final, seeds_phrase


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
    Dead fraction of each ReLU layer after the probe (≥ 50 %, or a whole layer) in runs whose
    final loss stays above 10 % of the trivial baseline; runs that fit despite dead units are
    not flagged. An error when most seeds die, a warning when some do.

    Fix
    Use LeakyReLU or ELU, He initialization, a smaller learning rate, or BatchNormalization
    before the activation.
    """

    id = "DD201"
    name = "dead-relu-units"
    category = "dead-units"
    severity = Severity.ERROR

    dead = 0.5
    stalled = 0.1

    def check(self, m: Measurements) -> list[Finding]:
        runs = m.runs_of("baseline")
        hits = []
        for run in runs:
            rel = relative_final(m, run)
            if rel <= self.stalled or not math.isfinite(rel):  # fitted, or diverged (DD301)
                continue
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
        whole = fraction >= 1.0
        fixes = [
            Fix("replace ReLU with LeakyReLU", "keras.layers.Dense(units, activation='leaky_relu')"),
            Fix("use He initialization", "keras.layers.Dense(units, activation='relu', "
                "kernel_initializer='he_normal')"),
        ]
        lower = measured_fix(m, "lr_div10", "lower the learning rate ×10", lr_change(m, 0.1), seeds)
        if lower is not None and lower.verified:
            fixes.insert(0, lower)
        return [self.finding(
            f"{'All' if whole else f'{fraction:.0%} of the'} units of {layer} died (zero output for every "
            f"sample) and training stalled at {fmt(worst[1])}× a constant prediction's loss.",
            {"dead_fraction_final": {f"seed {r.seed}": d for r, _, d, _ in hits},
             "dead_fraction_at_init": {f"seed {r.seed}": d for r, _, _, d in hits},
             "relative_final_loss": [rel for _, rel, _, _ in hits],
             "threshold": self.dead},
            severity=Severity.ERROR if majority(len(seeds), len(runs)) else Severity.WARNING,
            layers=names, seeds=seeds_phrase(len(seeds), len(runs)), fixes=fixes,
            rank=fix_gain(lower, m, seeds) + float(np.log10(1 + len(seeds))))]
