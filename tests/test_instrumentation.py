"""Instrumentation that understands layers: what is watched, dead units per channel, depth in the
layer graph, and models that scale their own inputs."""

from __future__ import annotations

import numpy as np
import pytest

from dnndoctor.probes.graphstats import activation_rows, watched_layers
from dnndoctor.probes.summary import layer_depths, scales_own_inputs, uses_moving_statistics
from dnndoctor.tf_runtime import import_keras

pytestmark = pytest.mark.tf


def test_dead_units_are_counted_per_channel_of_a_convolution():
    tf, _ = import_keras()
    maps = np.ones((2, 4, 4, 3), np.float32)
    maps[..., 0] = -1.0  # channel 0 never fires anywhere: dead
    maps[:, 0, 0, 1] = -1.0  # channel 1 is off at one position only: alive
    dead = activation_rows(tf, [tf.constant(maps)]).numpy()[0, 0]
    assert dead == pytest.approx(1 / 3)
    first = np.moveaxis(maps, -1, 1)  # the same maps, channels first
    assert activation_rows(tf, [tf.constant(first)], [True]).numpy()[0, 0] == pytest.approx(1 / 3)


def test_dropout_and_recurrent_layers_are_not_watched(keras):
    model = keras.Sequential([keras.Input(shape=(5, 3)), keras.layers.LSTM(4, return_sequences=True),
                              keras.layers.Dense(6, activation="relu"), keras.layers.Dropout(0.5),
                              keras.layers.SpatialDropout1D(0.5), keras.layers.Flatten(),
                              keras.layers.Dense(1, activation="sigmoid")])
    assert [layer.name for layer in watched_layers(model)] == [model.layers[1].name, model.layers[-1].name]


def test_depth_follows_the_shortest_path_of_a_residual_graph(keras):
    inputs = keras.Input(shape=(4,))
    stem = keras.layers.Dense(8, activation="relu", name="stem")(inputs)
    branch = keras.layers.Dense(8, activation="relu", name="inner")(stem)
    branch = keras.layers.Dense(8, name="outer")(branch)
    merged = keras.layers.Add(name="add")([stem, branch])
    outputs = keras.layers.Dense(1, name="head")(keras.layers.Activation("relu", name="act")(merged))
    depths = layer_depths(keras.Model(inputs, outputs))
    assert depths["head"] == 0 and depths["act"] == 1 and depths["add"] == 1
    assert depths["outer"] == 1 and depths["inner"] == 2
    assert depths["stem"] == 1  # the skip: one weighted layer (head) away, not three


def test_models_that_scale_their_own_inputs_are_recognized(keras):
    def model(*layers, dtype="float32"):
        return keras.Sequential([keras.Input(shape=(4,), dtype=dtype), *layers, keras.layers.Dense(1)])

    norm = keras.layers.Normalization()
    norm.adapt(np.random.default_rng(0).normal(5.0, 3.0, size=(32, 4)))
    assert scales_own_inputs(model(norm))
    assert scales_own_inputs(model(keras.layers.Rescaling(1 / 255)))
    assert scales_own_inputs(model(keras.layers.BatchNormalization()))
    assert scales_own_inputs(keras.Sequential([keras.Input(shape=(6,), dtype="int32"), keras.layers.Embedding(9, 2),
                                               keras.layers.Flatten(), keras.layers.Dense(1)]))
    assert not scales_own_inputs(model(keras.layers.Dense(3), keras.layers.BatchNormalization()))


def test_digit_pixels_in_0_1_are_not_called_unscaled(keras):
    sklearn = pytest.importorskip("sklearn.datasets")
    from dnndoctor.api import diagnose

    digits = sklearn.load_digits()
    x, y = (digits.data / 16.0).astype("float32"), digits.target
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(64,))
    hidden = keras.layers.Dense(32, activation="relu")(inputs)
    hidden = keras.layers.Add()([hidden, keras.layers.Dense(32, activation="relu")(hidden)])
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(hidden))
    model.compile(optimizer=keras.optimizers.SGD(1e-4), loss="sparse_categorical_crossentropy")  # slow: impaired
    diagnosis = diagnose(model, x, y, steps=40, seeds=[0], counterfactuals=False)
    assert diagnosis.measurements.profile.x_std_max / diagnosis.measurements.profile.x_std_min > 100
    assert "unscaled-inputs" not in {f.category for f in diagnosis.findings}


def test_moving_statistics_are_found_in_trainable_batchnorm_layers_nested_or_not():
    _, keras = import_keras()
    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4), keras.layers.BatchNormalization()])
    inputs = keras.Input((4,))
    nested = keras.Model(inputs, keras.layers.Dense(1)(inner(inputs)))
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    frozen = keras.Sequential([keras.Input((4,)), keras.layers.BatchNormalization(trainable=False),
                               keras.layers.Dense(1)])  # a frozen BatchNorm runs in inference mode in training too
    assert uses_moving_statistics(nested) and not uses_moving_statistics(plain)
    assert not uses_moving_statistics(frozen)
