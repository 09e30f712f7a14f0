"""The test-control aggregate keeps counts only: no case name, finding or verdict survives."""

import json

from benchmarks.control_aggregate import aggregate


def _run(results):
    return {"summaries": {"controls test": {"cases": len(results)}}, "targets": {}, "options": {}, "results": results}


def test_counts_warnings_refusals_and_crashes_separately():
    results = [{"name": "a", "verdict": "quiet", "false_alarm": False},
               {"name": "b", "verdict": "refused: cannot load", "false_alarm": False},
               {"name": "c", "verdict": "crash: ValueError", "false_alarm": False},
               {"name": "d", "verdict": "FALSE ALARM", "false_alarm": True}]
    counts = aggregate(_run(results), ["a", "b", "c", "d", "e"], 0)["counts"]
    assert counts == {"kept_test_controls": 5, "run": 4, "with_warning_or_error": 1, "refused": 1, "crashed": 1}


def test_no_per_case_field_reaches_the_aggregate():
    results = [{"name": "secret_control", "verdict": "FALSE ALARM", "false_alarm": True,
                "reported": ["learning-rate-too-low"]}]
    text = json.dumps(aggregate(_run(results), ["secret_control"], 0))
    assert "secret_control" not in text and "learning-rate-too-low" not in text
