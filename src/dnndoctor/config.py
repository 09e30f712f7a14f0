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

    [tool.dnndoctor.rules.DD201]           # thresholds of one rule, by id or name
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
from typing import Any, Callable

from .errors import InputError
from .factory import Factory, is_factory_spec
from .options import CheckOptions
from .rules import find_rule, is_rule_key

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_FILE = "pyproject.toml"
TABLE = "tool.dnndoctor"
FAIL_ON = ("error", "warning", "info", "never")


class ConfigError(InputError):
    """A configuration file that cannot be used as written."""


class _Invalid(ValueError):
    """A value of the wrong type or range; the message says what was expected."""


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


# -- value parsers --------------------------------------------------------------------------------

def _integer(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _Invalid(f"an integer from {low} to {high}")
        return value
    return parse


def _positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise _Invalid("a positive number")
    return float(value)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("true or false")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("a non-empty string")
    return value


def _seeds(value: Any) -> list[int]:
    if (not isinstance(value, list) or not value or len(set(value)) != len(value)
            or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in value)):
        raise _Invalid("a list of distinct non-negative integers, e.g. [0, 1, 2]")
    return list(value)


def _fail_on(value: Any) -> str:
    if value not in FAIL_ON:
        raise _Invalid(" or ".join(repr(v) for v in FAIL_ON))
    return value


def _rule_keys(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise _Invalid("a list of rule ids, names or categories")
    unknown = [k for k in value if not is_rule_key(k)]
    if unknown:
        raise _Invalid(f"rule ids, names or categories ({unknown[0]!r} is none; see `dnndoctor rules`)")
    return list(value)


# TOML key -> (CheckOptions field, parser)
PROBE_SETTINGS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "steps": ("steps", _integer(10, 100_000)),
    "seeds": ("seeds", _seeds),
    "batch-size": ("batch_size", _integer(1, 1_000_000)),
    "counterfactuals": ("counterfactuals", _boolean),
    "max-fixes": ("max_fixes", _integer(0, 20)),
    "time-budget": ("time_budget", _positive_number),
}
CHECK_SETTINGS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    **PROBE_SETTINGS,
    "loss": ("loss", _text),
    "optimizer": ("optimizer", _text),
    "learning-rate": ("learning_rate", _positive_number),
    "x-key": ("x_key", _text),
    "y-key": ("y_key", _text),
}
TOP_KEYS = (*PROBE_SETTINGS, "select", "ignore", "fail-on", "rules", "checks")


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
    config.options.update(_settings(table, PROBE_SETTINGS, TABLE, path))
    for key, attribute in (("select", "select"), ("ignore", "ignore")):
        if key in table:
            config.options[attribute] = _parsed(table[key], _rule_keys, f"{TABLE}.{key}", path)
    if "fail-on" in table:
        config.fail_on = _parsed(table["fail-on"], _fail_on, f"{TABLE}.fail-on", path)
    if "rules" in table:
        config.options["thresholds"] = _thresholds(table["rules"], path)
    if "checks" in table:
        config.checks = _checks(table["checks"], path)
    return config


def _thresholds(rules: Any, path: Path) -> dict[str, dict[str, float]]:
    where = f"{TABLE}.rules"
    _require_table(rules, where, path)
    out: dict[str, dict[str, float]] = {}
    for key, values in rules.items():
        rule = find_rule(key)
        if rule is None:
            raise ConfigError(f"{where}.{key}: no rule {key!r}", path=path,
                              remedy="name a rule by id or name; see `dnndoctor rules`")
        _require_table(values, f"{where}.{key}", path)
        known = rule.thresholds()
        _refuse_unknown(values, tuple(known), f"{where}.{key}", path)
        out[rule.id] = {name: _parsed(value, _number, f"{where}.{key}.{name}", path) for name, value in values.items()}
    return out


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Invalid("a number")
    return value


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
            files[key] = path.parent / _parsed(entry[key], _text, f"{here}.{key}", path)
        targets.append(CheckTarget(name, files["model"], files["data"], _settings(entry, CHECK_SETTINGS, here, path)))
    return targets


def _factory_target(name: str, entry: dict, here: str, path: Path) -> CheckTarget:
    if "model" in entry or "data" in entry:
        raise ConfigError(f"{here} gives both a factory and files", path=path,
                          remedy="give either model and data, or factory")
    factory = Factory(_parsed(entry["factory"], _factory_spec, f"{here}.factory", path), path.parent)
    return CheckTarget(name, factory.source, factory.source, _settings(entry, CHECK_SETTINGS, here, path), factory)


def _factory_spec(value: Any) -> str:
    if not is_factory_spec(value):
        raise _Invalid("'module:function', a function of a module of the project, e.g. 'training.data:build'")
    return value


def _settings(table: dict, known: dict[str, tuple[str, Callable]], where: str, path: Path) -> dict[str, Any]:
    return {attribute: _parsed(table[key], parse, f"{where}.{key}", path)
            for key, (attribute, parse) in known.items() if key in table}


def _parsed(value: Any, parse: Callable[[Any], Any], key: str, path: Path) -> Any:
    try:
        return parse(value)
    except _Invalid as exc:
        raise ConfigError(f"{key} must be {exc}, not {value!r}", path=path, remedy="fix the value") from None


def _require_table(value: Any, key: str, path: Path) -> None:
    if not isinstance(value, dict):
        raise ConfigError(f"{key} must be a table, not {value!r}", path=path,
                          remedy=f"write it as [{key}]")


def _refuse_unknown(table: dict, known: tuple[str, ...], where: str, path: Path) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(f"unknown key {where}.{key}", path=path,
                              remedy=f"known keys: {', '.join(known) or 'none'}")
