"""The combined edit that slow convergence proposes: standardized inputs at the range test's rate."""

from __future__ import annotations

import numpy as np
import pytest

from dnndoctor.probes.edits import Context, build_setup
from dnndoctor.tf_runtime import import_keras

NAME = "standardize_x_lr_suggested"


@pytest.fixture(scope="module")
def model():
    _, keras = import_keras()
    net = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    net.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return net


def sine(n: int = 50) -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).uniform(0, 10, size=(n, 1))
    return x, 5 * np.sin(x) + 2


def test_it_trains_the_unchanged_model_on_standardized_inputs_at_the_suggested_rate(model):
    x, y = sine()
    setup = build_setup(NAME, Context(model, x, y, suggested_lr=0.087))
    new_x, new_y = setup.data
    assert setup.model is None and setup.learning_rate == pytest.approx(0.087)
    assert np.allclose(new_x.mean(0), 0, atol=1e-5) and np.allclose(new_x.std(0), 1, atol=1e-5)
    assert new_y is y and not setup.changes_loss  # the targets, and so the yardstick, stay the user's
    assert "x.std(0)" in setup.variant.change and "0.087" in setup.variant.change


def test_it_does_not_apply_without_a_range_test_or_to_integer_inputs(model):
    x, y = sine()
    assert build_setup(NAME, Context(model, x, y)) is None
    assert build_setup(NAME, Context(model, x.astype(np.int64), y, suggested_lr=0.087)) is None

