"""Settling a rule's finding (failed fixes out, verified fixes first, severity capped when the
setup fits, confidence lowered when the evidence is within seed noise of a threshold, a
consequence of another finding's root cause reported below it) and ranking findings."""

from __future__ import annotations

import math

import numpy as np

from ..findings import Finding, Fix, Severity
from ..formatting import format_number
from ..measurements import Measurements
from ..runstats import FITS, SEED_NOISE, TINY, impaired, majority
from .fixes import variant_effect, wins

MAX_GAIN = 12.0  # decades: a fix that turns a non-finite loss finite ranks above any finite gain
RANK_STEP = 0.5  # gains within half a decade rank as equal, so that severity decides between them


def fix_gain(fix: Fix | None, measured: Measurements, seeds: list[int], floor: float = TINY) -> float:
    """log10 of the median improvement a verified fix brought (0 when none), counting a loss below
    ``floor`` (relative) as ``floor``."""
    if fix is None or fix.variant is None or not fix.verified:
        return 0.0
    before, after = variant_effect(measured, fix.variant, seeds)
    ratios = [math.log10(max(b, TINY) / max(a, floor)) if math.isfinite(a) else 0.0
              for b, a in zip(before, after) if math.isfinite(b) or math.isfinite(a)]
    return float(np.median([min(r, MAX_GAIN) if math.isfinite(r) else MAX_GAIN for r in ratios])) if ratios else 0.0


def settle_fixes(finding: Finding, measured: Measurements) -> Finding:
    """Drop the fixes whose probe showed no help (listed in the evidence instead), order the
    rest verified first, and rank the finding by its best verified fix's measured gain. Below the
    fit cutoff a loss counts as the cutoff: two remedies that both make the setup fit rank alike
    (the decades beyond a fit are overconfidence on the probe batch, not a better remedy)."""
    seeds = [r.seed for r in measured.runs_of("baseline")]
    failed = [f for f in finding.fixes if f.probed and not f.verified]
    if failed:
        finding.evidence["fixes_that_did_not_help"] = [f"{f.summary}: {f.effect}" for f in failed]
    finding.fixes = sorted((f for f in finding.fixes if f not in failed),
                           key=lambda f: (not f.verified, -fix_gain(f, measured, seeds)))
    finding.rank = max([finding.rank, *(fix_gain(f, measured, seeds, FITS) for f in finding.fixes)])
    return finding


def importance(finding: Finding) -> tuple:
    """Sort key, most important first: measured gain of the best fix (in steps of ``RANK_STEP``
    decades), then severity, then id."""
    return (-round(finding.rank / RANK_STEP) * RANK_STEP, -finding.severity, finding.id)


def follow_impairment(finding: Finding, capped_when_fit: bool, fits: bool) -> Finding:
    """Cap the finding at info when the user's setup fits within the budget in every seed:
    whatever the rule saw did not keep the model from training, so it is advice, not a warning."""
    if capped_when_fit and fits and finding.severity > Severity.INFO:
        finding.evidence["severity_capped"] = f"{finding.severity.label} → info: the setup fits within the budget"
        finding.severity = Severity.INFO
    return finding


def follow_budget(finding: Finding, measured: Measurements, capped_when_fit: bool) -> Finding:
    """Cap at info, with low confidence, a finding none of whose fixes is verified when the time
    budget cut the probe of one of them: the cut probe could have refuted the finding as well as
    confirmed it, and a check cut shorter must not say more than a complete one. Findings whose
    harm the training loss does not show (``capped_when_fit`` False) keep their severity."""
    cut = [f for f in finding.fixes if f.variant in measured.budget_cut_edits]
    if not capped_when_fit or not cut or any(f.verified for f in finding.fixes) or finding.severity <= Severity.INFO:
        return finding
    reason = f"the time budget cut the probe of {', '.join(f.variant for f in cut)}, which could refute or confirm it"
    finding.evidence["severity_capped"] = f"{finding.severity.label} → info: {reason}"
    finding.evidence["low_confidence"] = "; ".join(filter(None, [finding.evidence.get("low_confidence"), reason]))
    finding.severity, finding.confidence = Severity.INFO, "low"
    return finding


def clear_win(fix: Fix, measured: Measurements, seeds: list[int]) -> bool:
    """Whether a verified fix's median gain beats the gain its probe had to show by at least the seed noise."""
    return fix.verified and bool(fix.needed) and fix_gain(fix, measured, seeds) >= math.log10(fix.needed) + SEED_NOISE


def best_gain(finding: Finding, measured: Measurements) -> float:
    """log10 of the median improvement of the finding's best verified fix (0 when none), a loss
    below the fit cutoff counted as the cutoff, as for ranking."""
    seeds = [r.seed for r in measured.runs_of("baseline")]
    return max((fix_gain(f, measured, seeds, FITS) for f in finding.fixes if f.verified), default=0.0)


def root_cause_of(finding: Finding, causes: tuple[str, ...], findings: list[Finding],
                  measured: Measurements) -> Finding | None:
    """The finding, among ``findings`` at warning or error in one of the ``causes`` categories,
    whose verified fix ends at least as low as ``finding``'s best fix (within seed noise), when
    there is one: the remedy of that root cause removes what ``finding`` saw, so ``finding`` is
    its consequence. The strongest such root cause is returned. While one of ``finding``'s own
    remedies awaits its probe, its best is unknown, and it is no one's consequence yet."""
    if not causes or any(fix.variant and not fix.probed for fix in finding.fixes):
        return None
    own = best_gain(finding, measured)
    roots = [(gain, other) for other in findings
             if other is not finding and other.category in causes and other.severity > Severity.INFO
             and (gain := best_gain(other, measured)) > 0 and gain >= own - SEED_NOISE]
    return max(roots, key=lambda gr: gr[0])[1] if roots else None


def report_consequences(findings: list[Finding], consequence_of: dict[str, tuple[str, ...]],
                        measured: Measurements) -> list[Finding]:
    """Each finding whose root cause another finding shows (see ``root_cause_of``), judged on the
    severities as the rules gave them, goes to info and ranks no higher than its root cause."""
    roots = {id(f): root_cause_of(f, consequence_of.get(f.id, ()), findings, measured) for f in findings}
    for finding in findings:
        root = roots[id(finding)]
        if root is None:
            continue
        finding.evidence["consequence_of"] = (
            f"{root.id} {root.name}: its verified fix ends {format_number(10 ** best_gain(root, measured))}× lower, "
            f"this finding's best {format_number(10 ** best_gain(finding, measured))}×")
        finding.severity = min(finding.severity, Severity.INFO)
        finding.rank = min(finding.rank, root.rank)
    return findings


def near(value: float, threshold: float) -> bool:
    """Whether ``value`` lies within ``SEED_NOISE`` decades of ``threshold`` (both positive)."""
    return (value > 0 and threshold > 0 and math.isfinite(value)
            and abs(math.log10(value) - math.log10(threshold)) < SEED_NOISE)


def near_info(finding: Finding, edges: list[tuple[str, bool]]) -> Finding:
    """Low confidence for a warning or error when a number that would make it info lies within seed
    noise of its threshold, so that info is as likely; ``edges`` are (what, whether at the edge)."""
    reasons = [what for what, at_edge in edges if at_edge]
    if finding.severity != Severity.INFO and reasons:
        finding.confidence = "low"
        finding.evidence["low_confidence"] = "; ".join(reasons)
    return finding


def assess_confidence(finding: Finding, measured: Measurements, capped_when_fit: bool,
                      fit_relative_loss: float | None) -> Finding:
    """Low confidence when the verdict rests on a number within seed noise of its threshold: the
    setup's median relative loss near the fit cutoff that decides the severity, or the best
    verified fix's median gain (over the seeds where the setup does not fit) near the gain its
    probe had to show; or on a bare majority of seeds, when every verified fix won in just more
    than half of the seeds where the setup fails (a fix probed on one of them included)."""
    seeds = impaired(measured) or [r.seed for r in measured.runs_of("baseline")]
    reasons = []
    if capped_when_fit and fit_relative_loss is not None and near(fit_relative_loss, FITS):
        reasons.append(f"the setup ends at {fit_relative_loss:.3g}× a constant's loss, near the fit cutoff {FITS:g}")
    verified = [f for f in finding.fixes if f.verified and f.needed]
    if verified and not any(clear_win(f, measured, seeds) for f in verified):
        reasons.append("the verified fixes beat their required gain by less than the seed noise")
    if verified and len(seeds) > 1 and not any(
            majority(wins(*variant_effect(measured, f.variant, seeds), f.needed) - 1, len(seeds)) for f in verified):
        reasons.append("each verified fix won in a bare majority of the seeds where the setup fails: one seed the "
                       "other way would refute it")
    if reasons:
        finding.confidence = "low"
        finding.evidence["low_confidence"] = "; ".join(reasons)
    return finding
