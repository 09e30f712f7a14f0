"""Hand-built ``Measurements`` for the pure test tier: no TensorFlow, no training.

A probe run is described by its per-step loss curve; the probe-batch eval losses are read off
the curve at every record step, as the instrumented loop records them (step 0, then after each
chunk of ``record_every`` steps; a run stops after the chunk in which the loss went non-finite).
Per-layer traces default to a healthy three-layer ReLU network (with Glorot-scaled, asymmetric
initial kernels) and can be overridden per seed. Any edit of ``EDITS`` can be given a run per
seed; the data profile defaults to standardized inputs and continuous targets of unit scale.

    m = make_measurements({
        "baseline": [decay(1.0, 0.9)] * 3,          # one curve per seed 0, 1, 2
        "lr_x10": [decay(1.0, 0.01)] * 3,
        "standardize_y": [decay(1.0, 0.01)] * 3,    # judged against its own baseline loss
    }, traces={"baseline": [{"dense": {"update_ratio": 1e-6, "init": {"kernel_rms": 4.0}}}] * 3},
       variant_baseline_loss={"standardize_y": 1.0}, profile=profile(y_mean=500.0))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dnndoctor.lr_suggest import suggest
from dnndoctor.measurements import (ArrayInfo, Budget, DataInfo, DataProfile, LayerInfo, LayerTrace,
                                    Measurements, ModelInfo, ProbeRun, RangeTest, Variant)

NAN, INF = math.nan, math.inf
STEPS, RECORD_EVERY = 400, 40
HIDDEN = ("dense", "dense_1")
OUTPUT = "dense_2"
LAYERS = (*HIDDEN, OUTPUT)

# name -> (description, learning-rate scale), in the order the probes run them: the diagnostic
# counterfactuals first, then the edits that findings propose (as in probes/edits.py). The scale
# None marks a rate the edit sets itself (the range test's suggestion, Adam's 1e-3).
VARIANTS = {
    "baseline": ("the model as compiled", 1.0),
    "lr_x10": ("learning rate ×10", 10.0),
    "lr_div10": ("learning rate ÷10", 0.1),
    "wider": ("hidden layers ×4 wider", 1.0),
    "lr_suggested": ("learning rate from the range test", None),
    "relu": ("ReLU hidden activations", 1.0),
    "leaky_relu": ("LeakyReLU hidden activations", 1.0),
    "default_init": ("standard initialization", 1.0),
    "batchnorm": ("BatchNormalization after hidden layers", 1.0),
    "linear_output": ("linear output layer", 1.0),
    "matching_loss": ("output and loss that match", 1.0),
    "clipnorm": ("gradient clipping", 1.0),
    "adam": ("Adam optimizer", None),
    "momentum_0.9": ("momentum 0.9", 1.0),
    "standardize_x": ("standardized inputs", 1.0),
    "standardize_x_lr_suggested": ("standardized inputs at the range test's rate", None),
    "standardize_y": ("standardized targets", 1.0),
    "rescale_y": ("targets rescaled to [0, 1]", 1.0),
}
EDITS = tuple(VARIANTS)[1:]
CHANGES = {
    "relu": "activation='relu', kernel_initializer='he_normal' in dense, dense_1",
    "leaky_relu": "activation='leaky_relu', kernel_initializer='he_normal' in dense, dense_1",
    "default_init": "kernel_initializer='he_normal' (ReLU) or 'glorot_uniform', bias zeros",
    "batchnorm": "keras.layers.BatchNormalization() after each hidden layer",
    "linear_output": "dense_2: activation='linear'",
    "matching_loss": "loss=categorical_crossentropy",
    "clipnorm": "clipnorm=1.0",
    "adam": "optimizer=keras.optimizers.Adam(1e-3)",
    "momentum_0.9": "momentum=0.9",
    "standardize_x": "x = (x - x.mean(0)) / x.std(0)",
    "standardize_x_lr_suggested": "x = (x - x.mean(0)) / x.std(0); learning_rate=0.1",
    "standardize_y": "y = (y - y.mean(0)) / y.std(0)",
    "rescale_y": "y = (y - y.min(0)) / (y.max(0) - y.min(0))",
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
INPUTS, WIDTH = 4, 8


def glorot_rms(fan_in: int, fan_out: int) -> float:
    """The RMS of a Glorot-initialized kernel of that shape (what the probe compares with)."""
    return math.sqrt(2.0 / (fan_in + fan_out))


def healthy_init(output_units: int = 1) -> dict[str, dict[str, Any]]:
    """Initial-kernel statistics of a default (Glorot) initialization, per layer."""
    shapes = {"dense": (INPUTS, WIDTH), "dense_1": (WIDTH, WIDTH), "dense_2": (WIDTH, output_units)}
    return {name: {"kernel_rms": glorot_rms(*shape), "glorot_rms": glorot_rms(*shape), "identical_units": False}
            for name, shape in shapes.items()}


def profile(**overrides: Any) -> DataProfile:
    """A data profile: standardized inputs and continuous targets of unit scale, unless overridden."""
    values = dict(x_mean_abs_max=0.02, x_std_max=0.6, x_std_min=0.55, x_max_abs=1.0, y_min=-2.0, y_max=2.0,
                  y_mean=0.1, y_std=1.0, y_kind="continuous", y_classes=None)
    values.update(overrides)
    return DataProfile(**values)


_profile = profile  # make_measurements has an argument of that name
DEFAULT = object()  # "as the probes would have measured it" for optional arguments


# -- loss curves --------------------------------------------------------------------------------

def decay(start: float, end: float, steps: int = STEPS) -> list[float]:
    """A loss falling geometrically from ``start`` to exactly ``end``."""
    curve = list(np.geomspace(start, end, steps))
    curve[0], curve[-1] = float(start), float(end)
    return [float(v) for v in curve]


def chain(first: list[float], second: list[float]) -> list[float]:
    """Two curves one after the other (e.g. a fall then a climb)."""
    return list(first) + list(second)


def blow_up(start: float = 1.0, at: int = 150, steps: int = STEPS, value: float = NAN) -> list[float]:
    """A loss that falls a little, then turns non-finite at step ``at``."""
    return decay(start, start * 0.8, at) + [value] * (steps - at)


def flat(value: float, steps: int = STEPS) -> list[float]:
    """A loss that does not move."""
    return [float(value)] * steps


def rise(start: float, end: float, steps: int = STEPS) -> list[float]:
    """A loss growing geometrically from ``start`` to ``end`` (divergence without NaN)."""
    return decay(start, end, steps)


# -- the builder --------------------------------------------------------------------------------

def _series(value: Any, n: int, gradient: bool) -> list[float | None]:
    """A per-record-step series: a scalar repeated (None at step 0 for gradients) or a list cut to n."""
    if isinstance(value, (list, tuple)):
        return list(value)[:n]
    return [None if (gradient and k == 0) or value is None else float(value) for k in range(n)]


def _traces(records: int, activation: str, overrides: dict[str, dict[str, Any]], *,
            output_activation: str = "linear", init: dict[str, dict[str, Any]] | None = None) -> list[LayerTrace]:
    traces = []
    init = init or healthy_init()
    for name in LAYERS:
        act = activation if name in HIDDEN else output_activation
        fields = {f: values.get(name) for f, values in HEALTHY.items()}
        if act not in ("relu", "leaky_relu"):
            fields["dead_fraction"] = None
        fields["saturated_fraction"] = 0.1 if act in SATURATING else None
        fields.update(overrides.get(name, {}))
        layer_init = {**init.get(name, {}), **fields.pop("init", {})}
        traces.append(LayerTrace(name=name, activation=act, init=layer_init, **{
            f: _series(v, records, f in GRADIENT_FIELDS) for f, v in fields.items()}))
    return traces


def make_run(variant: str, seed: int, losses: list[float], *, record_every: int = RECORD_EVERY,
             evals: list[float] | None = None, activation: str = "relu",
             layers: dict[str, dict[str, Any]] | None = None, learning_rate: float | None = 1e-3,
             output_activation: str = "linear", init: dict[str, dict[str, Any]] | None = None,
             regularization_loss: float | None = None, val_loss: float | None = None,
             accuracy: float | None = None, train_accuracy: float | None = None) -> ProbeRun:
    """One probe run; stops after the chunk where ``losses`` turns non-finite, like the real loop.

    ``layers`` overrides trace fields per layer (a scalar or a list per record step; the key
    ``init`` updates that layer's initial-kernel statistics).
    """
    losses = [float(v) for v in losses]
    bad = next((i for i, v in enumerate(losses) if not math.isfinite(v)), None)
    if bad is not None:
        losses = losses[: min(len(losses), (bad // record_every + 1) * record_every)]
    chunks = math.ceil(len(losses) / record_every)
    record_steps = [0] + [min((k + 1) * record_every, len(losses)) for k in range(chunks)]
    if evals is None:
        evals = [losses[0]] + [losses[s - 1] for s in record_steps[1:]]
    traces = _traces(len(record_steps), activation, layers or {}, output_activation=output_activation, init=init)
    return ProbeRun(variant=variant, seed=seed, losses=losses, eval_losses=[float(v) for v in evals],
                    record_steps=record_steps, layers=traces, learning_rate=learning_rate,
                    regularization_loss=regularization_loss, val_loss=val_loss, accuracy=accuracy,
                    train_accuracy=train_accuracy, seconds=0.5)


def _per_seed(value: Any, k: int) -> Any:
    """A scalar shared by every seed, or the k-th entry of a per-seed list."""
    return value[k] if isinstance(value, (list, tuple)) else value


def make_measurements(
    variants: dict[str, list[list[float]]],
    *,
    evals: dict[str, list[list[float]]] | None = None,
    traces: dict[str, list[dict[str, dict[str, Any]]]] | None = None,
    seeds: tuple[int, ...] = (0, 1, 2),
    steps: int = STEPS,
    record_every: int = RECORD_EVERY,
    baseline_loss: float = 1.0,
    floor_loss: float = 0.0,
    learning_rate: float | None = 1e-3,
    activation: str = "relu",
    optimizer: str = "Adam",
    optimizer_config: dict[str, Any] | None = None,
    loss: str = "mean_squared_error",
    loss_kind: str = "regression",
    from_logits: bool = False,
    output_activation: str = "linear",
    output_units: int = 1,
    profile: Any = DEFAULT,
    initial_loss_expected: Any = DEFAULT,
    range_test: RangeTest | None = None,
    overfit: list[float] | None = None,
    init: dict[str, dict[str, Any]] | None = None,
    regularization_loss: float | list[float | None] | None = None,
    val_loss: float | list[float | None] | None = None,
    accuracy: float | list[float | None] | None = None,
    train_accuracy: float | list[float | None] | None = None,
    variant_baseline_loss: dict[str, float] | None = None,
) -> Measurements:
    """Measurements of a 3-layer Dense model: ``variants`` maps a variant name to one loss curve per seed.

    ``evals`` overrides the probe-batch eval losses (variant -> one list per seed); ``traces``
    overrides per-layer trace fields (variant -> one ``{layer: {field: scalar or list}}`` per seed).
    ``init`` overrides initial-kernel statistics of the baseline runs (``{layer: {stat: value}}``);
    ``regularization_loss``, ``val_loss``, ``accuracy`` (a classifier's probe-batch accuracy) and
    ``train_accuracy`` (on its last training batches) are those of the baseline runs (a scalar for every
    seed or one per seed); ``variant_baseline_loss`` gives data edits their own trivial loss;
    ``floor_loss`` is the lowest loss any prediction reaches (soft or label-smoothed targets).
    ``profile`` and ``initial_loss_expected`` default to what the probes measure on unit-scale
    regression data (``None`` leaves them unmeasured).
    """
    unknown = set(variants) - set(VARIANTS)
    assert not unknown, f"unknown variants {unknown}"
    evals, traces, variant_baseline_loss = evals or {}, traces or {}, variant_baseline_loss or {}
    assert not set(variant_baseline_loss) - set(variants), "a baseline loss for a variant that did not run"
    suggested = suggest(range_test.learning_rates, range_test.losses).recommended if range_test else None
    baseline_init = healthy_init(output_units)
    for name, stats in (init or {}).items():
        baseline_init[name] = {**baseline_init.get(name, {}), **stats}
    runs, probed = [], []
    for name, (description, scale) in VARIANTS.items():
        if name not in variants:
            continue
        curves = variants[name]
        assert len(curves) == len(seeds), f"{name}: {len(curves)} curves for {len(seeds)} seeds"
        rate = (None if learning_rate is None or scale is None else learning_rate * scale)
        if name == "lr_suggested":
            rate = suggested
        elif name == "adam":
            rate = 1e-3
        change = ("dense: 8 → 32, dense_1: 8 → 32" if name == "wider" else
                  f"learning_rate={rate:.3g}" if name in ("lr_x10", "lr_div10", "lr_suggested") and rate else
                  CHANGES.get(name, ""))
        probed.append(Variant(name, description, change, baseline_loss=variant_baseline_loss.get(name)))
        hidden = name if name in ("relu", "leaky_relu") else activation
        out = "linear" if name == "linear_output" else output_activation
        for k, (seed, curve) in enumerate(zip(seeds, curves)):
            base = name == "baseline"
            runs.append(make_run(
                name, seed, curve, record_every=record_every,
                evals=evals[name][k] if name in evals else None, activation=hidden,
                layers=traces[name][k] if name in traces else None, learning_rate=rate, output_activation=out,
                init=baseline_init if base else healthy_init(output_units),
                regularization_loss=_per_seed(regularization_loss, k) if base else None,
                val_loss=_per_seed(val_loss, k) if base else None,
                accuracy=_per_seed(accuracy, k) if base else None,
                train_accuracy=_per_seed(train_accuracy, k) if base else None))
    rows, batch = 1024, 32
    data_profile = _profile() if profile is DEFAULT else profile
    if initial_loss_expected is DEFAULT:
        # E[y²] of unit-scale targets with mean 0.1 (the MSE of an output centred on zero)
        initial_loss_expected = 1.01 * baseline_loss if loss_kind == "regression" else None
    y = (ArrayInfo([rows, output_units], "float32", data_profile.y_min, data_profile.y_max, data_profile.y_mean,
                   data_profile.y_std) if data_profile else ArrayInfo([rows, 1], "float32", -2.0, 2.0, 0.1, 1.0))
    config = {"name": optimizer.lower(), "learning_rate": learning_rate, "clipnorm": None, **(optimizer_config or {})}
    return Measurements(
        model=ModelInfo(
            name="sequential", params=121 + 9 * (output_units - 1),
            layers=[LayerInfo("dense", "Dense", activation, WIDTH, 40),
                    LayerInfo("dense_1", "Dense", activation, WIDTH, 72),
                    LayerInfo("dense_2", "Dense", output_activation, output_units, 9 * output_units)],
            optimizer=optimizer, learning_rate=learning_rate, learning_rate_schedule=None,
            optimizer_config=config, loss=loss, loss_kind=loss_kind, from_logits=from_logits,
            output_activation=output_activation, output_units=output_units),
        data=DataInfo(path="data.npz", x=ArrayInfo([rows, INPUTS], "float32", -1.0, 1.0, 0.0, 0.58), y=y, rows=rows),
        budget=Budget(steps=steps, batch_size=batch, rows=rows, seeds=list(seeds),
                      record_every=record_every, steps_per_epoch=rows // batch),
        baseline_loss=baseline_loss,
        floor_loss=floor_loss,
        variants=probed,
        runs=runs,
        range_test=range_test,
        profile=data_profile,
        initial_loss_expected=initial_loss_expected,
        overfit_relative_loss=list(overfit or []),
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


# -- LR range tests -----------------------------------------------------------------------------

RANGE_LRS = [float(v) for v in np.geomspace(1e-6, 10.0, 100)]  # as the probe ramps them


def u_curve(minimum_at: float = 1e-2, *, lrs: list[float] | None = None, depth: float = 0.9,
            explode: float = 3.0) -> list[float]:
    """A range-test loss: flat at small rates, falling to a minimum at ``minimum_at``, then blowing up."""
    out = []
    for lr in lrs or RANGE_LRS:
        d = math.log10(lr / minimum_at)
        if d <= 0:
            out.append(1.0 - depth * math.exp(-(d / 1.5) ** 2))
        else:
            out.append((1.0 - depth) * 10 ** (explode * d))
    return out


def range_test(minimum_at: float = 1e-2, **kwargs: Any) -> RangeTest:
    """An LR range test whose curve has its minimum at ``minimum_at``."""
    return RangeTest(learning_rates=list(RANGE_LRS), losses=u_curve(minimum_at, **kwargs))
