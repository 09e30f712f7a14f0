"""Capacity rules: a model too small for the data, a regularizer that swamps the loss, and the
generalization gap that over-parameterization brings."""

from __future__ import annotations

import math

import numpy as np

from ..findings import Finding, Severity
from ..formatting import format_number, seeds_phrase
from ..measurements import Measurements
from ..runstats import FITS, TINY, above_floor, by_seed, majority, median_accuracy, relative_final, settled
from .fixes import measured_fix
from .ranking import near, near_info
from .rule import Option, Rule, already_trains_well, classifies_well, fit_floor, trains_well


class UnderCapacity(Rule):
    """The model is too small: a wider copy fits far better and learning-rate changes do not.

    What it does
    Compares the compiled setup with a copy whose hidden layers are 4× wider (at least 32
    units or filters; where a layer's width is bound by a Reshape or a residual Add, only the
    layers whose next kernel takes the new width), and with the
    learning rate ×10 and ÷10, all at the same budget and seeds.

    Why is this bad?
    A network without enough units cannot represent the function, whatever the optimizer
    does: the loss settles at a floor set by the architecture (high bias).

    Measured
    Final relative loss of the setup (> {floor:.0%} of the trivial baseline, in most seeds) against the wider
    copy's (at least {gain:g}× lower in most of the seeds it was probed on) and the best
    learning-rate variant's (the wider copy at least {over_lr:g}× lower than it too, so the
    learning rate is not the cause), in seeds whose loss has settled: final ÷ mid-probe
    probe-batch loss above {settled:g} (a loss still halving is not held at a floor; the wider copy
    is then only faster).
    Whether the model can overfit one small batch (to within {FITS:.0%} of a constant
    prediction's loss) is given as evidence. Info when the setup already trains well: a median
    relative final loss at most {trains_well:g}, the model.fit criterion of a healthy control (a
    warning just above it, within the seed noise, has low confidence), or a classifier's median
    probe-batch accuracy at least {classifies_well:.0%}, or within seed noise of it ({SEED_NOISE:g}
    decades of the error rate): it already fits or labels its training rows right, and a wider
    copy only fits closer or makes it surer.

    Fix
    Widen the hidden layers (4×, at least 32, is probed) or add a layer.
    """

    id = "DD401"
    name = "under-capacity"
    category = "under-capacity"
    severity = Severity.WARNING
    severities = (Severity.INFO, Severity.WARNING)
    needs = ("wider",)

    options = (
        fit_floor(0.01),
        Option("gain", float, 5.0, (1, math.inf), "how many times lower the wider copy must end"),
        Option("over_lr", float, 3.0, (1, math.inf), "how many times lower than the best learning-rate "
                                                     "variant the wider copy must end"),
        Option("settled", float, 0.5, (0, 1), "final ÷ mid-probe loss above which the setup's loss has settled"),
        trains_well(),
        classifies_well(),
    )

    def check(self, measured: Measurements) -> list[Finding]:
        base, wide = by_seed(measured, "baseline"), by_seed(measured, "wider")
        lr_runs = [by_seed(measured, v) for v in ("lr_x10", "lr_div10")]
        impaired = [s for s in base if self.floor < relative_final(measured, base[s]) < math.inf]
        if not majority(len(impaired), len(base)):
            return []  # too small an architecture holds back every seed, not one seed in three
        seeds, compared = [], [s for s in base if s in wide]
        for s in compared:
            run = base[s]
            rel, rel_wide = relative_final(measured, run), relative_final(measured, wide[s])
            best_lr = min((relative_final(measured, v[s]) for v in lr_runs if s in v), default=math.inf)
            if (self.floor < rel < math.inf and rel_wide * self.gain <= rel
                    and rel_wide * self.over_lr <= best_lr and settled(run, self.settled, measured.floor_loss)):
                seeds.append(s)
        if not majority(len(seeds), len(compared)):
            return []
        variant = measured.variant("wider")
        fix = measured_fix(measured, "wider", f"widen the hidden layers ({variant.change})",
                           "keras.layers.Dense(max(4 * units, 32), ...)  # for each hidden layer", seeds,
                           gain=self.gain)
        rels = [relative_final(measured, base[s]) for s in seeds]
        wides = [relative_final(measured, wide[s]) for s in seeds]
        hidden = [layer.name for layer in measured.model.layers[:-1] if layer.units]
        accuracy = median_accuracy(measured, seeds)
        reached = float(np.median(rels))
        advice = already_trains_well(reached, accuracy, self.trains_well, self.classifies_well)
        verdict = "A wider copy fits closer" if reached <= self.trains_well else "The model lacks capacity"
        finding = self.finding(
            f"{verdict}: the model ends at {format_number(reached)}× a constant "
            f"prediction's loss, while a wider copy reaches {format_number(float(np.median(wides)))}× and no "
            "learning-rate change comes close." + (advice or ""),
            {"relative_final_loss": rels, "relative_final_loss_wider": wides, "threshold": self.gain,
             "widths": variant.change, "overfits_one_batch": [v < FITS for v in measured.overfit_relative_loss],
             "accuracy": accuracy, "trains_well": self.trains_well},
            severity=Severity.INFO if advice else Severity.WARNING,
            layers=hidden, seeds=seeds_phrase(len(seeds), len(compared)), fixes=[fix])
        return [near_info(finding, [("the loss reached is within seed noise of training well",
                                     near(reached, self.trains_well))])]


class RegularizationDominates(Rule):
    """Weight decay swamps the loss: the regularization term is most of what training minimizes.

    What it does
    Compares the regularization part of the loss (the sum of `model.losses`) with the total
    loss on the probe batch at the end of the probe.

    Why is this bad?
    When the penalty on the weights outweighs the data term, the optimizer shrinks the weights
    instead of fitting the data: the model behaves as if it had far fewer units.

    Measured
    Regularization loss ÷ total probe-batch loss after the probe (≥ {share:.0%}) in most seeds,
    with the data part of the final loss (the total less the penalty) above {floor:.0%} of the
    trivial baseline: a penalty that is most of a tiny loss does no harm to a model that fits
    its data. Info when the model already trains well despite the penalty: a median data part
    at most {trains_well:g} of the trivial baseline, the model.fit criterion of a healthy control
    (a warning just above it, within the seed noise, has low confidence), or a classifier's
    median probe-batch accuracy at least {classifies_well:.0%}, or within seed noise of it
    ({SEED_NOISE:g} decades of the error rate).

    Fix
    Reduce the regularization factor (for example L2(1e-4) instead of L2(1e-2)).
    """

    id = "DD403"
    name = "regularization-dominates"
    category = "under-capacity"
    severity = Severity.WARNING
    severities = (Severity.INFO, Severity.WARNING)

    options = (
        Option("share", float, 0.5, (0, 1), "fraction of the final loss that is the weight penalty"),
        fit_floor(0.01),
        trains_well(),
        classifies_well(),
    )

    def check(self, measured: Measurements) -> list[Finding]:
        runs = measured.runs_of("baseline")
        shares, data_parts = {}, {}
        for run in runs:
            total = run.eval_losses[-1] if run.eval_losses else None
            if run.regularization_loss and total and math.isfinite(total) and total > 0:
                data = above_floor(total - run.regularization_loss, measured.baseline_loss, measured.floor_loss)
                if run.regularization_loss / total >= self.share and data > self.floor:
                    shares[run.seed], data_parts[run.seed] = run.regularization_loss / total, data
        if not majority(len(shares), len(runs)):
            return []
        reached = float(np.median(list(data_parts.values())))
        accuracy = median_accuracy(measured, list(shares))
        advice = already_trains_well(reached, accuracy, self.trains_well, self.classifies_well)
        finding = self.finding(
            f"Regularization dominates: {format_number(float(np.median(list(shares.values()))) * 100)} % of the "
            f"final loss is the weight penalty, not the data, whose part is {format_number(reached)}× a constant "
            "prediction's loss." + (advice or ""),
            {"regularization_share": shares, "threshold": self.share, "relative_data_loss": data_parts,
             "accuracy": accuracy, "trains_well": self.trains_well},
            severity=Severity.INFO if advice else Severity.WARNING,
            seeds=seeds_phrase(len(shares), len(runs)))
        return [near_info(finding, [("the data part of the loss is within seed noise of training well",
                                     near(reached, self.trains_well))])]


class GeneralizationGap(Rule):
    """The model fits the training data far better than the validation data.

    What it does
    When validation data are given (x_val/y_val in the .npz), compares the validation loss with
    the training probe-batch loss after the probe.

    Why is this bad?
    It is not an optimization failure: the optimizer works, and an over-parameterized model
    memorizes the training set. It matters when the goal is accuracy on new data.

    Measured
    Validation loss ÷ training probe-batch loss after the probe (≥ {ratio:g}) with the validation
    loss above {floor:.0%} of the trivial baseline, in most seeds. Reported as information.

    Fix
    Add data, regularization (dropout, weight decay) or early stopping; or use a smaller model.
    """

    id = "DD402"
    name = "generalization-gap"
    category = "generalization-gap"
    severity = Severity.INFO
    capped_when_fit = False  # the harm is on validation data, which the training fit does not show

    options = (
        Option("ratio", float, 2.0, (1, math.inf), "validation ÷ training loss that counts as a gap"),
        Option("floor", float, 0.05, (0, 1), "relative validation loss above which a gap matters"),
    )

    def check(self, measured: Measurements) -> list[Finding]:
        runs = measured.runs_of("baseline")
        gaps = {}
        for run in runs:
            train = run.eval_losses[-1] if run.eval_losses else None
            if run.val_loss is None or not train or not math.isfinite(train):
                continue
            if run.val_loss >= self.ratio * max(train, TINY) and run.val_loss > self.floor * measured.baseline_loss:
                gaps[run.seed] = run.val_loss / max(train, TINY)
        if not majority(len(gaps), len(runs)):
            return []
        return [self.finding(
            f"Generalization gap: the validation loss is {format_number(float(np.median(list(gaps.values()))))}× the "
            "training loss. The optimizer works; the model memorizes.",
            {"validation_over_training": gaps, "threshold": self.ratio},
            seeds=seeds_phrase(len(gaps), len(runs)))]
