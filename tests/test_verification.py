"""Fix verification end to end: proposed edits are probed, --fix-out saves the best one, and
the same check twice gives the same report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dnndoctor.api import check_files
from dnndoctor.cli import app
from dnndoctor.options import CheckOptions
from dnndoctor.report import json_report

pytestmark = pytest.mark.tf
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SLOW = (FIXTURES / "ex3_adam_lr0.001.keras", FIXTURES / "square.npz")


def _without_timings(report: dict) -> dict:
    report = dict(report)
    report.pop("timings")
    return report


def test_same_check_twice_gives_identical_json():
    # a budget no check here reaches: the default one is wall-clock time, and a busy machine cuts more
    options = CheckOptions(steps=120, seeds=[0, 1], time_budget=600.0)
    first, second = (json_report.to_dict(check_files(*SLOW, options)) for _ in range(2))
    assert _without_timings(first) == _without_timings(second)


def test_fix_out_saves_the_verified_learning_rate_compiled(tmp_path, keras):
    target = tmp_path / "fixed.keras"
    result = CliRunner().invoke(app, ["check", *map(str, SLOW), "--fix-out", str(target), "-q", "-f", "json",
                                      "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["findings"][0]["category"] == "learning-rate-too-low"
    assert report["fixed_model"]["edit"] == "lr_x10"
    fixed = keras.saving.load_model(target)
    original = keras.saving.load_model(SLOW[0])
    assert float(fixed.optimizer.learning_rate) == pytest.approx(10 * float(original.optimizer.learning_rate))
    assert fixed.loss == original.loss
    for a, b in zip(fixed.get_weights(), original.get_weights()):
        assert (a == b).all()  # an optimizer fix keeps the user's weights


def test_fix_out_never_overwrites_an_input(tmp_path):
    result = CliRunner().invoke(app, ["check", *map(str, SLOW), "--fix-out", str(SLOW[0]), "-q"])
    assert result.exit_code == 2
    assert "never overwrites" in result.output


def test_unhelpful_fixes_are_not_recommended():
    diagnosis = check_files(FIXTURES / "ex1_relu.keras", FIXTURES / "linear.npz", CheckOptions(steps=200))
    for finding in diagnosis.findings:
        for fix in finding.fixes:
            assert fix.effect is None or fix.verified, (finding.id, fix)


def test_an_edit_that_changes_the_loss_is_measured_against_its_own_constant_prediction(keras):
    # MAE under softmax on one-hot classes; the matching-loss edit trains cross-entropy. Its losses are
    # cross-entropy values, so "relative to a constant prediction" must divide by cross-entropy's constant
    # prediction (ln 3 for three balanced classes), not by MAE's, or the edit's gain is misread.
    import numpy as np

    from dnndoctor.loading import prepare_subject
    from dnndoctor.probes.plan import Prober

    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(60, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[np.arange(60) % 3]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="mae")
    options = CheckOptions(steps=10, seeds=[0], records=2, thorough=True)
    prober = Prober(prepare_subject(model, x, y, options=options), options)
    prober.probe_edits(["matching_loss"])
    variant = next(v for v in prober.variants if v.name == "matching_loss")
    assert variant.baseline_loss == pytest.approx(np.log(3), rel=1e-3)
    assert prober.baseline_loss < 0.5  # MAE's constant prediction, a different yardstick
