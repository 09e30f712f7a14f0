"""The Markdown report, for a pull-request comment or a CI job summary.

Per check: the verdict, a table of findings, each finding's evidence and fixes folded in a
``<details>`` block, the counterfactual probes, the rules that were skipped, and the loss-curve
image when plots were written.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..findings import Diagnosis, Finding
from ..formatting import format_number, seed_cell
from ..runstats import relative_final
from .checks import CheckResult, display_path
from .plain import evidence_text, fix_line


def cell(text: str) -> str:
    """Text safe inside a table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def findings_table(findings: list[Finding]) -> list[str]:
    lines = ["| severity | rule | finding | seeds | layers |", "| --- | --- | --- | --- | --- |"]
    for f in findings:
        lines.append(f"| {f.severity.label} | {f.id} {f.name} | {cell(f.message)} | {f.seeds or '–'} | "
                     f"{cell(', '.join(f.layers)) or '–'} |")
    return lines


def finding_details(finding: Finding) -> list[str]:
    lines = ["<details>", f"<summary>{finding.id} {finding.name}: evidence and fixes</summary>", ""]
    lines += [f"- {key}: `{evidence_text(value)}`" for key, value in finding.evidence.items()]
    for fix in finding.fixes:
        lines += ["", f"**Fix:** {fix_line(fix)}", "", "```python", fix.code, "```"]
    return lines + ["", "</details>", ""]


def probes_table(diagnosis: Diagnosis) -> list[str]:
    measured = diagnosis.measurements
    seeds = measured.budget.seeds
    lines = ["| setup | change | " + " | ".join(f"seed {s}" for s in seeds) + " |",
             "| --- | --- | " + " | ".join("---:" for _ in seeds) + " |"]
    for variant in measured.variants:
        rels = {r.seed: relative_final(measured, r) for r in measured.runs_of(variant.name)}
        lines.append(f"| {cell(variant.description)} | {cell(variant.change or '–')} | "
                     + " | ".join(seed_cell(rels, s) for s in seeds) + " |")
    return lines


def check_section(check: CheckResult, root: Path, image_root: Path) -> list[str]:
    title = f"## dnndoctor: {check.name}"
    files = f"`{display_path(check.model, root)}` on `{display_path(check.data, root)}`"
    if check.diagnosis is None:
        return [f"{title}: could not run", "", files, "", f"> {check.error}", ""]
    diagnosis, measured = check.diagnosis, check.diagnosis.measurements
    lr = f"{measured.model.learning_rate:.3g}" if measured.model.learning_rate is not None else "?"
    lines = [f"{title}: {diagnosis.verdict()}", "",
             f"{files} · {measured.model.optimizer}, learning rate {lr}, loss {measured.model.loss} · "
             f"{measured.budget.steps} steps × seeds {', '.join(map(str, measured.budget.seeds))} × "
             f"{len(measured.variants)} setups", ""]
    if diagnosis.findings:
        lines += findings_table(diagnosis.findings) + [""]
        for finding in diagnosis.findings:
            lines += finding_details(finding)
    else:
        lines += ["No finding: the model trains.", ""]
    lines += ["**Final loss ÷ constant-prediction loss, per probe**", ""] + probes_table(diagnosis) + [""]
    if "loss" in check.plots:
        image = Path(os.path.relpath(os.path.abspath(check.plots["loss"]), os.path.abspath(image_root)))
        lines += [f"![Training loss of {check.name}, per probe]({image.as_posix()})", ""]
    if diagnosis.skipped:
        lines += ["<sub>Skipped: " + "; ".join(f"{rule} ({why})" for rule, why in diagnosis.skipped.items())
                  + "</sub>", ""]
    return lines


def render(checks: list[CheckResult], root: Path, image_root: Path | None = None) -> str:
    """Every check as a section; paths relative to ``root``, images relative to ``image_root``."""
    lines = [line for check in checks for line in check_section(check, root, image_root or root)]
    return "\n".join(lines).rstrip() + "\n"
