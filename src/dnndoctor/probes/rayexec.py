"""Probe runs on a Ray cluster (the optional extra ``dnndoctor[ray]``).

Each actor builds a ``ProbeWorker`` from the planner's ``WorkerSpec`` (the model as ``.keras``
bytes, the sampled arrays and options) and runs the tasks it is handed. The executor connects
to the cluster at ``RAY_ADDRESS`` when it is set, else starts a local one bound to 127.0.0.1
(or uses the one this process already runs). It kills its actors when it is collected; Ray
stops a local cluster when the process that started it ends. A run on an actor is not cut
short at the deadline of ``--time-budget``: the planner still cuts between batches.
"""

from __future__ import annotations

import logging
import os
import re
import weakref
from typing import Sequence

from ..errors import InputError, ProbeError
from .executors import TaskResult, run_task, with_suggestion
from .failures import reason
from .worker import ProbeTask, ProbeWorker
from .workerspec import WorkerSpec

ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
CPUS_PER_ACTOR = 4  # on a cluster without GPUs: one actor per this many CPUs


LOOPBACK_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"  # "0": Ray binds a local cluster to 127.0.0.1, as on macOS


def import_ray():
    """The ``ray`` module, or an InputError naming the extra that installs it. Without RAY_ADDRESS,
    the cluster that Ray then starts listens on 127.0.0.1 only; with a RAY_ADDRESS on 127.0.0.1,
    Ray connects there instead of this machine's network address (Ray reads the switch on import)."""
    host = os.environ.get("RAY_ADDRESS", "").rsplit(":", 1)[0]
    if host in ("", "127.0.0.1", "localhost"):
        os.environ.setdefault(LOOPBACK_ONLY, "0")
    try:
        import ray
    except ImportError:
        raise InputError("--executor ray needs Ray, which is not installed",
                         remedy="pip install 'dnndoctor[ray]'") from None
    return ray


def start_or_connect(ray) -> None:
    """Connect to the cluster at RAY_ADDRESS, or start a local one; an InputError when that fails."""
    address = os.environ.get("RAY_ADDRESS")
    try:
        ray.init(address=address or "local", include_dashboard=False, log_to_driver=False,
                 logging_level=logging.ERROR)
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError... with the cause below
        cause = reason(exc.__cause__ or exc)
        if address:
            raise InputError(f"cannot connect to the Ray cluster at RAY_ADDRESS={address} ({cause})",
                             remedy="check the address and the cluster's auth token, or use --executor serial"
                             ) from None
        raise InputError(f"cannot start a local Ray cluster ({cause})", remedy="use --executor serial") from None


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
            start_or_connect(ray)
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
        failure: Exception | None = None
        for _ in tasks:
            try:
                results.append(pool.get_next())
            except RayError as exc:  # the task's actor died, or could not be built
                failure = self._failure(exc)
                results.append(failure)
            except StopIteration:  # every actor died: the pool gives no more results
                results.append(failure)
        return results

    def _failure(self, exc: Exception) -> ProbeError:
        plain = ANSI_COLOUR.sub("", reason(exc))  # Ray colours the names in its messages
        return ProbeError(f"a Ray probe worker failed ({plain})", path=self.home.model_path,
                          remedy="install this dnndoctor on the cluster's nodes, or use --executor serial")


def kill_actors(ray, actors: list) -> None:
    for actor in actors:
        ray.kill(actor)
