"""The time budget of a check: the time left, and the probe work cut so that it fits.

A ``Deadline`` starts when the check starts (after TensorFlow's start-up). Once the user's
setup has been compiled and one chunk of it timed, ``fit_workload`` prices the diagnostic
probes (racing variants at their first seed) and cuts them until they fit the time left, the costliest evidence first: variants
that need a compile of their own, then the LR range test and one-batch overfit, then the
seeds after the first, then the other variants, then steps. Fix verification comes after
judging and probes a fix only while ``affords`` says it fits. While probing, runs stop
between chunks once the deadline has passed. Pure: no TensorFlow.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Callable

RESERVE = 0.05  # of the budget, kept for judging the measurements and writing the report
RESERVE_MIN_SECONDS = 0.2


class Deadline:
    """When the check must end (never, without a budget), and what was cut to end by then."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.perf_counter) -> None:
        self.seconds, self.clock, self.started = seconds, clock, clock()
        self.cuts: list[str] = []
        self.step_seconds = self.compile_seconds = 0.0  # prices, once a probe has been timed

    @property
    def limited(self) -> bool:
        return self.seconds is not None

    def remaining(self) -> float:
        """Seconds left for probing, the reserve for judging and reporting kept back."""
        if self.seconds is None:
            return math.inf
        reserve = max(RESERVE * self.seconds, RESERVE_MIN_SECONDS)
        return self.seconds - reserve - (self.clock() - self.started)

    def expired(self) -> bool:
        return self.remaining() <= 0

    def affords(self, runs: int, steps: int, compiles: int) -> bool:
        """Whether ``runs`` probe runs of ``steps`` steps and ``compiles`` compiles fit in the time left."""
        return runs * steps * self.step_seconds + compiles * self.compile_seconds <= self.remaining()

    def cut(self, what: str) -> None:
        """Record a cut once, in the order it happened."""
        if what not in self.cuts:
            self.cuts.append(what)

    def stop_run(self) -> bool:
        """For a probe run between chunks: stop now? Records the cut when it says yes."""
        if not self.expired():
            return False
        self.cut("time budget: probe runs cut short at the deadline")
        return True


@dataclass
class Workload:
    """The probes a check plans, with what it takes to price them."""

    seeds: list[int]
    steps: int
    chunk: int  # steps per recorded chunk: a run is cut in whole chunks
    variants: list[str]  # counterfactual variants, the user's setup excluded, in probe order
    compiled: set[str] = field(default_factory=set)  # variants that need a compile of their own
    range_steps: int = 0  # steps of the LR range test (0: not planned)
    overfit: bool = False  # the one-batch overfit probe: one run per seed
    raced: bool = False  # variants race: each is priced at its first seed, the others come only if they fit

    def runs(self) -> int:
        """Probe runs of ``steps`` steps: the user's setup and the overfit probe per seed, and every
        variant per seed (on one seed when they race)."""
        variant_seeds = 1 if self.raced else len(self.seeds)
        return (1 + int(self.overfit)) * len(self.seeds) + len(self.variants) * variant_seeds

    def seconds(self, step_seconds: float, compile_seconds: float) -> float:
        """Estimated time of every planned probe; the LR range test compiles a graph of its own."""
        steps = self.runs() * self.steps + self.range_steps
        compiles = len(self.compiled) + (1 if self.range_steps else 0)
        return steps * step_seconds + compiles * compile_seconds


@dataclass
class Fit:
    """The workload that fits the time left, and the cuts that made it fit, in words."""

    work: Workload
    cuts: list[str]


def fit_workload(work: Workload, seconds: float, step_seconds: float, compile_seconds: float) -> Fit:
    """Cut ``work`` until its estimated time fits in ``seconds``; the user's setup on the first seed
    is never cut below one chunk."""
    cuts: list[str] = []

    def fits(w: Workload) -> bool:
        return w.seconds(step_seconds, compile_seconds) <= seconds

    def reduce(new: Workload, words: str) -> Workload:
        cuts.append(words)
        return new

    if not fits(work) and work.compiled:
        kept = [v for v in work.variants if v not in work.compiled]
        work = reduce(replace(work, variants=kept, compiled=set()),
                      f"variants {', '.join(sorted(work.compiled))} not probed (each needs a compile of its own)")
    if not fits(work) and (work.range_steps or work.overfit):
        work = reduce(replace(work, range_steps=0, overfit=False), "LR range test and one-batch overfit not probed")
    if not fits(work) and len(work.seeds) > 2 and fits(two := replace(work, seeds=work.seeds[:2])):
        dropped = ", ".join(map(str, work.seeds[2:]))  # two seeds still tell a seed's accident from the setup
        work = reduce(two, f"seed{'s' * (len(work.seeds) > 3)} {dropped} not probed "
                           f"(seeds {work.seeds[0]}, {work.seeds[1]} only)")
    if not fits(work) and len(work.seeds) > 1:
        dropped = ", ".join(map(str, work.seeds[1:]))
        work = reduce(replace(work, seeds=work.seeds[:1]), f"seeds {dropped} not probed (seed {work.seeds[0]} only)")
    if not fits(work) and work.variants:
        work = reduce(replace(work, variants=[]), f"variants {', '.join(work.variants)} not probed")
    if not fits(work):
        affordable = seconds / max(step_seconds * work.runs(), 1e-12)
        steps = max(work.chunk, int(affordable // work.chunk) * work.chunk)
        if steps < work.steps:
            work = reduce(replace(work, steps=steps), f"steps {work.steps} → {steps} per probe run")
    if seconds <= 0:
        cuts.append("loading and compiling took it all; only the minimum was probed, so the check overruns")
    return Fit(work, [f"time budget: {cut}" for cut in cuts])
