"""The Python API on the seed fixtures: diagnose() agrees with the CLI, assert_trainable() in a test suite."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import dnndoctor
from dnndoctor.cli import app
from dnndoctor.findings import Severity
from dnndoctor.testing import assert_trainable
from validators import valid_report

pytestmark = pytest.mark.tf
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OPTIONS = {"steps": 80, "seeds": [0], "time_budget": 600.0}  # a budget no check here reaches: no cut, on any machine


def load(model: str, data: str):
    from dnndoctor.tf_runtime import import_keras

    keras = import_keras()[1]
    arrays = np.load(FIXTURES / data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the saved, unbuilt optimizer has no slots to restore
        return keras.saving.load_model(FIXTURES / model), arrays["x"], arrays["y"]


def summary(findings) -> list[tuple[str, str, list[str]]]:
    return [(f["id"], f["severity"], f["layers"]) if isinstance(f, dict) else (f.id, f.severity.label, f.layers)
            for f in findings]


def test_diagnose_returns_the_findings_of_the_cli():
    result = CliRunner().invoke(app, ["check", str(FIXTURES / "ex1_relu.keras"), str(FIXTURES / "linear.npz"),
                                      "--steps", "80", "--seeds", "0", "--time-budget", "600", "--format", "json",
                                      "--quiet"])
    assert result.exit_code == 1, result.output
    cli = valid_report(result.stdout)["findings"]
    diagnosis = dnndoctor.diagnose(*load("ex1_relu.keras", "linear.npz"), **OPTIONS)
    assert "DD201" in [f.id for f in diagnosis.findings]
    assert summary(diagnosis.findings) == summary(cli)
    assert [f.message for f in diagnosis.findings] == [f["message"] for f in cli]


def test_diagnose_refuses_unknown_options():
    with pytest.raises(TypeError, match="stepz"):
        dnndoctor.diagnose(None, [[0.0]], [[0.0]], stepz=10)


def test_assert_trainable_fails_with_the_plain_report():
    model, x, y = load("ex1_relu.keras", "linear.npz")
    with pytest.raises(AssertionError) as failure:
        assert_trainable(model, x, y, counterfactuals=False, **OPTIONS)
    message = str(failure.value)
    assert "DD201 dead-relu-units" in message and "Verdict:" in message
    assert "\x1b[" not in message  # no terminal escape codes


def test_assert_trainable_passes_and_returns_the_diagnosis():
    model, x, y = load("ex3_adam_lr0.1.keras", "square.npz")
    diagnosis = assert_trainable(model, x, y, select=["dead-units"], counterfactuals=False, **OPTIONS)
    assert not diagnosis.fails(Severity.ERROR)
    assert "DD101" in diagnosis.skipped  # not selected


def test_assert_trainable_refuses_an_unknown_level():
    with pytest.raises(ValueError, match="fail_on"):
        assert_trainable(None, None, None, fail_on="sometimes")
