"""`dnndoctor check` end to end: clean stdout, JSON shape, exit codes, untouched input files."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dnndoctor.cli import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
pytestmark = pytest.mark.tf
MODEL, DATA = FIXTURES / "ex1_relu.keras", FIXTURES / "linear.npz"
FAST = ["--steps", "80", "--seeds", "0"]


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_json_report_is_the_only_thing_on_stdout():
    before = (_digest(MODEL), _digest(DATA))
    result = CliRunner().invoke(app, ["check", str(MODEL), str(DATA), "--format", "json", "-q", *FAST,
                                      "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["schema_version"] == 1
    assert report["budget"]["steps"] == 80 and report["seeds"] == [0]
    assert {"model", "data", "timings", "findings", "variants"} <= set(report)
    assert report["model"]["optimizer"] == "SGD" and report["model"]["loss"] == "mse"
    for finding in report["findings"]:
        assert {"id", "name", "category", "severity", "message", "evidence", "layers", "fixes"} <= set(finding)
    assert (_digest(MODEL), _digest(DATA)) == before


def test_rich_report_has_header_table_curve_and_verdict():
    result = CliRunner().invoke(app, ["check", str(MODEL), str(DATA), "-q", *FAST])
    assert result.exit_code in (0, 1), result.output
    for text in ("dnndoctor check", "SGD, learning rate 0.1", "dense_4", "Training loss per step", "Verdict:"):
        assert text in result.stdout


def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path):
    missing = tmp_path / "nope.keras"
    process = subprocess.run([sys.executable, "-m", "dnndoctor", "check", str(missing), str(DATA)],
                             capture_output=True, text=True)
    assert process.returncode == 2
    assert "Traceback" not in process.stderr and process.stdout == ""
    assert str(missing) in process.stderr and "not found" in process.stderr
    assert len(process.stderr.strip().splitlines()) == 1


def test_startup_chatter_is_silenced(tmp_path):
    process = subprocess.run([sys.executable, "-m", "dnndoctor", "check", str(MODEL), str(DATA), "-q",
                              "--format", "json", *FAST, "--no-counterfactuals"], capture_output=True, text=True)
    assert process.returncode in (0, 1)
    assert process.stderr == ""
    json.loads(process.stdout)
