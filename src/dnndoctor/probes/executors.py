"""Executors: where the probe runs a planner asks for are trained.

An executor maps a batch of independent ``ProbeTask``s to their results, in the batch's
order, whatever order they ran in: a ``ProbeRun``, or the exception that ended the task.
"""

from __future__ import annotations

from typing import Protocol, Sequence

from ..measurements import ProbeRun
from .worker import ProbeTask, ProbeWorker

TaskResult = ProbeRun | Exception


class Executor(Protocol):
    def map(self, tasks: Sequence[ProbeTask]) -> list[TaskResult]:
        """Run every task; one result per task, in the order given."""


class SerialExecutor:
    """Runs the tasks one after another on the planner's own worker."""

    def __init__(self, worker: ProbeWorker) -> None:
        self.worker = worker

    def map(self, tasks: Sequence[ProbeTask]) -> list[TaskResult]:
        results: list[TaskResult] = []
        for task in tasks:
            try:
                results.append(self.worker.run(task))
            except Exception as exc:  # the planner decides what a failed task means
                results.append(exc)
        return results
