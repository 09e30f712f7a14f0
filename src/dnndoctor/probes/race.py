"""Race decisions: which seed a variant is probed on next, and whether the setup's probe grows.

A race in the manner of successive halving (Hyperband, ASHA, F-race): the user's setup runs on
every seed, while a counterfactual or a fix starts on one seed and gets another only while its
verdict is open. Rules read a variant through its gain over the setup on the same seed, in
decades (log10 of the setup's relative final loss over the variant's), against thresholds of
``VERIFIED_GAIN`` (2×) to DD321's 10×, and count seeds by majority. A seed is *telling* when
the setup is impaired there (above the lowest fit floor of those rules), since rules read no
gain on a seed where the setup fits. A variant's race ends when its telling seeds all show a
clear loss (a gain below the smallest threshold by more than the seed noise), or when a
majority of all seeds show a clear win (above the largest threshold by more than the noise), or
when it wins clearly on every telling seed probed and no telling seed is left.
Pure: no TensorFlow.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

from ..rules.fixes import VERIFIED_GAIN
from ..runstats import SEED_NOISE, TINY, majority

IMPAIRED_FLOOR = 0.005  # the lowest fit floor of a rule that reads a variant's gain (DD303)
LARGEST_GAIN = 10.0  # the largest gain a rule asks of a variant (DD311, DD321)
CLEAR_LOSS = math.log10(VERIFIED_GAIN) - SEED_NOISE  # decades: below it no rule counts the seed a win
CLEAR_WIN = math.log10(LARGEST_GAIN) + SEED_NOISE  # decades: above it every rule counts the seed a win
# A setup above a fifth of a constant prediction's loss is far from a fit: a longer probe may change the
# verdict. Seed example 1 (0.06-0.17 at 400 steps, converging slowly) stays below it; example 2 (0.5) does not.
FAR_FROM_FIT = 0.2
EXTENSION = 4  # the adaptive budget grows the probe to at most 4× the steps asked for


def telling(setup_relative: float) -> bool:
    """Whether a seed where the setup ends at ``setup_relative`` can tell a variant's gain."""
    return not setup_relative <= IMPAIRED_FLOOR / 10 ** SEED_NOISE


def gain_decades(setup_relative: float, variant_relative: float) -> float:
    """How many decades lower the variant ends than the setup; -inf when it went non-finite."""
    if not math.isfinite(variant_relative):
        return -math.inf
    if not math.isfinite(setup_relative):
        return math.inf
    return math.log10(max(setup_relative, TINY) / max(variant_relative, TINY))


def seed_order(setup: Mapping[int, float], seeds: Sequence[int]) -> list[int]:
    """The seeds a variant is probed on, in order: telling ones first, each group in the given order."""
    return sorted(seeds, key=lambda s: not (s in setup and telling(setup[s])))


def next_seed(setup: Mapping[int, float], variant: Mapping[int, float], seeds: Sequence[int]) -> int | None:
    """The seed to probe ``variant`` on next, or None when its race is decided.

    ``setup`` and ``variant`` map each seed probed to the relative final loss there.
    """
    remaining = [s for s in seed_order(setup, seeds) if s not in variant]
    if not remaining:
        return None
    told = [s for s in variant if s in setup and telling(setup[s])]
    if not told:  # no seed has told anything yet: only a seed where the setup is impaired can
        return next((s for s in remaining if s in setup and telling(setup[s])), None)
    gains = [gain_decades(setup[s], variant[s]) for s in told]
    if all(g < CLEAR_LOSS for g in gains):
        return None
    wins = sum(g > CLEAR_WIN for g in gains)
    if majority(wins, len(seeds)):
        return None
    if wins == len(gains) and not any(s in setup and telling(setup[s]) for s in remaining):
        return None  # it wins wherever the setup is impaired, and no seed left could tell more
    return remaining[0]


def needs_longer_probe(setup_relative: Sequence[float], still_falling: Sequence[bool]) -> bool:
    """Whether the setup's probe should grow: in most seeds its loss is still falling and far from a fit."""
    far = sum(math.isfinite(r) and r > FAR_FROM_FIT and falling for r, falling in zip(setup_relative, still_falling))
    return majority(far, len(setup_relative))


def raced_off(variant: str, probed: Sequence[int], seeds: Sequence[int]) -> str | None:
    """The report's words for a variant whose race ended before every seed, or None."""
    if len(probed) >= len(seeds):
        return None
    shown = ", ".join(map(str, sorted(probed)))
    return f"race: {variant} probed on seed{'s' * (len(probed) != 1)} {shown} only; more seeds could not change a verdict"
