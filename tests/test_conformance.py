"""The differential conformance suite: every setup of the table is checked, and probed as model.fit trains it.

For each row of ``tests/conformance/setups.py``: ``dnndoctor check`` ends with a report (exit 0
or 1, valid against the report schema), the probe's loss at each of its 20 steps equals
``model.fit``'s from the same initial weights in the same batch order, and every measurement
the rules read is defined. A refusal row ends with exit 2 and one line naming the feature.
"internal error" fails any row, and so does a counterfactual probe dropped on an exception.
"""

from __future__ import annotations

import numpy as np
import pytest

from conformance.harness import (fit_arrays, materialize, reference_model, rows_of, run_check, start_training,
                                undefined_measurements)
from conformance.reference import fit_step_losses
from conformance.setups import SETUPS, Setup
from validators import valid_report

pytestmark = pytest.mark.tf
MAX_REFUSALS = 5


def test_the_table_is_large_and_refuses_little():
    assert len(SETUPS) >= 60
    assert len({s.id for s in SETUPS}) == len(SETUPS)
    assert sum(s.refusal is not None for s in SETUPS) <= MAX_REFUSALS


@pytest.mark.parametrize("setup", [pytest.param(s, id=s.id) for s in SETUPS])
def test_check_follows_model_fit(setup: Setup, tmp_path, monkeypatch):
    from dnndoctor.probes.loop import batch_order

    model_path, data_path, arrays = materialize(setup, tmp_path)
    outcome = run_check(setup, model_path, data_path, monkeypatch)
    streams = outcome.stdout + outcome.stderr
    assert outcome.exception is None, repr(outcome.exception)
    assert "internal error" not in streams, outcome.stderr
    if setup.refusal is not None:
        assert outcome.exit_code == 2 and outcome.stdout == "", streams
        assert setup.refusal in outcome.stderr and len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr
        return
    assert outcome.exit_code in (0, 1), outcome.stderr
    report = valid_report(outcome.stdout)
    assert report["verdict"] and not [c for c in report["cuts"] if "failed and was dropped" in c], report["cuts"]

    measurements = outcome.diagnosis.measurements
    model = reference_model(setup, model_path)
    assert not undefined_measurements(measurements, model)
    probe = next(r for r in measurements.runs_of("baseline") if r.seed == 0)
    rows, batch = rows_of(arrays), measurements.budget.batch_size
    start_training(setup, model)
    epochs = -(-len(probe.losses) // measurements.budget.steps_per_epoch)
    x, y, sample_weight = fit_arrays(model, arrays)
    fit = fit_step_losses(model, x, y, order=batch_order(0, rows, epochs), steps=len(probe.losses),
                          batch_size=batch, sample_weight=sample_weight, class_weight=setup.class_weight)
    if setup.stochastic:  # dropout masks differ from fit's: the loss levels agree, not each step
        np.testing.assert_allclose(np.mean(probe.losses), np.mean(fit), rtol=0.1)
    else:
        np.testing.assert_allclose(probe.losses, fit, rtol=1e-4, atol=1e-6)
