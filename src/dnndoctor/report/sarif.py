"""The SARIF 2.1.0 report, in the form GitHub code scanning accepts.

Every rule is described in ``tool.driver.rules`` with its documentation as help. Each finding
is a result located at the model file (line 1: the file is binary), with the layers involved
as logical locations and a fingerprint that depends only on the rule, the files and the layers,
so the same finding matches across runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from .. import __version__
from ..docs import rule_markdown, sections
from ..findings import Finding, Severity
from ..measurements import _jsonable
from ..rules import ALL_RULES
from ..rules.rule import Rule
from .checks import CheckResult, display_path
from .plain import fix_line

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}
FINGERPRINT = "dnndoctorFinding/v1"
SOURCE_ROOT = "%SRCROOT%"


def rule_descriptor(rule: type[Rule]) -> dict:
    """A SARIF reportingDescriptor: id, name, descriptions and the full documentation as help.

    The default level is the most severe the rule emits; each result carries its own level.
    """
    what = dict(sections(rule)).get("What it does", rule.summary())
    worst = max(rule.severities)
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": " ".join(what.split())},
        "help": {"text": rule.documentation(), "markdown": rule_markdown(rule)},
        "defaultConfiguration": {"level": LEVEL[worst]},
        "properties": {"category": rule.category, "tags": ["dnndoctor", rule.category],
                       "problem.severity": PROBLEM_SEVERITY[worst],
                       "severities": [severity.label for severity in rule.severities]},
    }


def fingerprint(finding: Finding, model_uri: str, data_uri: str) -> str:
    """A hash of what identifies a finding across runs: rule, files and layers, never measured values."""
    key = "|".join([finding.id, model_uri, data_uri, *sorted(finding.layers)])
    return hashlib.sha256(key.encode()).hexdigest()


def artifact(path: Path, root: Path) -> dict:
    uri = display_path(path, root)
    return {"uri": uri} if uri.startswith("/") else {"uri": uri, "uriBaseId": SOURCE_ROOT}


def result(finding: Finding, check: CheckResult, root: Path, rule_index: dict[str, int]) -> dict:
    model_uri, data_uri = display_path(check.model, root), display_path(check.data, root)
    model_name = check.diagnosis.measurements.model.name
    location: dict = {"physicalLocation": {"artifactLocation": artifact(check.model, root), "region": {"startLine": 1}}}
    if finding.layers:
        location["logicalLocations"] = [{"name": layer, "fullyQualifiedName": f"{model_name}/{layer}", "kind": "member"}
                                        for layer in finding.layers]
    text = " ".join([finding.message, *(f"Fix: {fix_line(fix)}." for fix in finding.fixes)])
    out = {
        "ruleId": finding.id,
        "level": LEVEL[finding.severity],
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: fingerprint(finding, model_uri, data_uri)},
        "properties": _jsonable({"check": check.name, "data": data_uri, "category": finding.category,
                                 "seeds": finding.seeds, "confidence": finding.confidence, "evidence": finding.evidence,
                                 "fixes": [dataclasses.asdict(fix) for fix in finding.fixes]}),
    }
    if finding.id in rule_index:
        out["ruleIndex"] = rule_index[finding.id]
    return out


def to_sarif(checks: list[CheckResult], root: Path) -> dict:
    """One SARIF log with one run holding the results of every check; paths relative to ``root``."""
    rule_index = {rule.id: k for k, rule in enumerate(ALL_RULES)}
    results = [result(f, check, root, rule_index) for check in checks if check.diagnosis is not None
               for f in check.diagnosis.findings]
    failures = [{"level": "error", "message": {"text": f"{check.name}: {check.error}"}}
                for check in checks if check.error]
    invocation: dict = {"executionSuccessful": not failures}
    if failures:
        invocation["toolExecutionNotifications"] = failures
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "dnndoctor", "version": __version__, "semanticVersion": __version__,
                                "rules": [rule_descriptor(rule) for rule in ALL_RULES]}},
            "invocations": [invocation],
            "results": results,
        }],
    }


def render(checks: list[CheckResult], root: Path) -> str:
    return json.dumps(to_sarif(checks, root), indent=2)
