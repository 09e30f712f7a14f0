"""Rules as pure functions of hand-built Measurements: which fire, how badly, and with what fixes.

Each case in CASES is the whole judgement on one made-up probe: every rule of ALL_RULES that
is not named in the expectations must stay silent.
"""

from __future__ import annotations

import math
import re
from typing import Callable

import pytest

from builders import INF, blow_up, decay, healthy, make_measurements, rise, same, then
from dnndoctor.findings import CATEGORIES, Finding, Severity
from dnndoctor.measurements import Measurements
from dnndoctor.rules import ALL_RULES, find_rule, judge
from dnndoctor.rules.base import DOC_SECTIONS, Rule

E, W = Severity.ERROR, Severity.WARNING
FIT, STALL = decay(1.0, 0.005), decay(1.5, 0.98)


# -- scenarios ----------------------------------------------------------------------------------

def vanishing(rel: float = 0.9, seeds_hit: int = 3, first_rms: float = 1e-5) -> Measurements:
    """Sigmoid stack: the first layer gets ~1e-3 of the last layer's gradient in ``seeds_hit`` seeds."""
    grads = {"dense": {"grad_rms": first_rms}, "dense_1": {"grad_rms": 1e-3}, "dense_2": {"grad_rms": 1e-2}}
    curves = [decay(1.0, rel)] * seeds_hit + [FIT] * (3 - seeds_hit)
    return make_measurements(
        {"baseline": curves, "lr_x10": curves, "lr_div10": same(decay(1.0, max(rel, 0.95))), "wider": curves},
        traces={"baseline": [grads] * 3}, activation="sigmoid")


def dead(seeds_hit: int = 2, fraction: float = 1.0, rel: float = 0.98, lower_lr_fits: bool = True) -> Measurements:
    """ReLU units of dense_1 die in ``seeds_hit`` seeds and the loss stalls near a constant's."""
    stalled = [{"dense_1": {"dead_fraction": [0.1] + [fraction] * 10}}]
    fine = [{"dense_1": {"dead_fraction": 0.1}}]
    curves = [decay(1.5, rel)] * seeds_hit + [FIT] * (3 - seeds_hit)
    return make_measurements(
        {"baseline": curves, "lr_x10": same(STALL),
         "lr_div10": same(decay(1.0, 0.01) if lower_lr_fits else STALL), "wider": same(STALL)},
        traces={"baseline": stalled * seeds_hit + fine * (3 - seeds_hit)})


def dead_but_fits() -> Measurements:
    """80 % of dense_1 dead in every seed, but the loss still fits (like ex1_relu seed 1)."""
    return make_measurements({"baseline": same(FIT)},
                             traces={"baseline": same({"dense_1": {"dead_fraction": 0.8}})})


def diverging(seeds_hit: int = 3, curve: list[float] | None = None, lower: list[float] | None = None) -> Measurements:
    curve = curve or blow_up(at=150)
    curves = [curve] * seeds_hit + [FIT] * (3 - seeds_hit)
    return make_measurements({"baseline": curves, "lr_x10": same(blow_up(at=20)),
                              "lr_div10": same(lower or decay(1.0, 0.01)), "wider": curves})


BOUNCE = then(decay(1.0, 0.001, 200), rise(0.002, 0.05, 200))  # low at step 200, ends 50× higher


def oscillating(lower: list[float] | None = None, with_lower: bool = True) -> Measurements:
    variants = {"baseline": same(BOUNCE), "lr_x10": same(blow_up(at=30)), "wider": same(BOUNCE)}
    if with_lower:
        variants["lr_div10"] = same(lower or decay(1.0, 0.005))
    return make_measurements(variants)


def slow(rel: float = 0.9, faster: float = 0.01, seeds_hit: int = 3) -> Measurements:
    """SGD at a tiny rate: updates ~1e-6 of the weights, ×10 the rate ends far lower."""
    curves = [decay(1.0, rel)] * seeds_hit + [FIT] * (3 - seeds_hit)
    tiny = {name: {"update_ratio": 1e-6} for name in ("dense", "dense_1", "dense_2")}
    return make_measurements(
        {"baseline": curves, "lr_x10": same(decay(1.0, faster)), "lr_div10": same(decay(1.0, 0.99)),
         "wider": same(decay(1.0, rel * 0.95))},
        traces={"baseline": same(tiny)}, optimizer="SGD", learning_rate=1e-4)


def small(rel: float = 0.5, wider: float = 0.02, lr_x10: float = 0.45, lr_div10: float = 0.55) -> Measurements:
    """A too-narrow model: the loss floors at ``rel``; 4× wider reaches ``wider``."""
    return make_measurements({"baseline": same(decay(1.0, rel)), "lr_x10": same(decay(1.0, lr_x10)),
                              "lr_div10": same(decay(1.0, lr_div10)),
                              "wider": same(decay(1.0, wider))})


CASES: list[tuple[str, Callable[[], Measurements], dict[str, Severity]]] = [
    # healthy runs: nothing to say
    ("healthy", healthy, {}),
    ("healthy-baseline-only", lambda: make_measurements({"baseline": same(FIT)}), {}),
    ("healthy-sigmoid", lambda: make_measurements({"baseline": same(FIT)}, activation="sigmoid"), {}),
    ("healthy-no-learning-rate", lambda: make_measurements({"baseline": same(FIT)}, learning_rate=None), {}),
    # DD101 vanishing gradients
    ("vanishing-stalled", vanishing, {"DD101": E}),
    ("vanishing-2-of-3-partly-fits", lambda: vanishing(rel=0.2, seeds_hit=2), {"DD101": W}),
    ("vanishing-1-of-3", lambda: vanishing(seeds_hit=1), {}),
    ("attenuated-but-fits", lambda: vanishing(rel=0.005), {}),
    ("attenuation-above-threshold", lambda: vanishing(first_rms=5e-4), {}),
    # DD201 dead ReLU units
    ("dead-2-of-3", dead, {"DD201": E}),
    ("dead-1-of-3", lambda: dead(seeds_hit=1), {"DD201": W}),
    ("dead-70pct-no-lr-help", lambda: dead(fraction=0.7, lower_lr_fits=False), {"DD201": E}),
    ("dead-but-fits", dead_but_fits, {}),
    ("stalled-few-dead", lambda: dead(fraction=0.3), {}),
    # DD301 diverging loss
    ("nan-3-of-3", diverging, {"DD301": E}),
    ("inf-3-of-3", lambda: diverging(curve=blow_up(at=150, value=INF)), {"DD301": E}),
    ("climbs-above-constant", lambda: diverging(curve=rise(1.0, 5.0)), {"DD301": E}),
    ("nan-1-of-3", lambda: diverging(seeds_hit=1), {"DD301": W}),
    ("nan-2-of-3", lambda: diverging(seeds_hit=2), {"DD301": E}),
    ("rises-below-constant", lambda: diverging(curve=rise(0.3, 0.6)), {}),
    ("ends-above-constant-below-start", lambda: diverging(curve=decay(3.0, 1.02)), {}),
    # DD302 oscillating loss
    ("bounce-lower-lr-helps", oscillating, {"DD302": W}),
    ("bounce-lower-lr-no-help", lambda: oscillating(lower=BOUNCE), {}),
    ("bounce-lower-lr-not-probed", lambda: oscillating(with_lower=False), {}),
    ("bounce-within-10x", lambda: make_measurements(
        {"baseline": same(then(decay(1.0, 0.01, 200), rise(0.01, 0.05, 200))),
         "lr_div10": same(decay(1.0, 0.005))}), {}),
    # DD311 slow progress
    ("slow-barely-moved", slow, {"DD311": E}),
    ("slow-halfway", lambda: slow(rel=0.2, faster=0.005), {"DD311": W}),
    ("slow-x10-only-2x-better", lambda: slow(faster=0.45), {}),
    ("slow-x10-diverges", lambda: make_measurements(
        {"baseline": same(decay(1.0, 0.9)), "lr_x10": same(blow_up())}), {}),
    ("slow-1-of-3", lambda: slow(seeds_hit=1), {}),
    # DD401 under-capacity
    ("narrow", small, {"DD401": W}),
    ("narrow-but-lr-x10-as-good", lambda: small(rel=0.6, lr_x10=0.03), {"DD311": E}),
    ("wider-only-2x-better", lambda: small(rel=0.6, wider=0.3, lr_x10=0.95, lr_div10=0.95), {}),
    ("wider-20x-better-lr-x10-8x", lambda: small(rel=0.4, wider=0.02, lr_x10=0.05), {}),
    ("narrow-but-fits", lambda: small(rel=0.008, wider=0.0001, lr_x10=0.007, lr_div10=0.009), {}),
    ("wider-not-probed", lambda: make_measurements({"baseline": same(decay(1.0, 0.5))}), {}),
]


@pytest.mark.parametrize("build, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_cases(build, expected):
    m = build()
    got = {}
    for rule in ALL_RULES:
        findings = rule().check(m)
        assert len(findings) <= 1, f"{rule.id} gave several findings"
        if findings:
            got[rule.id] = findings[0].severity
    assert got == expected


def test_cases_cover_every_rule_firing_and_silent():
    fired = {rule_id for _, _, expected in CASES for rule_id in expected}
    assert fired == {rule.id for rule in ALL_RULES}


# -- the findings in detail --------------------------------------------------------------------

def only(m: Measurements, rule_id: str) -> Finding:
    findings = find_rule(rule_id)().check(m)
    assert len(findings) == 1
    return findings[0]


def assert_meta(f: Finding, rule_id: str, category: str, severity: Severity, seeds: str) -> None:
    assert (f.id, f.category, f.severity, f.seeds) == (rule_id, category, severity, seeds)
    assert f.name == find_rule(rule_id).name
    assert f.message and f.message.endswith(".")


def test_vanishing_gradients_finding():
    f = only(vanishing(), "DD101")
    assert_meta(f, "DD101", "vanishing-gradients", E, "3/3 seeds")
    assert f.layers == ["dense", "dense_2"]
    assert "dense receives 0.001× the gradient of dense_2" in f.message
    assert all(r == pytest.approx(1e-3) for r in f.evidence["gradient_attenuation"])
    assert f.evidence["threshold"] == 1e-2
    assert [fix.verified for fix in f.fixes] == [False, False]  # advice, not probed
    assert all(fix.effect is None and fix.code for fix in f.fixes)


def test_vanishing_gradients_warning_counts_seeds():
    f = only(vanishing(rel=0.2, seeds_hit=2), "DD101")
    assert_meta(f, "DD101", "vanishing-gradients", W, "2/3 seeds")
    assert f.evidence["relative_final_loss"] == pytest.approx([0.2, 0.2])


def test_vanishing_gradients_needs_two_traced_layers():
    no_grads = {name: {"grad_rms": None} for name in ("dense", "dense_1", "dense_2")}
    m = make_measurements({"baseline": same(decay(1.0, 0.9))}, traces={"baseline": same(no_grads)})
    assert find_rule("DD101")().check(m) == []


def test_dead_relu_error_with_verified_lower_learning_rate():
    f = only(dead(), "DD201")
    assert_meta(f, "DD201", "dead-units", E, "2/3 seeds")
    assert f.layers == ["dense_1"]
    assert f.message.startswith("All units of dense_1 died")
    assert f.evidence["dead_fraction_final"] == {"seed 0": {"dense_1": 1.0}, "seed 1": {"dense_1": 1.0}}
    assert f.evidence["dead_fraction_at_init"] == {"seed 0": {"dense_1": 0.1}, "seed 1": {"dense_1": 0.1}}
    measured = f.fixes[0]
    assert measured.variant == "lr_div10" and measured.verified
    # measured on the seeds that died: 2 of 2 end at least 2× lower
    assert "0.98 → 0.01 at 400 steps; better in 2/2 seeds" in measured.effect
    assert "learning_rate=0.0001" in measured.code
    assert [fix.variant for fix in f.fixes[1:]] == [None, None]
    assert f.rank > 0


def test_dead_relu_without_probe_support_offers_unverified_fixes_only():
    f = only(dead(fraction=0.7, lower_lr_fits=False), "DD201")
    assert f.message.startswith("70% of the units of dense_1 died")
    assert all(fix.variant is None and not fix.verified and fix.effect is None for fix in f.fixes)
    assert any("LeakyReLU" in fix.summary for fix in f.fixes)


def test_dead_relu_minority_is_a_warning():
    f = only(dead(seeds_hit=1), "DD201")
    assert_meta(f, "DD201", "dead-units", W, "1/3 seeds")


def test_diverging_nan_finding():
    f = only(diverging(), "DD301")
    assert_meta(f, "DD301", "learning-rate-too-high", E, "3/3 seeds")
    assert f.evidence["first_nonfinite_step"] == 150
    assert "non-finite at step 150" in f.message and "learning rate 0.001" in f.message
    (fix,) = f.fixes
    assert fix.variant == "lr_div10" and fix.verified
    assert "non-finite → 0.01" in fix.effect and "better in 3/3 seeds" in fix.effect
    assert "learning_rate=0.0001" in fix.code and "Adam" in fix.code
    assert f.rank > 0


def test_diverging_finite_climb_reports_relative_loss():
    f = only(diverging(curve=rise(1.0, 5.0)), "DD301")
    assert "first_nonfinite_step" not in f.evidence
    assert f.evidence["relative_final_loss"] == pytest.approx([5.0] * 3)
    assert "ended at 5× the loss of a constant prediction" in f.message


def test_diverging_one_seed_is_a_warning_not_an_error():
    f = only(diverging(seeds_hit=1), "DD301")
    assert_meta(f, "DD301", "learning-rate-too-high", W, "1/3 seeds")
    assert "better in 1/1 seeds" in f.fixes[0].effect


def test_diverging_lower_rate_that_still_fails_is_reported_unverified():
    # the baseline climbs to 5× a constant's loss; ÷10 the rate only reaches 4×: measured, not verified
    f = only(diverging(curve=rise(1.0, 5.0), lower=rise(1.0, 4.0)), "DD301")
    (fix,) = f.fixes
    assert fix.variant == "lr_div10" and not fix.verified
    assert "relative loss 5 → 4" in fix.effect and "better in 0/3 seeds" in fix.effect
    assert f.rank == 0.0


def test_oscillating_finding():
    f = only(oscillating(), "DD302")
    assert_meta(f, "DD302", "learning-rate-too-high", W, "3/3 seeds")
    assert f.evidence["final_over_minimum"] == pytest.approx([50.0] * 3)
    (fix,) = f.fixes
    assert fix.variant == "lr_div10" and fix.verified and "better in 3/3 seeds" in fix.effect


def test_slow_progress_finding():
    f = only(slow(), "DD311")
    assert_meta(f, "DD311", "learning-rate-too-low", E, "3/3 seeds")
    assert f.evidence["median_update_ratio"] == pytest.approx([1e-6] * 3)
    assert f.evidence["relative_final_loss_lr_x10"] == pytest.approx([0.01] * 3)
    (fix,) = f.fixes
    assert fix.variant == "lr_x10" and fix.verified and "better in 3/3 seeds" in fix.effect
    assert "keras.optimizers.SGD(learning_rate=0.001)" in fix.code
    assert f.rank == pytest.approx(math.log10(0.9 / 0.01))  # the measured gain of the fix


def test_under_capacity_finding():
    f = only(small(), "DD401")
    assert_meta(f, "DD401", "under-capacity", W, "3/3 seeds")
    (fix,) = f.fixes
    assert fix.variant == "wider" and fix.verified
    assert "dense: 8 → 32" in fix.summary and "better in 3/3 seeds" in fix.effect
    assert f.evidence["relative_final_loss_wider"] == pytest.approx([0.02] * 3)


# -- the judge ------------------------------------------------------------------------------------

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
                 "check": lambda self, m: [self.finding("preset.", {}, rank=rank)]}
    return type(f"Preset{rule_id}", (Rule,), namespace)


def test_judge_orders_by_severity_then_rank_then_id():
    rules = (_preset("DD903", W, 5.0), _preset("DD901", E, 0.0), _preset("DD904", Severity.INFO, 9.0),
             _preset("DD902", E, 1.5), _preset("DD906", W, 5.0), _preset("DD905", W, 0.1))
    diagnosis = judge(healthy(), rules)
    assert [f.id for f in diagnosis.findings] == ["DD902", "DD901", "DD903", "DD906", "DD905", "DD904"]
    assert diagnosis.measurements is not None


def test_judge_on_several_real_rules_puts_errors_first_and_larger_gain_first():
    # dead units in 2/3 seeds (error, lower lr verified), vanishing gradients (error, no measured fix),
    # and a slow-but-curable learning rate in the same seeds (warning)
    grads = {"dense": {"grad_rms": 1e-5, "dead_fraction": 0.1}, "dense_1": {"grad_rms": 1e-3, "dead_fraction": 0.9},
             "dense_2": {"grad_rms": 1e-2}}
    m = make_measurements({"baseline": same(decay(1.0, 0.4)), "lr_x10": same(decay(1.0, 0.03)),
                           "lr_div10": same(decay(1.0, 0.01))}, traces={"baseline": same(grads)})
    diagnosis = judge(m)
    found = [(f.id, f.severity) for f in diagnosis.findings]
    assert found == [("DD201", E), ("DD311", W), ("DD101", W)]  # DD311's verified fix outranks DD101
    severities = [f.severity for f in diagnosis.findings]
    assert severities == sorted(severities, reverse=True)
    for a, b in zip(diagnosis.findings, diagnosis.findings[1:]):
        if a.severity == b.severity:
            assert a.rank >= b.rank


def test_judge_healthy_is_empty():
    d = judge(healthy())
    assert d.findings == [] and d.verdict() == "healthy" and not d.fails(Severity.INFO)


# -- rule metadata and documentation ------------------------------------------------------------

@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_metadata_and_docs(rule):
    assert re.fullmatch(r"DD\d{3}", rule.id)
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.name)
    assert rule.category in CATEGORIES
    assert isinstance(rule.severity, Severity)
    doc = rule.documentation()
    for section in DOC_SECTIONS:
        assert f"\n{section}\n" in doc
    assert rule.summary() == doc.splitlines()[0] and rule.summary().endswith(".")
    assert find_rule(rule.id) is rule and find_rule(rule.name) is rule and find_rule(rule.id.lower()) is rule


def test_rule_ids_and_names_are_unique():
    assert len({r.id for r in ALL_RULES}) == len({r.name for r in ALL_RULES}) == len(ALL_RULES) == 6


def test_find_rule_unknown():
    assert find_rule("DD999") is None and find_rule("no-such-rule") is None


@pytest.mark.parametrize("attrs, doc, problem", [
    ({"id": "D101"}, DOC, "id"),
    ({"id": "dd101"}, DOC, "id"),
    ({"name": "Bad_Name"}, DOC, "kebab-case"),
    ({"category": "not-a-category"}, DOC, "category"),
    ({}, DOC.replace("Measured\n", "Measurements:\n"), "Measured"),
    ({}, None, "What it does"),
])
def test_bad_rule_definitions_raise_type_error(attrs, doc, problem):
    namespace = {"id": "DD999", "name": "bad-rule", "category": "non-finite", "severity": W, "__doc__": doc, **attrs}
    with pytest.raises(TypeError, match=re.escape(problem)):
        type("BadRule", (Rule,), namespace)


# -- edge cases ----------------------------------------------------------------------------

def test_lower_rate_that_also_diverges_is_not_verified():
    f = only(diverging(lower=blow_up(at=300)), "DD301")
    assert not f.fixes[0].verified


def _dead_with_unknown_learning_rate() -> Measurements:
    dead_layer = {"dense_1": {"dead_fraction": 1.0}}
    return make_measurements({"baseline": same(decay(1.5, 0.98)), "lr_div10": same(decay(1.0, 0.01))},
                             traces={"baseline": same(dead_layer)}, learning_rate=None)


def test_unknown_learning_rate_is_described_relative():
    f = only(diverging(), "DD301")
    assert "0.0001" in f.fixes[0].summary
    m = diverging()
    m.model.learning_rate = None
    f = only(m, "DD301")
    assert f.message.startswith("Training diverges: ")
    assert "0.1 × the current rate" in f.fixes[0].summary


def test_dead_relu_lower_rate_fix_with_unknown_learning_rate():
    f = only(_dead_with_unknown_learning_rate(), "DD201")
    assert f.fixes[0].variant == "lr_div10"
    assert "initial_learning_rate by 0.1" in f.fixes[0].code
