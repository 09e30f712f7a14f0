"""Choosing rules and tuning their options: pure tests over hand-built measurements."""

from __future__ import annotations

import pytest

from builders import chain, decay, flat, healthy, make_measurements, same
from dnndoctor.errors import OptionError
from dnndoctor.rules import ALL_RULES, judge, select_rules
from dnndoctor.rules.activations import DeadReLU
from dnndoctor.rules.gradients import VanishingGradients
from dnndoctor.rules.learning_rate import SlowProgress

# 80 % of dense_1 dies in every seed and the loss stalls at 0.4× a constant prediction's.
DYING = make_measurements({"baseline": same(chain(decay(1.0, 0.4, 100), flat(0.4, 300)))},
                          traces={"baseline": same({"dense_1": {"dead_fraction": [0.1] + [0.8] * 10}})})


def ids(rules) -> list[str]:
    return [r.id for r in rules]


def test_options_are_the_declared_ones_in_declaration_order():
    assert DeadReLU.resolve_options() == {"dead": 0.5, "floor": 0.1}
    assert [o.name for o in SlowProgress.options] == ["floor", "gain", "error_above", "healthy_update", "trains_well",
                                                        "classifies_well"]


def test_an_override_changes_one_instance_only():
    strict = DeadReLU(dead=0.9)
    assert strict.dead == 0.9 and DeadReLU().dead == 0.5
    assert DeadReLU().check(DYING) and not strict.check(DYING)


@pytest.mark.parametrize("overrides, needle", [
    ({"deadd": 0.5}, "DD201.deadd must be an option of DD201 dead-relu-units (dead, floor), not 0.5"),
    ({"dead": "half"}, "DD201.dead must be a number from 0 to 1, not 'half'"),
    ({"dead": True}, "DD201.dead must be a number from 0 to 1, not True"),
    ({"dead": -5}, "DD201.dead must be a number from 0 to 1, not -5"),
])
def test_bad_overrides_are_refused_naming_the_option_value_and_range(overrides, needle):
    with pytest.raises(OptionError) as caught:
        DeadReLU(**overrides)
    assert str(caught.value) == needle


def test_an_integer_option_refuses_fractions():
    with pytest.raises(OptionError, match="DD101.deep must be an integer from 2 to 1000, not 2.5"):
        VanishingGradients(deep=2.5)
    assert VanishingGradients(deep=3.0).deep == 3


def test_judge_applies_thresholds_by_id_or_name():
    assert "DD201" in ids(judge(DYING).findings)
    assert "DD201" not in ids(judge(DYING, thresholds={"DD201": {"dead": 0.9}}).findings)
    assert "DD201" not in ids(judge(DYING, thresholds={"dead-relu-units": {"dead": 0.9}}).findings)
    with pytest.raises(ValueError, match="DD999"):
        judge(DYING, thresholds={"DD999": {"x": 1}})
    with pytest.raises(OptionError, match="thresholds.dead-relu-units.dead must be a number from 0 to 1"):
        judge(DYING, thresholds={"dead-relu-units": {"dead": 2}})


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
