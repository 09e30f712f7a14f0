"""Settling a rule's finding (failed fixes out, verified fixes first) and ranking findings."""

from __future__ import annotations

import math

import numpy as np

from ..findings import Finding, Fix
from ..measurements import Measurements
from ..runstats import TINY
from .fixes import variant_effect

MAX_GAIN = 12.0  # decades: a fix that turns a non-finite loss finite ranks above any finite gain
RANK_STEP = 0.5  # gains within half a decade rank as equal, so that severity decides between them


def fix_gain(fix: Fix | None, measured: Measurements, seeds: list[int]) -> float:
    """log10 of the median improvement a verified fix brought (0 when none), for ranking."""
    if fix is None or fix.variant is None or not fix.verified:
        return 0.0
    before, after = variant_effect(measured, fix.variant, seeds)
    ratios = [math.log10(max(b, TINY) / max(a, TINY)) if math.isfinite(a) else 0.0
              for b, a in zip(before, after) if math.isfinite(b) or math.isfinite(a)]
    return float(np.median([min(r, MAX_GAIN) if math.isfinite(r) else MAX_GAIN for r in ratios])) if ratios else 0.0


def settle_fixes(finding: Finding, measured: Measurements) -> Finding:
    """Drop the fixes whose probe showed no help (listed in the evidence instead), order the
    rest verified first, and rank the finding by its best verified fix's measured gain."""
    seeds = [r.seed for r in measured.runs_of("baseline")]
    failed = [f for f in finding.fixes if f.probed and not f.verified]
    if failed:
        finding.evidence["fixes_that_did_not_help"] = [f"{f.summary}: {f.effect}" for f in failed]
    finding.fixes = sorted((f for f in finding.fixes if f not in failed),
                           key=lambda f: (not f.verified, -fix_gain(f, measured, seeds)))
    finding.rank = max([finding.rank, *(fix_gain(f, measured, seeds) for f in finding.fixes)])
    return finding


def importance(finding: Finding) -> tuple:
    """Sort key, most important first: measured gain of the best fix (in steps of ``RANK_STEP``
    decades), then severity, then id."""
    return (-round(finding.rank / RANK_STEP) * RANK_STEP, -finding.severity, finding.id)
