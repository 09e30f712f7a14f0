"""Run every probe of a check and gather what they measured into Measurements."""

from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np

from ..errors import ProbeError
from ..loading import Subject
from ..lossinfo import constant_predictions, describe_loss
from ..measurements import Budget, Measurements
from ..options import CheckOptions
from ..tf_runtime import import_keras
from .loop import InstrumentedLoop
from .summary import data_info, model_info
from .variants import build_variants

Progress = Callable[[str, int, int], None]


def _silent(label: str, done: int, total: int) -> None:
    """The default progress sink: report nothing."""


def use_xla(option: bool | None) -> bool:
    """XLA on request, or by default where a GPU is present. On a CPU the seconds it takes to
    compile exceed what it saves on the small models that probes train."""
    if option is not None:
        return option
    tf, _ = import_keras()
    return bool(tf.config.list_physical_devices("GPU"))


def initial_weights(model, seed: int) -> list[np.ndarray]:
    """The weights a fresh initialization with ``seed`` gives this architecture."""
    _, keras = import_keras()
    keras.utils.set_random_seed(seed)
    return [w.numpy() for w in keras.models.clone_model(model).weights]


def trivial_loss(model, y: np.ndarray) -> float:
    """The compiled loss of the best constant prediction: the yardstick of every loss."""
    _, keras = import_keras()
    spec = describe_loss(model.loss)
    units = int(model.outputs[0].shape[-1] or 1)
    loss_fn = keras.losses.get(model.loss)
    out_shape = (len(y),) + tuple(int(d) for d in model.outputs[0].shape[1:])
    best = math.inf
    for row in constant_predictions(spec, y, units):
        prediction = np.broadcast_to(np.asarray(row, np.float32).reshape(-1)[: int(np.prod(out_shape[1:]))]
                                     .reshape(out_shape[1:]), out_shape)
        value = float(np.mean(keras.ops.convert_to_numpy(loss_fn(y.astype(np.float32), prediction))))
        best = min(best, value)
    return best


def sample_rows(x, y, max_rows: int, seed: int):
    """At most ``max_rows`` rows, drawn without replacement by ``seed``."""
    if len(x) <= max_rows:
        return x, y
    keep = np.sort(np.random.default_rng(seed).choice(len(x), max_rows, replace=False))
    return x[keep], y[keep]


def measure(subject: Subject, options: CheckOptions, progress: Progress = _silent) -> Measurements:
    """Probe the subject: the user's setup and its counterfactual variants, over every seed."""
    started = time.perf_counter()
    x, y = sample_rows(subject.x, subject.y, options.max_rows, options.seeds[0])
    rng = np.random.default_rng(options.seeds[0])
    probe_rows = np.sort(rng.choice(len(x), min(options.probe_rows, len(x)), replace=False))
    record_every = max(1, math.ceil(options.steps / options.records))
    setups = build_variants(subject.model, options.counterfactuals)
    jit = use_xla(options.jit)
    # Seeding TensorFlow clears its function caches, so draw every initialization before compiling.
    weights = {(id(s.model), seed): initial_weights(s.model, seed) for s in setups for seed in options.seeds}
    loops: dict[int, InstrumentedLoop] = {}
    engines: set[str] = set()
    runs = []
    total, done = len(setups) * len(options.seeds), 0
    compile_seconds = 0.0
    for setup in setups:
        key = id(setup.model)
        if key not in loops:
            t = time.perf_counter()
            progress(f"compiling probe ({setup.variant.name})", done, total)
            loop = InstrumentedLoop(setup.model, x, y, batch_size=options.batch_size, steps=options.steps,
                                    record_every=record_every, probe_rows=probe_rows, jit=jit)
            try:
                engines.add(loop.compile_graphs())
            except Exception as exc:
                raise ProbeError(f"the probe could not build the training graph ({type(exc).__name__}: "
                                 f"{str(exc).splitlines()[0][:160] if str(exc) else ''})",
                                 path=subject.model_path, remedy="check that model.fit runs on this data") from None
            loops[key] = loop
            compile_seconds += time.perf_counter() - t
        loop = loops[key]
        for seed in options.seeds:
            progress(f"probing {setup.variant.description}, seed {seed}", done, total)
            runs.append(loop.run(variant=setup.variant.name, seed=seed,
                                 weights=weights[key, seed], learning_rate=setup.learning_rate))
            done += 1
    progress("probes done", total, total)
    first = loops[id(setups[0].model)]
    return Measurements(
        model=model_info(subject.model),
        data=data_info(subject.x, subject.y, path=subject.data_path,
                       val_rows=0 if subject.x_val is None else len(subject.x_val)),
        budget=Budget(steps=first.steps, batch_size=first.batch_size, rows=len(x), seeds=list(options.seeds),
                      record_every=record_every, steps_per_epoch=first.steps_per_epoch),
        baseline_loss=trivial_loss(subject.model, y),
        variants=[s.variant for s in setups],
        runs=runs,
        timings={"compile": round(compile_seconds, 3), "probes": round(time.perf_counter() - started, 3)},
        engine={"graph": "+".join(sorted(engines)), "probe_rows": len(probe_rows), "rows_used": len(x)},
    )
