"""The doctor's verdict: findings with evidence and fixes, gathered in a Diagnosis."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any

CATEGORIES = (
    "vanishing-gradients",
    "exploding-gradients",
    "dead-units",
    "saturated-activations",
    "learning-rate-too-high",
    "learning-rate-too-low",
    "under-capacity",
    "unscaled-inputs",
    "unscaled-targets",
    "output-loss-mismatch",
    "bad-initialization",
    "non-finite",
    "generalization-gap",
    "batchnorm-statistics",
    "slow-convergence",
)
CONFIDENCES = ("high", "low")  # low: the evidence lies within seed noise of a threshold the verdict rests on


LONGER_PROBE = 5  # a verdict without a fault suggests a probe this many times longer


class Severity(enum.IntEnum):
    """How bad a finding is; compares in order info < warning < error."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


@dataclass
class Fix:
    """A change that addresses a finding, with Keras code and, where probed, its measured effect.

    ``variant`` names the probe edit that tests it; ``probed`` says whether that probe ran (or
    the edit proved inapplicable), ``verified`` whether it helped.
    """

    summary: str
    code: str
    variant: str | None = None
    effect: str | None = None
    verified: bool = False
    probed: bool = False
    needed: float | None = None  # how many times lower than the setup's its probe had to end


@dataclass
class Finding:
    """One rule's judgement on the measurements."""

    id: str
    name: str
    category: str
    severity: Severity
    message: str
    evidence: dict[str, Any]
    layers: list[str] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)
    seeds: str | None = None
    rank: float = 0.0
    confidence: str = "high"  # one of CONFIDENCES

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["severity"] = self.severity.label
        del data["rank"]
        return data


@dataclass
class Diagnosis:
    """Findings ordered most important first, with the measurements they rest on."""

    findings: list[Finding]
    measurements: Any
    skipped: dict[str, str] = field(default_factory=dict)  # rule id -> why it did not judge
    fit: str | None = None  # the user's setup after the probe: fits, descending, stalled, diverges
    fit_relative_loss: float | None = None
    fixed_model: dict | None = None  # what --fix-out wrote

    def count(self, severity: Severity) -> int:
        return sum(f.severity == severity for f in self.findings)

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def fails(self, fail_on: Severity | None) -> bool:
        """Whether a finding reaches the ``--fail-on`` level (None: never fail)."""
        return fail_on is not None and self.worst is not None and self.worst >= fail_on

    def verdict(self) -> str:
        errors, warnings = self.count(Severity.ERROR), self.count(Severity.WARNING)
        if not errors and not warnings:
            infos = self.count(Severity.INFO)
            notes = f" ({infos} note{'s' * (infos != 1)})" if infos else ""
            if self.fit in (None, "fits"):
                return "healthy" + notes
            steps = self.measurements.budget.steps
            if self.fit == "diverges":
                return f"no fault found{notes}, but the loss diverges within {steps} steps"
            trend = "and still falling" if self.fit == "descending" else "and no longer falling"
            floor = self.measurements.floor_loss
            above = f" above the lowest reachable loss ({floor:.3g})" if floor else ""
            return (f"no fault found{notes}, but after {steps} steps the loss is {self.fit_relative_loss:.2g}× a "
                    f"constant prediction's{above} {trend}; a longer probe (--steps {steps * LONGER_PROBE}) "
                    "looks further")
        parts = []
        if errors:
            parts.append(f"{errors} error{'s' * (errors != 1)}")
        if warnings:
            parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
        return ", ".join(parts)
