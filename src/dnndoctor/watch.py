"""Per-layer statistics of a live Keras model on a fixed probe batch, in one forward and backward pass.

The Keras callback records them on a schedule while ``model.fit`` trains: the probe-batch
loss, every trainable layer's gradient and weight norm, and every watched layer's activation
statistics, and a classifier's accuracy, all in inference mode, from the measurement graph the probe
loop uses.
"""

from __future__ import annotations

import math


from .arrays import Arrays, fit_dtype, map_arrays
from .kerascompat import compute_loss
from .measurements import LayerTrace
from .probes.accuracy import accuracy_graph, classifier_loss
from .probes.graphstats import (activation_model, activation_name, activation_rows, channels_first, finite,
                                group_norms, record_activations, variable_groups, watched_layers)
from .tf_runtime import import_keras


class LayerWatch:
    """Measures a model on ``(x, y)`` and appends what it saw to per-layer traces."""

    def __init__(self, model, x: Arrays, y: Arrays) -> None:
        tf, keras = import_keras()
        self.tf, self.model = tf, model
        self.x = map_arrays(lambda a: tf.constant(fit_dtype(a)), x)
        self.y = map_arrays(lambda a: tf.constant(fit_dtype(a)), y)
        self.variables = list(model.trainable_variables)
        self.groups = variable_groups(model, self.variables)
        layers, self.activations = activation_model(keras, model, watched_layers(model))
        self.watched = [(layer.name, activation_name(layer)) for layer in layers]
        self.first_channel = [channels_first(layer) for layer in layers]
        self.classifier = classifier_loss(model)
        self._measure = tf.function(self._graph, autograph=False)  # plain Python loops: tracing stays cheap

    def traces(self) -> list[LayerTrace]:
        """Empty traces for every layer this watch measures, in the model's layer order."""
        names = {group.name: None for group in self.groups}
        names.update(dict(self.watched))
        return [LayerTrace(name=name, activation=act) for name, act in names.items()]

    def _graph(self):
        tf, model = self.tf, self.model
        with tf.GradientTape() as tape:
            y_pred = model(self.x, training=False)
            loss = compute_loss(model, self.x, self.y, y_pred, None, training=False)
        grads = tape.gradient(loss, self.variables)
        present = [tf.zeros_like(v) if g is None else g for g, v in zip(grads, self.variables)]
        outputs = []
        if self.activations is not None:
            outputs = self.activations(self.x, training=False)
            outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        return (tf.stack([tf.cast(loss, tf.float32), accuracy_graph(tf, self.classifier, self.y, y_pred)]),
                group_norms(tf, present, self.groups), group_norms(tf, self.variables, self.groups),
                activation_rows(tf, outputs, self.first_channel))

    def record(self, traces: list[LayerTrace]) -> tuple[float, float | None]:
        """Measure once, append one value to every trace, and return the probe-batch loss and accuracy
        (None where ``accuracy_graph`` defines none)."""
        (loss, accuracy), grad_norms, weight_norms, stats = (t.numpy() for t in self._measure())
        by_name = {t.name: t for t in traces}
        for group, grad, weight in zip(self.groups, grad_norms, weight_norms):
            trace = by_name[group.name]
            trace.grad_norm.append(finite(grad))
            trace.grad_rms.append(finite(grad / math.sqrt(max(group.size, 1))))
            trace.weight_norm.append(finite(weight))
            trace.update_ratio.append(None)  # needs the weights before and after one step: not measured
        record_activations(by_name, self.watched, stats if len(stats) else None)
        return float(loss), finite(accuracy)
