"""The practitioners' quick checks, read off the measurements: loss at initialization against
its expected value, the LR range test's suggestion against the user's rate, and whether the
model can overfit one small batch. Pure: for the reports."""

from __future__ import annotations

import math

import numpy as np

from .lr_suggest import suggest
from .measurements import Measurements

OVERFIT = 0.01  # relative loss on the single batch that counts as memorized


def sanity_checks(measured: Measurements) -> dict:
    """Each check's numbers, None where the probe behind it did not run."""
    starts = [r.eval_losses[0] for r in measured.runs_of("baseline")
              if r.eval_losses and r.eval_losses[0] is not None and math.isfinite(r.eval_losses[0])]
    test = measured.range_test
    suggestion = suggest(test.learning_rates, test.losses).recommended if test else None
    overfit = measured.overfit_relative_loss
    return {
        "initial_loss": float(np.median(starts)) if starts else None,
        "expected_initial_loss": measured.initial_loss_expected,
        "learning_rate": measured.model.learning_rate,
        "range_test_suggestion": suggestion,
        "overfits_one_batch": sum(v <= OVERFIT for v in overfit) if overfit else None,
        "overfit_seeds": len(overfit) or None,
    }


def describe(checks: dict) -> str:
    """One line for the terminal report."""
    parts = []
    if checks["initial_loss"] is not None:
        expected = checks["expected_initial_loss"]
        parts.append(f"loss at init {checks['initial_loss']:.3g}" + (f" (expected ~{expected:.3g})" if expected else ""))
    if checks["range_test_suggestion"] is not None:
        yours = f", yours {checks['learning_rate']:.3g}" if checks["learning_rate"] else ""
        parts.append(f"LR range test suggests {checks['range_test_suggestion']:.3g}{yours}")
    if checks["overfit_seeds"]:
        parts.append(f"overfits one batch in {checks['overfits_one_batch']}/{checks['overfit_seeds']} seeds")
    return "; ".join(parts)
