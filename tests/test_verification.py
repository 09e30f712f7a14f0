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
