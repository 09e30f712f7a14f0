"""The rule registry and the judge that applies every rule to the measurements."""

from __future__ import annotations

from ..findings import Diagnosis
from ..measurements import Measurements
from .activations import DeadReLU
from .base import Rule
from .capacity import UnderCapacity
from .gradients import VanishingGradients
from .learning_rate import DivergingLoss, OscillatingLoss, SlowProgress

ALL_RULES: tuple[type[Rule], ...] = (
    VanishingGradients,
    DeadReLU,
    DivergingLoss,
    OscillatingLoss,
    SlowProgress,
    UnderCapacity,
)


def find_rule(key: str) -> type[Rule] | None:
    """A rule by id (case-insensitive) or name."""
    key = key.strip()
    return next((r for r in ALL_RULES if key.upper() == r.id or key.lower() == r.name), None)


def judge(m: Measurements, rules: tuple[type[Rule], ...] = ALL_RULES) -> Diagnosis:
    """Apply the rules; order findings by severity, then by the measured gain of their fix."""
    findings = [f for rule in rules for f in rule().check(m)]
    findings.sort(key=lambda f: (-f.severity, -f.rank, f.id))
    return Diagnosis(findings=findings, measurements=m)
