"""What the probes measured: plain dataclasses with a JSON round-trip. The only input of rules."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LayerInfo:
    """One layer of the model as the probes saw it."""

    name: str
    kind: str
    activation: str | None = None
    units: int | None = None
    params: int = 0
    depth: int | None = None  # trainable layers between it and the nearest output (0: an output layer)


@dataclass
class ModelInfo:
    """The model under examination, with its compiled training setup."""

    name: str
    params: int
    layers: list[LayerInfo]
    optimizer: str
    learning_rate: float | None
    learning_rate_schedule: str | None
    optimizer_config: dict[str, Any]
    loss: str
    loss_kind: str
    from_logits: bool = False
    output_activation: str | None = None
    output_units: int | None = None
    scales_own_inputs: bool = False  # a Normalization, Rescaling or BatchNormalization first, or token ids
    inputs: int = 1
    outputs: int = 1


@dataclass
class ArrayInfo:
    """Shape, dtype and value range of one array."""

    shape: list[int]
    dtype: str
    min: float
    max: float
    mean: float
    std: float


@dataclass
class DataInfo:
    """The training data (and validation data, when given)."""

    path: str | None
    x: ArrayInfo
    y: ArrayInfo
    rows: int
    val_rows: int = 0
    sampled_rows: int | None = None  # rows the probes train on, when fewer than ``rows``
    sample_seed: int | None = None  # the seed that drew them


@dataclass
class DataProfile:
    """Scale of the inputs per feature, and range and kind of the targets, as probed."""

    x_mean_abs_max: float
    x_std_max: float
    x_std_min: float
    x_max_abs: float
    y_min: float
    y_max: float
    y_mean: float
    y_std: float
    y_kind: str
    y_classes: int | None = None


@dataclass
class LayerTrace:
    """Per-layer quantities of one probe run, one value per record step (None: not measured).

    ``grad_norm``, ``grad_rms`` and ``update_ratio`` (update norm ÷ weight norm before it) are, at
    each record after the first, means over four steps sampled evenly in the chunk of steps that
    ends there (``SAMPLED_STEPS`` of probes/loop.py), the chunk's last step among them (every step
    when the chunk has four or fewer), not over every step of the chunk. Weight norms and activation statistics are read at the
    record step itself; the Keras callback reads gradients on its probe batch at the record step.
    """

    name: str
    activation: str | None = None
    grad_norm: list[float | None] = field(default_factory=list)
    grad_rms: list[float | None] = field(default_factory=list)
    weight_norm: list[float | None] = field(default_factory=list)
    update_ratio: list[float | None] = field(default_factory=list)
    dead_fraction: list[float | None] = field(default_factory=list)
    saturated_fraction: list[float | None] = field(default_factory=list)
    act_mean: list[float | None] = field(default_factory=list)
    act_std: list[float | None] = field(default_factory=list)
    init: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProbeRun:
    """One instrumented probe training: one variant of the setup, one seed."""

    variant: str
    seed: int
    losses: list[float]
    eval_losses: list[float]
    record_steps: list[int]
    layers: list[LayerTrace]
    learning_rate: float | None = None
    regularization_loss: float | None = None
    val_loss: float | None = None
    accuracy: float | None = None  # a classifier's final accuracy on the probe batch (None: not a classifier)
    train_accuracy: float | None = None  # with BatchNorm: its mean accuracy on the last training batches
    seconds: float = 0.0

    def layer(self, name: str) -> LayerTrace:
        return next(t for t in self.layers if t.name == name)


@dataclass
class Variant:
    """A counterfactual setup probed next to the user's: what changed, in words and code."""

    name: str
    description: str
    change: str = ""
    baseline_loss: float | None = None  # set when the variant trains on edited targets or another loss
    floor_loss: float = 0.0  # with baseline_loss: the lowest loss any prediction reaches on them
    moving_statistics: bool = False  # trains with batch statistics, infers with their moving averages (BatchNorm)


@dataclass
class RangeTest:
    """An LR range test: the loss after one step at each of exponentially growing rates."""

    learning_rates: list[float]
    losses: list[float]


@dataclass
class Budget:
    """How much probing was done."""

    steps: int
    batch_size: int
    rows: int
    seeds: list[int]
    record_every: int
    steps_per_epoch: int


@dataclass
class Measurements:
    """Everything the probes measured about one model and its data."""

    model: ModelInfo
    data: DataInfo
    budget: Budget
    baseline_loss: float
    variants: list[Variant]
    runs: list[ProbeRun]
    range_test: RangeTest | None = None
    floor_loss: float = 0.0  # the lowest loss any prediction reaches: > 0 for soft or label-smoothed targets
    profile: DataProfile | None = None
    initial_loss_expected: float | None = None
    overfit_relative_loss: list[float] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    engine: dict[str, Any] = field(default_factory=dict)
    cuts: list[str] = field(default_factory=list)  # probes not run or shortened, and why
    inapplicable_edits: list[str] = field(default_factory=list)  # edits this model cannot take, so never probed
    budget_cut_edits: list[str] = field(default_factory=list)  # edits whose probe the time budget cut, on some seed

    def runs_of(self, variant: str) -> list[ProbeRun]:
        """The probe runs of one variant, in seed order."""
        return [r for r in self.runs if r.variant == variant]

    def gradients_by_depth(self, run: ProbeRun) -> list[tuple[int, float]]:
        """(depth, median gradient RMS over the run's records) of every layer with weights whose depth
        in the layer graph is known, nearest the output first: how gradients attenuate on the way
        down a residual or branched graph, as on a chain."""
        depth = {layer.name: layer.depth for layer in self.model.layers if layer.depth is not None}
        found = []
        for trace in run.layers:
            values = sorted(v for v in trace.grad_rms if v is not None)
            if trace.name in depth and values:
                found.append((depth[trace.name], values[len(values) // 2]))
        return sorted(found)

    def variant(self, name: str) -> Variant | None:
        return next((v for v in self.variants if v.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Measurements:
        model = dict(data["model"])
        model["layers"] = [LayerInfo(**layer) for layer in model["layers"]]
        d = dict(data["data"])
        d["x"], d["y"] = ArrayInfo(**d["x"]), ArrayInfo(**d["y"])
        runs = []
        for run in data["runs"]:
            run = dict(run)
            run["losses"] = [_number(v) for v in run["losses"]]
            run["eval_losses"] = [_number(v) for v in run["eval_losses"]]
            run["layers"] = [LayerTrace(**t) for t in run["layers"]]
            runs.append(ProbeRun(**run))
        return cls(
            model=ModelInfo(**model),
            data=DataInfo(**d),
            budget=Budget(**data["budget"]),
            baseline_loss=_number(data["baseline_loss"]),
            variants=[Variant(**v) for v in data["variants"]],
            runs=runs,
            range_test=(RangeTest(learning_rates=list(data["range_test"]["learning_rates"]),
                                  losses=[_number(v) for v in data["range_test"]["losses"]])
                        if data.get("range_test") else None),
            floor_loss=_number(data.get("floor_loss", 0.0)),
            profile=DataProfile(**data["profile"]) if data.get("profile") else None,
            initial_loss_expected=data.get("initial_loss_expected"),
            overfit_relative_loss=[_number(v) for v in data.get("overfit_relative_loss", [])],
            timings=dict(data.get("timings", {})),
            engine=dict(data.get("engine", {})),
            cuts=list(data.get("cuts", [])),
            inapplicable_edits=list(data.get("inapplicable_edits", [])),
            budget_cut_edits=list(data.get("budget_cut_edits", [])),
        )


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _jsonable(value: Any) -> Any:
    """Floats that JSON can hold: NaN and infinities become None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
