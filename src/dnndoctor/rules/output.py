"""Output–loss rules: an output layer and a loss that do not belong together."""

from __future__ import annotations

from ..findings import Finding, Fix, Severity
from ..formatting import format_number
from ..measurements import Measurements
from .data import TOLERANCE, output_reach
from .fixes import measured_fix, refuted
from .rule import Rule

PROBABILITY_OUTPUTS = ("softmax", "sigmoid")


def _matching(measured: Measurements, summary: str, code: str) -> Fix:
    return measured_fix(measured, "matching_loss", summary, code, [r.seed for r in measured.runs_of("baseline")])


def _one_vector(measured: Measurements) -> bool:
    """Whether each target is one vector of the output's width, so that its indicator kind (judged
    over the whole flattened target) is the kind of the one vector softmax normalizes; unknown
    widths count as one vector."""
    units, width = measured.model.output_units, measured.profile.y_classes if measured.profile else None
    return units is None or width is None or units == width


def _output_layer(measured: Measurements) -> list[str]:
    return [measured.model.layers[-1].name] if measured.model.layers else []


class BoundedOutputRegression(Rule):
    """A bounded output activation meets a regression loss on targets it cannot produce.

    What it does
    Checks whether a regression loss is paired with an output activation bounded below (relu,
    sigmoid, softmax, tanh) while the targets go below that bound, e.g. negative targets
    under a ReLU or sigmoid output.

    Why is this bad?
    Part of the targets is out of the model's reach, so the loss has a floor above zero, and
    the units pushed against the bound saturate or die.

    Measured
    Target minimum against the output activation's lower bound (beyond it by more than
    {tolerance:.0%} of the output range). An error. A linear output is probed at the same budget and seeds.

    Fix
    Use a linear output layer for regression (probed).
    """

    id = "DD521"
    name = "bounded-output-regression"
    category = "output-loss-mismatch"
    severity = Severity.ERROR

    options = (TOLERANCE,)

    def check(self, measured: Measurements) -> list[Finding]:
        reach = output_reach(measured, self.tolerance)
        if reach is None or not reach.below:
            return []
        data = measured.profile
        fix = measured_fix(measured, "linear_output", "use a linear output layer",
                           "keras.layers.Dense(units, activation='linear')  # the output layer",
                           [r.seed for r in measured.runs_of("baseline")])
        return [self.finding(
            f"The {measured.model.output_activation} output cannot go below {format_number(reach.low)}, but targets "
            f"reach {format_number(data.y_min)} under the regression loss {measured.model.loss}.",
            {"y_min": data.y_min, "y_max": data.y_max, "output_range": [reach.low, reach.high]},
            layers=_output_layer(measured), fixes=[fix])]


class SoftmaxSingleUnit(Rule):
    """Softmax over a single unit: the output is always exactly 1, whatever the input.

    What it does
    Checks for a softmax output activation on an output layer with one unit.

    Why is this bad?
    Softmax normalizes across units; with one unit it returns 1 for every sample, so every
    prediction is the same, whatever the loss says.

    Measured
    Output units (1) and activation (softmax). An error.

    Fix
    For a binary target use `Dense(1, activation='sigmoid')` with binary cross-entropy (probed).
    """

    id = "DD522"
    name = "softmax-single-unit"
    category = "output-loss-mismatch"
    severity = Severity.ERROR
    capped_when_fit = False  # the harm is in what the outputs mean, which a fitting loss does not show

    def check(self, measured: Measurements) -> list[Finding]:
        if measured.model.output_activation != "softmax" or measured.model.output_units != 1:
            return []
        return [self.finding(
            "Softmax over a single output unit always outputs 1: its predictions carry no information, "
            "even if the loss (computed from the logits underneath) falls.",
            {"output_units": 1, "output_activation": "softmax"}, layers=_output_layer(measured),
            fixes=[_matching(measured, "use a sigmoid output with binary cross-entropy",
                             "Dense(1, activation='sigmoid'); loss='binary_crossentropy'")])]


class LogitsMismatch(Rule):
    """Probabilities fed to a `from_logits=True` loss, or logits fed to a probability loss.

    What it does
    Compares the output activation with the `from_logits` setting of a cross-entropy loss.

    Why is this bad?
    With `from_logits=True` the loss applies softmax/sigmoid itself: a second one squashes the
    outputs into a narrow band and weakens the gradient. With `from_logits=False` on a linear
    output, the loss treats unbounded numbers as probabilities, clips them and loses the
    gradient, or takes logarithms of negative numbers.

    Measured
    Output activation (softmax/sigmoid, or none) against the loss's `from_logits`. An error,
    unless the matching pairing, probed at the same budget and seeds, does no better (Keras
    sometimes recovers the logits underneath a softmax or sigmoid itself).

    Fix
    Either keep the activation and set `from_logits=False`, or drop it and set
    `from_logits=True` (probed).
    """

    id = "DD523"
    name = "logits-mismatch"
    category = "output-loss-mismatch"
    severity = Severity.ERROR
    capped_when_fit = False  # the harm is in what the outputs mean, which a fitting loss does not show

    def check(self, measured: Measurements) -> list[Finding]:
        if measured.model.loss_kind not in ("binary", "categorical", "sparse_categorical"):
            return []
        if measured.model.output_units == 1 and measured.model.output_activation == "softmax":
            return []  # DD522
        probabilities = measured.model.output_activation in PROBABILITY_OUTPUTS
        if probabilities != measured.model.from_logits:
            return []
        what = (f"the {measured.model.output_activation} output already gives probabilities, but the loss "
                "expects logits"
                if probabilities else "the output gives unbounded logits, but the loss expects probabilities")
        fix = _matching(measured, f"set from_logits={not probabilities} in the loss",
                        f"loss=keras.losses.{measured.model.loss}(from_logits={not probabilities})")
        if refuted([fix]):
            return []  # Keras may recover the logits itself: the mismatch costs nothing measurable
        return [self.finding(
            f"Output and loss disagree: {what} (from_logits={measured.model.from_logits}).",
            {"output_activation": measured.model.output_activation, "from_logits": measured.model.from_logits},
            layers=_output_layer(measured), fixes=[fix])]


class LabelsLossMismatch(Rule):
    """Class labels meet the wrong loss: regression on classes, or softmax on multi-label targets.

    What it does
    Inspects the targets for one-hot or multi-hot indicator rows and compares them with the
    loss and the output activation.

    Why is this bad?
    A regression loss on class labels treats classes as points on a line and gives weak,
    badly scaled gradients on probabilities. Softmax forces the outputs to sum to 1, so it
    cannot predict several labels at once.

    Measured
    Target kind (one-hot or multi-hot) against the loss kind and output
    activation. A warning for a regression loss on labels, unless the matching loss, probed at
    the same budget and seeds, does no better; an error for multi-label targets under softmax,
    when each target is one vector of the output's width. Softmax normalizes each vector on the
    last axis: a sequence of one-hot vectors (one label per time step or pixel) is several labels
    per sample but one per softmax, which is right.

    Fix
    One-hot targets: softmax with categorical cross-entropy. Multi-hot: sigmoid with binary
    cross-entropy (probed).
    """

    id = "DD524"
    name = "labels-loss-mismatch"
    category = "output-loss-mismatch"
    severity = Severity.WARNING
    capped_when_fit = False  # the harm is in what the outputs mean, which a fitting loss does not show
    severities = (Severity.WARNING, Severity.ERROR)

    def check(self, measured: Measurements) -> list[Finding]:
        data = measured.profile
        if data is None:
            return []
        if data.y_kind == "multi_hot" and measured.model.output_activation == "softmax" and _one_vector(measured):
            return [self.finding(
                "Multi-label targets under a softmax output: softmax cannot give several labels at once.",
                {"target_kind": data.y_kind, "output_activation": "softmax"}, severity=Severity.ERROR,
                layers=_output_layer(measured),
                fixes=[_matching(measured, "use a sigmoid output with binary cross-entropy",
                                 "Dense(units, activation='sigmoid'); loss='binary_crossentropy'")])]
        if measured.model.loss_kind == "regression" and data.y_kind in ("one_hot", "multi_hot"):
            fix = _matching(measured, "use a classification loss",
                            "loss='categorical_crossentropy'  # with a softmax output")
            if refuted([fix]):
                return []  # it trains as well as with the matching loss
            return [self.finding(
                f"A regression loss ({measured.model.loss}) on {data.y_kind.replace('_', '-')} class labels.",
                {"target_kind": data.y_kind, "loss": measured.model.loss}, layers=_output_layer(measured), fixes=[fix])]
        return []
