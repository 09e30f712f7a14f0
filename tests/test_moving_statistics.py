"""BatchNormalization on a real model: judged by its training loss, with the inference-mode gap reported.

With ``momentum=0`` the moving statistics are those of the last training batch, and 97 rows in
batches of 32 end every epoch on a batch of one row, whose variance is 0: in inference mode the
model then scores far worse than it trains (model.fit on this setup, seed 0: training loss 0.083,
model.evaluate 3.04). The probe's inference-mode loss is 11-93× its training loss in seeds 0-2,
far above DD404's ratio of 5.
"""

from __future__ import annotations

import numpy as np
import pytest

import dnndoctor
from dnndoctor.tf_runtime import import_keras

pytestmark = pytest.mark.tf


def _momentum_zero_model():
    _, keras = import_keras()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(32), keras.layers.BatchNormalization(momentum=0.0),
                              keras.layers.Activation("relu"), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def test_a_batchnorm_model_scoring_far_worse_in_inference_gets_the_gap_reported():
    x = np.random.default_rng(0).normal(size=(97, 8)).astype(np.float32)
    y = (x[:, :3].sum(axis=1) > 0).astype(np.float32)
    diagnosis = dnndoctor.diagnose(_momentum_zero_model(), x, y, steps=400, seeds=[0, 1, 2], counterfactuals=False,
                                   time_budget=600.0)
    found = {f.id: f for f in diagnosis.findings}
    assert "DD404" in found and found["DD404"].severity.label == "info"
    assert diagnosis.measurements.variant("baseline").moving_statistics
