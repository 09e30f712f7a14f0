"""The Keras and TensorFlow floors declared in pyproject.toml hold: the installed versions meet
them, the public APIs the probes call exist with the signatures used, and the few internals kept
in dnndoctor.kerascompat are still where it looks for them."""

from __future__ import annotations

import importlib.metadata
import inspect
import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

pytestmark = pytest.mark.tf
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _floors() -> dict[str, tuple[int, ...]]:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    found = {}
    for spec in dependencies:
        match = re.fullmatch(r"([A-Za-z0-9_-]+)>=([0-9.]+)", spec.split(";")[0].strip())
        if match:
            found[match.group(1)] = _version(match.group(2))
    return found


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_the_floors_are_declared_and_installed():
    floors = _floors()
    assert floors["keras"] >= (3, 4) and floors["tensorflow"] >= (2, 16)
    for package in ("keras", "tensorflow"):
        assert _version(importlib.metadata.version(package)) >= floors[package], package


def test_the_public_keras_api_the_probes_call_exists(keras):
    assert "training" in inspect.signature(keras.Model.compute_loss).parameters  # Keras 3.4
    assert callable(keras.optimizers.Optimizer.scale_loss)
    assert callable(keras.Model.get_compile_config)
    assert callable(keras.saving.custom_object_scope)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    config = keras.optimizers.SGD(schedule).get_config()["learning_rate"]
    assert config["config"]["initial_learning_rate"] == 0.1  # schedules serialize with their rates


def test_the_internals_kept_in_kerascompat_are_still_there(keras):
    from dnndoctor.kerascompat import layer_parents, safe_mode_scope

    inputs = keras.Input(shape=(2,))
    hidden = keras.layers.Dense(3)
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden(inputs)))
    model.compile(optimizer="sgd", loss="mse")
    assert callable(getattr(model, "_compile_loss", None))
    assert layer_parents(model.layers[-1]) == [hidden]
    assert type(safe_mode_scope(True)).__name__ == "SafeModeScope"
