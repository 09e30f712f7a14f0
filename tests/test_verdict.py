"""The verdict: how the user's setup ends the probe (fit status) and the one-line summary."""

from __future__ import annotations

import pytest

from builders import blow_up, decay, healthy, make_measurements, same
from dnndoctor.findings import Diagnosis, Severity
from dnndoctor.rules import find_rule, judge
from dnndoctor.runstats import fit_status
from scenarios import FIT, PLATEAU, diverging, plateau


def test_judge_healthy_fits():
    d = judge(healthy())
    assert d.findings == [] and (d.fit, d.fit_relative_loss) == ("fits", pytest.approx(0.005))
    assert d.verdict() == "healthy" and not d.fails(Severity.INFO)


def test_verdict_of_a_setup_still_descending():
    # no rule explains the loss, so the only finding is the slow-convergence note proposing remedies
    d = judge(make_measurements({"baseline": same(decay(1.0, 0.1))}))
    assert [(f.id, f.severity) for f in d.findings] == [("DD321", Severity.INFO)] and d.fit == "descending"
    assert d.verdict() == ("no fault found (1 note), but after 400 steps the loss is 0.1× a constant prediction's "
                           "and still falling; a longer probe (--steps 2000) looks further")


def test_verdict_of_a_stalled_setup_with_a_note():
    # every standard remedy probed and none helped: slow convergence is refuted, the overfitting note stays
    remedies = ("adam", "lr_suggested", "relu", "leaky_relu", "batchnorm", "wider", "standardize_x_lr_suggested")
    measured = plateau(**{name: PLATEAU for name in remedies})
    measured.runs_of("baseline")[0].val_loss = 5.0
    measured.runs_of("baseline")[1].val_loss = 5.0
    d = judge(measured)
    assert [f.id for f in d.findings] == ["DD402"] and d.fit == "stalled"
    assert d.verdict().startswith("no fault found (1 note), but after 400 steps the loss is 0.5× a constant "
                                  "prediction's and no longer falling")


def test_verdict_with_warnings_ignores_the_fit():
    d = judge(plateau())
    assert d.fit == "stalled" and d.verdict() == "1 warning"


@pytest.mark.parametrize("fit, rel, verdict", [
    (None, None, "healthy"),
    ("fits", 0.004, "healthy"),
    ("descending", 0.2, "no fault found, but after 400 steps the loss is 0.2× a constant prediction's and still "
                        "falling; a longer probe (--steps 2000) looks further"),
    ("stalled", 0.35, "no fault found, but after 400 steps the loss is 0.35× a constant prediction's and no "
                      "longer falling; a longer probe (--steps 2000) looks further"),
])
def test_verdict_states_the_fit(fit, rel, verdict):
    assert Diagnosis([], healthy(), fit=fit, fit_relative_loss=rel).verdict() == verdict


def test_verdict_of_a_diverging_setup_without_findings():
    d = judge(diverging(), (find_rule("DD201"),))
    assert d.fit == "diverges" and d.findings == []
    assert "healthy" not in d.verdict()


@pytest.mark.parametrize("curves, fit", [
    ([decay(1.0, 0.005)] * 3, "fits"),
    ([decay(1.0, 0.005), decay(1.0, 0.005), PLATEAU], "fits"),  # the median seed
    ([decay(1.0, 0.1)] * 3, "descending"),
    ([PLATEAU] * 3, "stalled"),
    ([PLATEAU, PLATEAU, decay(1.0, 0.1)], "stalled"),
    ([blow_up()] * 3, "diverges"),
])
def test_fit_status(curves, fit):
    assert fit_status(make_measurements({"baseline": curves}))[0] == fit


def test_fit_status_without_a_baseline_run():
    assert fit_status(make_measurements({"lr_x10": same(FIT)})) == (None, None)


# Label smoothing 0.1 over 10 classes: a constant prediction's loss is ln 10 = 2.30 and no prediction
# gets below the smoothed targets' entropy, 0.50. A model that ends at 0.505 has fit its data; judged
# against zero it would read 0.22× a constant's and look stuck.
SMOOTHED = {"baseline_loss": 2.30, "floor_loss": 0.50, "loss": "categorical_crossentropy", "loss_kind": "categorical",
            "output_activation": "softmax", "output_units": 10, "initial_loss_expected": None}


def test_a_fit_down_to_the_floor_of_smoothed_targets_is_healthy():
    d = judge(make_measurements({"baseline": same(decay(2.30, 0.505))}, **SMOOTHED))
    assert d.fit == "fits" and d.fit_relative_loss == pytest.approx(0.005 / 1.80, rel=1e-3)
    assert [f.severity for f in d.findings if f.severity > Severity.INFO] == []


def test_a_loss_still_far_above_the_floor_names_it():
    d = Diagnosis([], make_measurements({"baseline": same(decay(2.30, 0.86))}, **SMOOTHED),
                  fit="descending", fit_relative_loss=0.2)
    assert "0.2× a constant prediction's above the lowest reachable loss (0.5) and still falling" in d.verdict()


def test_batchnorm_models_are_judged_by_the_lower_of_inference_and_training_loss():
    # Early in training BatchNorm's moving averages lag the weights: the probe batch, scored in
    # inference mode, reads 0.4× a constant's while model.fit's training loss is already 0.005×.
    training = decay(1.0, 0.005)
    lagging = [1.0] + [0.4] * 10
    m = make_measurements({"baseline": same(training)}, evals={"baseline": same(lagging)})
    assert fit_status(m)[0] == "stalled"
    m.variant("baseline").moving_statistics = True
    assert fit_status(m) == ("fits", pytest.approx(0.005, rel=0.1))


def test_moving_statistics_never_hide_a_training_loss_that_stays_high():
    # the lower of the two: a training loss above the inference loss (Dropout) changes nothing
    m = make_measurements({"baseline": same(decay(1.0, 0.6))}, evals={"baseline": same([1.0] + [0.3] * 10)})
    m.variant("baseline").moving_statistics = True
    assert fit_status(m) == ("stalled", pytest.approx(0.3))
