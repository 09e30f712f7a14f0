"""The seed fixtures get the diagnoses that their measured behaviour under model.fit requires.

fixtures/expectations.json says, for each fixture, which categories the doctor must and must
not report; fixtures/<name>.measured.json holds the full-schedule model.fit runs behind it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dnndoctor.api import check_files
from dnndoctor.findings import Severity
from dnndoctor.options import CheckOptions

pytestmark = pytest.mark.tf
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXPECTATIONS = json.loads((FIXTURES / "expectations.json").read_text())


@pytest.mark.parametrize("case", sorted(EXPECTATIONS))
def test_fixture_diagnosis_matches_measured_expectations(case):
    expected = EXPECTATIONS[case]
    # A budget no fixture check reaches on any machine: what is asserted is what the probes measure,
    # not what a loaded machine had time for (the default budget's cuts are tested in test_deadline.py).
    options = CheckOptions(steps=expected.get("steps", CheckOptions().steps), time_budget=600.0)
    diagnosis = check_files(FIXTURES / expected["model"], FIXTURES / expected["data"], options)
    reported = {f.category for f in diagnosis.findings if f.severity > Severity.INFO}
    summary = [(f.id, f.category, f.severity.label, f.seeds) for f in diagnosis.findings]
    for category in expected["must_report"]:
        assert category in reported, summary
    for category in expected["must_not_report"]:
        assert category not in reported, summary
    if "worst_severity" in expected:
        assert (diagnosis.worst or Severity.INFO) <= Severity.parse(expected["worst_severity"]), summary
    if expected["must_report"]:
        top = diagnosis.findings[0]
        assert top.category in expected["must_report"], summary
        assert any(fix.verified for fix in top.fixes), summary


def test_every_fixture_has_its_measurements():
    for expected in EXPECTATIONS.values():
        name = expected["model"].removesuffix(".keras")
        runs = json.loads((FIXTURES / f"{name}.measured.json").read_text())["runs"]
        assert len(runs) >= 3 and all(r["loss_at_epoch"]["2000"] is not None for r in runs)
