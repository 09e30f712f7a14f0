"""accuracy.py --rejudge: saved Measurements judged again give the result a live check gives
(pure: no TensorFlow)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.accuracy import MEASUREMENTS_SUFFIX, rejudge_case, result_of  # noqa: E402
from benchmarks.suite import SuiteCase  # noqa: E402
from dnndoctor.measurements import Measurements  # noqa: E402
from dnndoctor.rules import judge  # noqa: E402
from scenarios import build  # noqa: E402


def case(name: str, label: str | None) -> SuiteCase:
    return SuiteCase(name, label, "mutation", label or "control", 32, make=lambda seed: None)


def test_rejudged_measurements_give_the_live_result(tmp_path):
    measured = build("oversized", {"default_init": [1.0] + [0.005] * 399})
    (tmp_path / f"sick{MEASUREMENTS_SUFFIX}").write_text(json.dumps({**measured.to_dict(), "seconds": 12.5}))
    sick = case("sick", "bad-initialization")
    rejudged = rejudge_case(sick, "dev", tmp_path)
    assert rejudged == result_of(sick, "dev", judge(Measurements.from_dict(measured.to_dict())), 12.5)
    assert rejudged.detected and rejudged.top1 and rejudged.verified_fix and rejudged.seconds == 12.5


def test_a_control_whose_measurements_are_quiet_is_no_false_alarm(tmp_path):
    (tmp_path / f"fine{MEASUREMENTS_SUFFIX}").write_text(json.dumps(build("healthy").to_dict()))
    result = rejudge_case(case("fine", None), "controls dev", tmp_path)
    assert result.false_alarm is False and result.detected is None


def test_gzipped_measurements_are_read_too(tmp_path):
    (tmp_path / f"fine{MEASUREMENTS_SUFFIX}.gz").write_bytes(gzip.compress(json.dumps(build("healthy").to_dict()).encode()))
    assert rejudge_case(case("fine", None), "controls dev", tmp_path).false_alarm is False


def test_a_case_the_saved_run_did_not_measure_is_left_out(tmp_path):
    assert rejudge_case(case("absent", "dead-units"), "dev", tmp_path) is None
