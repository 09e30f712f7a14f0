"""The JSON report: one object on stdout, findings most important first.

A check of MODEL DATA prints its report; configured checks print a collection of reports.
``schema/report.schema.json`` describes both. Fields may be added within a schema version;
removing or changing one raises ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from .. import __version__
from ..findings import Diagnosis
from ..measurements import _jsonable
from ..runstats import final_accuracy, relative_final
from ..sanity import sanity_checks
from .checks import CheckResult, display_path

SCHEMA_VERSION = 1


def variant_summary(diagnosis: Diagnosis) -> list[dict]:
    """Each probed variant with its final loss relative to the trivial baseline, per seed it was probed on."""
    measured = diagnosis.measurements
    out = []
    for variant in measured.variants:
        runs = measured.runs_of(variant.name)
        rels = [relative_final(measured, r) for r in runs]
        out.append({**dataclasses.asdict(variant),
                    "seeds": [r.seed for r in runs],
                    "relative_final_loss": rels,
                    "median_relative_final_loss": float(np.median(rels)) if rels else None,
                    "accuracy": [final_accuracy(r, variant.moving_statistics) for r in runs]})
    return out


def to_dict(diagnosis: Diagnosis) -> dict:
    measured = diagnosis.measurements
    return _jsonable({
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dnndoctor", "version": __version__},
        "model": dataclasses.asdict(measured.model),
        "data": dataclasses.asdict(measured.data),
        "budget": dataclasses.asdict(measured.budget),
        "seeds": measured.budget.seeds,
        "baseline_loss": measured.baseline_loss,
        "floor_loss": measured.floor_loss,
        "timings": measured.timings,
        "engine": measured.engine,
        "cuts": measured.cuts,
        "inapplicable_edits": measured.inapplicable_edits,
        "budget_cut_edits": measured.budget_cut_edits,
        "variants": variant_summary(diagnosis),
        "verdict": diagnosis.verdict(),
        "findings": [f.to_dict() for f in diagnosis.findings],
        "skipped": diagnosis.skipped,
        "fixed_model": diagnosis.fixed_model,
        "checks": sanity_checks(measured),
    })


def render(diagnosis: Diagnosis) -> str:
    return json.dumps(to_dict(diagnosis), indent=2, sort_keys=False)


def collection(checks: list[CheckResult], root: Path) -> dict:
    """The configured checks of a run: each with its files and its report, or its error."""
    entries = []
    for check in checks:
        entry = {"name": check.name, "model_path": display_path(check.model, root),
                 "data_path": display_path(check.data, root)}
        entry.update({"report": to_dict(check.diagnosis)} if check.diagnosis is not None else {"error": check.error})
        entries.append(entry)
    return {"schema_version": SCHEMA_VERSION, "tool": {"name": "dnndoctor", "version": __version__},
            "checks": entries}


def render_collection(checks: list[CheckResult], root: Path) -> str:
    return json.dumps(collection(checks, root), indent=2)
