"""Shared fixtures: quiet TensorFlow, paths of the shipped seed fixtures, tiny saved models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dnndoctor.tf_runtime import quiet_environment

quiet_environment()

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


@pytest.fixture
def keras():
    from dnndoctor.tf_runtime import import_keras

    return import_keras()[1]


@pytest.fixture
def saved_regressor(tmp_path, keras):
    """A compiled two-layer regressor and its data, saved in tmp_path."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model_path = tmp_path / "model.keras"
    model.save(model_path)
    x = np.random.default_rng(0).normal(size=(64, 2))
    data_path = tmp_path / "data.npz"
    np.savez(data_path, x=x, y=x.sum(axis=1, keepdims=True))
    return model_path, data_path
