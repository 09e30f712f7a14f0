"""The rule registry and the judge that applies every rule to the measurements."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..errors import OptionError
from ..findings import CATEGORIES, Diagnosis, Finding, Severity
from ..measurements import Measurements
from ..runstats import fit_status, fits_in_every_seed
from .activations import DeadReLU, SaturatedActivations
from .capacity import GeneralizationGap, RegularizationDominates, UnderCapacity
from .convergence import SlowConvergence
from .data import TargetsBeyondOutputRange, UnscaledInputs, UnscaledTargets
from .gradients import ExplodingGradients, NonFiniteValues, VanishingGradients
from .initialization import OutputBiasOffPrior, OversizedInitialization, SymmetricInitialization
from .learning_rate import DivergingLoss, LossPlateau, NoisyLoss, OscillatingLoss, SlowProgress
from .normalization import MovingStatisticsLag
from .output import BoundedOutputRegression, LabelsLossMismatch, LogitsMismatch, SoftmaxSingleUnit
from .ranking import (assess_confidence, follow_budget, follow_impairment, importance, report_consequences,
                      settle_fixes)
from .rule import Rule

ALL_RULES: tuple[type[Rule], ...] = (
    VanishingGradients,
    ExplodingGradients,
    NonFiniteValues,
    DeadReLU,
    SaturatedActivations,
    DivergingLoss,
    OscillatingLoss,
    NoisyLoss,
    LossPlateau,
    SlowProgress,
    SlowConvergence,
    UnderCapacity,
    GeneralizationGap,
    RegularizationDominates,
    MovingStatisticsLag,
    UnscaledInputs,
    UnscaledTargets,
    TargetsBeyondOutputRange,
    BoundedOutputRegression,
    SoftmaxSingleUnit,
    LogitsMismatch,
    LabelsLossMismatch,
    SymmetricInitialization,
    OversizedInitialization,
    OutputBiasOffPrior,
)


def find_rule(key: str) -> type[Rule] | None:
    """A rule by id (case-insensitive) or name."""
    key = key.strip()
    return next((r for r in ALL_RULES if key.upper() == r.id or key.lower() == r.name), None)


def matches(rule: type[Rule], key: str) -> bool:
    """Whether ``key`` names the rule by id, name or category."""
    key = key.strip()
    return key.upper() == rule.id or key.lower() in (rule.name, rule.category)


def is_rule_key(key: str) -> bool:
    """Whether ``key`` is a rule id, a rule name or a category of the vocabulary."""
    return find_rule(key) is not None or key.strip().lower() in CATEGORIES


def select_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> tuple[type[Rule], ...]:
    """The rules matching a ``select`` key (every rule when none is given) and no ``ignore`` key.

    Keys are rule ids, rule names or categories; an unknown key raises ValueError.
    """
    select, ignore = list(select), list(ignore)
    unknown = [key for key in (*select, *ignore) if not is_rule_key(key)]
    if unknown:
        raise ValueError(f"unknown rule id, name or category {unknown[0]!r}")
    return tuple(r for r in ALL_RULES
                 if (not select or any(matches(r, k) for k in select)) and not any(matches(r, k) for k in ignore))


def rule_options(thresholds: Mapping[str, Mapping[str, float]] | None) -> dict[str, dict[str, float]]:
    """Option overrides by rule id, from a mapping keyed by rule id or name; raises OptionError
    for an unknown rule, an unknown option or a value out of its declared range."""
    overrides = {}
    for key, values in (thresholds or {}).items():
        rule = find_rule(key)
        if rule is None:
            raise OptionError(("thresholds", key), "a rule id or name (see `dnndoctor rules`)", key)
        rule.resolve_options(values, where=("thresholds", key))
        overrides[rule.id] = dict(values)
    return overrides


def explained_elsewhere(finding: Finding, others: list[Finding]) -> bool:
    """Whether every fix of ``finding`` that a probe verified is verified by another finding too:
    that finding already explains the loss (a residual rule then has nothing to add)."""
    verified = {fix.variant for fix in finding.fixes if fix.verified}
    elsewhere = {fix.variant for other in others for fix in other.fixes if fix.verified}
    return bool(verified) and verified <= elsewhere


def judge(measured: Measurements, rules: tuple[type[Rule], ...] = ALL_RULES,
          thresholds: Mapping[str, Mapping[str, float]] | None = None) -> Diagnosis:
    """Apply the rules; order findings by the measured gain of their best fix, then severity.

    ``thresholds`` maps a rule id or name to overrides of its options. Rules left out of
    ``rules``, and rules that cannot judge these measurements, are recorded as skipped. Residual
    rules judge last, only when no other rule has a warning or error, and are dropped when every
    remedy they verified is a verified fix of another finding (advice at info included). Each finding's severity
    follows impairment (at most info when the setup fits in every seed, or when the time budget cut the probe
    of its unverified fixes) and its confidence the seed noise; a
    finding whose root cause another finding shows, with a fix as good as its own, is that one's consequence
    (info, ranked below it).
    """
    overrides = rule_options(thresholds)
    fit, fit_relative_loss = fit_status(measured)
    fits = fits_in_every_seed(measured)
    findings, skipped = [], {}
    for rule_class in ALL_RULES:
        if rule_class not in rules:
            skipped[rule_class.id] = "not selected"
    ordinary = [r for r in rules if not r.residual]
    for rule_class in ordinary + [r for r in rules if r.residual]:
        rule = rule_class(**overrides.get(rule_class.id, {}))
        reason = rule.skip_reason(measured)
        if rule.residual and any(f.severity > Severity.INFO for f in findings):
            reason = "another rule explains the loss"
        if reason:
            skipped[rule.id] = reason
            continue
        for finding in rule.check(measured):
            if rule.residual and explained_elsewhere(finding, findings):
                skipped[rule.id] = "another rule's verified fix explains the loss"
                continue
            settled = follow_impairment(settle_fixes(finding, measured), rule.capped_when_fit, fits)
            assessed = assess_confidence(settled, measured, rule.capped_when_fit, fit_relative_loss)
            findings.append(follow_budget(assessed, measured, rule.capped_when_fit))
    report_consequences(findings, {r.id: r.consequence_of for r in rules}, measured)
    findings.sort(key=importance)
    return Diagnosis(findings=findings, measurements=measured, skipped=skipped, fit=fit,
                     fit_relative_loss=fit_relative_loss)
