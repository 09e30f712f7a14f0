"""LR suggestions read off synthetic range-test curves: pure functions, no TensorFlow."""

from __future__ import annotations

import math

import numpy as np
import pytest

from builders import RANGE_LRS, u_curve
from dnndoctor.lr_suggest import DIVERGED, longest_descent, smooth, suggest, usable_length

NAN, INF = math.nan, math.inf


def close(value: float | None, target: float, factor: float = 2.0) -> bool:
    return value is not None and target / factor <= value <= target * factor


def first_rate_after(rate: float) -> float:
    return next(lr for lr in RANGE_LRS if lr > rate)


# -- clean curves ----------------------------------------------------------------------------------

def test_u_shaped_curve_recommends_a_tenth_of_the_minimums_rate():
    losses = u_curve(1e-2)
    s = suggest(RANGE_LRS, losses)
    smoothed = smooth(losses)
    n = usable_length(smoothed)
    assert s.recommended == s.minimum_tenth == RANGE_LRS[int(np.argmin(smoothed[:n]))] / 10
    assert close(s.recommended, 1e-3)  # the smoothing lags the true minimum by a step or two
    assert s.valley is not None and s.steep is not None
    assert s.valley < 1e-2 and s.steep < 1e-2  # both on the descent, before the minimum
    assert s.diverged_at is not None and 1e-2 < s.diverged_at < 1.0


@pytest.mark.parametrize("minimum_at", [1e-5, 1e-4, 1e-3, 1e-1, 1.0])
def test_recommendation_follows_the_minimum(minimum_at):
    s = suggest(RANGE_LRS, u_curve(minimum_at))
    assert close(s.recommended, minimum_at / 10)


def test_noisy_u_curve_still_recommends_near_a_tenth_of_the_minimum():
    rng = np.random.default_rng(0)
    losses = [v * float(np.exp(rng.normal(0, 0.05))) for v in u_curve(1e-3)]
    assert close(suggest(RANGE_LRS, losses).recommended, 1e-4, factor=3.0)


def test_curve_that_never_diverges_recommends_a_tenth_of_the_largest_rate():
    losses = [1.0 / (1.0 + 100 * lr) for lr in RANGE_LRS]
    s = suggest(RANGE_LRS, losses)
    assert s.diverged_at is None
    assert s.recommended == pytest.approx(RANGE_LRS[-1] / 10)


def test_flat_then_exploding_curve_recommends_from_before_the_explosion():
    losses = [1.0] * 60 + [1.0 * 3 ** k for k in range(1, 41)]
    s = suggest(RANGE_LRS, losses)
    assert s.diverged_at is not None and s.diverged_at > RANGE_LRS[59]
    assert s.recommended is not None and s.recommended <= RANGE_LRS[60] / 10


# -- divergence and non-finite losses ------------------------------------------------------------

def test_curve_that_diverges_at_once_gives_no_recommendation():
    losses = [10.0 ** k for k in range(len(RANGE_LRS))]
    s = suggest(RANGE_LRS, losses)
    assert s.recommended is None
    assert (s.valley, s.minimum_tenth, s.steep) == (None, None, None)
    assert s.diverged_at == RANGE_LRS[1]


@pytest.mark.parametrize("bad", [NAN, INF, None])
def test_nonfinite_loss_at_the_second_rate_gives_no_recommendation(bad):
    losses = [1.0, bad] + [0.5] * (len(RANGE_LRS) - 2)
    s = suggest(RANGE_LRS, losses)
    assert s.recommended is None and s.diverged_at == RANGE_LRS[1]


@pytest.mark.parametrize("bad", [NAN, INF, -INF, None])
def test_nonfinite_losses_after_the_minimum_end_the_usable_curve(bad):
    clean = u_curve(1e-2)
    cut = RANGE_LRS.index(first_rate_after(1.5e-2))
    losses = clean[:cut] + [bad] * (len(clean) - cut)
    s = suggest(RANGE_LRS, losses)
    assert s.diverged_at == RANGE_LRS[cut]
    assert close(s.recommended, 1e-3)
    assert s.recommended == suggest(RANGE_LRS[:cut], clean[:cut]).recommended


def test_a_nan_before_the_minimum_hides_the_minimum():
    losses = u_curve(1e-2)
    cut = RANGE_LRS.index(first_rate_after(1e-4))
    s = suggest(RANGE_LRS, losses[:cut] + [NAN] + losses[cut + 1:])
    assert s.diverged_at == RANGE_LRS[cut]
    assert s.recommended is not None and s.recommended < 1e-4 / 10 * 1.01


@pytest.mark.parametrize("losses", [[], [1.0], [1.0, 0.9], [NAN, 1.0, 0.5, 0.2]])
def test_too_short_a_curve_gives_no_recommendation(losses):
    s = suggest(RANGE_LRS[: len(losses)], losses)
    assert s.recommended is None and s.valley is None and s.steep is None


# -- the parts ----------------------------------------------------------------------------------

def test_smooth_is_bias_corrected_and_nan_from_the_first_nonfinite_value():
    assert smooth([2.0, 2.0, 2.0]).tolist() == pytest.approx([2.0, 2.0, 2.0])
    out = smooth([1.0, 3.0, NAN, 1.0])
    assert out[0] == 1.0 and 1.0 < out[1] < 3.0
    assert math.isnan(out[2]) and math.isnan(out[3]) and len(out) == 4
    assert smooth([]).size == 0


def test_usable_length_stops_at_divergence():
    assert usable_length(np.array([1.0, 0.5, 0.4, 0.4 * DIVERGED * 1.01, 0.1])) == 3
    assert usable_length(np.array([1.0, 0.5, 0.5 * DIVERGED * 0.99])) == 3  # just below the limit
    assert usable_length(np.array([1.0, NAN, 0.5])) == 1
    assert usable_length(np.array([])) == 0


def test_longest_descent():
    assert longest_descent(np.array([3.0, 2.0, 1.0, 2.0, 1.5])) == (0, 2)
    assert longest_descent(np.array([1.0, 2.0, 1.9, 1.8, 1.7, 2.0])) == (1, 4)
    assert longest_descent(np.array([1.0, 1.0, 1.0])) == (0, 0)
