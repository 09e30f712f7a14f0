"""The race's decisions: a seed is added to a variant only while its verdict is open. No TensorFlow."""

from __future__ import annotations

import math

import pytest

from dnndoctor.probes.race import (CLEAR_LOSS, CLEAR_WIN, FAR_FROM_FIT, IMPAIRED_FLOOR, gain_decades,
                                   needs_longer_probe, next_seed, raced_off, seed_order, telling)
from dnndoctor.rules.fixes import VERIFIED_GAIN
from dnndoctor.runstats import FITS, SEED_NOISE

SEEDS = [0, 1, 2]
STUCK = {0: 0.5, 1: 0.5, 2: 0.5}  # the setup ends at half a constant prediction's loss in every seed


def test_the_bands_leave_every_threshold_within_noise_open():
    # a gain within noise of 2x (fixes) or of 10x (DD311, DD321) must never be decided
    assert CLEAR_LOSS == pytest.approx(math.log10(VERIFIED_GAIN) - SEED_NOISE)
    assert CLEAR_WIN == pytest.approx(1 + SEED_NOISE)


def test_a_seed_where_the_setup_fits_tells_nothing():
    assert telling(0.5) and telling(math.inf) and telling(IMPAIRED_FLOOR)
    assert not telling(1e-4) and not telling(IMPAIRED_FLOOR / 10 ** (SEED_NOISE + 0.01))


def test_gain_in_decades_counts_a_non_finite_variant_as_a_loss():
    assert gain_decades(1.0, 0.1) == pytest.approx(1.0)
    assert gain_decades(0.1, math.inf) == -math.inf and gain_decades(math.inf, math.inf) == -math.inf
    assert gain_decades(math.inf, 0.1) == math.inf


def test_telling_seeds_come_first():
    assert seed_order({0: 1e-5, 1: 0.5, 2: 1e-5}, SEEDS) == [1, 0, 2]
    assert seed_order({}, SEEDS) == SEEDS


def test_a_clear_loser_is_raced_off_after_one_seed():
    assert next_seed(STUCK, {0: 0.5}, SEEDS) is None  # no change
    assert next_seed(STUCK, {0: math.inf}, SEEDS) is None  # diverged


@pytest.mark.parametrize("variant_loss", [0.5 / 2, 0.5 / 1.5, 0.5 / 10, 0.5 / 12])
def test_a_gain_near_a_threshold_gets_another_seed(variant_loss):
    assert next_seed(STUCK, {0: variant_loss}, SEEDS) == 1


def test_a_clear_winner_runs_until_it_wins_a_majority_of_the_seeds():
    assert next_seed(STUCK, {0: 1e-3}, SEEDS) == 1  # one clear win is 1/3 seeds: no rule reads it yet
    assert next_seed(STUCK, {0: 1e-3, 1: 1e-3}, SEEDS) is None  # 2/3 seeds: decided


def test_a_variant_stays_open_until_a_seed_where_the_setup_is_impaired_has_told():
    setup = {0: 1e-6, 1: 1e-6, 2: 0.8}  # fits in seeds 0 and 1, stuck in seed 2
    assert next_seed(setup, {0: 1e-6}, SEEDS) == 2
    assert next_seed(setup, {0: 1e-6, 2: 0.8}, SEEDS) is None
    assert next_seed({0: 1e-6, 1: 1e-6, 2: 1e-6}, {0: 1e-7}, SEEDS) is None  # fits everywhere: nothing to tell


def test_a_clear_win_on_the_only_seed_where_the_setup_is_impaired_decides():
    dies_in_seed_0 = {0: 1.0, 1: 1e-7, 2: 1e-8}
    assert next_seed(dies_in_seed_0, {0: 1e-4}, SEEDS) is None
    assert next_seed(dies_in_seed_0, {0: 0.3}, SEEDS) == 1  # ambiguous: another seed


def test_every_seed_probed_ends_the_race():
    assert next_seed(STUCK, {0: 0.25, 1: 0.25, 2: 0.25}, SEEDS) is None


def test_the_probe_grows_only_while_most_seeds_are_still_falling_far_from_a_fit():
    far = FAR_FROM_FIT * 2
    assert needs_longer_probe([far, far, far], [True, True, False])
    assert not needs_longer_probe([far, far, far], [True, False, False])  # stalled: more steps show nothing new
    assert not needs_longer_probe([FITS, FAR_FROM_FIT / 2, far], [True, True, True])  # nearer a fit
    assert not needs_longer_probe([math.inf, math.inf, far], [True, True, True])  # diverged


def test_raced_off_names_the_seeds_probed():
    assert raced_off("wider", [0], SEEDS) == ("race: wider probed on seed 0 only; "
                                              "more seeds could not change a verdict")
    assert "seeds 0, 2 only" in raced_off("relu", [2, 0], SEEDS)
    assert raced_off("wider", SEEDS, SEEDS) is None
