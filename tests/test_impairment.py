"""Severity follows impairment, and evidence within seed noise of a threshold lowers confidence
(pure: hand-built measurements)."""

from __future__ import annotations

from builders import decay, make_measurements, same
from dnndoctor.findings import Severity
from dnndoctor.rules import judge
from dnndoctor.rules.fixes import measured_fix
from dnndoctor.rules.rule import Rule
from dnndoctor.runstats import FITS, SEED_NOISE
from scenarios import FIT, STALL, saturated
from test_ranking import DOC

E = Severity.ERROR


def _error_rule(capped: bool = True, variant: str | None = None, seeds: tuple[int, ...] = (0, 1, 2)) -> type[Rule]:
    """A rule that always reports an error, with a fix backed by ``variant`` on ``seeds`` when given."""

    def check(self, measured):
        fixes = [measured_fix(measured, variant, "fix", "code", list(seeds))] if variant else []
        return [self.finding("always.", {}, fixes=fixes)]

    return type("Always", (Rule,), {"__doc__": DOC, "id": "DD990", "name": "always", "category": "non-finite",
                                    "severity": E, "capped_when_fit": capped, "check": check})


def test_a_setup_that_fits_in_every_seed_gets_no_warning():
    # whatever a rule saw did not keep the model from fitting: it is advice
    d = judge(make_measurements({"baseline": same(decay(1.0, 0.001))}), (_error_rule(),))
    assert [f.severity for f in d.findings] == [Severity.INFO] and "severity_capped" in d.findings[0].evidence


def test_one_seed_that_does_not_fit_keeps_the_severity():
    # 1 of 3 seeds ends at half a constant's loss: training is impaired, the median fit is not enough
    curves = [decay(1.0, 0.001), decay(1.0, 0.001), decay(1.0, 0.5)]
    d = judge(make_measurements({"baseline": curves}), (_error_rule(),))
    assert [f.severity for f in d.findings] == [E]


def test_a_rule_whose_harm_the_training_loss_hides_is_not_capped():
    d = judge(make_measurements({"baseline": same(decay(1.0, 0.001))}), (_error_rule(capped=False),))
    assert [f.severity for f in d.findings] == [E]


def test_a_verified_fix_just_over_its_gain_is_low_confidence():
    # the fix ends 2.2× lower against the 2× it needs: within seed noise of the threshold
    measured = make_measurements({"baseline": same(decay(1.0, 0.5)), "adam": same(decay(1.0, 0.5 / 2.2))})
    finding = judge(measured, (_error_rule(variant="adam"),)).findings[0]
    assert finding.fixes[0].verified and finding.confidence == "low" and "low_confidence" in finding.evidence


def test_a_verified_fix_far_over_its_gain_is_high_confidence():
    measured = make_measurements({"baseline": same(decay(1.0, 0.5)), "adam": same(decay(1.0, 0.005))})
    finding = judge(measured, (_error_rule(variant="adam"),)).findings[0]
    assert finding.fixes[0].verified and finding.confidence == "high"


def test_a_setup_near_the_fit_cutoff_is_low_confidence():
    # the median seed ends just above the cutoff: another seed set could cap the severity
    near = FITS * 10 ** (SEED_NOISE / 2)
    finding = judge(make_measurements({"baseline": same(decay(1.0, near))}), (_error_rule(),)).findings[0]
    assert finding.severity == E and finding.confidence == "low"


def test_reports_name_a_low_confidence():
    from dnndoctor.report.plain import headline

    measured = make_measurements({"baseline": same(decay(1.0, 0.5)), "adam": same(decay(1.0, 0.5 / 2.2))})
    finding = judge(measured, (_error_rule(variant="adam"),)).findings[0]
    assert headline(finding).endswith("· low confidence") and finding.to_dict()["confidence"] == "low"


def test_a_fix_is_judged_where_the_setup_is_impaired():
    # the units die in 1 of 3 seeds: the fix's gain there decides, not the two seeds that already fit
    curves = [decay(1.0, 1.0), decay(1.0, 1e-6), decay(1.0, 1e-6)]
    measured = make_measurements({"baseline": curves, "adam": same(decay(1.0, 1e-4))})
    finding = judge(measured, (_error_rule(variant="adam", seeds=(0,)),)).findings[0]
    assert finding.fixes[0].verified and finding.confidence == "high"


def test_slow_progress_at_the_edge_of_a_healthy_pace_is_low_confidence():
    # updates of 1e-3 of the weights: exactly the healthy pace, so the warning stays with low confidence
    from scenarios import noisy_suggested

    finding = next(f for f in judge(noisy_suggested(minimum_at=0.1, rel=0.2)).findings if f.id == "DD311")
    assert finding.severity == Severity.WARNING and finding.confidence == "low"


def test_a_budget_cut_never_adds_a_finding():
    # the rule is refuted when every way out of the tails was probed and none helped; when the budget cut
    # one of those probes, the check could not tell, so it may not say more than the complete check
    complete = judge(saturated(standardize_x=STALL, relu=STALL, batchnorm=STALL))
    assert "DD202" not in [f.id for f in complete.findings]
    cut = saturated(relu=STALL, batchnorm=STALL)
    cut.budget_cut_edits = ["standardize_x"]
    d = judge(cut)
    found = {f.id: f for f in d.findings}
    assert found["DD202"].severity == Severity.INFO and found["DD202"].confidence == "low"
    assert "time budget" in found["DD202"].evidence["severity_capped"]


def test_a_budget_cut_leaves_a_verified_finding_alone():
    # one fix was verified: the finding stands on that probe whatever the budget cut beside it
    measured = saturated(standardize_x=FIT, relu=STALL)
    measured.budget_cut_edits = ["batchnorm"]
    assert [(f.id, f.severity) for f in judge(measured).findings if f.id == "DD202"] == [("DD202", Severity.WARNING)]


def test_a_finding_whose_fixes_were_not_cut_keeps_its_severity():
    # unprobed because verification has not run yet (or --max-fixes): the budget did not decide anything
    d = judge(make_measurements({"baseline": same(decay(1.0, 0.5))}), (_error_rule(variant="relu"),))
    assert [f.severity for f in d.findings] == [E]
