"""One options model: CheckOptions refuses bad values for every entry point (API, config, CLI). Pure."""

from __future__ import annotations

import dataclasses

import pytest
from typer.testing import CliRunner

import dnndoctor
from dnndoctor.cli import app
from dnndoctor.errors import DoctorError, OptionError
from dnndoctor.options import CheckOptions


@pytest.mark.parametrize("values, message", [
    ({"steps": -1}, "steps must be an integer from 10 to 100000, not -1"),
    ({"steps": 400.0}, "steps must be an integer from 10 to 100000, not 400.0"),
    ({"seeds": []}, "seeds must be a list of distinct non-negative integers, e.g. [0, 1, 2], not []"),
    ({"seeds": [0, -1]}, "seeds must be a list of distinct non-negative integers, e.g. [0, 1, 2], not [0, -1]"),
    ({"batch_size": 0}, "batch_size must be an integer from 1 to 1000000, not 0"),
    ({"max_fixes": 21}, "max_fixes must be an integer from 0 to 20, not 21"),
    ({"max_data_mb": 0.5}, "max_data_mb must be a number of at least 1, not 0.5"),
    ({"learning_rate": 0.0}, "learning_rate must be a positive number, not 0.0"),
    ({"time_budget": -3}, "time_budget must be a positive number, not -3"),
    ({"counterfactuals": "yes"}, "counterfactuals must be true or false, not 'yes'"),
    ({"loss": " "}, "loss must be a non-empty string, not ' '"),
    ({"select": ["DD999"]}, "select must be a list of rule ids, names or categories (see `dnndoctor rules`), "
                            "not ['DD999']"),
    ({"thresholds": {"DD201": {"dead": -5}}}, "thresholds.DD201.dead must be a number from 0 to 1, not -5"),
    ({"thresholds": {"no-such-rule": {}}}, "thresholds.no-such-rule must be a rule id or name "
                                           "(see `dnndoctor rules`), not 'no-such-rule'"),
])
def test_bad_values_are_refused_naming_the_option(values, message):
    with pytest.raises(OptionError) as caught:
        CheckOptions(**values)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, DoctorError)


def test_defaults_and_good_values_pass():
    options = CheckOptions(steps=10, seeds=(4, 2), select=["dead-units"], thresholds={"DD201": {"dead": 1}})
    assert options.seeds == [4, 2] and dataclasses.replace(options, seeds=[4]).seeds == [4]
    assert CheckOptions(learning_rate=None, jit=None, time_budget=0.5).time_budget == 0.5


def test_replacing_a_field_validates_again():
    with pytest.raises(OptionError, match="steps"):
        dataclasses.replace(CheckOptions(), steps=0)


def test_the_python_api_refuses_bad_values_before_any_work():
    with pytest.raises(OptionError, match="steps must be an integer from 10 to 100000, not -1"):
        dnndoctor.diagnose(None, [[0.0]], [[0.0]], steps=-1)


@pytest.mark.parametrize("args, line", [
    (["--steps", "5"], "error: --steps must be an integer from 10 to 100000, not 5 (for example --steps 400)"),
    (["--seeds", "1,1"], "error: --seeds must be a list of distinct non-negative integers, e.g. [0, 1, 2], "
                         "not [1, 1] (for example --seeds 0,1,2)"),
    (["--max-fixes", "30"], "error: --max-fixes must be an integer from 0 to 20, not 30 (for example --max-fixes 6)"),
    (["--lr", "-0.1"], "error: --lr must be a positive number, not -0.1 (see `dnndoctor check --help`)"),
    (["--select", ","], "error: --select ',' names no rule id, name or category (see `dnndoctor rules`)"),
    (["--time-budget", "0"], "error: --time-budget must be a positive number, not 0.0 "
                             "(see `dnndoctor check --help`)"),
])
def test_the_cli_refuses_bad_values_in_one_line(tmp_path, args, line):
    result = CliRunner().invoke(app, ["check", str(tmp_path / "m.keras"), str(tmp_path / "d.npz"), *args])
    assert result.exit_code == 2
    assert " ".join(result.output.split()) == line
