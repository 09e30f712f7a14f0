"""Every report format produced by a real `dnndoctor check` of a seed fixture, and validated.

ex1_relu on linear.npz at 80 steps and seed 0 kills its ReLU units (DD201, an error), so the
check exits 1 and every format carries that finding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dnndoctor.cli import app
from validators import junit_cases, outcome, valid_report, valid_sarif

pytestmark = pytest.mark.tf
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MODEL, DATA = FIXTURES / "ex1_relu.keras", FIXTURES / "linear.npz"
FAST = ["--steps", "80", "--seeds", "0", "--quiet"]
PNG = b"\x89PNG\r\n\x1a\n"


def check(*args: str):
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:
        runner = CliRunner()
    return runner.invoke(app, ["check", str(MODEL), str(DATA), *FAST, *args])


@pytest.fixture(scope="module")
def sarif_run(tmp_path_factory):
    """One check writing SARIF to a file and its plots to a folder."""
    folder = tmp_path_factory.mktemp("sarif")
    result = check("--format", "sarif", "--output", str(folder / "report.sarif"), "--plots", str(folder / "plots"))
    return result, folder


def test_sarif_file_is_valid_and_locates_the_dead_layer(sarif_run):
    result, folder = sarif_run
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    log = valid_sarif((folder / "report.sarif").read_text())
    dead = [r for r in log["runs"][0]["results"] if r["ruleId"] == "DD201"]
    assert len(dead) == 1 and dead[0]["level"] == "error"
    location = dead[0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"].endswith("fixtures/ex1_relu.keras")
    assert "dense_4" in [loc["name"] for loc in location["logicalLocations"]]
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_plots_are_written_next_to_it(sarif_run):
    _, folder = sarif_run
    for kind in ("loss", "gradients", "activations"):
        assert (folder / "plots" / f"ex1_relu.{kind}.png").read_bytes()[:8] == PNG


def test_json_report_of_a_real_check_matches_the_schema():
    result = check("--format", "json", "--no-counterfactuals")
    assert result.exit_code == 1, result.output
    report = valid_report(result.stdout)
    assert "DD201" in [f["id"] for f in report["findings"]]
    assert {"DD311", "DD401"} <= set(report["skipped"])


def test_junit_of_a_real_check_parses_with_one_case_per_rule():
    result = check("--format", "junit", "--no-counterfactuals", "--ignore", "DD101")
    assert result.exit_code == 1, result.output
    cases = junit_cases(result.stdout)["ex1_relu"]
    by_id = {name.split()[0]: outcome(case) for name, case in cases.items()}
    assert by_id["DD201"] == "failed"
    assert by_id["DD101"] == "skipped" and by_id["DD311"] == "skipped" and by_id["DD401"] == "skipped"
    assert "passed" in by_id.values()


def test_markdown_embeds_the_loss_curve_next_to_a_second_report(tmp_path):
    summary, junit = tmp_path / "summary.md", tmp_path / "junit.xml"
    result = check("--format", "markdown", "--output", str(summary), "--format", "junit", "--output", str(junit),
                   "--no-counterfactuals", "--plots", str(tmp_path / "plots"))
    assert result.exit_code == 1, result.output
    assert result.stdout == "" and "DD201 dead-relu-units" in junit_cases(junit.read_text())["ex1_relu"]
    text = summary.read_text()
    assert text.startswith("## dnndoctor: ex1_relu: ")
    assert "| error | DD201 dead-relu-units |" in text
    assert "![Training loss of ex1_relu, per probe](plots/ex1_relu.loss.png)" in text
    assert (tmp_path / "plots" / "ex1_relu.loss.png").read_bytes()[:8] == PNG
