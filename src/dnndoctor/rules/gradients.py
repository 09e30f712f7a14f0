"""Gradient rules: gradients that fade, blow up, or turn into NaN."""

from __future__ import annotations

import math

import numpy as np

from ..findings import Finding, Severity
from ..formatting import format_number, seeds_phrase
from ..measurements import Measurements, ProbeRun
from ..runstats import HEAD_STEPS, final_of, first_nonfinite_step, majority, relative_final
from .activations import WHOLE_LAYER
from .fixes import VERIFIED_GAIN, clip_fix, measured_fix, refuted
from .rule import Option, Rule, fit_floor

NONFINITE_STANDIN = 1e12  # a non-finite relative loss, compared as this large finite number


def attenuation(run: ProbeRun, depths: dict[str, int]) -> tuple[float, str, str, int] | None:
    """Median over the probe of the gradient RMS of the layer farthest from the output ÷ the
    largest layer's, both names, and the trainable layers on the gradient's shortest path down
    to the former.

    With the layer graph's ``depths`` known, a residual block's skip shortens the path, so a deep
    residual network counts as shallow as its skips make it; without them, layers count in order.
    """
    traced = [t for t in run.layers if any(v is not None for v in t.grad_rms)]
    if len(traced) < 2:
        return None
    graphed = all(t.name in depths for t in traced)
    bottom = max(traced, key=lambda t: depths[t.name]) if graphed else traced[0]
    path = depths[bottom.name] + 1 if graphed else len(traced)
    ratios = []
    for k in range(1, len(run.record_steps)):
        values = [t.grad_rms[k] if k < len(t.grad_rms) else None for t in traced]
        if any(v is None for v in values) or max(values) <= 0:
            continue
        ratios.append(bottom.grad_rms[k] / max(values))
    if not ratios:
        return None
    top = max(traced, key=lambda t: np.median([v for v in t.grad_rms if v is not None]))
    return float(np.median(ratios)), bottom.name, top.name, path


def has_dead_layer(run: ProbeRun) -> bool:
    """Whether a whole layer ends the probe dead."""
    return any(t.dead_fraction and (t.dead_fraction[-1] or 0) >= WHOLE_LAYER for t in run.layers)


class VanishingGradients(Rule):
    """Gradients vanish: the first layers receive a tiny fraction of the gradient of the last.

    What it does
    Compares, at every record step of the probe, the root-mean-square gradient of the trainable
    layer farthest from the output in the layer graph (the first layer of a chain) with that of
    the layer receiving the largest one. Depth is the shortest path to an output, so skip
    connections that carry the gradient past a residual block shorten it.

    Why is this bad?
    Saturating activations (sigmoid, tanh) and deep stacks multiply the gradient by small
    factors layer after layer. The first layers then hardly move and the network behaves like
    its last layer on fixed random features.

    Measured
    Median over the probe of RMS gradient (farthest layer) ÷ RMS gradient (largest layer): below
    {threshold:g} where the gradient's path down to the farthest layer crosses at least {deep}
    trainable layers, below {shallow_threshold:g} in
    shallower ones (where a tenfold attenuation is ordinary), in most seeds, in runs that did not
    fit (final loss above {floor:.0%} of the trivial baseline) and have no dead layer (DD201 covers
    those). An error when training barely moved (median relative final loss above
    {error_above:g}), a warning otherwise. Not reported when ReLU and BatchNormalization were both
    probed and neither helped.

    Fix
    Use ReLU-family activations in hidden layers (probed), add BatchNormalization (probed), use
    He or Glorot initialization, or make the network shallower.
    """

    id = "DD101"
    name = "vanishing-gradients"
    category = "vanishing-gradients"
    severity = Severity.WARNING
    severities = (Severity.WARNING, Severity.ERROR)
    options = (
        Option("threshold", float, 0.1, (0, 1), "attenuation below which a deep network's gradients vanish"),
        Option("shallow_threshold", float, 0.01, (0, 1), "attenuation below which a shallow network's vanish"),
        Option("deep", int, 4, (2, 1000), "trainable layers on the gradient's path from which a network counts as deep"),
        fit_floor(0.01),
        Option("error_above", float, 0.5, (0, 1), "median relative final loss above which it is an error"),
    )

    def check(self, measured: Measurements) -> list[Finding]:
        runs = measured.runs_of("baseline")
        depths = {layer.name: layer.depth for layer in measured.model.layers if layer.depth is not None}
        hits = []
        for run in runs:
            rel = relative_final(measured, run)
            weakest = attenuation(run, depths)  # (ratio, farthest layer, largest layer, path length)
            if has_dead_layer(run):
                continue  # a dead layer blocks the gradient: DD201's finding, not this one
            limit = self.threshold if weakest and weakest[3] >= self.deep else self.shallow_threshold
            if weakest and weakest[0] < limit and rel > self.floor:
                hits.append((run, rel, weakest, limit))
        if not majority(len(hits), len(runs)):
            return []
        seeds = [h[0].seed for h in hits]
        fixes = [measured_fix(measured, "relu", "use ReLU in hidden layers",
                              "keras.layers.Dense(units, activation='relu', kernel_initializer='he_normal')", seeds),
                 measured_fix(measured, "batchnorm", "normalize activations",
                              "keras.layers.BatchNormalization()  # after each hidden layer", seeds)]
        if refuted(fixes):
            return []
        ratio = float(np.median([h[2][0] for h in hits]))
        first, top = hits[0][2][1], hits[0][2][2]
        median_relative = float(np.median([h[1] for h in hits]))
        barely_moved = median_relative > self.error_above and math.isfinite(median_relative)
        return [self.finding(
            f"Gradients vanish: {first} receives {format_number(ratio)}× the gradient of {top}, and the loss "
            f"ends at {format_number(median_relative)}× a constant prediction's.",
            {"gradient_attenuation": [h[2][0] for h in hits], "threshold": hits[0][3],
             "relative_final_loss": [h[1] for h in hits]},
            severity=Severity.ERROR if barely_moved else Severity.WARNING, layers=[first, top],
            seeds=seeds_phrase(len(hits), len(runs)), fixes=fixes)]


def growth(run: ProbeRun) -> tuple[float, str] | None:
    """The largest growth of a layer's gradient norm from the first record, and that layer."""
    best = None
    for trace in run.layers:
        values = [v for v in trace.grad_norm[1:]]
        if not values or values[0] is None or values[0] <= 0:
            continue
        finite = [v for v in values if v is not None]
        factor = math.inf if len(finite) < len(values) else max(finite) / values[0]
        if best is None or factor > best[0]:
            best = (factor, trace.name)
    return best


class ExplodingGradients(Rule):
    """Gradients explode: a layer's gradient norm grows by orders of magnitude as training runs.

    What it does
    Tracks every layer's gradient norm over the probe and compares its peak with its value over
    the first steps, in runs whose loss ends no better than it started. A smaller learning rate
    must not cure it (then DD301 applies).

    Why is this bad?
    Each update is then larger than the last: the weights grow, activations blow up, and the
    loss turns into NaN or wanders far from any minimum.

    Measured
    Peak ÷ initial gradient norm of the worst layer (≥ {threshold:g}, or non-finite) with the
    final loss above the initial one, in most seeds, unless the learning rate ÷10 ends at least
    {VERIFIED_GAIN:g}× lower; reported when gradient clipping or a standard initialization,
    probed at the same budget, ends at least {VERIFIED_GAIN:g}× lower.

    Fix
    Clip gradients (`clipnorm=1.0`, probed), use a standard initialization (probed), or add
    BatchNormalization.
    """

    id = "DD102"
    name = "exploding-gradients"
    category = "exploding-gradients"
    severity = Severity.ERROR

    options = (Option("threshold", float, 100.0, (1, math.inf), "growth of a layer's gradient norm that counts "
                      "as exploding"),)

    def check(self, measured: Measurements) -> list[Finding]:
        runs = measured.runs_of("baseline")
        lower = {r.seed: r for r in measured.runs_of("lr_div10")}
        hits = []
        for run in runs:
            grown = growth(run)
            head = [v for v in run.losses[:HEAD_STEPS] if v is not None and math.isfinite(v)]
            rel = relative_final(measured, run)
            worse = not math.isfinite(rel) or (head and final_of(measured, run) > float(np.mean(head)))
            rescued = (run.seed in lower
                       and relative_final(measured, lower[run.seed]) * VERIFIED_GAIN <= min(rel, NONFINITE_STANDIN))
            if grown and grown[0] >= self.threshold and worse and not rescued:
                hits.append((run, grown))
        if not majority(len(hits), len(runs)):
            return []
        seeds = [r.seed for r, _ in hits]
        fixes = [clip_fix(measured, seeds),
                 measured_fix(measured, "default_init", "use a standard initialization",
                              "kernel_initializer='glorot_uniform' (or 'he_normal' for ReLU)", seeds)]
        if refuted(fixes):
            return []
        layer = hits[0][1][1]
        return [self.finding(
            f"Gradients explode: the gradient norm of {layer} grows {format_number(hits[0][1][0])}× during the probe "
            "and the loss ends above where it started.",
            {"gradient_growth": [g[0] for _, g in hits], "threshold": self.threshold,
             "relative_final_loss": [relative_final(measured, r) for r, _ in hits]},
            layers=sorted({g[1] for _, g in hits}), seeds=seeds_phrase(len(hits), len(runs)), fixes=fixes)]


class NonFiniteValues(Rule):
    """Values turn non-finite: the loss, weights or gradients become NaN or infinite.

    What it does
    Finds the first step at which a probe's loss stops being finite, and names the layer whose
    gradient was largest at the last record before, where the blow-up most likely started. A
    10× smaller learning rate that stays finite hands the case to DD301.

    Why is this bad?
    Once a NaN appears it spreads to every weight in one update: the model is destroyed and
    every later step is wasted. Typical causes are a logarithm of zero or of a negative number
    (a probability loss on unbounded outputs), a division by a vanishing norm, or overflow.

    Measured
    The first non-finite step of the loss in each seed, and per-layer gradient norms before it.
    An error when most seeds go non-finite, a warning when some do.

    Fix
    Match the loss to the output layer (probed), clip gradients (probed), or look for log/sqrt
    of non-positive values in custom losses and layers.
    """

    id = "DD105"
    name = "non-finite-values"
    category = "non-finite"
    severity = Severity.ERROR
    severities = (Severity.WARNING, Severity.ERROR)

    def check(self, measured: Measurements) -> list[Finding]:
        runs = measured.runs_of("baseline")
        lower = {r.seed: r for r in measured.runs_of("lr_div10")}
        hits = [(r, step) for r in runs if (step := first_nonfinite_step(r)) is not None]
        if not hits:
            return []
        if lower and all(s.seed in lower and math.isfinite(relative_final(measured, lower[s.seed])) for s, _ in hits):
            return []  # a smaller rate stays finite: DD301 reports it as a learning-rate problem
        seeds = [r.seed for r, _ in hits]
        culprit = _largest_gradient_before(hits[0][0])
        fixes = [measured_fix(measured, "matching_loss", "use the loss that matches the output layer",
                              "see DD5xx findings for the matching loss", seeds),
                 clip_fix(measured, seeds)]
        return [self.finding(
            f"Non-finite values: the loss becomes NaN or infinite at step {min(s for _, s in hits)}"
            + (f", after the gradient of {culprit} grew largest." if culprit else "."),
            {"first_nonfinite_step": {f"seed {r.seed}": s for r, s in hits}},
            severity=Severity.ERROR if majority(len(hits), len(runs)) else Severity.WARNING,
            layers=[culprit] if culprit else [], seeds=seeds_phrase(len(hits), len(runs)), fixes=fixes)]


def _largest_gradient_before(run: ProbeRun) -> str | None:
    best, name = -1.0, None
    for trace in run.layers:
        finite = [v for v in trace.grad_norm[1:] if v is not None]
        if finite and finite[-1] > best:
            best, name = finite[-1], trace.name
    return name
