"""Subclassed layers and models registered for serialization, as users write them.

Imported by the conformance builders (with TensorFlow): registration happens at import, and
Keras then finds these classes when it loads a saved model in the same process.
"""

from __future__ import annotations

import keras

PACKAGE = "dnndoctor_conformance"


@keras.saving.register_keras_serializable(package=PACKAGE)
class ScaledDense(keras.layers.Layer):
    """A dense layer with its own weights and a learned output scale."""

    def __init__(self, units: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape) -> None:
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros")
        self.scale = self.add_weight(shape=(), initializer="ones")

    def call(self, inputs):
        return keras.ops.relu(self.scale * (keras.ops.matmul(inputs, self.kernel) + self.bias))

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package=PACKAGE)
class TwoLayerNet(keras.Model):
    """A subclassed model: two dense layers in ``call``."""

    def __init__(self, hidden: int = 8, outputs: int = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hidden, self.outputs_count = hidden, outputs
        self.first = keras.layers.Dense(hidden, activation="relu")
        self.last = keras.layers.Dense(outputs)

    def call(self, inputs):
        return self.last(self.first(inputs))

    def get_config(self) -> dict:
        return {**super().get_config(), "hidden": self.hidden, "outputs": self.outputs_count}


@keras.saving.register_keras_serializable(package=PACKAGE)
class CustomStepNet(keras.Model):
    """A functional model whose ``train_step`` adds its own logic: the probes cannot follow it."""

    def train_step(self, data):
        return super().train_step(data)
