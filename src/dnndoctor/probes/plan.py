"""Run the probes of a check and gather what they measured into Measurements.

A ``Prober`` plans the probes of a check and hands their runs, as ``ProbeTask``s, to an executor;
its own ``ProbeWorker`` builds the edits and runs the quick checks. ``diagnostic`` runs the
user's setup, the cheap counterfactuals, the LR range test and the one-batch overfit test;
``probe_edits`` then runs the edits that findings propose, with the same budget and seeds. Edits
other than the user's setup race (``race.py``): each starts on one seed and gets another only
while its verdict is open.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Callable, Iterable

import numpy as np

from ..arrays import first, row_count, sample_indices, take_rows
from ..errors import ProbeError
from ..loading import Subject
from ..lossinfo import expected_initial_loss, floor_loss, trivial_loss
from ..measurements import Budget, Measurements, RangeTest, Variant
from ..runstats import above_floor, relative_loss, stopped_falling
from ..options import CheckOptions, time_limit
from .deadline import Deadline, Workload, fit_workload
from .edits import DIAGNOSTIC, VariantSetup
from .executors import Executor, make_executor
from .failures import dropped, reason, setup_failure
from .profile import profile_data
from .summary import model_info, uses_moving_statistics
from .race import EXTENSION, next_seed, needs_longer_probe, raced_off, seed_order
from .worker import BASELINE, ProbeTask, ProbeWorker

Progress = Callable[[str, int, int], None]
RANGE_STEPS = 100
RANGE_LRS = (1e-6, 10.0)
OVERFIT_ROWS = 16
VALIDATION_ROWS = 1024
VERIFICATION_COMPILES = 2  # edited models an extension leaves time to compile for verifying fixes
MAX_STEPS = 100_000  # the most steps a probe run may take, as CheckOptions.steps allows


def _silent(label: str, done: int, total: int) -> None:
    """The default progress sink: report nothing."""


class Prober:
    """Runs probes on one subject and accumulates their measurements."""

    def __init__(self, subject: Subject, options: CheckOptions, progress: Progress = _silent,
                 deadline: Deadline | None = None) -> None:
        self.subject, self.options, self.progress = subject, options, progress
        self.started = time.perf_counter()
        seed = options.seeds[0]
        kept = sample_indices(row_count(subject.x), options.max_rows, seed)
        self.x, self.y = take_rows(subject.x, kept), take_rows(subject.y, kept)
        self.sample_weight = take_rows(subject.sample_weight, kept)
        self.probe_rows = sample_indices(len(kept), options.probe_rows, seed)
        self.validation = None
        if subject.x_val is not None:
            kept_val = sample_indices(row_count(subject.x_val), VALIDATION_ROWS, seed)
            self.validation = take_rows(subject.x_val, kept_val), take_rows(subject.y_val, kept_val)
        self.record_every = max(1, math.ceil(options.steps / options.records))
        self.steps = math.ceil(options.steps / self.record_every) * self.record_every  # the budget of every run
        longest = self.steps * EXTENSION
        self.max_steps = longest if longest <= MAX_STEPS else self.steps  # the adaptive budget's cap
        # loops are built for the cap; a run trains the current budget, on the first steps of the cap's batch order
        loop_options = dataclasses.replace(options, steps=min(self.max_steps, MAX_STEPS))
        self.worker = ProbeWorker(subject.model, self.x, self.y, options=loop_options, record_every=self.record_every,
                                  probe_rows=self.probe_rows, validation=self.validation,
                                  sample_weight=self.sample_weight, custom_objects=subject.custom_objects,
                                  model_path=subject.model_path)
        self.executor: Executor = make_executor(self.worker, options)
        try:
            self.baseline_loss = trivial_loss(subject.model, self.y, self.sample_weight)
            self.floor_loss = floor_loss(subject.model, self.y, self.sample_weight)
        except Exception as exc:  # a loss that cannot score a constant prediction cannot be judged against one
            raise ProbeError(f"the compiled loss cannot score a constant prediction ({reason(exc)})",
                             path=subject.model_path, remedy="check that model.fit runs on this data") from None
        self.variants: list[Variant] = []
        self.runs = []
        self.range_test: RangeTest | None = None
        self.overfit: list[float] = []
        self.notes: list[str] = []
        self.inapplicable: list[str] = []
        self.budget_cut: list[str] = []  # edits whose probe the deadline cut, entirely or on some seed
        self.deadline = deadline or Deadline(time_limit(options))
        self.worker.stop = self.deadline.stop_run
        self.cuts: list[str] = []  # probes that failed and were dropped, with the reason
        self.decided: set[str] = set()  # variants whose race ended on a verdict, not on the deadline
        self.quick_checks = True  # LR range test and one-batch overfit, unless the deadline cut them

    @property
    def ctx(self):
        """What edits depend on: the user's model, the data and the LR range test's suggestion."""
        return self.worker.ctx

    def _prepare(self, setup: VariantSetup, done: int, total: int) -> None:
        """Compile the loop of ``setup`` if needed and count it among the probed variants; raises on failure."""
        name, description = setup.variant.name, setup.variant.description
        if not self.worker.compiled(name):
            self.progress(f"compiling probe ({description})", done, total)
            before = self.worker.compile_seconds
            self.worker.loop(setup.model)
            if before:  # the price of the next compile: the last one's; the first carries start-up costs
                self.deadline.compile_seconds = self.worker.compile_seconds - before
        setup.variant.moving_statistics = uses_moving_statistics(setup.model or self.subject.model)
        if setup.data is not None or setup.changes_loss:  # losses relative to the edit's own constant prediction
            scorer = setup.model if setup.changes_loss else self.subject.model
            targets = self.y if setup.data is None else setup.data[1]
            setup.variant.baseline_loss = trivial_loss(scorer, targets, self.sample_weight)
            setup.variant.floor_loss = floor_loss(scorer, targets, self.sample_weight)
        self.variants.append(setup.variant)

    def _first_seeds(self, name: str) -> list[int]:
        """The seeds a variant starts on: every seed for the user's setup or a thorough check, else
        the first of the race's order."""
        if name == BASELINE or self.options.thorough:
            return list(self.options.seeds)
        return seed_order(self._finals(BASELINE), self.options.seeds)[:1]

    def probe_edits(self, names: Iterable[str]) -> None:
        """Probe each named edit that applies and was not probed yet.

        Every edit starts in one batch of runs; then the edits race (``_race``)."""
        setups = []
        for name in names:
            if any(v.name == name for v in self.variants):
                continue
            try:
                setup = self.worker.setup(name)
            except Exception as exc:  # an edit this model does not support, e.g. widening a custom layer
                self.cuts.append(dropped(f"variant {name}", exc))
                continue
            if setup is None:
                self.inapplicable.append(name)
                continue
            setups.append(setup)
        if self.deadline.limited and not self.runs and setups:  # the first probes of the check
            setups = self._fit_to_deadline(setups)
        tasks: list[ProbeTask] = []
        for k, setup in enumerate(setups):
            name = setup.variant.name
            seeds = self._first_seeds(name)
            compiles = int(not self.worker.compiled(name))
            if self.runs and not self.deadline.affords(len(tasks) + len(seeds), self.steps, compiles):
                self.deadline.cut(f"time budget: {setup.variant.description} not probed")
                self._cut_edit(name)
                continue
            try:
                self._prepare(setup, k, len(setups))
            except Exception as exc:
                if name == BASELINE:
                    raise setup_failure(exc, self.subject.model_path) from None
                self._drop(setup.variant, exc)
                continue
            tasks += [ProbeTask(name, seed, self.steps) for seed in seeds]
        self._record(tasks, self._map(tasks, "probing"))
        self._race([s.variant.name for s in setups if s.variant.name != BASELINE])

    def _map(self, tasks: list[ProbeTask], words: str) -> list:
        """Hand a batch of independent runs to the executor."""
        if not tasks:
            return []
        names = ", ".join(dict.fromkeys(t.variant for t in tasks))
        self.progress(f"{words} {names} ({len(tasks)} run{'s' * (len(tasks) != 1)} of {self.steps} steps)", 0, 1)
        return self.executor.map(tasks)

    def _record(self, tasks: list[ProbeTask], results: list) -> None:
        """Keep the runs of a batch; a failed edit is dropped, and so is a run the deadline cut short,
        which the rules would read as a divergence (the user's setup keeps its runs)."""
        failed = {task.variant: result for task, result in zip(tasks, results) if isinstance(result, Exception)}
        if BASELINE in failed:
            raise setup_failure(failed[BASELINE], self.subject.model_path) from None
        for variant in [v for v in self.variants if v.name in failed]:
            self._drop(variant, failed[variant.name])
        for task, run in zip(tasks, results):
            if task.variant in failed:
                continue
            if task.variant != BASELINE and self._cut_short(run):
                self.deadline.cut(f"time budget: {task.variant} on seed {task.seed} cut short and left out")
                self._cut_edit(task.variant)
                continue
            self.runs.append(run)
        paces = [run.seconds / len(run.losses) for run in results if not isinstance(run, Exception) and run.losses]
        if paces:  # the price of a step, as the last batch measured it
            self.deadline.step_seconds = float(np.median(paces))

    def _cut_short(self, run) -> bool:
        """Whether a run ended before the budget without going non-finite: the deadline stopped it."""
        return len(run.losses) < self.steps and bool(np.all(np.isfinite(run.losses)))

    def _race(self, names: list[str]) -> None:
        """Add seeds to the named variants, one batch a round, while their verdicts are open."""
        attempted = {(r.variant, r.seed) for r in self.runs}
        while True:
            setup = self._finals(BASELINE)
            tasks = []
            for name in names:
                if not any(v.name == name for v in self.variants):
                    continue
                seed = next_seed(setup, self._finals(name), self.options.seeds)
                if seed is None:
                    self.decided.add(name)
                elif (name, seed) not in attempted:
                    tasks.append(ProbeTask(name, seed, self.steps))
            if not tasks:
                return
            if not self._affords_seeds(tasks):
                return
            attempted |= {(t.variant, t.seed) for t in tasks}
            self._record(tasks, self._map(tasks, "racing"))

    def add_seeds(self, names: list[str]) -> None:
        """Probe the named variants on the seeds they lack, a seed of each per batch, while the time
        left affords it."""
        setup = self._finals(BASELINE)
        missing = {name: [s for s in seed_order(setup, self.options.seeds) if s not in self._finals(name)]
                   for name in names if any(v.name == name for v in self.variants)}
        for depth in range(len(self.options.seeds)):
            tasks = [ProbeTask(name, seeds[depth], self.steps) for name, seeds in missing.items() if depth < len(seeds)]
            if not tasks or not self._affords_seeds(tasks):
                return
            self._record(tasks, self._map(tasks, "completing"))

    def _affords_seeds(self, tasks: list[ProbeTask]) -> bool:
        """Whether the time left affords these runs of further seeds; records the cut when not."""
        if self.deadline.affords(len(tasks), self.steps, 0):
            return True
        self.deadline.cut(f"time budget: no more seeds for {', '.join(dict.fromkeys(t.variant for t in tasks))}")
        for task in tasks:
            self._cut_edit(task.variant)
        return False

    def _cut_edit(self, name: str) -> None:
        """Record that the time budget cut a probe of edit ``name`` (rules then treat its findings as unsettled)."""
        if name not in self.budget_cut:
            self.budget_cut.append(name)

    def _relative(self, run) -> float:
        """A run's final loss relative to a constant prediction's, as the rules read it."""
        variant = next((v for v in self.variants if v.name == run.variant), None)
        return relative_loss(run, variant, self.baseline_loss, self.steps, self.floor_loss)

    def _finals(self, name: str) -> dict[int, float]:
        """Relative final losses of one variant's runs, by seed."""
        return {r.seed: self._relative(r) for r in self.runs if r.variant == name}

    def _extend(self) -> None:
        """The adaptive budget: while the user's setup is still falling and far from a fit, rerun every
        probe run so far at twice the steps (up to the cap), so that all variants end at the same budget,
        then race again; only while the time left affords the reruns twice over and the compiles of
        ``VERIFICATION_COMPILES`` edited models, so that fixes can still be verified at the longer probe
        (a finding whose fix the budget cut is at most info)."""
        while self.steps * 2 <= self.max_steps:
            base = [r for r in self.runs if r.variant == BASELINE]
            falling = [not stopped_falling(r, self.floor_loss) for r in base]
            if not needs_longer_probe([self._relative(r) for r in base], falling):
                return
            steps = self.steps * 2
            tasks = [ProbeTask(r.variant, r.seed, steps) for r in self.runs]
            if not self.deadline.affords(2 * len(tasks), steps, VERIFICATION_COMPILES):  # left: fixes to verify
                self.deadline.cut(f"time budget: the loss was still falling at {self.steps} steps; "
                                  f"the probe was not extended to {steps}")
                return
            shorter, self.steps = self.steps, steps
            results = self._map(tasks, "extending")
            if any(isinstance(r, Exception) or self._cut_short(r) for r in results):
                self.steps = shorter
                self.deadline.cut(f"time budget: the extension to {steps} steps did not finish; "
                                  f"the probe stays at {shorter}")
                return
            self.runs = list(results)
            self.notes.append(f"the loss was still falling at {shorter} steps, far from a fit: "
                              f"every probe extended to {steps} steps")
            self._race([v.name for v in self.variants if v.name != BASELINE])

    def _drop(self, variant: Variant, exc: Exception) -> None:
        """A counterfactual probe failed: forget its runs, keep the others, and say why."""
        self.runs = [r for r in self.runs if r.variant != variant.name]
        if variant in self.variants:
            self.variants.remove(variant)
        self.cuts.append(dropped(f"variant {variant.name}", exc))

    def _fit_to_deadline(self, setups: list[VariantSetup]) -> list[VariantSetup]:
        """Time a chunk of the user's setup, then cut the planned probes until they fit the budget."""
        loop = self.worker.loop()
        seed = self.options.seeds[0]
        for _ in range(2):  # the first run of a compiled loop carries one-time costs: the second is timed
            started = time.perf_counter()
            loop.run(variant="timing", seed=seed, weights=self.worker.seed_weights(seed), steps=self.record_every)
        self.deadline.step_seconds = (time.perf_counter() - started) / self.record_every
        self.deadline.compile_seconds = self.worker.compile_seconds
        others = [s for s in setups if s.variant.name != "baseline"]
        quick_checks = self.options.counterfactuals
        fit = fit_workload(Workload(
            seeds=list(self.options.seeds), steps=self.steps, chunk=self.record_every,
            variants=[s.variant.name for s in others], compiled={s.variant.name for s in others if s.model},
            range_steps=min(RANGE_STEPS, self.steps) if quick_checks else 0, overfit=quick_checks,
            raced=not self.options.thorough),
            self.deadline.remaining(), self.deadline.step_seconds, self.deadline.compile_seconds)
        for cut in fit.cuts:
            self.deadline.cut(cut)
        for setup in others:
            if setup.variant.name not in fit.work.variants:
                self._cut_edit(setup.variant.name)
        self.options = dataclasses.replace(self.options, seeds=fit.work.seeds)
        self.steps = fit.work.steps
        self.quick_checks = bool(fit.work.range_steps or fit.work.overfit)
        return [s for s in setups if s.variant.name == "baseline" or s.variant.name in fit.work.variants]

    # -- quick checks ---------------------------------------------------------------------

    def run_range_test(self) -> None:
        """Ramp the learning rate exponentially over ``RANGE_STEPS`` steps from fresh weights."""
        loop = self.worker.loop()
        if not loop.learning_rate_is_variable():
            self.notes.append("LR range test skipped: the learning rate is a schedule")
            return
        self.progress("LR range test", 0, 1)
        lrs = np.geomspace(*RANGE_LRS, min(RANGE_STEPS, self.steps))
        seed = self.options.seeds[0]
        losses = loop.range_test(seed=seed, weights=self.worker.seed_weights(seed), lrs=lrs)
        self.range_test = RangeTest(learning_rates=[float(v) for v in lrs], losses=losses)

    def run_overfit(self) -> None:
        """Train on one small batch, over and over, for the probe budget."""
        loop = self.worker.loop()
        rows = row_count(self.x)
        batch = np.random.default_rng(self.options.seeds[0]).choice(rows, min(OVERFIT_ROWS, rows), replace=False)
        order = np.resize(batch, loop.epochs * loop.rows).astype(np.int32)
        self.progress("overfitting one batch", 0, 1)
        batch_y, batch_weight = take_rows(self.y, batch), take_rows(self.sample_weight, batch)
        batch_baseline = trivial_loss(self.subject.model, batch_y, batch_weight)
        batch_floor = floor_loss(self.subject.model, batch_y, batch_weight)
        for seed in self.options.seeds:
            run = loop.run(variant="overfit", seed=seed, weights=self.worker.seed_weights(seed), order=order,
                           steps=self.steps)
            losses = np.asarray(run.losses[-max(1, len(run.losses) // 20):], dtype=float)
            final = float(np.mean(losses)) if np.all(np.isfinite(losses)) else math.inf
            self.overfit.append(above_floor(final, batch_baseline, batch_floor))

    def diagnostic(self) -> None:
        """The user's setup, the cheap counterfactuals, the LR range test and overfitting one batch."""
        names = ["baseline", *DIAGNOSTIC] if self.options.counterfactuals else ["baseline"]
        self.probe_edits(names)
        if self.options.counterfactuals and self.quick_checks:  # at the budget asked for: before any extension
            for quick_check, words in ((self.run_range_test, "LR range test"), (self.run_overfit, "one-batch overfit")):
                if self.deadline.expired():
                    self.deadline.cut(f"time budget: {words} not probed")
                    continue
                try:
                    quick_check()
                except Exception as exc:
                    self.cuts.append(dropped(words, exc))
            if self.range_test is not None:
                from ..lr_suggest import suggest

                self.ctx.suggested_lr = suggest(self.range_test.learning_rates, self.range_test.losses).recommended
                lr = self.ctx.suggested_lr
                user = model_info(self.subject.model).learning_rate
                if lr and user and not 0.1 < lr / user < 10:  # far off: worth a probe of its own
                    self.probe_edits(["lr_suggested"])
        self._extend()

    # -- result -----------------------------------------------------------------------------

    def _raced_off(self) -> list[str]:
        """The report's words for each variant whose race ended before every seed."""
        probed = {v.name: sorted(self._finals(v.name)) for v in self.variants if v.name in self.decided}
        return [words for name, seeds in probed.items() if (words := raced_off(name, seeds, self.options.seeds))]

    def measurements(self) -> Measurements:
        loop = self.worker.loop()
        return Measurements(
            model=model_info(self.subject.model),
            data=self.subject.data,
            budget=Budget(steps=self.steps, batch_size=loop.batch_size, rows=row_count(self.x),
                          seeds=list(self.options.seeds), record_every=self.record_every,
                          steps_per_epoch=loop.steps_per_epoch),
            baseline_loss=self.baseline_loss,
            floor_loss=self.floor_loss,
            variants=list(self.variants),
            runs=list(self.runs),
            range_test=self.range_test,
            profile=profile_data(first(self.x), first(self.y)),
            initial_loss_expected=expected_initial_loss(self.subject.model, self.y),
            overfit_relative_loss=list(self.overfit),
            timings={"compile": round(self.worker.compile_seconds, 3),
                     "probes": round(time.perf_counter() - self.started, 3)},
            engine={"graph": "+".join(sorted(self.worker.engines)), "probe_rows": len(self.probe_rows),
                    "rows_used": row_count(self.x), "notes": list(self.notes)},
            cuts=self.deadline.cuts + self.cuts + self._raced_off(),
            inapplicable_edits=list(self.inapplicable),
            budget_cut_edits=list(self.budget_cut),
        )
