"""``DoctorCallback``: the doctor's rules watching a real ``model.fit``, as the training runs.

    from dnndoctor.keras import DoctorCallback

    model.fit(x, y, epochs=200, callbacks=[DoctorCallback(x, y, stop_on="error")])

The callback keeps every batch's loss (and accuracy, when the model is compiled with an
accuracy metric), measures the model on a fixed probe batch on a schedule (see
``dnndoctor.watch``), and every ``check_every`` epochs turns what it saw into
``Measurements`` and applies the same pure rules as ``dnndoctor check``. Rules that need
counterfactual probes (a wider model, another learning rate) are skipped: the callback only
sees the one training that runs.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Callable, Iterable, Mapping

import numpy as np

from .arrays import sample_indices
from .findings import Diagnosis, Finding, Severity
from .measurements import ArrayInfo, Budget, DataInfo, Measurements, ProbeRun, Variant
from .lossinfo import floor_loss, trivial_loss
from .runstats import tail_mean
from .probes.summary import model_info, uses_moving_statistics
from .rules import judge, select_rules
from .tf_runtime import import_keras
from .watch import LayerWatch

_, keras = import_keras()

FIT = Variant("baseline", "model.fit as it runs")
MIN_RECORD_EVERY = 100  # a measurement costs a few training steps: keep them at least this far apart
RECORDS = 25  # measurements over a planned training, when they can be further apart
DESCRIBED_ROWS = 10_000  # rows that describe the data and give the constant-prediction loss
ACCURACY_LOGS = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy")


class DoctorCallback(keras.callbacks.Callback):
    """Apply dnndoctor's rules to a running ``model.fit`` and log findings as they appear.

    Args:
        x, y: the training data (or a representative sample): the probe batch is drawn from
            it, and the loss of the best constant prediction on (up to 10,000 rows of) ``y``
            is the yardstick.
        record_every: training steps between two measurements of the probe batch; by default
            1/25 of the planned steps, and at least 100.
        check_every: epochs between two judgements (only when something new was recorded).
        probe_rows: size of the probe batch.
        stop_on: "error", "warning" or "info" to stop training when a finding reaches that
            severity; None (the default) never stops.
        select, ignore, thresholds: which rules apply and their thresholds, as for ``diagnose``.
        seed: draws the probe batch.
        log: receives each line; by default lines are printed in the training log.

    After training, ``diagnosis`` holds the last judgement and ``events`` every
    ``(epoch, finding)`` logged; ``overhead`` is the seconds the callback spent.
    """

    def __init__(self, x, y, *, record_every: int | None = None, check_every: int = 1, probe_rows: int = 128,
                 stop_on: str | None = None, select: Iterable[str] = (), ignore: Iterable[str] = (),
                 thresholds: Mapping[str, Mapping[str, float]] | None = None, seed: int = 0,
                 log: Callable[[str], None] | None = None) -> None:
        super().__init__()
        if (record_every is not None and record_every < 1) or check_every < 1 or probe_rows < 1:
            raise ValueError("record_every, check_every and probe_rows must be positive")
        if stop_on is not None and stop_on not in ("error", "warning", "info"):
            raise ValueError(f"stop_on must be 'error', 'warning', 'info' or None, not {stop_on!r}")
        x, y = np.asarray(x), np.asarray(y)
        if len(x) != len(y) or len(x) == 0:
            raise ValueError(f"x and y must hold the same number of rows (got {len(x)} and {len(y)})")
        self.schedule, self.check_every, self.seed = record_every, check_every, seed
        self.stop_on = None if stop_on is None else Severity.parse(stop_on)
        self.rules = select_rules(select, ignore)
        self.thresholds = dict(thresholds or {})
        self.log = log
        probe = sample_indices(len(x), probe_rows, seed)
        described = sample_indices(len(x), DESCRIBED_ROWS, seed + 1)
        self.x_probe, self.y_probe = x[probe], y[probe]
        self.y_described = y[described]
        self.data = DataInfo(path=None, x=_array_info(x[described], len(x)), y=_array_info(self.y_described, len(y)),
                             rows=len(x))
        self.diagnosis: Diagnosis | None = None
        self.events: list[tuple[int | None, Finding]] = []  # None: at the end of training
        self.overhead = 0.0

    # -- keras hooks ------------------------------------------------------------------------

    def on_train_begin(self, logs=None) -> None:
        started = time.perf_counter()
        planned = (self.params.get("epochs") or 0) * (self.params.get("steps") or 0)
        self.record_every = self.schedule or max(MIN_RECORD_EVERY, planned // RECORDS)
        self.watch = LayerWatch(self.model, self.x_probe, self.y_probe)
        self.baseline_loss = trivial_loss(self.model, self.y_described)
        self.floor_loss = floor_loss(self.model, self.y_described)
        self.variant = dataclasses.replace(FIT, moving_statistics=uses_moving_statistics(self.model))
        self.run = ProbeRun(variant=FIT.name, seed=self.seed, losses=[], eval_losses=[], record_steps=[],
                            layers=self.watch.traces())
        self.step, self.judged_at, self.reported = 0, 0, {}
        self.train_accuracies: list[float] = []
        self._record()
        self.overhead += time.perf_counter() - started

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self.batches, self.epoch_means = 0, {}

    def on_train_batch_end(self, batch, logs=None) -> None:
        started = time.perf_counter()
        logs, seen = logs or {}, batch + 1
        new = max(seen - self.batches, 1)
        self.run.losses.extend([self._batch_value(logs, "loss", seen)] * new)
        accuracy_log = next((key for key in ACCURACY_LOGS if key in logs), None)
        if accuracy_log is not None:  # compiled with an accuracy metric: the training batches' accuracy
            self.train_accuracies.extend([self._batch_value(logs, accuracy_log, seen)] * new)
        self.batches = seen
        self.step += new
        if self.step - self.run.record_steps[-1] >= self.record_every:
            self._record()
        self.overhead += time.perf_counter() - started

    def on_epoch_end(self, epoch, logs=None) -> None:
        if (epoch + 1) % self.check_every == 0 and self.run.record_steps[-1] > self.judged_at:
            started = time.perf_counter()
            self._judge(epoch)
            self.overhead += time.perf_counter() - started

    def on_train_end(self, logs=None) -> None:
        started = time.perf_counter()
        if self.run.record_steps[-1] < self.step:
            self._record()
        if self.run.record_steps[-1] > self.judged_at:
            self._judge(None)
        self.overhead += time.perf_counter() - started

    # -- measuring and judging --------------------------------------------------------------

    def _batch_value(self, logs: Mapping, key: str, seen: int) -> float:
        """The mean of ``logs[key]`` over the batches since the last call: Keras logs the epoch's
        running mean."""
        mean, before = float(logs.get(key, math.nan)), self.epoch_means.get(key, 0.0)
        self.epoch_means[key] = mean
        return (mean * seen - before * self.batches) / max(seen - self.batches, 1)

    def _record(self) -> None:
        loss, self.run.accuracy = self.watch.record(self.run.layers)
        self.run.train_accuracy = tail_mean(self.train_accuracies)
        self.run.eval_losses.append(loss)
        self.run.record_steps.append(self.step)

    def measurements(self) -> Measurements:
        """What the callback has seen so far, as the rules take it."""
        steps_per_epoch = int(self.params.get("steps") or max(self.batches, 1))
        return Measurements(
            model=model_info(self.model), data=self.data,
            budget=Budget(steps=self.step, batch_size=max(1, math.ceil(self.data.rows / steps_per_epoch)),
                          rows=self.data.rows, seeds=[self.seed], record_every=self.record_every,
                          steps_per_epoch=steps_per_epoch),
            baseline_loss=self.baseline_loss, floor_loss=self.floor_loss, variants=[self.variant], runs=[self.run],
            timings={"callback": round(self.overhead, 3)}, engine={"graph": "model.fit", "probe_rows": len(self.y_probe)})

    def _judge(self, epoch: int | None) -> None:
        self.judged_at = self.run.record_steps[-1]
        self.diagnosis = judge(self.measurements(), self.rules, self.thresholds)
        where = f"Epoch {epoch + 1}" if epoch is not None else "End of training"
        for finding in self.diagnosis.findings:
            if self.reported.get(finding.id, 0) < finding.severity:
                self.reported[finding.id] = finding.severity
                self.events.append((epoch, finding))
                self._emit(f"{where}: dnndoctor {finding.severity.label.upper()} {finding.id} {finding.name}: "
                           f"{finding.message}")
        if self.stop_on is not None and epoch is not None and self.diagnosis.fails(self.stop_on):
            self.model.stop_training = True
            self._emit(f"{where}: dnndoctor stops training on a finding of severity {self.stop_on.label} or worse.")

    def _emit(self, line: str) -> None:
        if self.log is not None:
            self.log(line)
        else:  # after a progress bar's unfinished line, start a new one, as Keras' own callbacks do
            print(("\n" if self.params.get("verbose") == 1 else "") + line, flush=True)


def _array_info(sample: np.ndarray, rows: int) -> ArrayInfo:
    """Statistics of a sample of an array that has ``rows`` rows."""
    values = np.asarray(sample, dtype=np.float64)
    return ArrayInfo(shape=[rows, *sample.shape[1:]], dtype=str(sample.dtype), min=float(values.min()),
                     max=float(values.max()), mean=float(values.mean()), std=float(values.std()))
