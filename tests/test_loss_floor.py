"""The loss floor: the lowest loss any prediction reaches, against which losses are judged.

Cross-entropy is minimal when the prediction equals the target distribution, and that minimum is
the targets' entropy. Hard labels give 0; soft or label-smoothed targets give more, and a model
that reaches it has fit its data.
"""

from __future__ import annotations

import numpy as np
import pytest

from dnndoctor.lossinfo import floor_loss
from dnndoctor.tf_runtime import import_keras

pytestmark = pytest.mark.tf

ONE_HOT = np.eye(10, dtype=np.float32)[np.random.default_rng(0).integers(0, 10, 200)]
SOFT = np.random.default_rng(1).uniform(0.05, 0.95, (200, 4)).astype(np.float32)


def _compiled(loss, units: int, activation: str | None):
    _, keras = import_keras()
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(units, activation=activation)(inputs))
    model.compile(optimizer="adam", loss=loss)
    return model


def _entropy(p: np.ndarray) -> float:
    return float(-(p * np.log(p)).sum(axis=-1).mean())


def _binary_entropy(p: np.ndarray) -> float:
    return float(-(p * np.log(p) + (1 - p) * np.log(1 - p)).mean())


@pytest.mark.parametrize("from_logits", [False, True])
def test_label_smoothing_sets_the_floor_at_the_smoothed_targets_entropy(from_logits):
    _, keras = import_keras()
    loss = keras.losses.CategoricalCrossentropy(label_smoothing=0.1, from_logits=from_logits)
    model = _compiled(loss, 10, None if from_logits else "softmax")
    smoothed = np.array([0.91] + [0.01] * 9)
    assert floor_loss(model, ONE_HOT) == pytest.approx(_entropy(smoothed), rel=1e-3)  # 0.50 nats


def test_soft_binary_targets_set_the_floor_at_their_entropy():
    model = _compiled("binary_crossentropy", 4, "sigmoid")
    assert floor_loss(model, SOFT) == pytest.approx(_binary_entropy(SOFT.astype(np.float64)), rel=1e-3)


def test_binary_label_smoothing_on_1d_labels():
    _, keras = import_keras()
    model = _compiled(keras.losses.BinaryCrossentropy(label_smoothing=0.2), 1, "sigmoid")
    labels = (SOFT[:, 0] > 0.5).astype(np.float32)  # 1-D, as users pass binary labels
    assert floor_loss(model, labels) == pytest.approx(_binary_entropy(np.array([0.9])), rel=1e-3)


@pytest.mark.parametrize("loss, units, activation, y", [
    ("categorical_crossentropy", 10, "softmax", ONE_HOT),  # hard labels: a perfect prediction scores 0
    ("sparse_categorical_crossentropy", 10, "softmax", ONE_HOT.argmax(axis=1)),
    ("mse", 4, None, SOFT),  # regression: predicting the targets scores 0
    ("binary_focal_crossentropy", 4, "sigmoid", SOFT),  # its minimum is not at the targets: not assumed
    # one target that is not a probability: no prediction is best, whatever the other targets are
    ("binary_crossentropy", 4, "sigmoid", np.where(np.arange(SOFT.size).reshape(SOFT.shape) == 0, 2.0, SOFT)),
])
def test_no_floor_where_a_perfect_prediction_scores_zero_or_the_minimum_is_unknown(loss, units, activation, y):
    assert floor_loss(_compiled(loss, units, activation), y) == 0.0


def test_the_floor_follows_sample_weights():
    # Keras sums weighted losses over the batch and divides by its size, as model.fit does: one row of
    # weight 1 among 200 contributes its entropy / 200
    model = _compiled("binary_crossentropy", 4, "sigmoid")
    weights = np.zeros(len(SOFT), np.float32)
    weights[0] = 1.0
    expected = _binary_entropy(SOFT[:1].astype(np.float64)) / len(SOFT)
    assert floor_loss(model, SOFT, weights) == pytest.approx(expected, rel=1e-3)
