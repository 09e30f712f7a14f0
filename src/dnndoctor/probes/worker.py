"""A probe worker: trains named edits of the user's setup from a seed's initial weights.

A worker holds the setup's probe clone, one compiled ``InstrumentedLoop`` per distinct model
(the setup, and each edit that changes the model), the initial weights of every seed and the
edits it built, by name. ``run`` turns a ``ProbeTask`` into a ``ProbeRun``. Tasks are small and
picklable, so that an executor can hand them to workers on other devices or machines; the
worker decides nothing, the planner (``plan.Prober``) does.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..arrays import Arrays
from ..errors import ProbeError
from ..kerascompat import seed_generators
from ..measurements import ProbeRun, Variant
from ..options import CheckOptions
from ..tf_runtime import import_keras, use_xla
from .edits import Context, VariantSetup, build_setup, probe_clone
from .failures import clone_failure, reason
from .loop import InstrumentedLoop

BASELINE = "baseline"


@dataclass(frozen=True)
class ProbeTask:
    """One probe run: an edit of the setup by name ("baseline": the setup itself), a seed, the
    steps to train (None: the loop's full budget) and the LR range test's suggestion, which the
    edit "lr_suggested" needs on a worker that did not run the range test."""

    variant: str
    seed: int
    steps: int | None = None
    suggested_lr: float | None = None


# Keras seeds new layers' initializers and dropout from the process-wide Python generator: one thread
# at a time builds models, so that seeding it gives the same weights whichever threads run beside.
BUILDING = threading.RLock()


def initial_weights(model, seed: int) -> list[np.ndarray]:
    """The weights a fresh initialization with ``seed`` gives this architecture.

    Keras draws initializer seeds from Python's ``random``; seeding it (and NumPy) gives the
    same weights as ``keras.utils.set_random_seed`` without resetting TensorFlow's seed, which
    would clear the caches of every compiled probe.
    Layers without trainable weights keep their values: an adapted Normalization's statistics
    or a frozen pretrained layer are part of the setup, not of its initialization.
    """
    _, keras = import_keras()
    with BUILDING:
        random.seed(seed)
        np.random.seed(seed)
        fresh = [w.numpy() for w in keras.models.clone_model(model).weights]
    position = {id(w): i for i, w in enumerate(model.weights)}
    for layer in model.layers:
        if not layer.trainable_weights:
            for weight in layer.weights:
                if id(weight) in position:
                    fresh[position[id(weight)]] = weight.numpy()
    return fresh


def restart_random_streams(model, seed: int) -> None:
    """Set the state of every seed generator of ``model`` (Dropout's, GaussianNoise's...) to its start
    for ``seed``: the user's own seed where the layer was given one, else one drawn from ``seed`` and
    the generator's position. A run's dropout masks then depend on its seed alone, not on the runs
    that went before it on the same model, nor on the process that built the model."""
    for position, (generator, start) in enumerate(seed_generators(model)):
        if start is None:
            start = int(np.random.SeedSequence([seed, position]).generate_state(1)[0] >> 1)
        generator.state.assign(np.array([start, 0], dtype=generator.state.dtype))


class ProbeWorker:
    """Builds and runs the probes of one subject on the current device."""

    def __init__(self, model, x: Arrays, y: Arrays, *, options: CheckOptions, record_every: int,
                 probe_rows: np.ndarray, validation: tuple[Arrays, Arrays] | None = None,
                 sample_weight: np.ndarray | None = None, custom_objects: dict | None = None,
                 model_path=None) -> None:
        self.options, self.record_every, self.probe_rows = options, record_every, probe_rows
        self.x, self.y, self.validation, self.sample_weight = x, y, validation, sample_weight
        self.custom_objects, self.model_path = custom_objects or {}, model_path
        self.jit = use_xla(options.jit)
        self.ctx = Context(model, x, y)
        try:
            with self.custom_scope(), BUILDING:
                self.base = probe_clone(model)
        except Exception as exc:
            raise clone_failure(exc, model_path) from None
        self.loops: dict[int, InstrumentedLoop] = {}
        self.weights: dict[tuple[int, int], list[np.ndarray]] = {}
        self.setups: dict[str, VariantSetup | None] = {}
        self.engines: set[str] = set()
        self.compile_seconds = 0.0
        self.stop: Callable[[], bool] | None = None  # asked between chunks whether to end a run

    def sibling(self) -> "ProbeWorker":
        """A new worker on the same inputs, built on the current device."""
        return ProbeWorker(self.ctx.model, self.x, self.y, options=self.options, record_every=self.record_every,
                           probe_rows=self.probe_rows, validation=self.validation,
                           sample_weight=self.sample_weight, custom_objects=self.custom_objects,
                           model_path=self.model_path)

    def custom_scope(self):
        """The scope that lets Keras deserialize the user's custom objects while cloning the model."""
        _, keras = import_keras()
        return keras.saving.custom_object_scope(self.custom_objects)

    def setup(self, name: str) -> VariantSetup | None:
        """The setup of edit ``name``, built once; None when the edit does not apply to this model.
        Raises when building it fails (an edit this model does not support)."""
        if name not in self.setups:
            if name == BASELINE:
                self.setups[name] = VariantSetup(Variant(BASELINE, "the model as compiled"), None)
            else:
                with self.custom_scope(), BUILDING:
                    self.setups[name] = build_setup(name, self.ctx)
        return self.setups[name]

    def compiled(self, name: str) -> bool:
        """Whether the loop that trains edit ``name`` is already compiled."""
        setup = self.setups.get(name)
        return setup is not None and id(setup.model or self.base) in self.loops

    def loop(self, model=None) -> InstrumentedLoop:
        """The compiled loop of ``model`` (default: the setup's clone), built on first use."""
        model = model or self.base
        key = id(model)
        if key not in self.loops:
            started = time.perf_counter()
            try:
                loop = InstrumentedLoop(model, self.x, self.y, batch_size=self.options.batch_size,
                                        steps=self.options.steps, record_every=self.record_every,
                                        probe_rows=self.probe_rows, jit=self.jit, validation=self.validation,
                                        sample_weight=self.sample_weight)
                self.engines.add(loop.compile_graphs())
            except Exception as exc:
                raise ProbeError(f"the probe could not build the training graph ({reason(exc)})",
                                 path=self.model_path, remedy="check that model.fit runs on this data") from None
            self.loops[key] = loop
            self.compile_seconds += time.perf_counter() - started
        return self.loops[key]

    def seed_weights(self, seed: int, model=None) -> list[np.ndarray]:
        """The initial weights of ``seed`` for ``model`` (default: the setup's clone), asked for at
        the start of every run: its random streams (dropout, noise) restart from the seed too."""
        model = model or self.base
        if (id(model), seed) not in self.weights:
            with self.custom_scope():
                self.weights[id(model), seed] = initial_weights(model, seed)
        restart_random_streams(model, seed)
        return self.weights[id(model), seed]

    def run(self, task: ProbeTask) -> ProbeRun:
        """Train edit ``task.variant`` from seed ``task.seed``'s initial weights and measure it."""
        if task.suggested_lr is not None:
            self.ctx.suggested_lr = task.suggested_lr
        setup = self.setup(task.variant)
        if setup is None:
            raise ValueError(f"edit {task.variant} does not apply to this model")
        model = setup.model or self.base
        return self.loop(model).run(variant=task.variant, seed=task.seed, weights=self.seed_weights(task.seed, model),
                                    learning_rate=setup.learning_rate, data=setup.data, steps=task.steps,
                                    stop=self.stop)
