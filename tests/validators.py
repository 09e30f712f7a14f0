"""Validators of the machine-readable reports, shared by the pure and the TensorFlow tests."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema

SARIF_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text())
REPORT_SCHEMA = json.loads(resources.files("dnndoctor.report").joinpath("schema/report.schema.json").read_text())


def strict_json(text: str):
    """Parse JSON that holds no NaN or Infinity tokens."""
    def refuse(token):
        raise AssertionError(f"non-standard JSON token {token}")
    return json.loads(text, parse_constant=refuse)


def valid_report(text: str) -> dict:
    """The JSON report (single or collection), validated against the shipped schema."""
    document = strict_json(text)
    jsonschema.Draft202012Validator(REPORT_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)
    return document


def valid_sarif(text: str) -> dict:
    """A SARIF log validated against the official SARIF 2.1.0 schema."""
    document = strict_json(text)
    jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)
    return document


def junit_cases(text: str) -> dict[str, dict[str, ET.Element]]:
    """Suite name -> test case name -> element, from a JUnit XML document."""
    root = ET.fromstring(text.encode())
    assert root.tag == "testsuites"
    return {suite.get("name"): {case.get("name"): case for case in suite.iter("testcase")}
            for suite in root.iter("testsuite")}


def outcome(case: ET.Element) -> str:
    """passed, failed, skipped or error."""
    for tag, name in (("failure", "failed"), ("skipped", "skipped"), ("error", "error")):
        if case.find(tag) is not None:
            return name
    return "passed"
