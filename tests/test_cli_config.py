"""`dnndoctor check` options that end before any probe: configuration, check selection, output paths.

Nothing here imports TensorFlow or trains; every case ends in exit 0 or 2 before the probes.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dnndoctor.cli import app
from dnndoctor.config import Config, CheckTarget
from dnndoctor.errors import InputError
from dnndoctor.runner import plan

try:
    runner = CliRunner(mix_stderr=False)  # click < 8.2: keep stderr apart
except TypeError:
    runner = CliRunner()  # click >= 8.2 always captures stderr apart


def one_line_error(result, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and message.startswith("error:"), message
    assert "Traceback" not in result.output and result.stdout == ""
    for needle in needles:
        assert needle in message, message
    return message


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder as the working directory; ``write`` puts a [tool.dnndoctor] table in it."""
    monkeypatch.chdir(tmp_path)

    def write(table: str) -> Path:
        path = tmp_path / "pyproject.toml"
        path.write_text("[project]\nname = 'demo'\n\n" + textwrap.dedent(table))
        return path
    return write


def test_an_unknown_configuration_key_ends_with_exit_2_naming_it(project):
    path = project("[tool.dnndoctor]\nstepz = 100\n")
    one_line_error(runner.invoke(app, ["check"]), str(path), "tool.dnndoctor.stepz")


def test_an_ill_typed_value_ends_with_exit_2_naming_it(project):
    project("[tool.dnndoctor.checks.a]\nmodel = 'm.keras'\ndata = 'd.npz'\nsteps = 'many'\n")
    one_line_error(runner.invoke(app, ["check"]), "tool.dnndoctor.checks.a.steps", "integer")


def test_a_bare_check_without_configured_checks(project):
    project("[tool.dnndoctor]\nsteps = 100\n")
    one_line_error(runner.invoke(app, ["check"]), "no MODEL and DATA given", "[tool.dnndoctor.checks.NAME]")


def test_one_path_is_not_enough(project):
    one_line_error(runner.invoke(app, ["check", "model.keras"]), "expected MODEL and DATA, got 1 path")


def test_changed_without_configured_checks(project):
    one_line_error(runner.invoke(app, ["check", "--changed", "m.keras"]), "--changed", "none is configured")


def test_changed_files_that_no_check_uses_end_cleanly(project):
    project("[tool.dnndoctor.checks.a]\nmodel = 'models/a.keras'\ndata = 'a.npz'\n")
    result = runner.invoke(app, ["check", "--changed", "other.keras", "b.npz"])
    assert result.exit_code == 0 and result.stdout == ""
    assert "no configured check uses these files" in result.stderr


def test_a_missing_config_file(project, tmp_path):
    one_line_error(runner.invoke(app, ["check", "--config", str(tmp_path / "nope.toml")]),
                   "configuration file not found")


@pytest.mark.parametrize("flag", ["--select", "--ignore"])
def test_unknown_rules_in_flags(project, flag):
    one_line_error(runner.invoke(app, ["check", "m.keras", "d.npz", flag, "DD201,DD999"]), flag, "'DD999'",
                   "dnndoctor rules")


def test_an_unwritable_output_ends_before_probing(project, tmp_path):
    target = tmp_path / "no" / "such" / "folder" / "report.sarif"
    one_line_error(runner.invoke(app, ["check", "m.keras", "d.npz", "--format", "sarif", "--output", str(target)]),
                   str(target), "output folder does not exist")
    one_line_error(runner.invoke(app, ["check", "m.keras", "d.npz", "-o", str(tmp_path)]), "is a folder")


@pytest.mark.parametrize("args, needle", [
    (["-f", "sarif", "-f", "junit", "-o", "a.sarif"], "2 --format but 1 --output"),
    (["-f", "sarif", "-o", "a.sarif", "-o", "b.sarif"], "1 --format but 2 --output"),
    (["-f", "sarif", "-o", "same", "-f", "junit", "-o", "same"], "the same --output"),
])
def test_each_format_needs_its_own_output(project, args, needle):
    one_line_error(runner.invoke(app, ["check", "m.keras", "d.npz", *args]), needle)


def test_plots_without_matplotlib(project, monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None if name == "matplotlib" else object())
    one_line_error(runner.invoke(app, ["check", "m.keras", "d.npz", "--plots", "plots"]),
                   "--plots needs matplotlib", "pip install 'dnndoctor[plots]'")


def test_plots_into_a_file(project, tmp_path):
    (tmp_path / "plots").write_text("a file")
    one_line_error(runner.invoke(app, ["check", "m.keras", "d.npz", "--plots", "plots"]), "needs a folder")


# -- which checks run ---------------------------------------------------------------------------

def configured(tmp_path: Path) -> Config:
    return Config(path=tmp_path / "pyproject.toml", options={"steps": 100, "seeds": [0, 1]}, checks=[
        CheckTarget("a", tmp_path / "a.keras", tmp_path / "a.npz", {"steps": 50}),
        CheckTarget("b", tmp_path / "b.keras", tmp_path / "arrays", {}),
    ])


def names(checks) -> list[str]:
    return [c.name for c in checks]


def test_plan_from_arguments_uses_the_table_and_the_flags(tmp_path):
    config = configured(tmp_path)
    [only] = plan([Path("m.keras"), Path("d.npz")], config, {"seeds": [3]})
    assert (only.name, only.options.steps, only.options.seeds) == ("m", 100, [3])


def test_plan_without_arguments_runs_every_configured_check(tmp_path):
    checks = plan([], configured(tmp_path), {})
    assert names(checks) == ["a", "b"] and [c.options.steps for c in checks] == [50, 100]
    assert [c.options.steps for c in plan([], configured(tmp_path), {"steps": 20})] == [20, 20]


def test_plan_of_changed_files(tmp_path, monkeypatch):
    config = configured(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert names(plan([Path("a.npz")], config, {}, changed=True)) == ["a"]
    assert names(plan([Path("arrays/y.npy"), Path("README.md")], config, {}, changed=True)) == ["b"]
    assert names(plan([Path("pyproject.toml")], config, {}, changed=True)) == ["a", "b"]
    assert plan([Path("c.keras")], config, {}, changed=True) == []
    with pytest.raises(InputError, match="got 3 paths"):
        plan([Path("a"), Path("b"), Path("c")], config, {})
