"""The JUnit XML report: a test suite per check, a test case per rule.

A rule's case fails when it found something at the ``--fail-on`` level or above, passes
otherwise (a milder finding is kept in its system-out), and is skipped, with the reason,
when the rule was not selected or could not judge. A check that ended in an error is one
errored case.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..findings import Severity
from ..rules import ALL_RULES
from .checks import CheckResult
from .plain import finding_text


def suite(check: CheckResult, fail_on: Severity | None) -> ET.Element:
    element = ET.Element("testsuite", name=check.name, time="0")
    properties = ET.SubElement(element, "properties")
    for name, value in (("model", check.model), ("data", check.data)):
        ET.SubElement(properties, "property", name=name, value=str(value))
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if check.diagnosis is None:
        case = ET.SubElement(element, "testcase", classname=f"dnndoctor.{check.name}", name="check", time="0")
        ET.SubElement(case, "error", message=check.error or "", type="DoctorError").text = check.error
        counts.update(tests=1, errors=1)
    else:
        diagnosis = check.diagnosis
        for rule in ALL_RULES:
            case = ET.SubElement(element, "testcase", classname=f"dnndoctor.{check.name}",
                                 name=f"{rule.id} {rule.name}", time="0")
            counts["tests"] += 1
            findings = [f for f in diagnosis.findings if f.id == rule.id]
            failing = [f for f in findings if fail_on is not None and f.severity >= fail_on]
            if rule.id in diagnosis.skipped:
                ET.SubElement(case, "skipped", message=diagnosis.skipped[rule.id])
                counts["skipped"] += 1
            elif failing:
                ET.SubElement(case, "failure", message=failing[0].message,
                              type=failing[0].severity.label).text = "\n\n".join(map(finding_text, failing))
                counts["failures"] += 1
            elif findings:
                ET.SubElement(case, "system-out").text = "\n\n".join(map(finding_text, findings))
        element.set("time", f"{diagnosis.measurements.timings.get('total', 0.0):.3f}")
    for key, value in counts.items():
        element.set(key, str(value))
    return element


def render(checks: list[CheckResult], fail_on: Severity | None) -> str:
    """Every check as a <testsuite> of one <testsuites> document."""
    root = ET.Element("testsuites", name="dnndoctor")
    suites = [suite(check, fail_on) for check in checks]
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key)) for s in suites)))
    root.extend(suites)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
