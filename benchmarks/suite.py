"""Every labelled benchmark case in one list: the validated mutations of benchmarks/faults and the
reported faults of benchmarks/reported, each with what accuracy.py needs to run the doctor on it;
and the healthy controls of benchmarks/controls."""

from __future__ import annotations

import json
from dataclasses import dataclass
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORTED_VALIDATED = HERE / "reported" / "validated.json"
CONTROLS_FITTED = HERE / "controls" / "fitted.json"


@dataclass(frozen=True)
class SuiteCase:
    name: str
    label: str | None  # None: a healthy control
    family: str  # mutation, reported or control
    group: str  # the fault type the split is stratified by
    batch_size: int
    make: Callable  # (seed) -> (compiled model, x, y)


def _mutation_cases() -> list[SuiteCase]:
    from benchmarks.faults import CASES, build_data, build_model
    from benchmarks.faults.validate import OUTPUT

    kept = set(json.loads(OUTPUT.read_text())["kept"])

    def make(case):
        return lambda seed: (build_model(case.spec, seed), *build_data(case.spec))

    return [SuiteCase(c.name, c.label, "mutation", c.label or "control", 32, make(c)) for c in CASES if c.name in kept]


def _bench_make(bench):
    def make(seed):
        import keras

        keras.utils.set_random_seed(seed)
        x, y = bench.data()
        return bench.build(), x, y
    return make


def _kept(path: Path) -> set[str] | None:
    """Names model.fit validation kept, or None before validation ran."""
    return set(json.loads(path.read_text())["kept"]) if path.exists() else None


def _bench_cases(benches, family: str, validated: Path, only_kept: bool) -> list[SuiteCase]:
    kept = _kept(validated) if only_kept else None
    return [SuiteCase(b.name, b.label, family, b.kind, b.batch_size, _bench_make(b)) for b in benches
            if kept is None or b.name in kept]


def fault_cases(only_kept: bool = True) -> list[SuiteCase]:
    """The labelled cases (mutations and reported faults), kept by model.fit validation."""
    from benchmarks.reported import REPORTED

    return _mutation_cases() + _bench_cases(REPORTED, "reported", REPORTED_VALIDATED, only_kept)


def control_cases(only_kept: bool = True) -> list[SuiteCase]:
    from benchmarks.controls import CONTROLS

    return _bench_cases(CONTROLS, "control", CONTROLS_FITTED, only_kept)


def all_groups() -> dict[str, str]:
    """Every labelled case (validated or not) -> the group the split stratifies it by."""
    return {c.name: c.group for c in fault_cases(only_kept=False)}


def control_groups() -> dict[str, str]:
    """Every healthy control (fitted or not) -> its split group, ``control``."""
    return {c.name: c.group for c in control_cases(only_kept=False)}
