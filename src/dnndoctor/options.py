"""Options of a check: one typed, validated model shared by the CLI, ``[tool.dnndoctor]`` and the
Python API. Pure: no TensorFlow.

Every field declares what a valid value is; ``CheckOptions`` checks them all when it is built,
so a bad value fails with an OptionError naming the option, whichever entry point gave it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import OptionError


@dataclass(frozen=True)
class Valid:
    """What a valid value of an option is: a test and its description in words."""

    expected: str
    accepts: Callable[[Any], bool]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def integer(low: int, high: int) -> Valid:
    return Valid(f"an integer from {low} to {high}",
                 lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high)


def at_least(low: float) -> Valid:
    return Valid(f"a number of at least {low:g}", lambda v: _is_number(v) and math.isfinite(v) and v >= low)


POSITIVE = Valid("a positive number", lambda v: _is_number(v) and math.isfinite(v) and v > 0)
FLAG = Valid("true or false", lambda v: isinstance(v, bool))
TEXT = Valid("a non-empty string", lambda v: isinstance(v, str) and bool(v.strip()))
SEEDS = Valid("a list of distinct non-negative integers, e.g. [0, 1, 2]",
              lambda v: (isinstance(v, (list, tuple)) and len(v) > 0 and len(set(v)) == len(v)
                         and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in v)))


def _rule_keys(value: Any) -> bool:
    from .rules import is_rule_key

    return isinstance(value, (list, tuple)) and all(isinstance(k, str) and is_rule_key(k) for k in value)


RULE_KEYS = Valid("a list of rule ids, names or categories (see `dnndoctor rules`)", _rule_keys)
CLASS_WEIGHTS = Valid("a table of class index -> non-negative weight, e.g. {0: 1, 1: 5}",
                      lambda v: isinstance(v, dict) and len(v) > 0 and all(
                          isinstance(k, int) and not isinstance(k, bool) and k >= 0 and _is_number(w)
                          and math.isfinite(w) and w >= 0 for k, w in v.items()))
EXECUTORS = ("auto", "serial", "devices", "ray")  # where probe runs train; see probes/executors.py
RULE_OPTIONS = Valid("a table of rule id or name -> {option: value}",
                     lambda v: isinstance(v, dict) and all(isinstance(o, dict) for o in v.values()))


def option(default: Any = None, valid: Valid | None = None, *, optional: bool = False, factory: Any = None) -> Any:
    """A CheckOptions field whose values must be ``valid`` (None too, when ``optional``)."""
    metadata = {"valid": valid, "optional": optional}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class CheckOptions:
    """How to load the subject, how much to probe it and which rules judge it. Frozen: a
    changed copy (``dataclasses.replace``) is validated again."""

    steps: int = option(400, integer(10, 100_000))  # probe budget: training steps per run
    seeds: list[int] = option(valid=SEEDS, factory=lambda: [0, 1, 2])
    batch_size: int = option(32, integer(1, 1_000_000))
    records: int = option(10, integer(2, 1000))  # record steps per probe
    probe_rows: int = option(256, integer(1, 1_000_000))  # rows of the fixed probe batch
    max_rows: int = option(100_000, integer(2, 10**12))
    max_data_mb: float = option(256.0, at_least(1.0))
    loss: str | None = option(None, TEXT, optional=True)
    optimizer: str | None = option(None, TEXT, optional=True)
    learning_rate: float | None = option(None, POSITIVE, optional=True)
    x_key: str | None = option(None, TEXT, optional=True)
    y_key: str | None = option(None, TEXT, optional=True)
    class_weight: dict[int, float] | None = option(None, CLASS_WEIGHTS, optional=True)  # as model.fit applies it
    jit: bool | None = option(None, FLAG, optional=True)  # None: XLA where a GPU is present
    counterfactuals: bool = option(True, FLAG)
    fix_out: str | None = option(None, TEXT, optional=True)  # save the model with the best verified fix here
    max_fixes: int = option(6, integer(0, 20))  # proposed edits verified by a probe each, per verification round
    time_budget: float | None = option(None, POSITIVE, optional=True)  # seconds, TensorFlow start-up excluded;
    # None: DEFAULT_TIME_BUDGET, or no limit when thorough
    thorough: bool = option(False, FLAG)  # every seed for every variant, and no default time budget
    executor: str = option("auto", Valid(f"one of {', '.join(EXECUTORS)}", lambda v: v in EXECUTORS))
    unsafe_load: bool = option(False, FLAG)
    custom_objects: str | None = option(None, TEXT, optional=True)
    select: list[str] = option(valid=RULE_KEYS, factory=list)  # rule ids, names or categories; empty: all
    ignore: list[str] = option(valid=RULE_KEYS, factory=list)
    thresholds: dict[str, dict[str, float]] = option(valid=RULE_OPTIONS, factory=dict)  # rule -> overrides

    def __post_init__(self) -> None:
        """Refuse the first invalid value with an OptionError naming its option."""
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            if value is None and spec.metadata["optional"]:
                continue
            if not spec.metadata["valid"].accepts(value):
                raise OptionError((spec.name,), spec.metadata["valid"].expected, value)
        from .rules import rule_options

        rule_options(self.thresholds)
        for name in ("seeds", "select", "ignore"):  # tuples given by the API become lists
            object.__setattr__(self, name, list(getattr(self, name)))


# seconds: with TensorFlow's start-up, loading and the report, a check of a small CNN ends within a minute
DEFAULT_TIME_BUDGET = 40.0


def time_limit(options: CheckOptions) -> float | None:
    """The seconds a check may take: the budget given, else the default unless the check is thorough."""
    if options.time_budget is not None:
        return options.time_budget
    return None if options.thorough else DEFAULT_TIME_BUDGET


def option_names() -> list[str]:
    """Every option of CheckOptions, in declaration order."""
    return [spec.name for spec in dataclasses.fields(CheckOptions)]
