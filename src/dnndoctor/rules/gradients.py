"""Gradient rules: gradients that fade on their way back to the first layers."""

from __future__ import annotations

import math

import numpy as np

from ..findings import Finding, Fix, Severity
from ..measurements import Measurements, ProbeRun
from .base import Rule, fmt, majority, relative_final, seeds_phrase


def attenuation(run: ProbeRun) -> tuple[float, str, str] | None:
    """Median over the probe of first-layer gradient RMS ÷ the largest layer's, with both names."""
    traced = [t for t in run.layers if any(v is not None for v in t.grad_rms)]
    if len(traced) < 2:
        return None
    ratios = []
    for k in range(1, len(run.record_steps)):
        values = [t.grad_rms[k] if k < len(t.grad_rms) else None for t in traced]
        if any(v is None for v in values) or max(values) <= 0:
            continue
        ratios.append(values[0] / max(values))
    if not ratios:
        return None
    top = max(traced, key=lambda t: np.median([v for v in t.grad_rms if v is not None]))
    return float(np.median(ratios)), traced[0].name, top.name


class VanishingGradients(Rule):
    """Gradients vanish: the first layers receive a tiny fraction of the gradient of the last.

    What it does
    Compares, at every record step of the probe, the root-mean-square gradient of the first
    trainable layer with that of the layer receiving the largest one.

    Why is this bad?
    Saturating activations (sigmoid, tanh) and deep stacks multiply the gradient by small
    factors layer after layer. The first layers then hardly move and the network behaves like
    its last layer on fixed random features.

    Measured
    Median over the probe of RMS gradient (first layer) ÷ RMS gradient (largest layer): below
    1e-2, in runs that did not fit (final loss above 1 % of the trivial baseline). An error
    when training stalled (above 50 %), a warning otherwise.

    Fix
    Use ReLU-family activations in hidden layers, add BatchNormalization, use He or Glorot
    initialization, or make the network shallower.
    """

    id = "DD101"
    name = "vanishing-gradients"
    category = "vanishing-gradients"
    severity = Severity.WARNING

    threshold = 1e-2
    floor = 0.01

    def check(self, m: Measurements) -> list[Finding]:
        runs = m.runs_of("baseline")
        hits = []
        for run in runs:
            rel = relative_final(m, run)
            measured = attenuation(run)
            if any(t.dead_fraction and (t.dead_fraction[-1] or 0) >= 1.0 for t in run.layers):
                continue  # a dead layer blocks the gradient: DD201's finding, not this one
            if measured and measured[0] < self.threshold and rel > self.floor:
                hits.append((run, rel, measured))
        if not majority(len(hits), len(runs)):
            return []
        ratio = float(np.median([h[2][0] for h in hits]))
        first, top = hits[0][2][1], hits[0][2][2]
        stalled = float(np.median([h[1] for h in hits]))
        severity = Severity.ERROR if stalled > 0.5 and math.isfinite(stalled) else Severity.WARNING
        return [self.finding(
            f"Gradients vanish: {first} receives {fmt(ratio)}× the gradient of {top}, and the loss ends "
            f"at {fmt(stalled)}× a constant prediction's.",
            {"gradient_attenuation": [h[2][0] for h in hits], "threshold": self.threshold,
             "relative_final_loss": [h[1] for h in hits]},
            severity=severity, layers=[first, top], seeds=seeds_phrase(len(hits), len(runs)),
            fixes=[Fix("use ReLU in hidden layers", "keras.layers.Dense(units, activation='relu', "
                       "kernel_initializer='he_normal')"),
                   Fix("normalize activations", "keras.layers.BatchNormalization()  # after each hidden Dense")])]
