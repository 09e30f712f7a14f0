"""Checks built in code: `factory = "module:function"` in [tool.dnndoctor.checks], imported from the project."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dnndoctor.config import ConfigError, load_config
from dnndoctor.factory import Factory
from validators import valid_report

BUILD = """
import numpy as np
import keras


def build():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    return model, (x, x.sum(axis=1))


def broken():
    raise RuntimeError("the data bucket is unreachable")


def nothing():
    return None
"""


@pytest.fixture(autouse=True)
def forget_the_project_modules():
    """Each test's project is a fresh folder: let its ``trainer`` package be imported anew."""
    import sys

    yield
    for name in [n for n in sys.modules if n == "trainer" or n.startswith("trainer.")]:
        del sys.modules[name]


def project(root: Path, checks: str) -> Path:
    (root / "trainer").mkdir()
    (root / "trainer" / "__init__.py").write_text("")
    (root / "trainer" / "data.py").write_text(textwrap.dedent(BUILD))
    config = root / "pyproject.toml"
    config.write_text("[tool.dnndoctor]\nsteps = 10\nseeds = [0]\ncounterfactuals = false\n" + textwrap.dedent(checks))
    return config


def test_a_factory_check_points_at_the_module_it_names(tmp_path):
    config = load_config(project(tmp_path, '[tool.dnndoctor.checks.code]\nfactory = "trainer.data:build"\nsteps = 20\n'))
    (check,) = config.checks
    assert check.factory == Factory("trainer.data:build", tmp_path)
    assert check.model == check.data == tmp_path / "trainer" / "data.py"
    assert check.options == {"steps": 20}
    assert Factory("installed.elsewhere:build", tmp_path).source == tmp_path / "pyproject.toml"


def test_files_given_on_the_command_line_never_run_a_factory(tmp_path):
    from dnndoctor.runner import plan

    config = load_config(project(tmp_path, '[tool.dnndoctor.checks.code]\nfactory = "trainer.data:build"\n'))
    (check,) = plan([tmp_path / "m.keras", tmp_path / "d.npz"], config, {})
    assert check.factory is None and check.model == tmp_path / "m.keras"


@pytest.mark.parametrize("entry, problem", [
    ('factory = "trainer/data.py"', "must be 'module:function'"),
    ('factory = "trainer.data"', "must be 'module:function'"),
    ('factory = "trainer.data:build"\nmodel = "m.keras"', "both a factory and files"),
])
def test_a_bad_factory_entry_is_a_config_error(tmp_path, entry, problem):
    with pytest.raises(ConfigError, match=problem):
        load_config(project(tmp_path, f"[tool.dnndoctor.checks.code]\n{entry}\n"))


@pytest.mark.tf
def test_a_bare_check_runs_the_factory(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from dnndoctor.cli import app

    project(tmp_path, '[tool.dnndoctor.checks.code]\nfactory = "trainer.data:build"\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", "--format", "json", "-q"])
    assert result.exit_code in (0, 1), result.output
    (entry,) = valid_report(result.stdout)["checks"]
    assert entry["model_path"] == "trainer/data.py"
    # the configured 10 steps, which the adaptive budget may double, up to 4×, while the loss still falls
    assert entry["report"]["data"]["rows"] == 40 and entry["report"]["budget"]["steps"] in (10, 20, 40)


@pytest.mark.tf
@pytest.mark.parametrize("function, problem", [
    ("broken", "the factory raised RuntimeError: the data bucket is unreachable"),
    ("nothing", "the factory returned NoneType, not (model, data)"),
    ("absent", "the module defines no function 'absent'"),
])
def test_a_failing_factory_ends_its_check_in_one_line(tmp_path, monkeypatch, function, problem):
    from typer.testing import CliRunner

    from dnndoctor.cli import app

    project(tmp_path, f'[tool.dnndoctor.checks.code]\nfactory = "trainer.data:{function}"\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", "--format", "json", "-q"])
    assert result.exit_code == 2
    assert problem in result.stderr and "Traceback" not in result.output
