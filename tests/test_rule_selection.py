"""Choosing rules and tuning their thresholds: pure tests over hand-built measurements."""

from __future__ import annotations

import pytest

from builders import decay, flat, healthy, make_measurements, same, then
from dnndoctor.rules import ALL_RULES, judge, select_rules
from dnndoctor.rules.activations import DeadReLU
from dnndoctor.rules.learning_rate import SlowProgress

# 80 % of dense_1 dies in every seed and the loss stalls at 0.4× a constant prediction's.
DYING = make_measurements({"baseline": same(then(decay(1.0, 0.4, 100), flat(0.4, 300)))},
                          traces={"baseline": same({"dense_1": {"dead_fraction": [0.1] + [0.8] * 10}})})


def ids(rules) -> list[str]:
    return [r.id for r in rules]


def test_thresholds_are_the_numeric_class_attributes_in_declaration_order():
    assert DeadReLU.thresholds() == {"dead": 0.5, "stalled": 0.1}
    assert "severity" not in SlowProgress.thresholds() and "needs" not in SlowProgress.thresholds()


def test_an_override_changes_one_instance_only():
    strict = DeadReLU(dead=0.9)
    assert strict.dead == 0.9 and DeadReLU.dead == 0.5 and DeadReLU().dead == 0.5
    assert DeadReLU().check(DYING) and not strict.check(DYING)


@pytest.mark.parametrize("overrides, needle", [({"deadd": 0.5}, "'deadd'"), ({"dead": "half"}, "number"),
                                               ({"dead": True}, "number")])
def test_bad_overrides_are_refused(overrides, needle):
    with pytest.raises(TypeError, match=needle):
        DeadReLU(**overrides)


def test_judge_applies_thresholds_by_id_or_name():
    assert "DD201" in ids(judge(DYING).findings)
    assert "DD201" not in ids(judge(DYING, thresholds={"DD201": {"dead": 0.9}}).findings)
    assert "DD201" not in ids(judge(DYING, thresholds={"dead-relu-units": {"dead": 0.9}}).findings)
    with pytest.raises(ValueError, match="DD999"):
        judge(DYING, thresholds={"DD999": {"x": 1}})


@pytest.mark.parametrize("select, ignore, expected", [
    ((), (), [r.id for r in ALL_RULES]),
    (("DD201",), (), ["DD201"]),
    (("dead-relu-units", "dd101"), (), ["DD101", "DD201"]),
    (("learning-rate-too-high",), (), ["DD301", "DD302", "DD303"]),
    ((), ("learning-rate-too-high", "DD401"),
     [r.id for r in ALL_RULES if r.category != "learning-rate-too-high" and r.id != "DD401"]),
    (("learning-rate-too-high",), ("oscillating-loss", "noisy-loss"), ["DD301"]),
    (("exploding-gradients",), (), ["DD102"]),
])
def test_select_rules_by_id_name_or_category(select, ignore, expected):
    assert ids(select_rules(select, ignore)) == expected


def test_select_rules_refuses_unknown_keys():
    with pytest.raises(ValueError, match="'DD999'"):
        select_rules(["DD999"])
    with pytest.raises(ValueError, match="'dead'"):
        select_rules(ignore=["dead"])


def test_judge_records_rules_left_out_or_unable_to_judge():
    baseline_only = make_measurements({"baseline": same(decay(1.0, 0.005))})
    diagnosis = judge(baseline_only, select_rules(ignore=["DD101"]))
    assert diagnosis.skipped["DD101"] == "not selected"
    assert "lr_x10" in diagnosis.skipped["DD311"] and "wider" in diagnosis.skipped["DD401"]
    assert "lr_div10" in diagnosis.skipped["DD303"]
    assert {"DD201", "DD301"}.isdisjoint(diagnosis.skipped)
    assert judge(healthy()).skipped == {}
