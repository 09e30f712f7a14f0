"""What benchmarks/fixture_stability.py counts as the same JSON findings. Pure: no TensorFlow."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.fixture_stability import (differences, findings_signature, flipping_slowdown, headroom,  # noqa: E402
                                          loss_drift)


def report(findings=(), cuts=(), steps=400, variants=()):
    return {"findings": list(findings), "cuts": list(cuts), "budget": {"steps": steps}, "variants": list(variants)}


def finding(fid="DD311", severity="warning", confidence="high", seeds="3/3 seeds", fixes=(("lr_x10", True),)):
    return {"id": fid, "name": "slow-progress", "category": "learning-rate-too-low", "severity": severity,
            "confidence": confidence, "seeds": seeds, "message": "any words", "evidence": {"ratio": 1.0},
            "fixes": [{"variant": v, "verified": ok, "summary": "any", "effect": "any"} for v, ok in fixes]}


def test_messages_and_evidence_numbers_are_not_compared():
    """Evidence floats and wording may move with the machine; the verdict's fields may not."""
    a, b = finding(), finding()
    b["message"], b["evidence"] = "other words", {"ratio": 2.0}
    assert differences(findings_signature(report([a])), findings_signature(report([b]))) == []


def test_each_verdict_field_that_changes_is_named_with_both_values():
    a = finding()
    b = finding(severity="info", confidence="low", seeds="2/2 seeds", fixes=(("lr_x10", False),))
    found = differences(findings_signature(report([a])), findings_signature(report([b])))
    assert found == ["DD311.confidence: high → low", "DD311.fixes: [['lr_x10', True]] → [['lr_x10', False]]",
                     "DD311.seeds: 3/3 seeds → 2/2 seeds", "DD311.severity: warning → info"]


def test_a_cut_a_step_budget_a_finding_or_the_order_that_changes_is_a_difference():
    first = report([finding("DD201"), finding("DD311")], cuts=["time budget: X not probed"], steps=800)
    second = report([finding("DD311"), finding("DD201"), finding("DD303")], cuts=["race: Y"], steps=1600)
    found = differences(findings_signature(first), findings_signature(second))
    assert "budget.steps: 800 → 1600" in found
    assert "cuts: -'time budget: X not probed'" in found and "cuts: +'race: Y'" in found
    assert any(line.startswith("finding DD303") and line.endswith("only in the second") for line in found)
    assert "order: ['DD201', 'DD311'] → ['DD311', 'DD201']" in found


def test_headroom_below_one_means_the_budget_refused():
    assert headroom({"need": 10.0, "left": 5.0}) == 0.5
    assert headroom({"need": 2.0, "left": 8.0}) == 4.0


def test_a_decision_flips_when_the_machine_is_slower_by_the_budget_over_the_time_it_would_take():
    """45 s less the 5 % reserve is 42.75 s usable; 12.75 s spent and 9 s needed: 21.75 s at this
    speed, so twice as slow (43.5 s) no longer fits."""
    decision = {"need": 9.0, "left": 30.0}
    assert abs(flipping_slowdown(decision, 45.0) - 42.75 / 21.75) < 1e-9
    assert flipping_slowdown({"need": 9.0, "left": 5.0}, 45.0) < 1  # refused: 9 s needed, 5 s left


def test_loss_drift_tells_bit_identical_runs_from_drifting_ones():
    a = report(variants=[{"name": "baseline", "seeds": [0, 1], "relative_final_loss": [0.1, 0.2]}])
    b = report(variants=[{"name": "baseline", "seeds": [0, 1], "relative_final_loss": [0.1, 2.0]}])
    assert loss_drift(a, a) == "losses bit-identical (2 runs)"
    assert loss_drift(a, b) == "losses differ in 1 of 2 runs (max 1 decades)"
