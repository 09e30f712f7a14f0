"""A project configured in pyproject.toml: a bare `dnndoctor check`, and the pre-commit hook's entry.

The project holds two seed fixtures: `relu` (ex1_relu on linear.npz, whose units die: an
error) and `adam` (ex3_adam_lr0.1 on square.npz, probed without counterfactuals).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dnndoctor.cli import app
from validators import valid_report

pytestmark = pytest.mark.tf
ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"

PYPROJECT = """
[project]
name = "a-model-zoo"

[tool.dnndoctor]
steps = 80
seeds = [0]
fail-on = "error"

[tool.dnndoctor.checks.relu]
model = "models/ex1_relu.keras"
data = "data/linear.npz"

[tool.dnndoctor.checks.adam]
model = "models/ex3_adam_lr0.1.keras"
data = "data/square.npz"
counterfactuals = false
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("project")
    for folder, names in (("models", ("ex1_relu.keras", "ex3_adam_lr0.1.keras")), ("data", ("linear.npz", "square.npz"))):
        (root / folder).mkdir()
        for name in names:
            shutil.copy(FIXTURES / name, root / folder / name)
    (root / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    (root / "README.md").write_text("models\n")
    return root


def test_a_bare_check_runs_every_configured_check(project, monkeypatch):
    monkeypatch.chdir(project / "models")  # the configuration is found by walking up
    result = CliRunner().invoke(app, ["check", "--format", "json", "--quiet"])
    assert result.exit_code == 1, result.output  # the worst check: relu's dead units
    document = valid_report(result.stdout)
    relu, adam = document["checks"]
    assert (relu["name"], relu["model_path"]) == ("relu", "models/ex1_relu.keras")  # from the project root
    assert adam["data_path"] == "data/square.npz"
    assert relu["report"]["budget"]["steps"] == 80 and relu["report"]["seeds"] == [0]
    assert "DD201" in [f["id"] for f in relu["report"]["findings"]]
    assert [v["name"] for v in adam["report"]["variants"]] == ["baseline"]


def test_the_pre_commit_hook_runs_the_checks_of_the_changed_files(project):
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "dnndoctor" and hook["pass_filenames"] and hook["require_serial"]
    staged = ["README.md", "data/linear.npz"]
    files = [name for name in staged if re.search(hook["files"], name)]  # pre-commit's filter
    assert files == ["data/linear.npz"]
    assert re.search(hook["files"], "pyproject.toml") and re.search(hook["files"], "sub/model.h5")
    command = [*shlex.split(hook["entry"]), *hook.get("args", []), *files]  # as pre-commit runs it
    env = {**os.environ, "COLUMNS": "120"}
    process = subprocess.run(command, cwd=project, capture_output=True, text=True, env=env, timeout=300)
    assert process.returncode == 1, process.stderr
    assert "relu" in process.stdout and "DD201" in process.stdout
    assert "ex3_adam" not in process.stdout  # the unchanged check did not run
    assert process.stderr == ""
