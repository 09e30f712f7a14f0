"""Reporters and the Diagnosis summary: JSON, the rich console report, the character curve."""

from __future__ import annotations

import io
import json
import math
import warnings

import pytest
from rich.console import Console

from builders import INF, NAN, blow_up, decay, healthy, make_measurements, same
from dnndoctor.findings import Diagnosis, Finding, Fix, Severity
from dnndoctor.report import curve, json_report, rich_console
from dnndoctor.rules import judge

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO
FINDING_KEYS = {"id", "name", "category", "severity", "message", "evidence", "layers", "fixes", "seeds",
                "confidence"}


def sick():
    """Dead units in 2/3 seeds that LeakyReLU revives (error), plus a diverging seed (warning) with NaN in the
    curves."""
    dead = {"dense_1": {"dead_fraction": [0.1] + [1.0] * 10}}
    return judge(make_measurements(
        {"baseline": [decay(1.5, 0.98), decay(1.5, 0.98), blow_up(at=100)],
         "lr_x10": same(blow_up(at=20)), "lr_div10": same(decay(1.0, 0.01)), "wider": same(decay(1.5, 0.97)),
         "leaky_relu": same(decay(1.0, 0.01))},
        traces={"baseline": [dead, dead, {}]}))


def strict_json(text: str):
    def refuse(token):
        raise AssertionError(f"non-standard JSON token {token}")
    return json.loads(text, parse_constant=refuse)


# -- JSON ---------------------------------------------------------------------------------------

def test_json_report_schema():
    diagnosis = sick()
    data = strict_json(json_report.render(diagnosis))
    assert {"schema_version", "model", "data", "budget", "seeds", "timings", "findings"} <= set(data)
    assert data["schema_version"] == 1 and data["seeds"] == [0, 1, 2]
    assert data["tool"]["name"] == "dnndoctor"
    assert data["model"]["layers"][1]["name"] == "dense_1"
    assert data["budget"]["steps"] == 400
    assert data["verdict"] == diagnosis.verdict()
    assert data["findings"], "the sick model must have findings"
    for finding in data["findings"]:
        assert set(finding) == FINDING_KEYS
        assert finding["severity"] in ("error", "warning", "info")
        assert isinstance(finding["layers"], list) and isinstance(finding["evidence"], dict)
        for fix in finding["fixes"]:
            assert {"summary", "code", "variant", "effect", "verified", "probed", "needed"} == set(fix)


def test_json_findings_most_important_first():
    diagnosis = sick()
    data = strict_json(json_report.render(diagnosis))
    assert [f["id"] for f in data["findings"]] == [f.id for f in diagnosis.findings]
    order = {"error": 3, "warning": 2, "info": 1}
    ranks = [order[f["severity"]] for f in data["findings"]]
    assert ranks == sorted(ranks, reverse=True)
    assert [(f["id"], f["severity"]) for f in data["findings"]] == [("DD201", "error"), ("DD301", "warning")]


def test_json_nonfinite_evidence_becomes_null():
    data = strict_json(json_report.render(sick()))
    diverging = next(f for f in data["findings"] if f["id"] == "DD301")
    assert diverging["evidence"]["relative_final_loss"] == [None]
    assert diverging["seeds"] == "1/3 seeds"
    baseline = next(v for v in data["variants"] if v["name"] == "baseline")
    assert baseline["relative_final_loss"][2] is None
    assert baseline["median_relative_final_loss"] == pytest.approx(0.98)


def test_json_healthy():
    data = strict_json(json_report.render(judge(healthy())))
    assert data["findings"] == [] and data["verdict"] == "healthy"
    assert [v["name"] for v in data["variants"]] == ["baseline", "lr_x10", "lr_div10", "wider"]


# -- rich console -------------------------------------------------------------------------------

def render_text(diagnosis: Diagnosis, width: int = 100) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    rich_console.render(diagnosis, console)
    return console.file.getvalue()


def test_rich_report_shows_findings_layers_and_verdict():
    text = render_text(sick())
    assert "DD201" in text and "dead-relu-units" in text and "DD301" in text
    assert "Verdict: 1 error, 1 warning" in text
    for layer in ("dense", "dense_1", "dense_2"):
        assert layer in text
    assert "verified" in text and "2/3 seeds" in text
    assert "Traceback" not in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_rich_report_healthy():
    text = render_text(judge(healthy()))
    assert text.rstrip().endswith("Verdict: healthy")
    assert "dnndoctor check" in text and "Counterfactual probes" in text


def test_rich_report_unknown_learning_rate_and_baseline_only():
    text = render_text(judge(make_measurements({"baseline": same(decay(1.0, 0.9))}, learning_rate=None)), width=80)
    assert "learning rate ?" in text and "Verdict:" in text


def test_rich_report_all_seeds_diverged_warns_nothing():
    diagnosis = judge(make_measurements({"baseline": same(blow_up()), "lr_div10": same(decay(1.0, 0.01))}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render_text(diagnosis)


# -- the character curve ------------------------------------------------------------------------

@pytest.mark.parametrize("series", [
    {},
    {"empty": []},
    {"nan": [NAN, NAN]},
    {"inf": [INF, -INF]},
    {"none-zero-negative": [None, 0.0, -1.0]},
])
def test_draw_without_finite_values(series):
    assert curve.draw(series) == (["(no finite loss to draw)"], {})


@pytest.mark.parametrize("width, height", [(60, 10), (20, 5), (7, 3)])
def test_draw_lines_have_the_requested_width(width, height):
    series = {"a": decay(1.0, 0.001), "b": [1.0] * 50 + [NAN] * 10 + decay(1.0, 0.1, 100) + [INF],
              "c": [0.5, 0.4]}
    lines, marks = curve.draw(series, width=width, height=height)
    assert len(lines) == height + 1
    axis = 11  # "   1.27 ┤" label column, then the plot
    assert {len(line) for line in lines} == {axis + width}
    assert lines[-1] == " " * 10 + "└" + "─" * width
    assert list(marks) == ["a", "b", "c"] and len(set(marks.values())) == 3
    plotted = "".join(line[axis:] for line in lines[:-1])
    assert marks["a"] in plotted  # later curves may be hidden where they overlap earlier ones


def test_draw_flat_curve_and_labels():
    lines, _ = curve.draw({"flat": [0.25] * 30}, width=30, height=4)
    assert lines[0].strip().startswith("0.25")
    assert "●" * 30 in lines[0]


def test_resample():
    assert curve.resample([], 10) == []
    assert curve.resample([10.0, 100.0], 10) == [1.0, 2.0]
    out = curve.resample([1.0] * 50 + [NAN] * 50, 10)
    assert len(out) == 10 and out[:5] == [0.0] * 5 and all(math.isnan(v) for v in out[5:])


# -- Diagnosis ----------------------------------------------------------------------------------

def finding(severity: Severity, rule_id: str = "DD999") -> Finding:
    return Finding(id=rule_id, name="x", category="non-finite", severity=severity, message="m.", evidence={},
                   fixes=[Fix("f", "code")], rank=1.0)


@pytest.mark.parametrize("severities, verdict", [
    ([], "healthy"),
    ([I], "healthy (1 note)"),
    ([I, I], "healthy (2 notes)"),
    ([W], "1 warning"),
    ([W, W, I], "2 warnings"),
    ([E], "1 error"),
    ([E, W, W], "1 error, 2 warnings"),
    ([E, E, W, I], "2 errors, 1 warning"),
])
def test_verdict(severities, verdict):
    assert Diagnosis([finding(s) for s in severities], None).verdict() == verdict


@pytest.mark.parametrize("worst", [None, I, W, E])
@pytest.mark.parametrize("fail_on", [None, I, W, E])
def test_fails(worst, fail_on):
    diagnosis = Diagnosis([] if worst is None else [finding(I), finding(worst)], None)
    expected = fail_on is not None and worst is not None and worst >= fail_on
    assert diagnosis.fails(fail_on) is expected
    assert diagnosis.worst == worst


def test_fail_on_levels_by_name():
    diagnosis = Diagnosis([finding(W)], None)
    assert [diagnosis.fails(Severity.parse(level)) for level in ("error", "warning", "info")] == [False, True, True]
    assert not diagnosis.fails(None)


def test_finding_to_dict_drops_rank_and_labels_severity():
    data = finding(E).to_dict()
    assert "rank" not in data and data["severity"] == "error" and set(data) == FINDING_KEYS
    assert data["fixes"] == [{"summary": "f", "code": "code", "variant": None, "effect": None, "verified": False,
                             "probed": False, "needed": None}]


# -- the fit in the verdict, and fixes that did not help ----------------------------------------

def test_reports_state_an_unfinished_fit():
    diagnosis = judge(make_measurements({"baseline": same(decay(1.0, 0.1))}))
    assert [f.severity for f in diagnosis.findings] == [I] and diagnosis.fit == "descending"
    data = strict_json(json_report.render(diagnosis))
    assert data["verdict"].startswith("no fault found (1 note), but after 400 steps") and "--steps 2000" in data["verdict"]
    text = render_text(diagnosis)
    assert "Verdict: no fault found" in text and "healthy" not in text.splitlines()[-1]


def test_json_lists_the_fixes_that_did_not_help():
    # the user's setup goes NaN; ÷10 the rate fits, clipping (probed) does not help
    diagnosis = judge(make_measurements({"baseline": same(blow_up()), "lr_div10": same(decay(1.0, 0.01)),
                                         "clipnorm": same(blow_up(at=200))}))
    data = strict_json(json_report.render(diagnosis))
    finding = next(f for f in data["findings"] if f["id"] == "DD301")
    assert finding["fixes"][0]["variant"] == "lr_div10" and finding["fixes"][0]["verified"] is True
    assert "clipnorm" not in [fix["variant"] for fix in finding["fixes"]]
    (failed,) = finding["evidence"]["fixes_that_did_not_help"]
    assert failed.startswith("clip the gradient norm: relative loss non-finite → non-finite")


def test_a_seed_the_race_did_not_probe_is_a_dash_not_a_divergence():
    # the race probed lr_x10 on seed 0 only: seeds 1 and 2 have no run, which is not "non-finite"
    measured = make_measurements({"baseline": same(decay(1.0, 0.5)), "lr_x10": same(decay(1.0, 0.05))})
    measured.runs = [r for r in measured.runs if r.variant == "baseline" or r.seed == 0]
    diagnosis = Diagnosis([], measurements=measured)
    console = Console(file=io.StringIO(), width=120)
    console.print(rich_console.variants_table(measured))
    row = next(line for line in console.file.getvalue().splitlines() if "×10" in line)
    assert "non-finite" not in row and row.count("–") >= 2
    (lr,) = [v for v in json_report.variant_summary(diagnosis) if v["name"] == "lr_x10"]
    assert lr["seeds"] == [0] and len(lr["relative_final_loss"]) == 1
