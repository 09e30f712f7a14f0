"""Judging findings together: a consequence is reported below its root cause, and a verdict that
rests on one seed's comparison says so (pure: no TensorFlow)."""

from __future__ import annotations

from dnndoctor.findings import Severity
from dnndoctor.rules import judge
from scenarios import FIT, build, oversized, slowing


def by_id(diagnosis):
    return {f.id: f for f in diagnosis.findings}


def test_a_consequence_ranks_below_its_root_cause_and_names_it():
    diagnosis = judge(oversized(default_init=FIT, lr_x10=slowing(0.05)))
    assert [f.id for f in diagnosis.findings] == ["DD602", "DD311"]
    slow = by_id(diagnosis)["DD311"]
    assert slow.severity == Severity.INFO and slow.evidence["consequence_of"].startswith("DD602 ")
    assert slow.fixes[0].verified  # the consequence keeps its measured remedy as advice


def test_a_root_cause_whose_remedy_is_still_unprobed_explains_nothing():
    diagnosis = judge(oversized(lr_x10=slowing(0.05)))  # default_init not probed yet
    assert by_id(diagnosis)["DD311"].severity == Severity.ERROR


def test_a_verdict_from_one_seed_of_three_is_low_confidence():
    # one seed compared is a bare majority of one: the seed noise is not measured
    one = by_id(judge(build("probed_on_one_seed", {"scenario": "slow", "variants": ["lr_x10"]})))["DD311"]
    assert one.seeds == "1/1 seeds" and one.confidence == "low" and "bare majority" in one.evidence["low_confidence"]
    every = by_id(judge(build("slow")))["DD311"]
    assert every.seeds == "3/3 seeds" and every.confidence == "high"



def test_a_fix_that_wins_in_two_seeds_of_three_is_low_confidence():
    two = by_id(judge(build("slow", {"seeds_hit": 3, "faster": 0.01})))["DD311"]
    assert two.confidence == "high"  # 3/3: one seed the other way leaves 2/3
    measured = build("slow")
    for run in measured.runs_of("lr_x10")[2:]:
        run.eval_losses = list(measured.runs_of("baseline")[2].eval_losses)  # seed 2: ×10 no better
    bare = by_id(judge(measured))["DD311"]
    assert bare.seeds == "2/3 seeds" and bare.confidence == "low"
