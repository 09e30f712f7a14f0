"""Which edits the verification phase probes: ``dnndoctor.api.proposed_edits``. Pure: no TensorFlow."""

from __future__ import annotations

import subprocess
import sys

from dnndoctor.api import proposed_edits, unread_fixes
from dnndoctor.findings import Diagnosis, Finding, Fix, Severity
from dnndoctor.options import CheckOptions


def finding(rule_id: str, *variants: str | None, effect: str | None = None) -> Finding:
    """A finding proposing one fix per variant (None: advice without a probe)."""
    fixes = [Fix(summary=f"fix {v}", code="...", variant=v, effect=effect) for v in variants]
    return Finding(id=rule_id, name="x", category="non-finite", severity=Severity.WARNING, message="m.",
                   evidence={}, fixes=fixes)


def diagnosis(*findings: Finding) -> Diagnosis:
    return Diagnosis(list(findings), measurements=None)


def test_every_finding_gets_its_first_probe_before_any_gets_a_second():
    d = diagnosis(finding("DD101", "relu", "batchnorm", "adam"), finding("DD201", "leaky_relu", "default_init"),
                  finding("DD304", "lr_suggested"))
    assert proposed_edits(d, set()) == ["relu", "leaky_relu", "lr_suggested", "batchnorm", "default_init", "adam"]


def test_probed_edits_and_advice_are_skipped_and_the_next_one_moves_up():
    d = diagnosis(finding("DD101", "relu", None, "batchnorm"), finding("DD201", "lr_div10", "leaky_relu"),
                  finding("DD603", None))
    assert proposed_edits(d, {"relu", "lr_div10"}) == ["batchnorm", "leaky_relu"]
    assert proposed_edits(d, {"relu", "lr_div10", "batchnorm", "leaky_relu"}) == []
    assert proposed_edits(diagnosis(), set()) == []


def test_a_probed_edit_whose_fix_reads_unprobed_gets_the_rest_of_its_seeds():
    # the race ran relu on seed 0, while the finding concerns seeds 1 and 2: its fix reads as unprobed
    raced = finding("DD202", "relu", "standardize_x", None)
    raced.fixes[1].probed = True
    d = diagnosis(raced, finding("DD201", "relu", "leaky_relu"))
    assert unread_fixes(d, {"baseline", "relu", "standardize_x"}) == ["relu"]
    assert unread_fixes(d, {"baseline"}) == []  # edits not probed at all are the verification phase's


def test_the_most_important_finding_goes_first_within_a_round_and_shared_edits_repeat():
    # examine() removes repeats (dict.fromkeys) and keeps the first max_fixes
    d = diagnosis(finding("DD301", "lr_div10", "clipnorm"), finding("DD302", "lr_div10", "momentum_0.9"))
    edits = proposed_edits(d, set())
    assert edits == ["lr_div10", "lr_div10", "clipnorm", "momentum_0.9"]
    assert list(dict.fromkeys(edits))[:2] == ["lr_div10", "clipnorm"]


def test_max_fixes_defaults_to_six():
    assert CheckOptions().max_fixes == 6


def test_importing_the_api_does_not_import_tensorflow():
    code = "import sys, dnndoctor.api; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
