"""The command line without probing: rules, explain, and the input errors of check.

`check` imports TensorFlow before it loads files, so the file-error tests here pay for one
TensorFlow import (a few seconds), but nothing is ever trained.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from dnndoctor.cli import app
from dnndoctor.rules import ALL_RULES

try:
    runner = CliRunner(mix_stderr=False)  # click < 8.2: keep stderr apart
except TypeError:
    runner = CliRunner()  # click >= 8.2 always captures stderr apart
WIDE = {"COLUMNS": "200"}


def one_line_error(result, *needles: str) -> str:
    """The run ended with exit 2 and a single-line message on stderr holding every needle."""
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert "Traceback" not in result.output
    assert len(message.splitlines()) == 1, message
    assert message.startswith("error:")
    for needle in needles:
        assert needle in message
    return message


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "data.npz"
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.normal(size=(32, 4)).astype("float32"), y=rng.normal(size=(32, 1)).astype("float32"))
    return path


def test_rules_lists_every_rule():
    result = runner.invoke(app, ["rules"], env=WIDE)
    assert result.exit_code == 0, result.output
    for rule in ALL_RULES:
        assert rule.id in result.stdout and rule.name in result.stdout
    assert "vanishing-gradients" in result.stdout and "warning" in result.stdout and "error" in result.stdout


@pytest.mark.parametrize("key", ["DD201", "dead-relu-units", "dd201", " DD201 "])
def test_explain_prints_the_documentation(key):
    result = runner.invoke(app, ["explain", key], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "DD201 dead-relu-units" in result.stdout
    for section in ("What it does", "Why is this bad?", "Measured", "Fix"):
        assert section in result.stdout
    assert "dead-units · info or warning or error" in result.stdout
    assert "dead = 0.5  (float, 0 to 1): fraction of a layer's units dead on every sample" in result.stdout
    assert "≥ 50%" in result.stdout  # the docstring quotes the declared default


def test_explain_every_rule():
    for rule in ALL_RULES:
        result = runner.invoke(app, ["explain", rule.id], env=WIDE)
        assert result.exit_code == 0 and rule.summary()[:30] in result.stdout


def test_explain_unknown_rule():
    message = one_line_error(runner.invoke(app, ["explain", "DD999"]), "DD999", "dnndoctor rules")
    assert all(rule.id in message for rule in ALL_RULES)


def test_no_arguments_shows_help():
    result = runner.invoke(app, [])
    assert "check" in result.output and "explain" in result.output


@pytest.mark.parametrize("seeds", ["abc", "0,x", "1,1", "-1", ","])
def test_check_bad_seeds(seeds, data_file, tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path / "model.keras"), str(data_file), "--seeds", seeds])
    one_line_error(result, "--seeds", "--seeds 0,1,2")


def test_check_bad_fail_on(data_file, tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path / "model.keras"), str(data_file), "--fail-on", "sometimes"])
    assert result.exit_code == 2
    assert "--fail-on" in result.output and "Traceback" not in result.output


def test_check_steps_out_of_range(data_file, tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path / "model.keras"), str(data_file), "--steps", "1"])
    assert result.exit_code == 2 and "--steps" in result.output


def test_check_missing_model_file(data_file, tmp_path):
    missing = tmp_path / "missing.keras"
    result = runner.invoke(app, ["check", str(missing), str(data_file), "--quiet"])
    one_line_error(result, str(missing), "model file not found", "model.save()")
    assert result.stdout == ""


def test_check_missing_data_file(tmp_path):
    model = tmp_path / "model.keras"
    model.write_bytes(b"not really a model")
    missing = tmp_path / "nowhere.npz"
    one_line_error(runner.invoke(app, ["check", str(model), str(missing), "-q"]), str(missing), "data file not found")


def test_check_wrong_data_suffix(tmp_path):
    model, data = tmp_path / "model.keras", tmp_path / "data.csv"
    model.write_bytes(b"x")
    data.write_text("1,2\n3,4\n")
    one_line_error(runner.invoke(app, ["check", str(model), str(data), "-q"]), str(data), "'.csv'", ".npz")


# -- import cost: `dnndoctor rules` must not import TensorFlow -----------------------------------

def _python(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=60)


def test_pure_modules_do_not_import_tensorflow():
    code = ("import dnndoctor.cli, dnndoctor.rules, dnndoctor.findings, dnndoctor.measurements, "
            "dnndoctor.report.json_report, dnndoctor.report.rich_console, dnndoctor.loading; import sys; "
            "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]; assert not bad, bad")
    result = _python("-c", code)
    assert result.returncode == 0, result.stderr


def test_rules_command_does_not_import_tensorflow():
    result = _python("-X", "importtime", "-m", "dnndoctor", "rules")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "DD101" in result.stdout and "DD401" in result.stdout
    assert "import time:" in result.stderr  # -X importtime did report
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line]
    assert not [m for m in imported if m.split(".")[0] in ("tensorflow", "keras")]
