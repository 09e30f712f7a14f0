"""Per-layer statistics of a live Keras model on a fixed probe batch, in one forward and backward pass.

The Keras callback records them on a schedule while ``model.fit`` trains: the probe-batch
loss, every trainable layer's gradient and weight norm, and every activation layer's dead
fraction, saturated fraction, mean and standard deviation, all in inference mode.
"""

from __future__ import annotations

import math

import numpy as np

from .measurements import LayerTrace
from .probes.loop import RELU_FAMILY, SIGMOID_FAMILY, TANH_FAMILY, activation_name
from .tf_runtime import import_keras


class LayerWatch:
    """Measures a model on ``(x, y)`` and appends what it saw to per-layer traces."""

    def __init__(self, model, x: np.ndarray, y: np.ndarray) -> None:
        tf, keras = import_keras()
        self.tf, self.model = tf, model
        dtype = model.inputs[0].dtype if getattr(model, "inputs", None) else "float32"
        self.x = tf.constant(np.asarray(x, dtype=dtype if "float" in str(dtype) else "float32"))
        self.y = tf.constant(y.astype(np.float32) if y.dtype.kind == "f" else y)
        self.variables = list(model.trainable_variables)
        position = {id(v): i for i, v in enumerate(self.variables)}
        self.groups = [(layer.name, [position[id(v)] for v in layer.trainable_variables if id(v) in position])
                       for layer in model.layers]
        self.groups = [(name, indices) for name, indices in self.groups if indices]
        self.sizes = [int(sum(np.prod(self.variables[i].shape) for i in indices)) for _, indices in self.groups]
        layers = [layer for layer in model.layers if activation_name(layer) is not None]
        self.watched = [(layer.name, activation_name(layer)) for layer in layers]
        self.probe = None  # the model's output and every watched layer's, from one forward pass
        try:
            if len(model.outputs) == 1:
                self.probe = keras.Model(model.inputs, [model.outputs[0], *(layer.output for layer in layers)])
        except (AttributeError, TypeError, ValueError):  # subclassed models expose no symbolic outputs
            pass
        if self.probe is None:
            self.watched = []
        self._measure = tf.function(self._graph, autograph=False)  # plain Python loops: tracing stays cheap

    def traces(self) -> list[LayerTrace]:
        """Empty traces for every layer this watch measures, in the model's layer order."""
        names = {name: None for name, _ in self.groups}
        names.update({name: act for name, act in self.watched})
        return [LayerTrace(name=name, activation=act) for name, act in names.items()]

    def _graph(self):
        tf, model = self.tf, self.model
        with tf.GradientTape() as tape:
            if self.probe is None:
                y_pred, outputs = model(self.x, training=False), []
            else:
                y_pred, *outputs = self.probe(self.x, training=False)
            loss = model.compute_loss(x=self.x, y=self.y, y_pred=y_pred, training=False)
        grads = tape.gradient(loss, self.variables)

        def norm(tensors):
            return tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(tf.cast(t, tf.float32))) for t in tensors]))

        grad_norms = tf.stack([norm([grads[i] if grads[i] is not None else tf.zeros_like(self.variables[i])
                                     for i in indices]) for _, indices in self.groups])
        weight_norms = tf.stack([norm([self.variables[i] for i in indices]) for _, indices in self.groups])
        if not outputs:
            return tf.cast(loss, tf.float32), grad_norms, weight_norms, tf.zeros([0, 5])
        rows = []
        for out in outputs:
            a = tf.cast(out, tf.float32)
            a = tf.reshape(a, [-1, tf.shape(a)[-1]])
            rows.append(tf.stack([
                tf.reduce_mean(tf.cast(tf.reduce_all(a <= 0.0, axis=0), tf.float32)),  # dead units
                tf.reduce_mean(tf.cast((a < 0.01) | (a > 0.99), tf.float32)),  # saturated sigmoid
                tf.reduce_mean(tf.cast(tf.abs(a) > 0.99, tf.float32)),  # saturated tanh
                tf.reduce_mean(a), tf.math.reduce_std(a)]))
        return tf.cast(loss, tf.float32), grad_norms, weight_norms, tf.stack(rows)

    def record(self, traces: list[LayerTrace]) -> float:
        """Measure once, append one value to every trace, and return the probe-batch loss."""
        loss, grad_norms, weight_norms, stats = (t.numpy() for t in self._measure())
        by_name = {t.name: t for t in traces}
        for (name, _), size, grad, weight in zip(self.groups, self.sizes, grad_norms, weight_norms):
            trace = by_name[name]
            trace.grad_norm.append(_finite(grad))
            trace.grad_rms.append(_finite(grad / math.sqrt(max(size, 1))))
            trace.weight_norm.append(_finite(weight))
            trace.update_ratio.append(None)  # needs the weights before and after one step: not measured
        for (name, act), (dead, sat_sigmoid, sat_tanh, mean, std) in zip(self.watched, stats):
            trace = by_name[name]
            trace.dead_fraction.append(_finite(dead) if act in RELU_FAMILY else None)
            saturated = sat_sigmoid if act in SIGMOID_FAMILY else sat_tanh if act in TANH_FAMILY else None
            trace.saturated_fraction.append(_finite(saturated))
            trace.act_mean.append(_finite(mean))
            trace.act_std.append(_finite(std))
        return float(loss)


def _finite(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
