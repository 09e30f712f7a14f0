"""DoctorCallback on a real model.fit of the ex1_relu seed fixture.

With Keras' seed 0, the fixture's ReLU units die within the first epochs (as the document's
full 2000-epoch schedule does: see fixtures/ex1_relu.measured.json); with seed 1 it fits.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.tf
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EPOCHS = 60


@pytest.fixture(scope="module")
def keras():
    from dnndoctor.tf_runtime import import_keras

    return import_keras()[1]


@pytest.fixture(scope="module")
def data():
    arrays = np.load(FIXTURES / "linear.npz")
    return arrays["x"], arrays["y"]


def fit(keras, data, seed: int, **options):
    """Train a fresh copy of the fixture as measure.py does, with the callback; returns it and the epochs run."""
    from dnndoctor.keras import DoctorCallback

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved = keras.saving.load_model(FIXTURES / "ex1_relu.keras")
    keras.utils.set_random_seed(seed)
    model = keras.models.clone_model(saved)
    model.compile(optimizer=saved.optimizer.__class__.from_config(saved.optimizer.get_config()), loss=saved.loss)
    callback = DoctorCallback(*data, **options)
    history = model.fit(*data, epochs=EPOCHS, batch_size=32, verbose=0, callbacks=[callback])
    return callback, len(history.history["loss"])


def test_dead_units_appear_in_the_training_log(keras, data, capsys):
    callback, epochs = fit(keras, data, seed=0)
    assert epochs == EPOCHS  # stop_on is off by default
    log = capsys.readouterr().out
    assert "dnndoctor ERROR DD201 dead-relu-units" in log and log.startswith("Epoch ")
    epoch, finding = next((e, f) for e, f in callback.events if f.id == "DD201")
    assert epoch is not None and epoch < EPOCHS - 1  # found during training, not after it
    assert "dense_4" in finding.layers
    assert {"DD311", "DD401"} <= set(callback.diagnosis.skipped)  # they need counterfactual probes
    assert 0 < callback.overhead


def test_an_error_stops_training(keras, data):
    lines = []
    callback, epochs = fit(keras, data, seed=0, stop_on="error", log=lines.append)
    assert epochs < EPOCHS
    assert any("DD201" in line for line in lines) and "stops training" in lines[-1]


def test_a_healthy_training_is_left_alone(keras, data):
    lines = []
    callback, epochs = fit(keras, data, seed=1, stop_on="error", log=lines.append, select=["DD201", "DD301"])
    assert epochs == EPOCHS and lines == [] and callback.events == []
    measured = callback.measurements()
    assert measured.budget.steps == EPOCHS * 4 and len(measured.runs[0].losses) == EPOCHS * 4
    assert measured.runs[0].record_steps[0] == 0 and measured.runs[0].record_steps[-1] == EPOCHS * 4


@pytest.mark.parametrize("options, needle", [({"stop_on": "sometimes"}, "stop_on"),
                                             ({"record_every": 0}, "positive"),
                                             ({"select": ["DD999"]}, "DD999")])
def test_bad_options(keras, options, needle):
    from dnndoctor.keras import DoctorCallback

    with pytest.raises(ValueError, match=needle):
        DoctorCallback(np.zeros((4, 1)), np.zeros((4, 1)), **options)


def test_training_batch_accuracy_is_read_from_the_accuracy_metric_when_compiled(keras):
    # A BatchNorm classifier is judged by the higher of its probe-batch and training-batch accuracy
    # (runstats.final_accuracy); the callback sees the training batches only through Keras' logs.
    from dnndoctor.keras import DoctorCallback

    rng = np.random.default_rng(0)
    x = rng.standard_normal((320, 4)).astype(np.float32)  # 10 batches of 32: one epoch is the last HEAD_STEPS
    y = (x[:, 0] > 0).astype(np.int32)
    recorded = {}
    for metrics in ([], ["accuracy"]):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.BatchNormalization(),
                                  keras.layers.ReLU(), keras.layers.Dense(2, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=metrics)
        callback = DoctorCallback(x, y, record_every=8, log=lambda line: None)
        history = model.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=[callback])
        recorded[bool(metrics)] = (callback.run.train_accuracy, history.history)
    assert recorded[False][0] is None  # no accuracy in the logs: nothing is made up
    accuracy, history = recorded[True]
    # the last 10 batches are the last epoch, whose equal batches Keras logs as one mean
    assert accuracy == pytest.approx(history["accuracy"][-1], abs=1e-5)
