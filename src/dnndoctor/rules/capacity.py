"""Capacity rules: a model too small to fit the data."""

from __future__ import annotations

import math

import numpy as np

from ..findings import Finding, Severity
from ..measurements import Measurements
from .base import Rule, by_seed, fix_gain, fmt, majority, measured_fix, relative_final, seeds_phrase


class UnderCapacity(Rule):
    """The model is too small: a wider copy fits far better and learning-rate changes do not.

    What it does
    Compares the compiled setup with a copy whose hidden layers are 4× wider, and with the
    learning rate ×10 and ÷10, all at the same budget and seeds.

    Why is this bad?
    A network without enough units cannot represent the function, whatever the optimizer
    does: the loss settles at a floor set by the architecture (high bias).

    Measured
    Final relative loss of the setup (> 1 % of the trivial baseline) against the wider copy's
    (at least 5× lower in most seeds) and the best learning-rate variant's (the wider copy at
    least 3× lower than it too, so the learning rate is not the cause).

    Fix
    Widen the hidden layers (4× is probed) or add a layer.
    """

    id = "DD401"
    name = "under-capacity"
    category = "under-capacity"
    severity = Severity.WARNING
    needs = ("wider",)

    floor = 0.01
    gain = 5.0
    over_lr = 3.0

    def check(self, m: Measurements) -> list[Finding]:
        base, wide = by_seed(m, "baseline"), by_seed(m, "wider")
        if not wide:
            return []
        lr_runs = [by_seed(m, v) for v in ("lr_x10", "lr_div10")]
        seeds = []
        for s, run in base.items():
            rel, rel_wide = relative_final(m, run), relative_final(m, wide.get(s, run))
            best_lr = min((relative_final(m, v[s]) for v in lr_runs if s in v), default=math.inf)
            if (self.floor < rel < math.inf and rel_wide * self.gain <= rel
                    and rel_wide * self.over_lr <= best_lr):
                seeds.append(s)
        if not majority(len(seeds), len(base)):
            return []
        variant = m.variant("wider")
        fix = measured_fix(m, "wider", f"widen the hidden layers ({variant.change})",
                           "keras.layers.Dense(4 * units, ...)  # for each hidden layer", seeds,
                           factor=self.gain)
        rels = [relative_final(m, base[s]) for s in seeds]
        wides = [relative_final(m, wide[s]) for s in seeds]
        return [self.finding(
            f"The model lacks capacity: it ends at {fmt(float(np.median(rels)))}× a constant prediction's "
            f"loss, while a 4× wider copy reaches {fmt(float(np.median(wides)))}× and no learning-rate "
            "change comes close.",
            {"relative_final_loss": rels, "relative_final_loss_wider": wides,
             "threshold": self.gain, "widths": variant.change},
            seeds=seeds_phrase(len(seeds), len(base)), fixes=[f for f in (fix,) if f],
            rank=fix_gain(fix, m, seeds))]
