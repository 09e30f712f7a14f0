"""Findings as plain text, shared by the text-based reports (JUnit, Markdown, SARIF messages)."""

from __future__ import annotations

from ..findings import Finding, Fix
from ..formatting import format_number


def evidence_text(value) -> str:
    """A measured value for humans: floats to three digits, lists and mappings spelled out."""
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, list):
        return "[" + ", ".join(evidence_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {evidence_text(v)}" for k, v in value.items())
    return "–" if value is None else str(value)


def fix_status(fix: Fix) -> str:
    """Whether a probe verified the fix: verified, did not help, or unverified."""
    if not fix.probed:
        return "unverified"
    return "verified" if fix.verified else "did not help"


def fix_line(fix: Fix) -> str:
    return f"{fix.summary} ({fix_status(fix)}" + (f": {fix.effect})" if fix.effect else ")")


def headline(finding: Finding) -> str:
    """Severity, rule, and where: the title of a finding."""
    where = [finding.seeds] if finding.seeds else []
    if finding.layers:
        where.append(", ".join(finding.layers))
    if finding.confidence != "high":
        where.append(f"{finding.confidence} confidence")
    return (f"{finding.severity.label.upper()} {finding.id} {finding.name} · {finding.category}"
            + "".join(f" · {w}" for w in where))


def finding_text(finding: Finding) -> str:
    """A finding in full: headline, message, evidence and fixes with their code."""
    lines = [headline(finding), finding.message]
    lines += [f"  {key}: {evidence_text(value)}" for key, value in finding.evidence.items()]
    for fix in finding.fixes:
        lines += [f"fix: {fix_line(fix)}", f"    {fix.code}"]
    return "\n".join(lines)
