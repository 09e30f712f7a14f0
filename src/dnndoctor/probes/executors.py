"""Executors: where the probe runs a planner asks for are trained.

An executor maps a batch of independent ``ProbeTask``s to their results, in the batch's
order, whatever order they ran in: a ``ProbeRun``, or the exception that ended the task.
A run's result depends on its task alone, so every executor gives the same results:
``SerialExecutor`` on the planner's own worker, ``DeviceExecutor`` on one worker per device
(GPUs, or logical CPU devices), ``RayExecutor`` (module ``rayexec``) on actors of a Ray cluster.
"""

from __future__ import annotations

import collections
import dataclasses
import threading
from typing import Protocol, Sequence

from ..measurements import ProbeRun
from ..options import CheckOptions
from ..tf_runtime import import_keras
from .workerspec import current_dtype_policy, worker_scope
from .worker import ProbeTask, ProbeWorker

TaskResult = ProbeRun | Exception


class Executor(Protocol):
    def map(self, tasks: Sequence[ProbeTask]) -> list[TaskResult]:
        """Run every task; one result per task, in the order given."""


def run_task(worker: ProbeWorker, task: ProbeTask) -> TaskResult:
    """The run of ``task`` on ``worker``, or the exception that ended it."""
    try:
        return worker.run(task)
    except Exception as exc:  # the planner decides what a failed task means
        return exc


def with_suggestion(tasks: Sequence[ProbeTask], home: ProbeWorker) -> list[ProbeTask]:
    """The tasks, carrying the LR range test's suggestion that the planner gave its own worker."""
    lr = home.ctx.suggested_lr
    return [t if lr is None or t.suggested_lr is not None else dataclasses.replace(t, suggested_lr=lr)
            for t in tasks]


class SerialExecutor:
    """Runs the tasks one after another on the planner's own worker."""

    def __init__(self, worker: ProbeWorker) -> None:
        self.worker = worker

    def map(self, tasks: Sequence[ProbeTask]) -> list[TaskResult]:
        return [run_task(self.worker, task) for task in tasks]


class DeviceExecutor:
    """One worker per device, each built and run under ``tf.device``; a batch's tasks run
    concurrently, one thread per device taking the next task as it finishes one.

    The planner's own worker serves the first device, where TensorFlow places it by default."""

    def __init__(self, home: ProbeWorker, devices: Sequence[str]) -> None:
        self.home = home
        self.dtype_policy = current_dtype_policy()
        self.lanes: list[tuple[str | None, ProbeWorker]] = [(None, home)]
        for device in devices[1:]:
            with worker_scope(device, self.dtype_policy):
                self.lanes.append((device, home.sibling()))

    def map(self, tasks: Sequence[ProbeTask]) -> list[TaskResult]:
        pending = collections.deque(enumerate(with_suggestion(tasks, self.home)))
        results: list[TaskResult | None] = [None] * len(pending)

        def serve(device: str | None, worker: ProbeWorker) -> None:
            worker.stop = self.home.stop
            with worker_scope(device, self.dtype_policy):
                while True:
                    try:
                        index, task = pending.popleft()
                    except IndexError:
                        return
                    results[index] = run_task(worker, task)

        threads = [threading.Thread(target=serve, args=lane, daemon=True) for lane in self.lanes[:len(tasks)]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results


def probe_devices() -> list[str]:
    """The logical GPUs, or else the logical CPUs (several only when configured so)."""
    tf, _ = import_keras()
    return [d.name for d in tf.config.list_logical_devices("GPU")] or \
        [d.name for d in tf.config.list_logical_devices("CPU")]


def make_executor(worker: ProbeWorker, options: CheckOptions) -> Executor:
    """The executor ``options.executor`` names for the planner's ``worker``: "auto" is "devices"
    when there are several GPUs, else "serial"; "devices" on a single device is "serial" too."""
    kind = options.executor
    if kind == "ray":
        from .rayexec import RayExecutor

        return RayExecutor(worker)
    tf, _ = import_keras()
    if kind == "auto":
        kind = "devices" if len(tf.config.list_logical_devices("GPU")) > 1 else "serial"
    devices = probe_devices() if kind == "devices" else []
    return DeviceExecutor(worker, devices) if len(devices) > 1 else SerialExecutor(worker)
