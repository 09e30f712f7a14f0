"""Healthy models that the rules were never tuned on: architectures of Keras' own code examples
(keras-team/keras-io) and ordinary setups, on bundled or generated data. ``fitcheck`` confirms
with model.fit that each trains well (benchmarks/controls/fitted.json)."""

from .cases import CONTROLS

__all__ = ["CONTROLS"]
