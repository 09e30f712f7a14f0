"""Running one conformance row: save its files, check them with the CLI, train the reference.

The CLI runs in-process (typer's runner), so TensorFlow starts once for the whole suite; a spy
on ``dnndoctor.api.check_files`` keeps the diagnosis the CLI rendered, for its measurements.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .setups import Setup

BUILD_SEED = 12345  # not a probe seed: the saved weights differ from every probe's initialization
CHECK_FLAGS = ("--steps", "20", "--seeds", "0", "--format", "json", "-q")
RELU_FAMILY = {"relu", "relu6", "threshold_relu"}
SATURATING = {"sigmoid", "hard_sigmoid", "tanh", "hard_tanh", "softsign"}


@dataclass
class Outcome:
    """What ``dnndoctor check`` did: exit code, both streams, and the diagnosis it reported."""

    exit_code: int
    stdout: str
    stderr: str
    diagnosis: object | None
    exception: BaseException | None


def materialize(setup: Setup, folder: Path) -> tuple[Path, Path, dict[str, np.ndarray]]:
    """Build and save the row's model and data in ``folder``; the same seeds give the same files."""
    from dnndoctor.tf_runtime import import_keras

    _, keras = import_keras()
    keras.utils.clear_session()
    keras.utils.set_random_seed(BUILD_SEED)
    model = setup.build(keras)
    model_path, data_path = folder / f"model{setup.suffix}", folder / "data.npz"
    model.save(model_path)
    arrays = setup.data(np.random.default_rng(0))
    np.savez(data_path, **arrays)
    return model_path, data_path, arrays


def run_check(setup: Setup, model_path: Path, data_path: Path, monkeypatch) -> Outcome:
    """``dnndoctor check MODEL DATA --steps 20 --seeds 0 --format json`` with the row's flags."""
    from typer.testing import CliRunner

    from dnndoctor import api
    from dnndoctor.cli import app

    seen = {}
    check_files = api.check_files

    def spy(model, data, options=None, progress=None):
        seen["diagnosis"] = check_files(model, data, options, *(() if progress is None else (progress,)))
        return seen["diagnosis"]

    monkeypatch.setattr(api, "check_files", spy)
    flags = [*CHECK_FLAGS, *setup.args, *(() if setup.full_check else ("--no-counterfactuals",))]
    if setup.class_weight is not None:
        flags += ["--class-weight", ",".join(f"{label}={weight}" for label, weight in setup.class_weight.items())]
    result = CliRunner().invoke(app, ["check", str(model_path), str(data_path), *flags])
    exception = None if isinstance(result.exception, SystemExit) else result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr, seen.get("diagnosis"), exception)


def custom_objects(setup: Setup) -> dict:
    """What ``--custom-objects`` gives the check, for the reference's own loading and cloning."""
    if "--custom-objects" not in setup.args:
        return {}
    from .custom_loss import scaled_mse

    return {"scaled_mse": scaled_mse}


def reference_model(setup: Setup, model_path: Path):
    """The saved model, loaded as Keras loads it and compiled as the check compiles it."""
    from dnndoctor.tf_runtime import import_keras

    _, keras = import_keras()
    model = keras.saving.load_model(model_path, custom_objects=custom_objects(setup))
    if setup.compile is not None:
        setup.compile(keras, model)
    return model


def start_weights(setup: Setup, model) -> list[np.ndarray]:
    """The weights the probe of seed 0 starts from (its fresh initialization), with the row's custom objects."""
    from dnndoctor.probes.worker import initial_weights
    from dnndoctor.tf_runtime import import_keras

    _, keras = import_keras()
    with keras.saving.custom_object_scope(custom_objects(setup)):
        return initial_weights(model, 0)


def start_training(setup: Setup, model) -> None:
    """Set the probe's initial weights and give the model a fresh optimizer, built on them by ``fit``:
    the loaded one was built on the saved weights (a schedule-free optimizer copies them)."""
    model.set_weights(start_weights(setup, model))
    optimizer = model.optimizer
    model.optimizer = optimizer.__class__.from_config(optimizer.get_config())


def fit_arrays(model, arrays: dict[str, np.ndarray]):
    """x, y and sample_weight for ``model.fit`` from the arrays of the .npz: ``x``/``y``, or one
    array per model input and output, named after them."""
    weights = arrays.get("sample_weight")
    if "x" in arrays and "y" in arrays:
        return arrays["x"], arrays["y"], weights
    inputs = [tensor.name for tensor in model.inputs]
    outputs = list(getattr(model, "output_names", None) or [])
    x = {name: arrays[name] for name in inputs} if len(inputs) > 1 else arrays[inputs[0]]
    y = [arrays[name] for name in outputs] if len(outputs) > 1 else arrays[outputs[0]]
    return x, y, weights


def rows_of(arrays: dict[str, np.ndarray]) -> int:
    return len(next(iter(arrays.values())))


def undefined_measurements(measurements, model) -> list[str]:
    """What the rules would read as a number but the probes left undefined, in words."""
    problems = []
    if not math.isfinite(measurements.baseline_loss):
        problems.append(f"baseline_loss is {measurements.baseline_loss}")
    if measurements.initial_loss_expected is not None and not math.isfinite(measurements.initial_loss_expected):
        problems.append("initial_loss_expected is not finite")
    profile = measurements.profile
    for name, value in dataclasses.asdict(profile).items() if profile is not None else ():
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(f"profile.{name} is {value}")
    for run in measurements.runs_of("baseline"):
        if not all(math.isfinite(v) for v in run.losses + run.eval_losses):
            problems.append(f"seed {run.seed}: non-finite losses")
        traced = {trace.name for trace in run.layers}
        missing = [layer.name for layer in model.layers if layer.trainable_weights and layer.name not in traced]
        if missing:
            problems.append(f"seed {run.seed}: no trace of trainable layers {missing}")
        for trace in run.layers:
            problems += [f"seed {run.seed}: {trace.name}.{p}" for p in _undefined_fields(trace)]
    return problems


def _undefined_fields(trace) -> list[str]:
    required = []
    if trace.weight_norm:
        required += [("weight_norm", 0), ("grad_norm", 1), ("grad_rms", 1), ("update_ratio", 1)]
    if trace.activation is not None:
        required += [("act_mean", 0), ("act_std", 0)]
        if trace.activation in RELU_FAMILY:
            required.append(("dead_fraction", 0))
        if trace.activation in SATURATING:
            required.append(("saturated_fraction", 0))
    return [f"{name} undefined" for name, first in required
            if any(v is None for v in getattr(trace, name)[first:]) or not getattr(trace, name)[first:]]
