"""Normalization rules: BatchNormalization's moving statistics against the training loss."""

from __future__ import annotations

import math

import numpy as np

from ..findings import Finding, Severity
from ..formatting import format_number, seeds_phrase
from ..measurements import Measurements
from ..runstats import HEAD_STEPS, TINY, above_floor, majority
from .rule import Option, Rule


# The largest ratio of probe-batch loss (inference mode) to the last steps' training loss among the dev
# split's models without BatchNormalization after 400 steps (benchmarks/NOTES.md §14): batch noise.
BATCH_NOISE = 2.5


class MovingStatisticsLag(Rule):
    """In inference mode the loss is far above the training loss: BatchNorm's moving statistics lag.

    ``model.evaluate`` and ``model.predict`` then score worse than ``model.fit`` reports.

    What it does
    For a model with a trainable BatchNormalization layer, compares the probe batch's loss in
    inference mode after the probe with the mean training loss of the last {HEAD_STEPS} steps.

    Why is this bad?
    In training, BatchNormalization normalizes with each batch's statistics; in inference, with
    their moving averages. Early in training the averages lag the weights, so the model scores
    worse than it trains. With a momentum near 0 the averages are the last batch's statistics,
    and a short last batch (a few rows) makes them noisy for good. The optimization is fine; what
    is wrong is what the trained model predicts.

    Measured
    Inference-mode loss ÷ training loss at the end of the probe (≥ {ratio:g}, above the up to
    {BATCH_NOISE:g}× that batch noise gives models without BatchNormalization) with the inference-mode
    loss above {floor:.0%} of a constant prediction's, in most seeds. The doctor judges such a
    model by its training loss. Reported as information.

    Fix
    Expect ``model.evaluate`` to lag early in training. If the gap stays after training, raise
    the momentum towards its default 0.99 when it is near 0, or lower it (e.g. 0.9) so that the
    averages follow the weights faster; avoid a short last batch (a batch size that divides the
    rows); or recompute the statistics with a pass over the training data in training mode
    without updating the weights.
    """

    id = "DD404"
    name = "moving-statistics-lag"
    category = "batchnorm-statistics"
    severity = Severity.INFO
    capped_when_fit = False  # the harm is in inference, which the training fit does not show

    options = (
        Option("ratio", float, 5.0, (1, math.inf), "inference-mode ÷ training loss that counts as a gap"),
        Option("floor", float, 0.05, (0, 1), "relative inference-mode loss above which a gap matters"),
    )

    def check(self, measured: Measurements) -> list[Finding]:
        setup = measured.variant("baseline")
        if setup is None or not setup.moving_statistics:
            return []
        runs = measured.runs_of("baseline")
        gaps = {}
        for run in runs:
            inference = run.eval_losses[-1] if run.eval_losses else None
            tail = np.asarray(run.losses[-HEAD_STEPS:], dtype=float)
            if inference is None or not math.isfinite(inference) or not tail.size or not np.all(np.isfinite(tail)):
                continue
            training = float(np.mean(tail))
            relative = above_floor(inference, measured.baseline_loss, measured.floor_loss)
            if inference >= self.ratio * max(training, TINY) and relative > self.floor:
                gaps[run.seed] = inference / max(training, TINY)
        if not majority(len(gaps), len(runs)):
            return []
        return [self.finding(
            f"In inference mode (model.evaluate, model.predict) the loss is "
            f"{format_number(float(np.median(list(gaps.values()))))}× the training loss: BatchNormalization's moving "
            "statistics do not match the weights. The doctor judged the training loss, as model.fit reports it.",
            {"inference_over_training": gaps, "threshold": self.ratio},
            seeds=seeds_phrase(len(gaps), len(runs)))]
