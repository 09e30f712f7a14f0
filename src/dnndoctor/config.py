"""The ``[tool.dnndoctor]`` table of pyproject.toml: found, parsed and validated. Pure: no TensorFlow.

    [tool.dnndoctor]
    select = ["dead-units", "DD301"]       # rule ids, names or categories (default: every rule)
    ignore = ["slow-progress"]
    fail-on = "warning"                    # error | warning | info | never
    steps = 200                            # probe budget: training steps per run
    seeds = [0, 1, 2]
    batch-size = 32
    counterfactuals = true
    max-fixes = 6                          # proposed fixes verified by a probe each
    time-budget = 45                       # seconds per check (default 45; none when thorough)
    thorough = false                       # every seed for every variant, no default time budget
    executor = "auto"                      # serial, devices or ray (see "Running probes in parallel")

    [tool.dnndoctor.rules.DD201]           # options of one rule, by id or name
    dead = 0.6

    [tool.dnndoctor.checks.regressor]      # `dnndoctor check` with no arguments runs every check
    model = "models/regressor.keras"       # relative to the directory of pyproject.toml
    data = "data/train.npz"
    learning-rate = 0.01                   # optional: any option of the check table above, and
                                           # loss, optimizer, x-key, y-key

    [tool.dnndoctor.checks.from-code]      # or a factory in the project: build() returns
    factory = "training.data:build"        # (model, (x, y)) or (model, dataset)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, OptionError
from .factory import Factory, is_factory_spec
from .options import CheckOptions
from .rules import find_rule

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_FILE = "pyproject.toml"
TABLE = "tool.dnndoctor"
FAIL_ON = ("error", "warning", "info", "never")


class ConfigError(InputError):
    """A configuration file that cannot be used as written."""


@dataclass(frozen=True)
class CheckTarget:
    """A named model/data pair of the configuration, with its own option overrides."""

    name: str
    model: Path
    data: Path
    options: dict[str, Any] = field(default_factory=dict)
    factory: Factory | None = None  # builds the model and data in code; model and data are then its source


@dataclass
class Config:
    """What the configuration file says; empty when there is none."""

    path: Path | None = None
    options: dict[str, Any] = field(default_factory=dict)  # CheckOptions fields
    fail_on: str | None = None
    checks: list[CheckTarget] = field(default_factory=list)

    def options_for(self, target: CheckTarget | None, flags: dict[str, Any]) -> CheckOptions:
        """The options of one check: flags over the check's own settings over the table's."""
        merged = {**self.options, **(target.options if target else {}), **flags}
        return CheckOptions(**merged)


# -- keys ----------------------------------------------------------------------------------------

# TOML key -> CheckOptions field; CheckOptions validates the values.
PROBE_SETTINGS = {"steps": "steps", "seeds": "seeds", "batch-size": "batch_size",
                  "counterfactuals": "counterfactuals", "max-fixes": "max_fixes", "time-budget": "time_budget",
                  "executor": "executor", "thorough": "thorough"}
CHECK_SETTINGS = {**PROBE_SETTINGS, "loss": "loss", "optimizer": "optimizer", "learning-rate": "learning_rate",
                  "x-key": "x_key", "y-key": "y_key"}
TOP_KEYS = (*PROBE_SETTINGS, "select", "ignore", "fail-on", "rules", "checks")
TOML_KEY = {"select": "select", "ignore": "ignore", **{field: key for key, field in CHECK_SETTINGS.items()}}


# -- finding and reading ----------------------------------------------------------------------------

def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml with a ``[tool.dnndoctor]`` table, from ``start`` upwards."""
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file() and "dnndoctor" in _read_toml(candidate).get("tool", {}):
            return candidate
    return None


def load_config(explicit: Path | None = None, start: Path | None = None) -> Config:
    """The configuration in ``explicit``, or found from ``start`` (default: the working directory)."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError("configuration file not found", path=explicit,
                              remedy="pass --config with the path of a pyproject.toml")
        path = explicit
    else:
        path = find_config((start or Path.cwd()).resolve())
        if path is None:
            return Config()
    table = _read_toml(path).get("tool", {}).get("dnndoctor")
    if table is None:
        raise ConfigError(f"no [{TABLE}] table", path=path, remedy="add one, or leave out --config")
    return parse_table(table, path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({exc})", path=path, remedy="fix the syntax of the file") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror})", path=path,
                          remedy="check its permissions") from None


# -- validation ---------------------------------------------------------------------------------

def parse_table(table: Any, path: Path) -> Config:
    """Validate a ``[tool.dnndoctor]`` table read from ``path``; relative paths are taken from its folder."""
    _require_table(table, TABLE, path)
    _refuse_unknown(table, TOP_KEYS, TABLE, path)
    config = Config(path=path)
    settings = {field: table[key] for key, field in PROBE_SETTINGS.items() if key in table}
    settings.update({key: table[key] for key in ("select", "ignore") if key in table})
    if "rules" in table:
        settings["thresholds"] = _rule_tables(table["rules"], path)
    config.options = _validated(settings, TABLE, path)
    if "fail-on" in table:
        if table["fail-on"] not in FAIL_ON:
            raise ConfigError(f"{TABLE}.fail-on must be {' or '.join(map(repr, FAIL_ON))}, not {table['fail-on']!r}",
                              path=path, remedy="fix the value")
        config.fail_on = table["fail-on"]
    if "checks" in table:
        config.checks = _checks(table["checks"], path)
    return config


def _rule_tables(rules: Any, path: Path) -> dict[str, dict[str, float]]:
    """Option overrides by rule id; the values are validated with the rest of the options."""
    where = f"{TABLE}.rules"
    _require_table(rules, where, path)
    out: dict[str, dict[str, float]] = {}
    for key, values in rules.items():
        rule = find_rule(key)
        if rule is None:
            raise ConfigError(f"{where}.{key}: no rule {key!r}", path=path,
                              remedy="name a rule by id or name; see `dnndoctor rules`")
        _require_table(values, f"{where}.{key}", path)
        _refuse_unknown(values, tuple(option.name for option in rule.options), f"{where}.{key}", path)
        out[key] = dict(values)
    return out


def _validated(settings: dict[str, Any], where: str, path: Path) -> dict[str, Any]:
    """``settings`` (CheckOptions fields) once CheckOptions accepts them; an error names the TOML key."""
    try:
        CheckOptions(**settings)
    except OptionError as exc:
        field, *rest = exc.option_path
        key = f"{TABLE}.rules.{'.'.join(rest)}" if field == "thresholds" else f"{where}.{TOML_KEY[field]}"
        raise ConfigError(exc.named(key), path=path, remedy="fix the value") from None
    if "thresholds" in settings:  # by rule id, whichever way the table named the rule
        settings["thresholds"] = {find_rule(key).id: values for key, values in settings["thresholds"].items()}
    return settings


def _checks(checks: Any, path: Path) -> list[CheckTarget]:
    where = f"{TABLE}.checks"
    _require_table(checks, where, path)
    targets = []
    for name, entry in checks.items():
        here = f"{where}.{name}"
        _require_table(entry, here, path)
        _refuse_unknown(entry, ("model", "data", "factory", *CHECK_SETTINGS), here, path)
        if "factory" in entry:
            targets.append(_factory_target(name, entry, here, path))
            continue
        files = {}
        for key in ("model", "data"):
            if key not in entry:
                raise ConfigError(f"{here}.{key} is missing", path=path,
                                  remedy=f"give the {key} file of check {name!r}")
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise ConfigError(f"{here}.{key} must be a non-empty string, not {entry[key]!r}", path=path,
                                  remedy="fix the value")
            files[key] = path.parent / entry[key]
        settings = {field: entry[key] for key, field in CHECK_SETTINGS.items() if key in entry}
        targets.append(CheckTarget(name, files["model"], files["data"], _validated(settings, here, path)))
    return targets


def _factory_target(name: str, entry: dict, here: str, path: Path) -> CheckTarget:
    if "model" in entry or "data" in entry:
        raise ConfigError(f"{here} gives both a factory and files", path=path,
                          remedy="give either model and data, or factory")
    if not is_factory_spec(entry["factory"]):
        raise ConfigError(f"{here}.factory must be 'module:function', a function of a module of the project, "
                          f"not {entry['factory']!r}", path=path, remedy="for example 'training.data:build'")
    factory = Factory(entry["factory"], path.parent)
    settings = {field: entry[key] for key, field in CHECK_SETTINGS.items() if key in entry}
    return CheckTarget(name, factory.source, factory.source, _validated(settings, here, path), factory)


def _require_table(value: Any, key: str, path: Path) -> None:
    if not isinstance(value, dict):
        raise ConfigError(f"{key} must be a table, not {value!r}", path=path,
                          remedy=f"write it as [{key}]")


def _refuse_unknown(table: dict, known: tuple[str, ...], where: str, path: Path) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(f"unknown key {where}.{key}", path=path,
                              remedy=f"known keys: {', '.join(known) or 'none'}")
