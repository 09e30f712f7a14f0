"""Hand-built ``Measurements`` for the pure test tier: no TensorFlow, no training.

A probe run is described by its per-step loss curve; the probe-batch eval losses are read off
the curve at every record step, as the instrumented loop records them (step 0, then after each
chunk of ``record_every`` steps; a run stops after the chunk in which the loss went non-finite).
Per-layer traces default to a healthy three-layer ReLU network and can be overridden per seed.

    m = make_measurements({
        "baseline": [decay(1.0, 0.9)] * 3,          # one curve per seed 0, 1, 2
        "lr_x10": [decay(1.0, 0.01)] * 3,
    }, traces={"baseline": [{"dense": {"update_ratio": 1e-6}}] * 3})
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dnndoctor.measurements import (ArrayInfo, Budget, DataInfo, LayerInfo, LayerTrace, Measurements,
                                    ModelInfo, ProbeRun, Variant)

NAN, INF = math.nan, math.inf
STEPS, RECORD_EVERY = 400, 40
HIDDEN = ("dense", "dense_1")
OUTPUT = "dense_2"
LAYERS = (*HIDDEN, OUTPUT)

# name -> (description, learning-rate scale), in the order the probes run them
VARIANTS = {
    "baseline": ("the model as compiled", 1.0),
    "lr_x10": ("learning rate ×10", 10.0),
    "lr_div10": ("learning rate ÷10", 0.1),
    "wider": ("hidden layers ×4 wider", 1.0),
}

# Healthy per-layer values after step 0; gradient fields are not measured (None) at step 0.
HEALTHY = {
    "grad_rms": {"dense": 2e-2, "dense_1": 3e-2, "dense_2": 5e-2},
    "grad_norm": {"dense": 0.1, "dense_1": 0.2, "dense_2": 0.1},
    "update_ratio": {"dense": 1e-3, "dense_1": 1e-3, "dense_2": 1e-3},
    "weight_norm": {"dense": 2.0, "dense_1": 2.5, "dense_2": 1.0},
    "dead_fraction": {"dense": 0.05, "dense_1": 0.1},
    "act_mean": {"dense": 0.4, "dense_1": 0.3, "dense_2": 0.0},
    "act_std": {"dense": 0.5, "dense_1": 0.4, "dense_2": 0.7},
}
GRADIENT_FIELDS = ("grad_rms", "grad_norm", "update_ratio")
SATURATING = ("sigmoid", "tanh")


# -- loss curves --------------------------------------------------------------------------------

def decay(start: float, end: float, steps: int = STEPS) -> list[float]:
    """A loss falling geometrically from ``start`` to exactly ``end``."""
    curve = list(np.geomspace(start, end, steps))
    curve[0], curve[-1] = float(start), float(end)
    return [float(v) for v in curve]


def then(first: list[float], second: list[float]) -> list[float]:
    """Two curves one after the other (e.g. a fall then a climb)."""
    return list(first) + list(second)


def blow_up(start: float = 1.0, at: int = 150, steps: int = STEPS, value: float = NAN) -> list[float]:
    """A loss that falls a little, then turns non-finite at step ``at``."""
    return decay(start, start * 0.8, at) + [value] * (steps - at)


def rise(start: float, end: float, steps: int = STEPS) -> list[float]:
    """A loss growing geometrically from ``start`` to ``end`` (divergence without NaN)."""
    return decay(start, end, steps)


# -- the builder --------------------------------------------------------------------------------

def _series(value: Any, n: int, gradient: bool) -> list[float | None]:
    """A per-record-step series: a scalar repeated (None at step 0 for gradients) or a list cut to n."""
    if isinstance(value, (list, tuple)):
        return list(value)[:n]
    return [None if (gradient and k == 0) or value is None else float(value) for k in range(n)]


def _traces(records: int, activation: str, overrides: dict[str, dict[str, Any]]) -> list[LayerTrace]:
    traces = []
    for name in LAYERS:
        act = activation if name in HIDDEN else "linear"
        fields = {f: values.get(name) for f, values in HEALTHY.items()}
        if act != "relu":
            fields["dead_fraction"] = None
        fields["saturated_fraction"] = 0.1 if act in SATURATING else None
        fields.update(overrides.get(name, {}))
        traces.append(LayerTrace(name=name, activation=act, **{
            f: _series(v, records, f in GRADIENT_FIELDS) for f, v in fields.items()}))
    return traces


def make_run(variant: str, seed: int, losses: list[float], *, record_every: int = RECORD_EVERY,
             evals: list[float] | None = None, activation: str = "relu",
             layers: dict[str, dict[str, Any]] | None = None, learning_rate: float | None = 1e-3) -> ProbeRun:
    """One probe run; stops after the chunk where ``losses`` turns non-finite, like the real loop."""
    losses = [float(v) for v in losses]
    bad = next((i for i, v in enumerate(losses) if not math.isfinite(v)), None)
    if bad is not None:
        losses = losses[: min(len(losses), (bad // record_every + 1) * record_every)]
    chunks = math.ceil(len(losses) / record_every)
    record_steps = [0] + [min((k + 1) * record_every, len(losses)) for k in range(chunks)]
    if evals is None:
        evals = [losses[0]] + [losses[s - 1] for s in record_steps[1:]]
    return ProbeRun(variant=variant, seed=seed, losses=losses, eval_losses=[float(v) for v in evals],
                    record_steps=record_steps, layers=_traces(len(record_steps), activation, layers or {}),
                    learning_rate=learning_rate, seconds=0.5)


def make_measurements(
    variants: dict[str, list[list[float]]],
    *,
    evals: dict[str, list[list[float]]] | None = None,
    traces: dict[str, list[dict[str, dict[str, Any]]]] | None = None,
    seeds: tuple[int, ...] = (0, 1, 2),
    steps: int = STEPS,
    record_every: int = RECORD_EVERY,
    baseline_loss: float = 1.0,
    learning_rate: float | None = 1e-3,
    activation: str = "relu",
    optimizer: str = "Adam",
    loss: str = "mean_squared_error",
) -> Measurements:
    """Measurements of a 3-layer Dense model: ``variants`` maps a variant name to one loss curve per seed.

    ``evals`` overrides the probe-batch eval losses (variant -> one list per seed); ``traces``
    overrides per-layer trace fields (variant -> one ``{layer: {field: scalar or list}}`` per seed).
    """
    unknown = set(variants) - set(VARIANTS)
    assert not unknown, f"unknown variants {unknown}"
    evals, traces = evals or {}, traces or {}
    runs, probed = [], []
    for name, (description, scale) in VARIANTS.items():
        if name not in variants:
            continue
        curves = variants[name]
        assert len(curves) == len(seeds), f"{name}: {len(curves)} curves for {len(seeds)} seeds"
        change = ("dense: 8 → 32, dense_1: 8 → 32" if name == "wider" else
                  f"optimizer.learning_rate = {learning_rate * scale:.3g}" if scale != 1.0 and learning_rate else "")
        probed.append(Variant(name, description, change))
        for k, (seed, curve) in enumerate(zip(seeds, curves)):
            runs.append(make_run(
                name, seed, curve, record_every=record_every,
                evals=evals[name][k] if name in evals else None, activation=activation,
                layers=traces[name][k] if name in traces else None,
                learning_rate=None if learning_rate is None else learning_rate * scale))
    rows, batch = 1024, 32
    return Measurements(
        model=ModelInfo(
            name="sequential", params=121,
            layers=[LayerInfo("dense", "Dense", activation, 8, 40),
                    LayerInfo("dense_1", "Dense", activation, 8, 72),
                    LayerInfo("dense_2", "Dense", "linear", 1, 9)],
            optimizer=optimizer, learning_rate=learning_rate, learning_rate_schedule=None,
            optimizer_config={"name": optimizer.lower(), "learning_rate": learning_rate, "clipnorm": None},
            loss=loss, loss_kind="regression", output_activation="linear", output_units=1),
        data=DataInfo(path="data.npz", x=ArrayInfo([rows, 4], "float32", -1.0, 1.0, 0.0, 0.58),
                      y=ArrayInfo([rows, 1], "float32", -2.0, 2.0, 0.1, 1.0), rows=rows),
        budget=Budget(steps=steps, batch_size=batch, rows=rows, seeds=list(seeds),
                      record_every=record_every, steps_per_epoch=rows // batch),
        baseline_loss=baseline_loss,
        variants=probed,
        runs=runs,
        timings={"compile": 1.5, "probes": 12.0},
        engine={"graph": "tf.function", "probe_rows": 256, "rows_used": rows},
    )


def same(curve: list[float], n: int = 3) -> list[list[float]]:
    """The same curve for every seed."""
    return [curve] * n


def healthy(**overrides: list[list[float]]) -> Measurements:
    """A run that fits, with every counterfactual probed and none doing much better."""
    variants = {"baseline": same(decay(1.0, 0.005)), "lr_x10": same(decay(1.0, 0.004)),
                "lr_div10": same(decay(1.0, 0.05)), "wider": same(decay(1.0, 0.003))}
    variants.update(overrides)
    return make_measurements(variants)
