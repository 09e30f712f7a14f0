"""Run the probes of a check and gather what they measured into Measurements.

A ``Prober`` plans the probes of a check and hands their runs, as ``ProbeTask``s, to an executor;
its own ``ProbeWorker`` builds the edits and runs the quick checks. ``diagnostic`` runs the
user's setup, the cheap counterfactuals, the LR range test and the one-batch overfit test;
``probe_edits`` then runs the edits that findings propose, with the same budget and seeds.
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
from ..lossinfo import expected_initial_loss, trivial_loss
from ..measurements import Budget, Measurements, RangeTest, Variant
from ..options import CheckOptions
from .deadline import Deadline, Workload, fit_workload
from .edits import DIAGNOSTIC, VariantSetup
from .executors import Executor, make_executor
from .failures import dropped, reason, setup_failure
from .profile import profile_data
from .summary import model_info
from .worker import BASELINE, ProbeTask, ProbeWorker

Progress = Callable[[str, int, int], None]
RANGE_STEPS = 100
RANGE_LRS = (1e-6, 10.0)
OVERFIT_ROWS = 16
VALIDATION_ROWS = 1024


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
        self.worker = ProbeWorker(subject.model, self.x, self.y, options=options, record_every=self.record_every,
                                  probe_rows=self.probe_rows, validation=self.validation,
                                  sample_weight=self.sample_weight, custom_objects=subject.custom_objects,
                                  model_path=subject.model_path)
        self.executor: Executor = make_executor(self.worker, options)
        try:
            self.baseline_loss = trivial_loss(subject.model, self.y, self.sample_weight)
        except Exception as exc:  # a loss that cannot score a constant prediction cannot be judged against one
            raise ProbeError(f"the compiled loss cannot score a constant prediction ({reason(exc)})",
                             path=subject.model_path, remedy="check that model.fit runs on this data") from None
        self.variants: list[Variant] = []
        self.runs = []
        self.range_test: RangeTest | None = None
        self.overfit: list[float] = []
        self.notes: list[str] = []
        self.inapplicable: list[str] = []
        self.deadline = deadline or Deadline(options.time_budget)
        self.worker.stop = self.deadline.stop_run
        self.cuts: list[str] = []  # probes that failed and were dropped, with the reason
        self.steps: int | None = None  # steps per run when the deadline cut them
        self.quick_checks = True  # LR range test and one-batch overfit, unless the deadline cut them

    @property
    def ctx(self):
        """What edits depend on: the user's model, the data and the LR range test's suggestion."""
        return self.worker.ctx

    def _probe(self, setup: VariantSetup, done: int, total: int) -> None:
        """Run ``setup`` on every seed; raises the first failure."""
        name, description = setup.variant.name, setup.variant.description
        if not self.worker.compiled(name):
            self.progress(f"compiling probe ({description})", done, total)
            self.worker.loop(setup.model)
        if setup.data is not None:
            setup.variant.baseline_loss = trivial_loss(self.subject.model, setup.data[1], self.sample_weight)
        self.variants.append(setup.variant)
        self.progress(f"probing {description}", done, total)
        results = self.executor.map([ProbeTask(name, seed, self.steps) for seed in self.options.seeds])
        failure = next((r for r in results if isinstance(r, Exception)), None)
        if failure is not None:
            raise failure
        self.runs.extend(results)

    def probe_edits(self, names: Iterable[str]) -> list[str]:
        """Probe each named edit that applies and was not probed yet; returns those probed."""
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
        for k, setup in enumerate(setups):
            compiles = int(not self.worker.compiled(setup.variant.name))
            if self.runs and not self.deadline.affords(len(self.options.seeds), self.steps or self.options.steps,
                                                       compiles):
                self.deadline.cut(f"time budget: {setup.variant.description} not probed")
                continue
            try:
                self._probe(setup, k, len(setups))
            except Exception as exc:
                if setup.variant.name == BASELINE:
                    raise setup_failure(exc, self.subject.model_path) from None
                self._drop(setup.variant, exc)
        return [s.variant.name for s in setups if s.variant in self.variants]

    def _drop(self, variant: Variant, exc: Exception) -> None:
        """A counterfactual probe failed: forget its runs, keep the others, and say why."""
        self.runs = [r for r in self.runs if r.variant != variant.name]
        if variant in self.variants:
            self.variants.remove(variant)
        self.cuts.append(dropped(f"variant {variant.name}", exc))

    def _fit_to_deadline(self, setups: list[VariantSetup]) -> list[VariantSetup]:
        """Time one chunk of the user's setup, then cut the planned probes until they fit the budget."""
        loop = self.worker.loop()
        seed = self.options.seeds[0]
        started = time.perf_counter()
        loop.run(variant="timing", seed=seed, weights=self.worker.seed_weights(seed), steps=self.record_every)
        self.deadline.step_seconds = (time.perf_counter() - started) / self.record_every
        self.deadline.compile_seconds = self.worker.compile_seconds
        others = [s for s in setups if s.variant.name != "baseline"]
        quick_checks = self.options.counterfactuals
        fit = fit_workload(Workload(
            seeds=list(self.options.seeds), steps=loop.steps, chunk=self.record_every,
            variants=[s.variant.name for s in others], compiled={s.variant.name for s in others if s.model},
            range_steps=min(RANGE_STEPS, loop.steps) if quick_checks else 0, overfit=quick_checks),
            self.deadline.remaining(), self.deadline.step_seconds, self.deadline.compile_seconds)
        for cut in fit.cuts:
            self.deadline.cut(cut)
        self.options = dataclasses.replace(self.options, seeds=fit.work.seeds)
        self.steps = fit.work.steps if fit.work.steps < loop.steps else None
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
        lrs = np.geomspace(*RANGE_LRS, min(RANGE_STEPS, loop.steps))
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
        batch_baseline = trivial_loss(self.subject.model, take_rows(self.y, batch),
                                      take_rows(self.sample_weight, batch))
        for seed in self.options.seeds:
            run = loop.run(variant="overfit", seed=seed, weights=self.worker.seed_weights(seed), order=order)
            losses = np.asarray(run.losses[-max(1, len(run.losses) // 20):], dtype=float)
            final = float(np.mean(losses)) if np.all(np.isfinite(losses)) else math.inf
            self.overfit.append(final / max(batch_baseline, 1e-12))

    def diagnostic(self) -> None:
        """The user's setup, the cheap counterfactuals, the LR range test and overfitting one batch."""
        names = ["baseline", *DIAGNOSTIC] if self.options.counterfactuals else ["baseline"]
        self.probe_edits(names)
        if self.options.counterfactuals and self.quick_checks:
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

    # -- result -----------------------------------------------------------------------------

    def measurements(self) -> Measurements:
        loop = self.worker.loop()
        return Measurements(
            model=model_info(self.subject.model),
            data=self.subject.data,
            budget=Budget(steps=self.steps or loop.steps, batch_size=loop.batch_size, rows=row_count(self.x),
                          seeds=list(self.options.seeds), record_every=self.record_every,
                          steps_per_epoch=loop.steps_per_epoch),
            baseline_loss=self.baseline_loss,
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
            cuts=self.deadline.cuts + self.cuts,
            inapplicable_edits=list(self.inapplicable),
        )
