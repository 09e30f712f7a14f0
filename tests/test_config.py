"""The [tool.dnndoctor] table: discovery, parsing, validation and precedence. Pure: no TensorFlow."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dnndoctor.config import Config, ConfigError, find_config, load_config
from dnndoctor.options import CheckOptions

FULL = """
[project]
name = "someone-elses-project"

[tool.dnndoctor]
select = ["dead-units", "DD301", "slow-progress"]
ignore = ["DD302"]
fail-on = "warning"
steps = 120
seeds = [3, 4]
batch-size = 16
counterfactuals = false

[tool.dnndoctor.rules.DD201]
dead = 0.7

[tool.dnndoctor.rules.slow-progress]
gain = 20

[tool.dnndoctor.checks.regressor]
model = "models/regressor.keras"
data = "data/train.npz"
learning-rate = 0.01
steps = 60

[tool.dnndoctor.checks.classifier]
model = "clf.keras"
data = "clf.npz"
x-key = "features"
y-key = "labels"
loss = "sparse_categorical_crossentropy"
"""


def write(directory: Path, text: str) -> Path:
    path = directory / "pyproject.toml"
    path.write_text(textwrap.dedent(text))
    return path


def test_a_full_table(tmp_path):
    config = load_config(write(tmp_path, FULL))
    assert config.fail_on == "warning"
    assert config.options == {"steps": 120, "seeds": [3, 4], "batch_size": 16, "counterfactuals": False,
                              "select": ["dead-units", "DD301", "slow-progress"], "ignore": ["DD302"],
                              "thresholds": {"DD201": {"dead": 0.7}, "DD311": {"gain": 20}}}
    regressor, classifier = config.checks
    assert (regressor.name, classifier.name) == ("regressor", "classifier")
    assert regressor.model == tmp_path / "models" / "regressor.keras"
    assert regressor.data == tmp_path / "data" / "train.npz"
    assert regressor.options == {"learning_rate": 0.01, "steps": 60}
    assert classifier.options == {"x_key": "features", "y_key": "labels", "loss": "sparse_categorical_crossentropy"}


def test_flags_override_the_check_which_overrides_the_table(tmp_path):
    config = load_config(write(tmp_path, FULL))
    regressor = config.checks[0]
    options = config.options_for(regressor, {})
    assert isinstance(options, CheckOptions)
    assert (options.steps, options.seeds, options.batch_size, options.learning_rate) == (60, [3, 4], 16, 0.01)
    assert config.options_for(regressor, {"steps": 300, "seeds": [0]}).steps == 300
    assert config.options_for(None, {}).steps == 120
    assert Config().options_for(None, {}) == CheckOptions()


def test_found_by_walking_up_past_tables_of_other_tools(tmp_path):
    root = write(tmp_path, FULL)
    nested = tmp_path / "pkg" / "sub"
    nested.mkdir(parents=True)
    write(tmp_path / "pkg", "[tool.black]\nline-length = 100\n")
    assert find_config(nested) == root
    assert load_config(start=nested).path == root


def test_no_file_means_an_empty_configuration(tmp_path):
    write(tmp_path, "[project]\nname = 'x'\n")
    config = load_config(start=tmp_path)
    assert config.path is None and config.checks == [] and config.options == {} and config.fail_on is None


def check_error(tmp_path, text: str, *needles: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    line = caught.value.line()
    assert "\n" not in line and line.startswith(str(path))
    for needle in needles:
        assert needle in line, line
    return line


@pytest.mark.parametrize("text, needles", [
    ("[tool.dnndoctor]\nstepz = 3\n", ["unknown key tool.dnndoctor.stepz", "known keys: steps"]),
    ("[tool.dnndoctor]\nsteps = '400'\n", ["tool.dnndoctor.steps must be an integer from 10 to 100000", "'400'"]),
    ("[tool.dnndoctor]\nsteps = 5\n", ["tool.dnndoctor.steps", "5"]),
    ("[tool.dnndoctor]\nsteps = true\n", ["tool.dnndoctor.steps"]),
    ("[tool.dnndoctor]\nseeds = [1, 1]\n", ["tool.dnndoctor.seeds", "distinct"]),
    ("[tool.dnndoctor]\nseeds = 3\n", ["tool.dnndoctor.seeds"]),
    ("[tool.dnndoctor]\nfail-on = 'sometimes'\n", ["tool.dnndoctor.fail-on", "'warning'"]),
    ("[tool.dnndoctor]\ncounterfactuals = 'yes'\n", ["tool.dnndoctor.counterfactuals", "true or false"]),
    ("[tool.dnndoctor]\nselect = ['DD999']\n", ["tool.dnndoctor.select", "'DD999'", "dnndoctor rules"]),
    ("[tool.dnndoctor]\nignore = 'DD201'\n", ["tool.dnndoctor.ignore", "a list"]),
    ("[tool.dnndoctor]\nrules = 3\n", ["tool.dnndoctor.rules must be a table"]),
    ("[tool.dnndoctor.rules.DD999]\nx = 1\n", ["tool.dnndoctor.rules.DD999", "no rule"]),
    ("[tool.dnndoctor.rules.DD201]\ndeadd = 0.5\n", ["unknown key tool.dnndoctor.rules.DD201.deadd", "dead, floor"]),
    ("[tool.dnndoctor.rules.DD201]\ndead = -5\n",
     ["tool.dnndoctor.rules.DD201.dead must be a number from 0 to 1, not -5"]),
    ("[tool.dnndoctor.rules.DD101]\ndeep = 2.5\n", ["tool.dnndoctor.rules.DD101.deep must be an integer"]),
    ("[tool.dnndoctor.rules.slow-progress]\ngain = 0.5\n",
     ["tool.dnndoctor.rules.slow-progress.gain must be a number of at least 1, not 0.5"]),
    ("[tool.dnndoctor.checks.a]\nmodel = 'm.keras'\ndata = 'd.npz'\nsteps = 5\n",
     ["tool.dnndoctor.checks.a.steps must be an integer from 10 to 100000, not 5"]),
    ("[tool.dnndoctor]\ntime-budget = 0\n", ["tool.dnndoctor.time-budget must be a positive number, not 0"]),
    ("[tool.dnndoctor.rules.dead-relu-units]\ndead = 'half'\n",
     ["tool.dnndoctor.rules.dead-relu-units.dead must be a number"]),
    ("[tool.dnndoctor.checks.a]\nmodel = 'm.keras'\n", ["tool.dnndoctor.checks.a.data is missing"]),
    ("[tool.dnndoctor.checks.a]\nmodel = 'm.keras'\ndata = 'd.npz'\nlr = 0.1\n",
     ["unknown key tool.dnndoctor.checks.a.lr", "learning-rate"]),
    ("[tool.dnndoctor.checks.a]\nmodel = 'm.keras'\ndata = 'd.npz'\nlearning-rate = -1\n",
     ["tool.dnndoctor.checks.a.learning-rate must be a positive number"]),
    ("[tool.dnndoctor.checks.a]\nmodel = 3\ndata = 'd.npz'\n", ["tool.dnndoctor.checks.a.model must be a non-empty"]),
    ("[tool.dnndoctor]\nchecks = ['m.keras']\n", ["tool.dnndoctor.checks must be a table"]),
    ("[tool.dnndoctor\n", ["not valid TOML"]),
])
def test_bad_tables_name_the_key(tmp_path, text, needles):
    check_error(tmp_path, text, *needles)


def test_an_explicit_file_must_exist_and_hold_the_table(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match=r"no \[tool.dnndoctor\] table"):
        load_config(write(tmp_path, "[tool.black]\n"))
