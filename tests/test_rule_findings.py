"""Rule findings in detail: messages, evidence, layers, seeds and the fixes each rule proposes.

Which rules fire on which measurements is specified by tests/rule_cases/*.yaml; these tests pin
what a finding says and offers once it fires.
"""

from __future__ import annotations

import math

import pytest

from builders import INF, decay, flat, make_measurements, profile, range_test, rise, same
from dnndoctor.findings import Finding, Severity
from dnndoctor.lr_suggest import suggest
from dnndoctor.measurements import Measurements
from dnndoctor.rules import ALL_RULES, find_rule, judge
from dnndoctor.rules.fixes import measured_fix
from scenarios import (FIT, PIXELS, PLATEAU, STALL, blow_up, bounded_output, classifier, dead, deep_vanishing,
                       diverging, dying_layer, exploding, gap, heavy_momentum, noisy, noisy_suggested, nonfinite,
                       offset_targets, oscillating, oversized, plateau, regularized, saturated, saturated_output, slow,
                       slow_suggested, slowing, small, symmetric, unscaled_inputs, unscaled_targets, vanishing)

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO


def unsettled(measured: Measurements, rule_id: str) -> Finding:
    """The rule's own finding, before ``settle``."""
    findings = find_rule(rule_id)().check(measured)
    assert len(findings) == 1
    return findings[0]


def judged(measured: Measurements, rule_id: str) -> Finding:
    """The finding as ``judge`` settles it."""
    (finding,) = [f for f in judge(measured).findings if f.id == rule_id]
    return finding


def assert_meta(f: Finding, rule_id: str, category: str, severity: Severity, seeds: str | None) -> None:
    assert (f.id, f.category, f.severity, f.seeds) == (rule_id, category, severity, seeds)
    assert f.name == find_rule(rule_id).name
    assert f.message and f.message.endswith(".")
    assert all(fix.summary and fix.code for fix in f.fixes)


def variants(f: Finding) -> list[str | None]:
    return [fix.variant for fix in f.fixes]


def pending(f: Finding) -> bool:
    """Every fix is backed by an edit that still awaits its probe."""
    return bool(f.fixes) and all(fix.variant and not fix.probed and not fix.verified for fix in f.fixes)


def test_vanishing_gradients_finding_proposes_probes():
    f = unsettled(vanishing(), "DD101")
    assert_meta(f, "DD101", "vanishing-gradients", E, "3/3 seeds")
    assert f.layers == ["dense", "dense_2"]
    assert "dense receives 0.001× the gradient of dense_2" in f.message
    assert all(r == pytest.approx(1e-3) for r in f.evidence["gradient_attenuation"])
    assert f.evidence["threshold"] == 0.01  # three trainable layers: the shallow limit applies
    assert variants(f) == ["relu", "batchnorm"] and pending(f)


def test_vanishing_gradients_threshold_is_a_tenth():
    rule = find_rule("DD101")
    assert rule().threshold == 0.1
    measured = deep_vanishing(first_rms=5e-4)  # dense gets 0.05× dense_2's gradient
    (f,) = rule().check(measured)
    assert f.evidence["gradient_attenuation"] == pytest.approx([0.05] * 3)
    assert rule(threshold=0.01).check(measured) == []  # the former threshold let it pass
    assert rule().check(deep_vanishing(first_rms=2e-3)) == []  # 0.2
    assert rule().check(vanishing(first_rms=5e-4)) == []  # 0.05 in three layers: ordinary attenuation


def test_vanishing_gradients_verified_relu_ranks_the_finding():
    f = judged(vanishing(relu=FIT, batchnorm=STALL), "DD101")
    (fix,) = f.fixes
    assert fix.variant == "relu" and fix.verified and "better in 3/3 seeds" in fix.effect
    assert "relative loss 0.9 → 0.005" in fix.effect
    assert f.evidence["fixes_that_did_not_help"] == [
        "normalize activations: relative loss 0.9 → 0.98 at 400 steps; better in 0/3 seeds"]
    assert f.rank == pytest.approx(math.log10(0.9 / 0.01))  # ranked up to the fit cutoff only


def test_vanishing_gradients_warning_counts_seeds():
    f = unsettled(vanishing(rel=0.2, seeds_hit=2), "DD101")
    assert_meta(f, "DD101", "vanishing-gradients", W, "2/3 seeds")
    assert f.evidence["relative_final_loss"] == pytest.approx([0.2, 0.2])


def test_vanishing_gradients_needs_two_traced_layers():
    no_grads = {name: {"grad_rms": None} for name in ("dense", "dense_1", "dense_2")}
    measured = make_measurements({"baseline": same(slowing(0.9))}, traces={"baseline": same(no_grads)})
    assert find_rule("DD101")().check(measured) == []


def test_exploding_gradients_finding():
    f = judged(exploding(clipnorm=FIT, adam=rise(1.0, 2.0), lr_suggested=rise(1.0, 2.0)), "DD102")
    assert_meta(f, "DD102", "exploding-gradients", E, "3/3 seeds")
    assert f.layers == ["dense_1"] and "dense_1 grows 1e+03×" in f.message
    assert f.evidence["gradient_growth"] == pytest.approx([1e3] * 3)
    assert variants(f) == ["clipnorm", "default_init"]
    assert f.fixes[0].verified and "3 → 0.005" in f.fixes[0].effect and not f.fixes[1].verified
    assert f.rank > 2


def test_exploding_gradients_to_nan_count_as_infinite_growth():
    f = unsettled(exploding(nan=True), "DD102")  # the NaN gradient is recorded as None
    assert f.evidence["gradient_growth"] == [INF] * 3 and pending(f)
    assert f.evidence["relative_final_loss"] == [INF] * 3


def test_nonfinite_values_finding():
    f = unsettled(nonfinite(), "DD105")
    assert_meta(f, "DD105", "non-finite", E, "3/3 seeds")
    assert "at step 150" in f.message and f.layers == ["dense_1"]  # the largest gradient before it
    assert f.evidence["first_nonfinite_step"] == {"seed 0": 150, "seed 1": 150, "seed 2": 150}
    assert variants(f) == ["matching_loss", "clipnorm"] and pending(f)


def test_dead_relu_error_with_verified_he_init_and_lower_learning_rate():
    measured = dead(default_init=decay(1.0, 0.05))
    before = unsettled(measured, "DD201")
    assert variants(before) == ["leaky_relu", "default_init", "lr_div10"]
    assert [not fix.probed for fix in before.fixes] == [True, False, False]
    f = judged(measured, "DD201")
    assert_meta(f, "DD201", "dead-units", E, "2/3 seeds")
    assert f.layers == ["dense_1"]
    assert f.message.startswith("All units of dense_1 died")
    assert f.evidence["dead_fraction_final"] == {"seed 0": {"dense_1": 1.0}, "seed 1": {"dense_1": 1.0}}
    assert f.evidence["dead_fraction_at_init"] == {"seed 0": {"dense_1": 0.1}, "seed 1": {"dense_1": 0.1}}
    # the verified fixes come first, the larger measured gain ahead; the unprobed one stays last
    assert variants(f) == ["lr_div10", "default_init", "leaky_relu"]
    lower, he, leaky = f.fixes
    assert lower.verified and he.verified and not leaky.verified and not leaky.probed
    # measured on the seeds that died: 2 of 2 end at least 2× lower
    assert "0.98 → 0.01 at 400 steps; better in 2/2 seeds" in lower.effect
    assert "0.98 → 0.05 at 400 steps; better in 2/2 seeds" in he.effect
    assert "learning_rate=0.0001" in lower.code
    assert f.rank == pytest.approx(math.log10(0.98 / 0.01))


def test_dead_relu_defers_to_the_learning_rate_when_only_a_smaller_rate_helps():
    rule = find_rule("DD201")()
    (pending_,) = rule.check(dead())  # ÷10 verified, LeakyReLU and He init not probed yet: ask for them
    assert [x.variant for x in pending_.fixes if not x.probed] == ["leaky_relu", "default_init"]
    assert rule.check(dead(leaky_relu=STALL, default_init=STALL)) == []  # probed and failed: the rate's fault
    assert judged(dead(leaky_relu=STALL, default_init=STALL), "DD303").fixes[0].variant == "lr_div10"
    for fix in ({"leaky_relu": FIT}, {"default_init": FIT}):  # either revives them too: a dead-unit finding
        (f,) = rule.check(dead(**fix))
        assert [x.verified for x in f.fixes] == [("leaky_relu" in fix), ("default_init" in fix), True]


def test_dead_relu_counts_only_the_seeds_without_identical_initial_units():
    f = judged(dying_layer(zero_init_seeds=1, leaky_relu=FIT), "DD201")
    assert f.seeds == "2/3 seeds" and set(f.evidence["dead_fraction_final"]) == {"seed 1", "seed 2"}


def test_dead_relu_without_probe_support_keeps_pending_fixes_and_drops_the_failed_one():
    f = judged(dead(fraction=0.7, lower_lr_fits=False), "DD201")
    assert f.message.startswith("70% of the units of dense_1 died")
    assert variants(f) == ["leaky_relu", "default_init"] and pending(f)
    assert any("LeakyReLU" in fix.summary for fix in f.fixes)
    (failed,) = f.evidence["fixes_that_did_not_help"]
    assert failed.startswith("lower the learning rate ×10: ") and "better in 0/2 seeds" in failed


def test_dead_relu_whole_layer_is_reported_even_when_no_fix_helps():
    f = judged(dead(lower_lr_fits=False, leaky_relu=STALL, default_init=STALL), "DD201")
    assert f.fixes == [] and len(f.evidence["fixes_that_did_not_help"]) == 3
    assert f.rank == pytest.approx(math.log10(3))  # two dead seeds; no measured gain


def test_saturated_activations_judge_hidden_layers_only():
    assert find_rule("DD202")().check(saturated_output()) == []  # the output at 95 %: not reported
    f = unsettled(saturated_output(hidden=0.8), "DD202")
    assert f.layers == ["dense"] and "80% of dense's outputs" in f.message  # not the output's 95 %
    assert "dense_2" not in f.message
    assert find_rule("DD202")().check(saturated_output(hidden=0.2)) == []  # below 30 %


def test_saturated_activations_finding():
    f = judged(saturated(standardize_x=FIT), "DD202")
    assert_meta(f, "DD202", "saturated-activations", W, "3/3 seeds")
    assert f.layers == ["dense"] and "80% of dense's outputs" in f.message
    assert variants(f) == ["standardize_x", "relu", "batchnorm"]
    assert f.fixes[0].verified and not any(fix.probed for fix in f.fixes[1:])


def test_diverging_nan_finding():
    f = judged(diverging(minimum_at=1e-3), "DD301")
    assert_meta(f, "DD301", "learning-rate-too-high", E, "3/3 seeds")
    assert f.evidence["first_nonfinite_step"] == 150
    assert "non-finite at step 150" in f.message and "learning rate 0.001" in f.message
    assert variants(f) == ["lr_div10", "lr_suggested", "clipnorm"]
    # a range test that suggests a larger rate offers no remedy for a rate too high
    assert variants(judged(diverging(), "DD301")) == ["lr_div10", "clipnorm"]
    fix = f.fixes[0]
    assert fix.verified and "non-finite → 0.01" in fix.effect and "better in 3/3 seeds" in fix.effect
    assert "learning_rate=0.0001" in fix.code and "Adam" in fix.code
    test = range_test(1e-3)
    assert f.evidence["range_test_suggestion"] == pytest.approx(suggest(test.learning_rates, test.losses).recommended)
    assert f"{f.evidence['range_test_suggestion']:.3g}" in f.fixes[1].summary
    assert f.rank == 12.0  # a fix that turns NaN into a finite loss gains the most


def test_diverging_finite_climb_reports_relative_loss():
    f = unsettled(diverging(curve=rise(1.0, 5.0)), "DD301")
    assert "first_nonfinite_step" not in f.evidence
    assert f.evidence["relative_final_loss"] == pytest.approx([5.0] * 3)
    assert "ended at 5× the loss of a constant prediction" in f.message


def test_diverging_one_seed_is_a_warning_not_an_error():
    f = unsettled(diverging(seeds_hit=1), "DD301")
    assert_meta(f, "DD301", "learning-rate-too-high", W, "1/3 seeds")
    assert "better in 1/1 seeds" in f.fixes[0].effect


def test_diverging_lower_rate_that_still_fails_hands_over_to_other_rules():
    # the baseline climbs to 5× a constant's loss; ÷10 the rate only reaches 4×: measured, not verified
    measured = diverging(curve=rise(1.0, 5.0), lower=rise(1.0, 4.0))
    assert find_rule("DD301")().check(measured) == []
    fix = measured_fix(measured, "lr_div10", "lower", "code", [0, 1, 2])
    assert not fix.verified and "relative loss 5 → 4" in fix.effect and "better in 0/3 seeds" in fix.effect


def test_diverging_lower_rate_that_also_diverges_is_no_learning_rate_problem():
    measured = diverging(lower=blow_up(at=300))
    assert find_rule("DD301")().check(measured) == []
    f = judged(diverging(lower=blow_up(at=300), lr_suggested=FIT, minimum_at=1e-3), "DD301")  # unless the smaller
    # suggestion helps
    assert f.fixes[0].variant == "lr_suggested" and f.fixes[0].verified
    assert "lower the learning rate" in f.evidence["fixes_that_did_not_help"][0]


def test_oscillating_finding():
    f = judged(oscillating(), "DD302")
    assert_meta(f, "DD302", "learning-rate-too-high", W, "3/3 seeds")
    assert f.evidence["final_over_minimum"] == pytest.approx([50.0] * 3)
    (fix,) = f.fixes
    assert fix.variant == "lr_div10" and fix.verified and "better in 3/3 seeds" in fix.effect


def test_oscillating_with_heavy_momentum_offers_lighter_momentum():
    f = judged(heavy_momentum(FIT), "DD302")
    (fix,) = f.fixes
    assert fix.variant == "momentum_0.9" and fix.verified and fix.code == "momentum=0.9"
    assert "lower the learning rate" in f.evidence["fixes_that_did_not_help"][0]


def test_noisy_loss_finding():
    f = judged(noisy(), "DD303")
    assert_meta(f, "DD303", "learning-rate-too-high", W, "3/3 seeds")
    assert f.message == ("The learning rate 0.001 is too high: the loss ends at 0.05× a constant prediction's, "
                         "and a smaller rate ends at 0.01×.")
    assert f.evidence["relative_final_loss"] == pytest.approx([0.05] * 3)
    assert f.evidence["relative_final_loss_smaller_rate"] == pytest.approx([0.01] * 3)
    assert f.evidence["threshold"] == 2.0 and f.evidence["range_test_suggestion"] is None
    (fix,) = f.fixes
    assert fix.variant == "lr_div10" and fix.verified and "0.05 → 0.01" in fix.effect


def test_noisy_loss_gain_is_an_option():
    assert find_rule("DD303")().check(noisy(lower=0.02))
    assert find_rule("DD303")(gain=3.0).check(noisy(lower=0.02)) == []


def test_noisy_loss_by_the_range_tests_suggestion():
    measured = noisy_suggested()
    suggestion = suggest(measured.range_test.learning_rates, measured.range_test.losses).recommended
    assert suggestion < 1e-3
    before = unsettled(measured, "DD303")
    assert variants(before) == ["lr_div10", "lr_suggested"]
    f = judged(measured, "DD303")
    assert_meta(f, "DD303", "learning-rate-too-high", W, "3/3 seeds")
    assert f.evidence["relative_final_loss_smaller_rate"] == pytest.approx([0.005] * 3)  # the better of the two
    assert f.evidence["range_test_suggestion"] == pytest.approx(suggestion)
    (fix,) = f.fixes
    assert fix.variant == "lr_suggested" and fix.verified and f"{suggestion:.3g}" in fix.summary
    assert "0.05 → 0.005" in fix.effect
    assert f.evidence["fixes_that_did_not_help"][0].startswith("lower the learning rate to 0.0001")
    # both smaller rates help: both fixes stay, the larger gain first
    g = judged(noisy_suggested(lower=0.01), "DD303")
    assert variants(g) == ["lr_suggested", "lr_div10"] and all(x.verified for x in g.fixes)


def test_noisy_loss_with_a_suggested_rate_probe_but_no_range_test():
    measured = noisy(lower=0.04)
    measured.runs.extend(run for run in noisy_suggested().runs_of("lr_suggested"))
    measured.variants.append(noisy_suggested().variant("lr_suggested"))
    assert find_rule("DD303")().check(measured) == []


def test_noisy_loss_needs_the_lower_rate_probe():
    d = judge(make_measurements({"baseline": same(decay(1.0, 0.05))}))
    assert "lr_div10" in d.skipped["DD303"] and "DD303" not in {f.id for f in d.findings}


def test_loss_plateau_finding():
    f = judged(plateau(adam=FIT, lr_suggested=PLATEAU), "DD304")
    assert_meta(f, "DD304", "learning-rate-too-low", W, "3/3 seeds")
    assert "plateaus at 0.5×" in f.message
    assert f.evidence["range_test_suggestion"] > 0
    (fix,) = f.fixes
    assert fix.variant == "adam" and fix.verified
    assert f.evidence["fixes_that_did_not_help"][0].startswith("use the LR range test's suggestion")


def test_loss_plateau_unprobed_proposes_both_escapes():
    f = unsettled(plateau(), "DD304")
    assert variants(f) == ["lr_suggested", "adam"] and pending(f)


def test_slow_progress_finding():
    f = judged(slow(), "DD311")
    assert_meta(f, "DD311", "learning-rate-too-low", E, "3/3 seeds")
    assert f.evidence["median_update_ratio"] == pytest.approx([1e-6] * 3)
    assert f.evidence["relative_final_loss"] == pytest.approx([0.9] * 3)
    (fix,) = f.fixes
    assert fix.variant == "lr_x10" and fix.verified and "better in 3/3 seeds" in fix.effect
    assert "keras.optimizers.SGD(learning_rate=0.001)" in fix.code
    assert f.rank == pytest.approx(math.log10(0.9 / 0.01))  # the measured gain of the fix


def test_slow_progress_by_the_range_tests_suggestion():
    f = judged(slow_suggested(), "DD311")
    assert f.fixes[0].variant == "lr_suggested" and f.fixes[0].verified
    suggestion = f.evidence["range_test_suggestion"]
    assert suggestion > 1e-4 and f"{suggestion:.3g}" in f.fixes[0].summary
    assert f.evidence["fixes_that_did_not_help"][0].startswith("raise the learning rate to 0.001")


def test_under_capacity_finding():
    f = judged(small(), "DD401")
    assert_meta(f, "DD401", "under-capacity", W, "3/3 seeds")
    (fix,) = f.fixes
    assert fix.variant == "wider" and fix.verified
    assert "dense: 8 → 32" in fix.summary and "better in 3/3 seeds" in fix.effect
    assert "max(4 * units, 32)" in fix.code  # 4× wider, at least 32 units
    assert "while a wider copy reaches 0.02×" in f.message
    assert f.evidence["relative_final_loss_wider"] == pytest.approx([0.02] * 3)
    assert f.evidence["overfits_one_batch"] == [True, True, False]
    assert f.layers == ["dense", "dense_1"]


def test_generalization_gap_finding():
    f = judged(gap(), "DD402")
    assert_meta(f, "DD402", "generalization-gap", I, "3/3 seeds")
    assert f.evidence["validation_over_training"] == {0: pytest.approx(60.0), 1: pytest.approx(60.0),
                                                      2: pytest.approx(60.0)}
    assert "60×" in f.message and f.fixes == []


def test_regularization_dominates_finding():
    f = judged(regularized(), "DD403")
    assert_meta(f, "DD403", "under-capacity", W, "3/3 seeds")
    assert f.evidence["regularization_share"] == {s: pytest.approx(0.4 / 0.6) for s in (0, 1, 2)}
    assert f.evidence["relative_data_loss"] == {s: pytest.approx(0.2) for s in (0, 1, 2)}
    assert "66.7 %" in f.message and "0.2× a constant" in f.message


def test_unscaled_inputs_finding():
    f = judged(unscaled_inputs(standardize_x=FIT), "DD501")
    assert_meta(f, "DD501", "unscaled-inputs", W, "3/3 seeds")
    assert f.evidence["largest_feature_mean_or_std"] == 300.0 and f.evidence["std_spread"] == 150.0
    assert "std 300, with scales 150× apart" in f.message
    (fix,) = f.fixes
    assert fix.variant == "standardize_x" and fix.verified and "Normalization" in fix.code


def test_unscaled_inputs_unprobed_is_pending():
    assert pending(unsettled(unscaled_inputs(), "DD501"))


def test_unscaled_targets_judge_standardized_runs_on_their_own_baseline():
    f = judged(unscaled_targets(standardized=decay(1.0, 0.01)), "DD511")
    assert_meta(f, "DD511", "unscaled-targets", W, "3/3 seeds")
    assert "mean 500, std 100" in f.message
    (fix,) = f.fixes
    # 3e3 on a constant's 1e4, against 0.01 on the standardized constant's 1.0
    assert fix.verified and "relative loss 0.3 → 0.01" in fix.effect


def test_targets_beyond_output_range_finding():
    f = judged(bounded_output("tanh", PIXELS, rescale_y=FIT, linear_output=FIT), "DD512")
    assert_meta(f, "DD512", "unscaled-targets", E, None)
    assert f.layers == ["dense_2"] and "reach 255, beyond the tanh output's maximum 1" in f.message
    assert f.evidence["output_range"] == [-1.0, 1.0]
    assert variants(f) == ["rescale_y", "linear_output"] and all(fix.verified for fix in f.fixes)
    assert pending(unsettled(bounded_output("sigmoid", PIXELS), "DD512"))


def test_bounded_output_regression_finding():
    f = unsettled(bounded_output("relu", profile()), "DD521")
    assert_meta(f, "DD521", "output-loss-mismatch", E, None)
    assert "relu output cannot go below 0, but targets reach -2" in f.message
    assert variants(f) == ["linear_output"] and pending(f)
    g = judged(bounded_output("relu", profile(), linear_output=decay(1.0, 0.01)), "DD521")
    assert g.fixes[0].verified and "0.3 → 0.01" in g.fixes[0].effect and g.rank > 1


def test_softmax_single_unit_finding():
    f = unsettled(classifier(units=1, loss="binary_crossentropy", kind="binary", y_kind="binary"), "DD522")
    assert_meta(f, "DD522", "output-loss-mismatch", E, None)
    assert f.message.startswith("Softmax over a single output unit always outputs 1: its predictions carry no "
                                "information")
    assert variants(f) == ["matching_loss"] and "sigmoid" in f.fixes[0].code and pending(f)
    g = judged(classifier(units=1, loss="binary_crossentropy", kind="binary", y_kind="binary",
                          curve=flat(0.69, 400), matching_loss=FIT), "DD522")
    assert g.fixes[0].verified and "better in 3/3 seeds" in g.fixes[0].effect


def test_logits_mismatch_findings():
    f = unsettled(classifier(from_logits=True), "DD523")
    assert_meta(f, "DD523", "output-loss-mismatch", E, None)
    assert "softmax output already gives probabilities" in f.message
    assert "from_logits=False" in f.fixes[0].summary and pending(f)
    g = judged(classifier(activation="linear", curve=STALL, matching_loss=FIT), "DD523")
    assert "unbounded logits" in g.message and "from_logits=True" in g.fixes[0].code
    assert g.fixes[0].verified and "better in 3/3 seeds" in g.fixes[0].effect


def test_logits_mismatch_is_refuted_by_a_matching_pairing_that_does_no_better():
    rule = find_rule("DD523")()
    for activation, from_logits in (("softmax", True), ("linear", False)):
        refuted_ = classifier(activation, from_logits=from_logits, curve=STALL, matching_loss=slowing(0.9))
        assert rule.check(refuted_) == []
        helped = classifier(activation, from_logits=from_logits, curve=STALL, matching_loss=decay(1.0, 0.4))
        (f,) = rule.check(helped)  # 0.98 → 0.4: 2.45× lower
        assert f.fixes[0].verified


def test_labels_loss_mismatch_findings():
    f = unsettled(classifier(y_kind="multi_hot"), "DD524")
    assert_meta(f, "DD524", "output-loss-mismatch", E, None)
    assert "Multi-label targets under a softmax output" in f.message
    assert variants(f) == ["matching_loss"] and "binary_crossentropy" in f.fixes[0].code
    g = unsettled(classifier("linear", loss="mean_squared_error", kind="regression"), "DD524")
    assert_meta(g, "DD524", "output-loss-mismatch", W, None)
    assert "regression loss (mean_squared_error) on one-hot class labels" in g.message
    assert variants(g) == ["matching_loss"] and pending(g)


def test_labels_loss_mismatch_regression_on_labels_is_refutable():
    rule = find_rule("DD524")()
    mse = {"loss": "mean_squared_error", "kind": "regression", "curve": STALL}
    assert rule.check(classifier("linear", matching_loss=slowing(0.9), **mse)) == []
    (f,) = rule.check(classifier("linear", matching_loss=FIT, **mse))
    assert f.fixes[0].verified and "better in 3/3 seeds" in f.fixes[0].effect
    # multi-label targets under softmax stay an error whatever the probe says
    (g,) = rule.check(classifier(y_kind="multi_hot", curve=STALL, matching_loss=STALL))
    assert g.severity == E and not g.fixes[0].verified


def test_symmetric_initialization_finding():
    f = judged(symmetric(default_init=FIT), "DD601")
    assert_meta(f, "DD601", "bad-initialization", E, None)
    assert f.layers == ["dense_1"] and f.evidence["layers_with_identical_units"] == ["dense_1"]
    (fix,) = f.fixes
    assert fix.variant == "default_init" and fix.verified and "glorot_uniform" in fix.code


def test_oversized_initialization_findings():
    f = judged(oversized(default_init=FIT), "DD602")
    assert_meta(f, "DD602", "bad-initialization", W, "3/3 seeds")
    assert f.layers == ["dense"] and "dense starts with weights 20× the Glorot scale" in f.message
    assert f.evidence["kernel_rms_over_glorot"] == {"dense": pytest.approx(20.0), "dense_1": pytest.approx(1.0),
                                                    "dense_2": pytest.approx(1.0)}
    assert f.fixes[0].variant == "default_init" and f.fixes[0].verified
    g = unsettled(make_measurements({"baseline": same(decay(50.0, 0.98))}), "DD602")
    assert g.layers == [] and "loss at initialization is 49.5× the expected 1.01" in g.message
    assert pending(g)


def test_output_bias_off_prior_finding():
    f = judged(offset_targets(), "DD603")
    assert_meta(f, "DD603", "bad-initialization", I, "3/3 seeds")
    assert "401× below the expected loss at initialization" in f.message
    (fix,) = f.fixes
    assert fix.variant is None and not fix.verified and "y.mean(0)" in fix.code
    classes = classifier(units=10, curve=STALL)
    classes.baseline_loss, classes.initial_loss_expected = 0.1, math.log(10)  # a rare class, uniform start
    assert "np.log(prior)" in unsettled(classes, "DD603").fixes[0].code


def test_every_rule_judges_measurements_without_profile_or_counterfactuals():
    measured = make_measurements({"baseline": same(blow_up())}, profile=None, initial_loss_expected=None)
    for rule in ALL_RULES:
        rule().check(measured)  # no rule may crash on what --no-counterfactuals measures


def test_unknown_learning_rate_is_described_relative():
    f = unsettled(diverging(), "DD301")
    assert "0.0001" in f.fixes[0].summary
    measured = diverging()
    measured.model.learning_rate = None
    f = unsettled(measured, "DD301")
    assert f.message.startswith("Training diverges: ")
    assert "0.1 × the current rate" in f.fixes[0].summary


def test_dead_relu_lower_rate_fix_with_unknown_learning_rate():
    measured = dying_layer(learning_rate=None, lr_div10=decay(1.0, 0.01), leaky_relu=FIT)
    f = judged(measured, "DD201")
    assert variants(f) == ["leaky_relu", "lr_div10", "default_init"]
    assert f.fixes[1].verified and "initial_learning_rate by 0.1" in f.fixes[1].code
