"""The quick checks the reports show: pure, over hand-built measurements."""

from __future__ import annotations

import numpy as np

from builders import decay, healthy, make_measurements, same
from dnndoctor.measurements import RangeTest
from dnndoctor.sanity import describe, sanity_checks


def test_checks_of_a_healthy_model():
    m = healthy()
    m.initial_loss_expected = 1.1
    lrs = list(np.geomspace(1e-6, 10, 100))
    m.range_test = RangeTest(learning_rates=lrs, losses=[1.0 + (np.log10(lr) + 2) ** 2 / 10 for lr in lrs])
    m.overfit_relative_loss = [1e-4, 2e-3, 0.5]
    checks = sanity_checks(m)
    assert checks["initial_loss"] is not None and checks["expected_initial_loss"] == 1.1
    assert 1e-4 < checks["range_test_suggestion"] < 1e-2  # a tenth of the minimum near 1e-2
    assert (checks["overfits_one_batch"], checks["overfit_seeds"]) == (2, 3)
    line = describe(checks)
    assert "expected ~1.1" in line and "LR range test suggests" in line and "2/3 seeds" in line


def test_checks_without_their_probes_say_nothing():
    m = make_measurements({"baseline": same(decay(1.0, 0.5))})
    m.range_test, m.overfit_relative_loss, m.initial_loss_expected = None, [], None
    checks = sanity_checks(m)
    assert checks["range_test_suggestion"] is None and checks["overfit_seeds"] is None
    assert "LR range test" not in describe(checks) and "overfits" not in describe(checks)
