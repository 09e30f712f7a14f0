"""The CI report formats over hand-built diagnoses: JSON, SARIF, JUnit, Markdown, and plots. Pure: no TF."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import blow_up, decay, healthy, make_measurements, same
from dnndoctor import report
from dnndoctor.errors import InputError
from dnndoctor.findings import Severity
from dnndoctor.report import json_report, junit, markdown, plots, sarif
from dnndoctor.report.checks import CheckResult
from dnndoctor.rules import ALL_RULES, judge, select_rules
from validators import junit_cases, outcome, valid_report, valid_sarif

ROOT = Path("/project")
DEAD = {"dense_1": {"dead_fraction": [0.1] + [1.0] * 10}}


def sick(final: float = 0.98):
    """Dead units in 2/3 seeds that LeakyReLU revives (an error), a diverging third seed (a warning), NaN in the
    curves."""
    return judge(make_measurements(
        {"baseline": [decay(1.5, final), decay(1.5, final), blow_up(at=100)],
         "lr_x10": same(blow_up(at=20)), "lr_div10": same(decay(1.0, 0.01)), "wider": same(decay(1.5, 0.97)),
         "leaky_relu": same(decay(1.0, 0.01))},
        traces={"baseline": [DEAD, DEAD, {}]}))


def checks(*diagnoses, error: str | None = None) -> list[CheckResult]:
    out = [CheckResult(f"check{k}", ROOT / "models" / f"m{k}.keras", ROOT / "data" / f"d{k}.npz", d)
           for k, d in enumerate(diagnoses)]
    if error:
        out.append(CheckResult("broken", ROOT / "broken.keras", ROOT / "broken.npz", error=error))
    return out


# -- JSON ---------------------------------------------------------------------------------------

def test_json_report_matches_its_schema():
    for diagnosis in (sick(), judge(healthy()), judge(make_measurements({"baseline": same(decay(1.0, 0.9))}))):
        document = valid_report(json_report.render(diagnosis))
        assert document["schema_version"] == json_report.SCHEMA_VERSION


def test_json_collection_matches_its_schema():
    text = report.render("json", checks(sick(), judge(healthy()), error="broken.keras: cannot load"),
                         configured=True, fail_on=Severity.ERROR, root=ROOT, image_root=ROOT)
    document = valid_report(text)
    assert [c["name"] for c in document["checks"]] == ["check0", "check1", "broken"]
    assert document["checks"][0]["model_path"] == "models/m0.keras"
    assert document["checks"][2] == {"name": "broken", "model_path": "broken.keras", "data_path": "broken.npz",
                                     "error": "broken.keras: cannot load"}


def test_the_schema_rejects_a_report_without_findings():
    document = json_report.to_dict(sick())
    del document["findings"]
    with pytest.raises(Exception, match="findings"):
        valid_report(json_report.json.dumps(document))


def test_json_lists_skipped_rules():
    diagnosis = judge(make_measurements({"baseline": same(decay(1.0, 0.005))}), select_rules(ignore=["DD101"]))
    skipped = valid_report(json_report.render(diagnosis))["skipped"]
    assert skipped["DD101"] == "not selected" and "lr_x10" in skipped["DD311"]


# -- SARIF --------------------------------------------------------------------------------------

def test_sarif_matches_the_official_schema():
    log = valid_sarif(sarif.render(checks(sick(), judge(healthy()), error="broken.keras: cannot load"), ROOT))
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    assert run["invocations"][0]["executionSuccessful"] is False
    assert "broken" in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    valid_sarif(sarif.render(checks(judge(healthy())), ROOT))


def test_sarif_rules_carry_the_documentation():
    rules = sarif.to_sarif(checks(sick()), ROOT)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in ALL_RULES]
    for descriptor, rule in zip(rules, ALL_RULES):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary()
        assert descriptor["help"]["text"] == rule.documentation()
        assert descriptor["help"]["markdown"].startswith(f"# {rule.id} {rule.name}")
        assert descriptor["fullDescription"]["text"] and "\n" not in descriptor["fullDescription"]["text"]
        assert descriptor["properties"]["category"] == rule.category


def test_sarif_results_locate_the_model_file_and_its_layers():
    diagnosis = sick()
    run = sarif.to_sarif(checks(diagnosis), ROOT)["runs"][0]
    results = run["results"]
    assert [r["ruleId"] for r in results] == [f.id for f in diagnosis.findings]
    for result, finding in zip(results, diagnosis.findings):
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == finding.id
        assert result["level"] == {Severity.ERROR: "error", Severity.WARNING: "warning"}[finding.severity]
        location = result["locations"][0]
        assert location["physicalLocation"]["artifactLocation"] == {"uri": "models/m0.keras", "uriBaseId": "%SRCROOT%"}
        assert location["physicalLocation"]["region"] == {"startLine": 1}
        assert [loc["name"] for loc in location.get("logicalLocations", [])] == finding.layers
        assert result["properties"]["data"] == "data/d0.npz"
    dead = next(r for r in results if r["ruleId"] == "DD201")
    assert dead["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "sequential/dense_1"


def test_sarif_paths_outside_the_root_are_absolute():
    outside = [CheckResult("x", Path("/elsewhere/m.keras"), Path("/elsewhere/d.npz"), sick())]
    result = valid_sarif(sarif.render(outside, ROOT))["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "/elsewhere/m.keras"}


def fingerprints(diagnosis, results=None) -> dict[str, str]:
    log = sarif.to_sarif(results or checks(diagnosis), ROOT)
    return {r["ruleId"]: r["partialFingerprints"][sarif.FINGERPRINT] for r in log["runs"][0]["results"]}


def test_fingerprints_are_stable_across_runs_and_distinct_across_files():
    first, again = fingerprints(sick(final=0.98)), fingerprints(sick(final=0.9))  # other measured values
    assert first == again and len(set(first.values())) == len(first)
    other_data = [CheckResult("check0", ROOT / "models" / "m0.keras", ROOT / "data" / "other.npz", sick())]
    assert set(fingerprints(None, other_data).values()).isdisjoint(first.values())


# -- JUnit --------------------------------------------------------------------------------------

def test_junit_has_one_case_per_rule_per_check():
    baseline_only = judge(make_measurements({"baseline": same(decay(1.0, 0.005))}), select_rules(ignore=["DD101"]))
    text = junit.render(checks(sick(), baseline_only, error="broken.keras: cannot load"), Severity.ERROR)
    suites = junit_cases(text)
    assert list(suites) == ["check0", "check1", "broken"]
    names = [f"{r.id} {r.name}" for r in ALL_RULES]
    assert list(suites["check0"]) == names == list(suites["check1"])
    sick_cases = {name.split()[0]: outcome(case) for name, case in suites["check0"].items()}
    assert sick_cases["DD201"] == "failed"
    assert sick_cases["DD301"] == "passed"  # a warning, below --fail-on error
    assert "DD301" in suites["check0"]["DD301 diverging-loss"].find("system-out").text
    skipped = {name.split()[0]: case for name, case in suites["check1"].items() if outcome(case) == "skipped"}
    assert skipped["DD101"].find("skipped").get("message") == "not selected"
    assert "lr_x10" in skipped["DD311"].find("skipped").get("message")
    assert {outcome(c) for c in suites["broken"].values()} == {"error"}


def test_junit_counts_follow_fail_on():
    text = junit.render(checks(sick()), Severity.WARNING)
    root = junit.ET.fromstring(text.encode())
    suite = root.find("testsuite")
    assert suite.get("tests") == str(len(ALL_RULES)) and suite.get("failures") == "2"
    assert root.get("failures") == "2" and root.get("errors") == "0"
    never = junit.ET.fromstring(junit.render(checks(sick()), None).encode())
    assert never.get("failures") == "0"


# -- Markdown -----------------------------------------------------------------------------------

def test_markdown_summarizes_each_check():
    result = checks(sick(), judge(healthy()), error="broken.keras: cannot load")
    result[0].plots = {"loss": ROOT / "out" / "plots" / "check0.loss.png"}
    text = markdown.render(result, ROOT, image_root=ROOT / "out")
    assert "## dnndoctor: check0: 1 error, 1 warning" in text
    assert "| error | DD201 dead-relu-units |" in text
    assert "<summary>DD201 dead-relu-units: evidence and fixes</summary>" in text
    assert "```python" in text
    assert "![Training loss of check0, per probe](plots/check0.loss.png)" in text
    assert "## dnndoctor: check1: healthy" in text and "No finding" in text
    assert "## dnndoctor: broken: could not run" in text and "> broken.keras: cannot load" in text
    assert "`models/m0.keras` on `data/d0.npz`" in text


def test_markdown_table_cells_stay_on_one_row():
    assert markdown.cell("a | b\nc") == "a \\| b c"


# -- output paths -------------------------------------------------------------------------------

def test_output_path_checks(tmp_path):
    report.check_output_path(tmp_path / "report.sarif")
    for bad, needle in ((tmp_path, "is a folder"), (tmp_path / "missing" / "r.json", "does not exist")):
        with pytest.raises(InputError, match=needle):
            report.check_output_path(bad)


# -- plots --------------------------------------------------------------------------------------

def test_plots_are_written_as_png(tmp_path):
    paths = plots.write_plots(sick(), tmp_path / "plots", "sick")
    assert set(paths) == set(plots.KINDS)
    for kind, path in paths.items():
        assert path == tmp_path / "plots" / f"sick.{kind}.png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_matplotlib_is_a_clear_input_error(monkeypatch):
    monkeypatch.setattr(plots.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(InputError, match=r"pip install 'dnndoctor\[plots\]'"):
        plots.require_matplotlib()


def test_plots_that_cannot_be_written_are_an_input_error(tmp_path):
    from dnndoctor.runner import _plot

    (tmp_path / "taken").write_text("a file where the plots folder should be")
    with pytest.raises(InputError, match="cannot write the plots"):
        _plot(sick(), tmp_path / "taken" / "plots", "sick")


@pytest.mark.parametrize("rule_id, level, severities", [
    # every rule whose severity follows impairment also emits info when the setup fits
    ("DD101", "error", ["info", "warning", "error"]),  # warns, or errs when training barely moved
    ("DD311", "error", ["info", "warning", "error"]),
    ("DD402", "note", ["info"]),
    ("DD302", "warning", ["info", "warning"]),
])
def test_sarif_rules_publish_the_worst_severity_they_emit(rule_id, level, severities):
    from dnndoctor.report.sarif import rule_descriptor
    from dnndoctor.rules import find_rule

    descriptor = rule_descriptor(find_rule(rule_id))
    assert descriptor["defaultConfiguration"]["level"] == level
    assert descriptor["properties"]["severities"] == severities
