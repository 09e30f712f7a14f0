"""The rule cases of tests/rule_cases/*.yaml: each rule's pass and fail cases, with the reason why.

A case names a scenario of tests/scenarios.py and its arguments, and ``fires``: the whole
judgement (every rule not listed must stay silent), with severities. Its ``reason`` states why
the rules should or should not fire: a specification written for the case, not a recording of
what the code does. One parametrized test runs them all.

A residual rule's note whose remedies are all still unprobed is a request for the verification
phase (which hand-built measurements never reach), not a verdict: ``fires`` leaves it out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from builders import EDITS
from dnndoctor.findings import Severity
from dnndoctor.rules import ALL_RULES, find_rule, judge
from scenarios import build

CASES_DIR = Path(__file__).parent / "rule_cases"
FILES = sorted(CASES_DIR.glob("*.yaml"))


def load_cases() -> list[tuple[str, dict]]:
    """(file stem, case) for every case of every file."""
    return [(path.stem, case) for path in FILES for case in yaml.safe_load(path.read_text())["cases"]]


CASES = load_cases()


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[f"{stem}:{c['name']}" for stem, c in CASES])
def test_rule_case(case):
    measured = build(case["scenario"], case.get("args"))
    diagnosis = judge(measured)
    ids = [f.id for f in diagnosis.findings]
    assert len(ids) == len(set(ids)), f"a rule gave several findings: {ids}"
    expected = {rule_id: Severity.parse(label) for rule_id, label in case["fires"].items()}
    verdicts = [f for f in diagnosis.findings if not awaiting_verification(f)]
    assert {f.id: f.severity for f in verdicts} == expected, case["reason"]
    for f in diagnosis.findings:  # what every settled finding promises
        rule = find_rule(f.id)
        assert (f.name, f.category) == (rule.name, rule.category) and f.message.endswith(".")
        assert f.severity in rule.severities
        assert f.seeds is None or re.fullmatch(r"[1-9]\d*/[1-3] seeds", f.seeds)
        assert all(fix.verified or not fix.probed for fix in f.fixes), "a fix that did not help stayed"
        verified = [fix.verified for fix in f.fixes]
        assert verified == sorted(verified, reverse=True), "verified fixes come first"
        assert all(fix.effect and "better in" in fix.effect for fix in f.fixes if fix.verified)
        assert all(fix.variant in EDITS for fix in f.fixes if fix.variant)


def awaiting_verification(finding) -> bool:
    """A residual rule's note that proposes remedies none of which was probed yet."""
    return find_rule(finding.id).residual and not any(fix.probed for fix in finding.fixes)


def test_every_rule_has_its_file_of_firing_and_silent_cases():
    stems = {path.stem for path in FILES}
    assert stems == {rule.id for rule in ALL_RULES} | {"healthy"}
    for path in FILES:
        assert yaml.safe_load(path.read_text()).get("rule", "healthy") == path.stem
    for rule in ALL_RULES:
        own = [case for stem, case in CASES if stem == rule.id]
        assert any(rule.id in case["fires"] for case in own), f"{rule.id} never fires in its cases"
        assert sum(rule.id not in case["fires"] for case in own) >= 2, f"{rule.id} needs two silent cases"
        assert {case["fires"].get(rule.id) for case in own} - {None} <= {s.label for s in rule.severities}


def test_every_case_is_named_once_and_says_why():
    names = [f"{stem}:{case['name']}" for stem, case in CASES]
    assert len(names) == len(set(names))
    for stem, case in CASES:
        assert set(case) <= {"name", "scenario", "args", "fires", "reason"}, case["name"]
        assert len(case["reason"].split()) >= 8, f"{stem}:{case['name']}: the reason is too short to specify"
