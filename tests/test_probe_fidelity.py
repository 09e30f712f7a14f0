"""The probe trains exactly as model.fit does: same per-epoch loss, same final weights."""

from __future__ import annotations

import numpy as np
import pytest

from dnndoctor.probes.loop import InstrumentedLoop, batch_order
from dnndoctor.probes.edits import fresh_optimizer
from dnndoctor.tf_runtime import import_keras

pytestmark = pytest.mark.tf


def _model(keras, optimizer):
    keras.utils.set_random_seed(7)
    model = keras.Sequential([
        keras.Input(shape=(3,)),
        keras.layers.Dense(8, activation="relu", kernel_regularizer=keras.regularizers.L2(1e-2)),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=optimizer, loss="mse")
    return model


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_probe_matches_model_fit_epoch_by_epoch(optimizer):
    _, keras = import_keras()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3))  # 100 rows: three batches of 32 and one of 4 per epoch
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    epochs, batch = 5, 32
    reference = _model(keras, keras.optimizers.get({"class_name": optimizer, "config": {"learning_rate": 0.05}}))
    start = [w.numpy() for w in reference.weights]

    probe_model = keras.models.clone_model(reference)
    probe_model.compile(optimizer=fresh_optimizer(reference.optimizer), loss="mse")
    loop = InstrumentedLoop(probe_model, x, y, batch_size=batch, steps=epochs * 4, record_every=4,
                            probe_rows=np.arange(100), jit=False)
    loop.compile_graphs()
    order = batch_order(3, len(x), loop.epochs)
    run = loop.run(variant="baseline", seed=3, weights=start, order=order)

    fit_losses = []
    for epoch in range(epochs):
        idx = order[epoch * len(x):(epoch + 1) * len(x)]
        history = reference.fit(x[idx], y[idx], batch_size=batch, epochs=1, shuffle=False, verbose=0)
        fit_losses.append(history.history["loss"][0])

    sizes = np.array([32, 32, 32, 4] * epochs, dtype=float)
    steps = np.asarray(run.losses).reshape(epochs, 4)
    probe_losses = (steps * sizes.reshape(epochs, 4)).sum(axis=1) / 100
    np.testing.assert_allclose(probe_losses, fit_losses, rtol=1e-4)
    for got, want in zip(probe_model.weights, reference.weights):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-6)
