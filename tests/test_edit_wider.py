"""The wider edit: 4× wider hidden layers, and on models where a layer's width is bound (a Reshape
to a fixed shape, a residual Add with a layer that is not widened) only the layers whose new
width the next kernel absorbs, so that capacity can still be probed."""

from __future__ import annotations

import numpy as np
import pytest

from dnndoctor.probes.edits import Context, build_setup

pytestmark = pytest.mark.tf


def _compiled(keras, inputs, outputs):
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    return model


def _widths(model) -> dict[str, int]:
    return {layer.name: layer.get_config()["units"] for layer in model.layers if "units" in layer.get_config()}


def _wider(model, features: int):
    return build_setup("wider", Context(model, np.zeros((4, features), np.float32), np.zeros((4, 1), np.float32)))


def test_a_plain_network_widens_every_hidden_layer_and_keeps_its_output(keras):
    L = keras.layers
    inputs = keras.Input((5,))
    first = L.Dense(8, activation="relu", name="first")(inputs)
    hidden = L.Dense(16, activation="relu", name="second")(L.Dropout(0.1)(first))
    model = _compiled(keras, inputs, L.Dense(1, name="out")(hidden))
    setup = _wider(model, 5)
    assert _widths(setup.model) == {"first": 32, "second": 64, "out": 1}
    assert setup.variant.change == "first: 8 → 32, second: 16 → 64"


def test_a_layer_feeding_a_fixed_reshape_keeps_its_width_and_the_others_widen(keras):
    # Reshape((4, 4)) needs exactly 16 values: widening "to_reshape" cannot be built, the rest can
    L = keras.layers
    inputs = keras.Input((6,))
    x = L.Reshape((4, 4))(L.Dense(16, activation="relu", name="to_reshape")(inputs))
    x = L.Dense(8, activation="relu", name="after")(L.Flatten()(L.Conv1D(4, 2, name="conv")(x)))
    model = _compiled(keras, inputs, L.Dense(1, name="out")(x))
    setup = _wider(model, 6)
    assert _widths(setup.model) == {"to_reshape": 16, "after": 32, "out": 1}
    assert setup.model.get_layer("conv").get_config()["filters"] == 32
    assert "to_reshape" not in setup.variant.change


def test_a_residual_add_with_the_inputs_widens_only_the_inner_layer(keras):
    # x + Dense(Dense(x)) with x the 8 input features: the outer Dense must stay at 8 to add to x
    L = keras.layers
    inputs = keras.Input((8,))
    branch = L.Dense(8, name="outer")(L.Dense(16, activation="relu", name="inner")(inputs))
    model = _compiled(keras, inputs, L.Dense(1, name="out")(L.Add()([inputs, branch])))
    setup = _wider(model, 8)
    assert _widths(setup.model) == {"inner": 64, "outer": 8, "out": 1}


def test_no_widenable_layer_means_the_edit_does_not_apply(keras):
    L = keras.layers
    inputs = keras.Input((8,))
    model = _compiled(keras, inputs, L.Dense(1, name="out")(L.Add()([inputs, L.Dense(8, name="only")(inputs)])))
    assert _wider(model, 8) is None
