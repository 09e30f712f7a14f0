"""The time budget's arithmetic: what is left, and what is cut so that the probes fit. No TensorFlow."""

from __future__ import annotations

import math

import pytest

from dnndoctor.options import DEFAULT_TIME_BUDGET, CheckOptions, time_limit
from dnndoctor.probes.deadline import RESERVE, Deadline, Workload, fit_workload


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_without_a_budget_nothing_expires():
    deadline = Deadline(None)
    assert not deadline.limited and deadline.remaining() == math.inf
    assert not deadline.stop_run() and deadline.affords(10**6, 10**6, 100) and deadline.cuts == []


def test_remaining_keeps_a_reserve_and_stop_run_records_its_cut_once():
    clock = Clock()
    deadline = Deadline(20.0, clock)
    assert deadline.remaining() == pytest.approx(20.0 * (1 - RESERVE))
    clock.now += 10
    assert deadline.remaining() == pytest.approx(9.0) and not deadline.stop_run()
    clock.now += 9.5
    assert deadline.expired() and deadline.stop_run() and deadline.stop_run()
    assert deadline.cuts == ["time budget: probe runs cut short at the deadline"]


def test_affords_prices_runs_and_compiles():
    deadline = Deadline(11.0, Clock())  # 10.45 s left
    deadline.step_seconds, deadline.compile_seconds = 0.001, 2.0
    assert deadline.affords(3, 1000, 3)  # 3 + 6 s
    assert not deadline.affords(3, 1000, 4)  # 3 + 8 s


WORK = Workload(seeds=[0, 1, 2], steps=400, chunk=40, variants=["lr_x10", "lr_div10", "wider"],
                compiled={"wider"}, range_steps=100, overfit=True)
STEP, COMPILE = 0.001, 2.0


def test_workload_price():
    # (baseline + 3 variants + overfit) x 3 seeds x 400 steps + 100 range-test steps; wider and range test compile
    assert WORK.runs() == 15
    assert WORK.seconds(STEP, COMPILE) == pytest.approx(6.1 + 4.0)


def test_a_workload_that_fits_is_not_cut():
    fit = fit_workload(WORK, 11.0, STEP, COMPILE)
    assert fit.work == WORK and fit.cuts == []


@pytest.mark.parametrize("seconds, cuts", [
    (9.0, ["variants wider not probed"]),
    (5.0, ["variants wider", "LR range test and one-batch overfit"]),
    (3.0, ["variants wider", "LR range test", "seed 2 not probed (seeds 0, 1 only)"]),
    (1.5, ["variants wider", "LR range test", "seeds 1, 2 not probed (seed 0 only)"]),
    (1.0, ["variants wider", "LR range test", "seeds 1, 2", "variants lr_x10, lr_div10 not probed"]),
    (0.25, ["variants wider", "LR range test", "seeds 1, 2", "variants lr_x10", "steps 400 → 240 per probe run"]),
])
def test_cuts_come_costliest_evidence_first(seconds, cuts):
    """Seeds go before the cheap counterfactuals, two kept while they fit: one seed alone cannot
    tell a seed's accident from a fault of the setup."""
    fit = fit_workload(WORK, seconds, STEP, COMPILE)
    assert len(fit.cuts) == len(cuts)
    for cut, words in zip(fit.cuts, cuts):
        assert cut.startswith("time budget: ") and words in cut
    assert fit.work.seconds(STEP, COMPILE) <= seconds


def test_the_first_chunk_of_the_users_setup_is_never_cut():
    fit = fit_workload(WORK, -5.0, STEP, COMPILE)
    assert fit.work.seeds == [0] and fit.work.variants == [] and fit.work.steps == WORK.chunk
    assert not fit.work.overfit and fit.work.range_steps == 0
    assert fit.cuts[-1].endswith("only the minimum was probed, so the check overruns")


def test_the_time_budget_can_be_configured(tmp_path):
    from dnndoctor.config import load_config

    (tmp_path / "pyproject.toml").write_text("[tool.dnndoctor]\ntime-budget = 30\n")
    config = load_config(start=tmp_path)
    assert config.options_for(None, {}).time_budget == 30.0
    assert config.options_for(None, {"time_budget": 5.0}).time_budget == 5.0


def test_a_check_has_a_default_budget_that_thorough_removes_and_a_given_one_overrides(tmp_path):
    from dnndoctor.config import load_config

    assert time_limit(CheckOptions()) == DEFAULT_TIME_BUDGET
    assert time_limit(CheckOptions(thorough=True)) is None
    assert time_limit(CheckOptions(time_budget=5.0)) == time_limit(CheckOptions(time_budget=5.0, thorough=True)) == 5.0
    (tmp_path / "pyproject.toml").write_text("[tool.dnndoctor]\nthorough = true\n")
    assert time_limit(load_config(start=tmp_path).options_for(None, {})) is None


def test_the_thorough_flag_reaches_the_options(monkeypatch):
    from typer.testing import CliRunner

    from dnndoctor import runner
    from dnndoctor.cli import app

    seen = {}

    def plan(paths, settings, flags, changed=False):
        seen.update(flags)
        return []

    monkeypatch.setattr(runner, "plan", plan)
    CliRunner().invoke(app, ["check", "m.keras", "d.npz", "--thorough", "-q"])
    assert seen["thorough"] is True
    seen.clear()
    CliRunner().invoke(app, ["check", "m.keras", "d.npz", "-q"])
    assert "thorough" not in seen  # without the flag, the configured value stands


def test_racing_variants_are_priced_at_their_first_seed():
    raced = Workload(seeds=[0, 1, 2], steps=400, chunk=40, variants=["lr_x10", "lr_div10", "wider"],
                     compiled={"wider"}, range_steps=100, overfit=True, raced=True)
    assert raced.runs() == 2 * 3 + 3  # the setup and the overfit probe per seed, each variant once
    assert fit_workload(raced, 9.0, STEP, COMPILE).cuts == []  # the full schedule would cut wider
