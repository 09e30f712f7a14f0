"""A classifier's accuracy on the probe batch: what the rules read "already trains well" off.

It must agree with Keras' own accuracy metric for every form of hard labels model.fit takes, and
stay undefined where accuracy means nothing (regression, soft targets, several outputs).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dnndoctor.lossinfo import LossSpec
from dnndoctor.probes.accuracy import accuracy_graph, classifier_loss
from dnndoctor.probes.loop import InstrumentedLoop

pytestmark = pytest.mark.tf

RNG = np.random.default_rng(0)
ROWS = 64
LABELS = RNG.integers(0, 4, ROWS)
PROBABILITIES = RNG.dirichlet(np.ones(4), ROWS).astype(np.float32)
BINARY = RNG.integers(0, 2, ROWS)
SCORES = RNG.uniform(size=(ROWS, 1)).astype(np.float32)


def _accuracy(kind: str, y, y_pred, from_logits: bool = False) -> float:
    import tensorflow as tf

    value = accuracy_graph(tf, LossSpec("loss", kind, from_logits), tf.constant(y), tf.constant(y_pred))
    return float(value.numpy())


def _keras_accuracy(metric, y, y_pred) -> float:
    metric.update_state(y, y_pred)
    return float(metric.result())


@pytest.mark.parametrize("labels", [LABELS, LABELS[:, None]], ids=["1-D", "column"])
def test_integer_labels_agree_with_keras_sparse_categorical_accuracy(keras, labels):
    expected = _keras_accuracy(keras.metrics.SparseCategoricalAccuracy(), labels, PROBABILITIES)
    assert _accuracy("sparse_categorical", labels.astype(np.float32), PROBABILITIES) == pytest.approx(expected)


def test_one_hot_rows_agree_with_keras_categorical_accuracy(keras):
    one_hot = np.eye(4, dtype=np.float32)[LABELS]
    expected = _keras_accuracy(keras.metrics.CategoricalAccuracy(), one_hot, PROBABILITIES)
    assert _accuracy("categorical", one_hot, PROBABILITIES) == pytest.approx(expected)


@pytest.mark.parametrize("labels", [BINARY, BINARY[:, None]], ids=["1-D", "column"])
def test_binary_labels_agree_with_keras_binary_accuracy_on_probabilities_and_logits(keras, labels):
    expected = _keras_accuracy(keras.metrics.BinaryAccuracy(), BINARY[:, None].astype(np.float32), SCORES)
    assert _accuracy("binary", labels.astype(np.float32), SCORES) == pytest.approx(expected)
    logits = np.log(SCORES / (1 - SCORES))
    assert _accuracy("binary", labels.astype(np.float32), logits, from_logits=True) == pytest.approx(expected)


def test_soft_targets_have_no_accuracy():
    soft = RNG.dirichlet(np.ones(4), ROWS).astype(np.float32)
    assert math.isnan(_accuracy("categorical", soft, PROBABILITIES))
    assert math.isnan(_accuracy("binary", RNG.uniform(size=(ROWS, 1)).astype(np.float32), SCORES))
    assert math.isnan(_accuracy("sparse_categorical", LABELS.astype(np.float32) + 0.5, PROBABILITIES))


def test_only_single_output_cross_entropy_models_are_classifiers(keras):
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4)(inputs)
    single = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    single.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert classifier_loss(single).kind == "sparse_categorical"
    single.compile(optimizer="adam", loss="mse")
    assert classifier_loss(single) is None
    two = keras.Model(inputs, [keras.layers.Dense(1, activation="sigmoid")(hidden), keras.layers.Dense(1)(hidden)])
    two.compile(optimizer="adam", loss=["binary_crossentropy", "mse"])
    assert classifier_loss(two) is None


def test_a_probe_run_ends_with_the_accuracy_keras_evaluates(keras):
    keras.utils.set_random_seed(1)
    x = RNG.normal(size=(96, 2)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)  # 1-D binary labels, as model.fit takes them
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    start = [w.numpy() for w in model.weights]
    loop = InstrumentedLoop(model, x, y, batch_size=32, steps=30, record_every=10, probe_rows=np.arange(96),
                            jit=False)
    loop.compile_graphs()
    run = loop.run(variant="baseline", seed=0, weights=start)
    predicted = model.predict(x, verbose=0)[:, 0] > 0.5
    assert run.accuracy == pytest.approx(float(np.mean(predicted == (y > 0.5))))
    assert 0.5 < run.accuracy <= 1.0  # 30 Adam steps separate a linear boundary better than chance
    assert run.train_accuracy is None  # read for BatchNorm models only, so not paid for here


def test_a_batchnorm_models_training_accuracy_is_what_model_fit_logs(keras):
    """Full-batch steps, so that model.fit's shuffling leaves every step's batch the same: the mean
    training-mode accuracy of the probe's last 10 steps is that of model.fit's last 10 epochs."""
    keras.utils.set_random_seed(2)
    x = RNG.normal(size=(96, 2)).astype(np.float32)
    y = (x[:, 0] - x[:, 1] > 0.3).astype(np.float32)

    def build():
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8), keras.layers.BatchNormalization(),
                                  keras.layers.Activation("relu"), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["binary_accuracy"])
        return model

    model = build()
    start = [w.numpy() for w in model.weights]
    loop = InstrumentedLoop(model, x, y, batch_size=96, steps=30, record_every=10, probe_rows=np.arange(96),
                            jit=False)
    loop.compile_graphs()
    run = loop.run(variant="baseline", seed=0, weights=start)
    reference = build()
    reference.set_weights(start)
    history = reference.fit(x, y, batch_size=96, epochs=30, verbose=0).history
    assert run.train_accuracy == pytest.approx(float(np.mean(history["binary_accuracy"][-10:])), abs=1e-6)
