"""Probe runs on a Ray cluster (the optional extra ``dnndoctor[ray]``).

Each actor builds a ``ProbeWorker`` from the planner's ``WorkerSpec`` (the model as ``.keras``
bytes, the sampled arrays and options) and runs the tasks it is handed. The executor connects
to the cluster at ``RAY_ADDRESS`` when it is set, else starts a local one bound to 127.0.0.1
(or uses the one this process already runs). It kills its actors when it is collected; Ray
stops a local cluster when the process that started it ends. A run on an actor is not cut short at the deadline of ``--time-budget``: the
planner still cuts between batches.
"""

from __future__ import annotations

import logging
import os
import weakref
from typing import Sequence

from ..errors import InputError, ProbeError
from .executors import TaskResult, run_task, with_suggestion
from .worker import ProbeTask, ProbeWorker
from .workerspec import WorkerSpec

CPUS_PER_ACTOR = 4  # on a cluster without GPUs: one actor per this many CPUs


LOOPBACK_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"  # "0": Ray binds a local cluster to 127.0.0.1, as on macOS


def import_ray():
    """The ``ray`` module, or an InputError naming the extra that installs it. Without RAY_ADDRESS,
    the cluster that Ray then starts listens on 127.0.0.1 only (Ray reads the switch on import)."""
    if not os.environ.get("RAY_ADDRESS"):
        os.environ.setdefault(LOOPBACK_ONLY, "0")
    try:
        import ray
    except ImportError:
        raise InputError("--executor ray needs Ray, which is not installed",
                         remedy="pip install 'dnndoctor[ray]'") from None
    return ray


class ProbeActor:
    """A probe worker in a Ray actor's process."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.worker = spec.build()

    def run(self, task: ProbeTask) -> TaskResult:
        return run_task(self.worker, task)


class RayExecutor:
    """One actor per GPU of the cluster, or per ``CPUS_PER_ACTOR`` CPUs without GPUs; a batch's
    tasks go to the actors as they become free, and come back in the batch's order."""

    def __init__(self, home: ProbeWorker) -> None:
        ray = import_ray()
        self.home = home
        spec = WorkerSpec.of(home)
        if not ray.is_initialized():
            ray.init(address=os.environ.get("RAY_ADDRESS") or "local", include_dashboard=False,
                     log_to_driver=False, logging_level=logging.ERROR)
        resources = ray.cluster_resources()
        gpus, cpus = int(resources.get("GPU", 0)), int(resources.get("CPU", 1))
        if gpus:
            count, shape = gpus, {"num_gpus": 1}
        else:
            count, shape = max(1, cpus // CPUS_PER_ACTOR), {"num_cpus": min(CPUS_PER_ACTOR, max(cpus, 1))}
        actor = ray.remote(**shape)(ProbeActor)
        spec_ref = ray.put(spec)
        self.actors = [actor.remote(spec_ref) for _ in range(count)]
        weakref.finalize(self, kill_actors, ray, list(self.actors))

    def map(self, tasks: Sequence[ProbeTask]) -> list[TaskResult]:
        from ray.exceptions import RayError
        from ray.util import ActorPool

        pool = ActorPool(self.actors)
        for task in with_suggestion(tasks, self.home):
            pool.submit(lambda actor, t: actor.run.remote(t), task)
        results: list[TaskResult] = []
        for _ in tasks:
            try:
                results.append(pool.get_next())
            except RayError as exc:
                results.append(ProbeError(f"a Ray probe worker failed ({type(exc).__name__}: "
                                          f"{str(exc).strip().splitlines()[-1][:200]})",
                                          path=self.home.model_path,
                                          remedy="run the check with --executor serial to see the error"))
        return results


def kill_actors(ray, actors: list) -> None:
    for actor in actors:
        ray.kill(actor)
