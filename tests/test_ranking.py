"""Settling a finding's fixes, and the order of findings by measured gain, severity and id."""

from __future__ import annotations

import math

import pytest

from builders import blow_up, decay, healthy, make_measurements, same
from dnndoctor.findings import Finding, Fix, Severity
from dnndoctor.rules import judge
from dnndoctor.rules.fixes import measured_fix, refuted
from dnndoctor.rules.ranking import importance, settle_fixes
from dnndoctor.rules.rule import Rule
from scenarios import STALL, slowing

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO


def _finding(*fixes: Fix, rank: float = 0.0) -> Finding:
    return Finding(id="DD999", name="x", category="non-finite", severity=W, message="m.", evidence={},
                   fixes=list(fixes), rank=rank)


def test_settle_fixes_moves_failed_fixes_to_evidence_and_puts_verified_first():
    measured = make_measurements({"baseline": same(slowing(0.9)), "lr_div10": same(slowing(0.8)),
                           "lr_x10": same(decay(1.0, 0.09)), "clipnorm": same(decay(1.0, 0.009))})
    seeds = [0, 1, 2]
    advice = Fix("advice", "code")
    failed = measured_fix(measured, "lr_div10", "lower", "code", seeds)
    unprobed = measured_fix(measured, "adam", "adam", "code", seeds)
    good = measured_fix(measured, "lr_x10", "raise", "code", seeds)
    better = measured_fix(measured, "clipnorm", "clip", "code", seeds)
    assert (failed.verified, unprobed.probed, good.verified, better.verified) == (False, False, True, True)
    f = settle_fixes(_finding(advice, failed, unprobed, good, better), measured)
    assert f.fixes == [better, good, advice, unprobed]  # verified by gain, then the rest in order
    assert f.evidence["fixes_that_did_not_help"] == [f"lower: {failed.effect}"]
    assert f.rank == pytest.approx(math.log10(0.9 / 0.01))  # a loss below the fit cutoff counts as the cutoff


def test_settle_fixes_keeps_a_rule_rank_above_the_gain_and_leaves_unprobed_findings_alone():
    measured = make_measurements({"baseline": same(slowing(0.9)), "lr_x10": same(decay(1.0, 0.45))})
    small_gain = measured_fix(measured, "lr_x10", "raise", "code", [0, 1, 2])
    assert small_gain.verified
    assert settle_fixes(_finding(small_gain, rank=3.0), measured).rank == 3.0
    unprobed = measured_fix(measured, "adam", "adam", "code", [0, 1, 2])
    untouched = settle_fixes(_finding(Fix("advice", "code"), unprobed), measured)
    assert "fixes_that_did_not_help" not in untouched.evidence and untouched.rank == 0.0
    assert [fix.summary for fix in untouched.fixes] == ["advice", "adam"]


def test_refuted_needs_every_backed_fix_probed_and_failed():
    measured = make_measurements({"baseline": same(slowing(0.9)), "lr_div10": same(slowing(0.8)),
                           "lr_x10": same(decay(1.0, 0.01))})
    failed, helped = (measured_fix(measured, v, v, "code", [0, 1, 2]) for v in ("lr_div10", "lr_x10"))
    unprobed = measured_fix(measured, "adam", "adam", "code", [0, 1, 2])
    assert refuted([failed]) and refuted([failed, Fix("advice", "code")])
    assert not refuted([failed, unprobed]) and not refuted([failed, helped]) and not refuted([])
    assert not refuted([Fix("advice", "code")])


def test_measured_fix_needs_a_majority_of_seeds():
    measured = make_measurements({"baseline": same(slowing(0.9)),
                           "lr_x10": [decay(1.0, 0.01), slowing(0.8), blow_up()]})
    fix = measured_fix(measured, "lr_x10", "raise", "code", [0, 1, 2])
    assert not fix.verified and "better in 1/3 seeds" in fix.effect
    assert measured_fix(measured, "lr_x10", "raise", "code", [0]).verified  # judged on the seeds given


# -- ordering by importance ---------------------------------------------------------------------------

DOC = """Test rule.

What it does
x

Why is this bad?
x

Measured
x

Fix
x
"""


def _preset(rule_id: str, severity: Severity, rank: float) -> type[Rule]:
    """A rule that always returns one finding with the given severity and rank."""
    namespace = {"__doc__": DOC, "id": rule_id, "name": f"preset-{rule_id.lower()}", "category": "non-finite",
                 "severity": severity,
                 "check": lambda self, measured: [self.finding("preset.", {}, rank=rank)]}
    return type(f"Preset{rule_id}", (Rule,), namespace)


def test_judge_orders_by_gain_bucket_then_severity_then_id():
    rules = (_preset("DD903", W, 5.0), _preset("DD901", E, 0.0), _preset("DD904", I, 9.0),
             _preset("DD902", E, 1.5), _preset("DD906", W, 5.1), _preset("DD905", W, 0.1),
             _preset("DD907", E, 4.9))
    diagnosis = judge(make_measurements({"baseline": same(decay(1.0, 0.5))}), rules)  # unfit: no cap
    # 9 | 5, 5.1, 4.9 share the bucket 5: error first, then ids | 1.5 | 0.1 and 0 share the bucket 0
    assert [f.id for f in diagnosis.findings] == ["DD904", "DD907", "DD903", "DD906", "DD902", "DD901", "DD905"]
    assert diagnosis.measurements is not None


def test_importance_gain_bucket_beats_severity():
    strong_warning, weak_error = _finding(rank=1.0), _finding(rank=0.2)
    weak_error.severity = E
    assert sorted([weak_error, strong_warning], key=importance) == [strong_warning, weak_error]
    close_error = _finding(rank=0.9)
    close_error.severity = E
    assert sorted([strong_warning, close_error], key=importance) == [close_error, strong_warning]


def test_judge_on_several_real_rules_puts_the_largest_measured_gain_first():
    # dead units in 2/3 seeds (error, LeakyReLU verified: 0.98 → 0.4), and a saturated tanh layer
    # whose standardized inputs fit (warning, 0.98 → 1e-5 in every seed)
    traces = [{"dense_1": {"dead_fraction": [0.1] + [1.0] * 10}, "dense": {"saturated_fraction": 0.8}}] * 2 + [
        {"dense": {"saturated_fraction": 0.8}}]
    measured = make_measurements({"baseline": [STALL, STALL, slowing(0.5)], "leaky_relu": same(decay(1.0, 0.4)),
                           "standardize_x": same(decay(1.0, 1e-5))}, traces={"baseline": traces})
    diagnosis = judge(measured)
    assert [(f.id, f.severity) for f in diagnosis.findings] == [("DD202", W), ("DD201", E)]
    assert diagnosis.findings[0].rank > diagnosis.findings[1].rank + 0.5
