"""The planner races probes on the seed fixtures: what it runs, what it reports it raced off, and the
adaptive budget. Budgets are given so large that no machine's speed decides what is cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from dnndoctor.api import check_files
from dnndoctor.options import CheckOptions

pytestmark = pytest.mark.tf
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NO_LIMIT = 600.0


def seeds_of(measured, variant: str) -> list[int]:
    return sorted(r.seed for r in measured.runs_of(variant))


def test_a_still_falling_setup_far_from_a_fit_is_probed_longer_every_variant_at_one_budget():
    # seed example 2 with 32 units ends the default 400 steps near half a constant prediction's loss, still falling
    options = CheckOptions(time_budget=NO_LIMIT)
    measured = check_files(FIXTURES / "ex2_tanh32.keras", FIXTURES / "sine.npz", options).measurements
    assert measured.budget.steps > options.steps
    assert any(f"extended to {measured.budget.steps} steps" in note for note in measured.engine["notes"])
    assert {len(run.losses) for run in measured.runs} == {measured.budget.steps}
    assert seeds_of(measured, "baseline") == options.seeds
    for variant in measured.variants:
        probed = seeds_of(measured, variant.name)
        if probed != options.seeds:
            assert any(cut.startswith(f"race: {variant.name} probed on") for cut in measured.cuts), measured.cuts


def test_a_thorough_check_probes_every_variant_on_every_seed():
    options = CheckOptions(steps=40, thorough=True)
    measured = check_files(FIXTURES / "ex1_relu.keras", FIXTURES / "linear.npz", options).measurements
    assert len(measured.variants) > 1
    assert all(seeds_of(measured, variant.name) == options.seeds for variant in measured.variants)
    assert not [cut for cut in measured.cuts if cut.startswith(("race: ", "time budget: "))]
