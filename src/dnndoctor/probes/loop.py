"""The instrumented training loop: Keras' own train step, many steps per compiled graph call.

One ``InstrumentedLoop`` owns a compiled model and its optimizer. Its graph is traced once and
then reused for every seed and learning rate: weights, optimizer state, batch order and the
learning rate are variables that ``run`` resets before each probe.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..measurements import LayerTrace, ProbeRun
from ..tf_runtime import import_keras

RELU_FAMILY = {"relu", "relu6", "threshold_relu"}
SIGMOID_FAMILY = {"sigmoid", "hard_sigmoid"}
TANH_FAMILY = {"tanh", "hard_tanh", "softsign"}
_LAYER_ACTIVATIONS = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "ELU": "elu", "Softmax": "softmax", "PReLU": "prelu"}


def activation_name(layer) -> str | None:
    """The activation a layer applies to its output, by Keras name (None: it applies none)."""
    kind = type(layer).__name__
    if kind in _LAYER_ACTIVATIONS:
        if kind == "ReLU" and (getattr(layer, "negative_slope", 0) or 0) > 0:
            return "leaky_relu"
        return _LAYER_ACTIVATIONS[kind]
    fn = getattr(layer, "activation", None)
    if fn is None or not callable(fn):
        return None
    return getattr(fn, "__name__", type(fn).__name__)


def batch_order(seed: int, rows: int, epochs: int) -> np.ndarray:
    """Sample indices for ``epochs`` epochs, reshuffled every epoch as model.fit does."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.permutation(rows) for _ in range(epochs)]).astype(np.int32)


@dataclass
class _Group:
    name: str
    indices: list[int]
    size: int


class InstrumentedLoop:
    """A compiled, instrumented copy of ``model.fit``'s inner loop for one model and dataset."""

    def __init__(self, model, x: np.ndarray, y: np.ndarray, *, batch_size: int, steps: int,
                 record_every: int, probe_rows: np.ndarray, jit: bool = True,
                 validation: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        tf, keras = import_keras()
        self.tf, self.keras = tf, keras
        self.model = model
        self.optimizer = model.optimizer
        self.rows = len(x)
        self.batch_size = min(batch_size, self.rows)
        self.steps_per_epoch = math.ceil(self.rows / self.batch_size)
        self.remainder = self.rows % self.batch_size
        self.record_every = record_every
        self.steps = math.ceil(steps / record_every) * record_every
        self.epochs = math.ceil(self.steps / self.steps_per_epoch)
        input_dtype = model.inputs[0].dtype if getattr(model, "inputs", None) else "float32"
        self._x_dtype = _float_or(input_dtype)
        self._y_dtype = np.float32 if y.dtype.kind == "f" else y.dtype
        self.probe_rows = probe_rows
        self.base_data = (x, y)
        self.x = tf.Variable(np.asarray(x, dtype=self._x_dtype), trainable=False)
        self.y = tf.Variable(np.asarray(y, dtype=self._y_dtype), trainable=False)
        self.probe_x = tf.Variable(np.asarray(x[probe_rows], dtype=self._x_dtype), trainable=False)
        self.probe_y = tf.Variable(np.asarray(y[probe_rows], dtype=self._y_dtype), trainable=False)
        self._data = (x, y)
        self.val = None
        if validation is not None:
            self.val = [tf.constant(np.asarray(validation[0], dtype=self._x_dtype)),
                        tf.constant(np.asarray(validation[1], dtype=self._y_dtype))]
        self.order = tf.Variable(batch_order(0, self.rows, self.epochs), trainable=False)
        self.tvars = list(model.trainable_variables)
        self.groups = self._group_variables()
        self.optimizer.build(self.tvars)
        self._optimizer_start = [v.numpy() for v in self.optimizer.variables]
        self.watched, self._activations = self._activation_model()
        self.jit = jit
        self._chunk = tf.function(self._chunk_graph, jit_compile=jit, autograph=False)
        self._stats = tf.function(self._stats_graph, jit_compile=jit, autograph=False)
        self._ramp = None

    # -- structure --------------------------------------------------------------------------

    def _group_variables(self) -> list[_Group]:
        position = {id(v): i for i, v in enumerate(self.tvars)}
        groups = []
        for layer in self.model.layers:
            indices = [position[id(v)] for v in layer.trainable_variables if id(v) in position]
            if indices:
                size = int(sum(np.prod(self.tvars[i].shape) for i in indices))
                groups.append(_Group(layer.name, indices, size))
        return groups

    def _activation_model(self):
        layers = [layer for layer in self.model.layers if activation_name(layer) is not None]
        if not layers or not getattr(self.model, "inputs", None):
            return [], None
        try:
            model = self.keras.Model(self.model.inputs, [layer.output for layer in layers])
        except Exception:  # subclassed or unbuilt models expose no symbolic outputs
            return [], None
        return [(layer.name, activation_name(layer)) for layer in layers], model

    # -- graphs -----------------------------------------------------------------------------

    def _batch(self, step):
        tf = self.tf
        epoch, within = step // self.steps_per_epoch, step % self.steps_per_epoch
        start = epoch * self.rows + within * self.batch_size

        def take(size):
            idx = tf.slice(self.order, [start], [size])
            return tf.gather(self.x, idx), tf.gather(self.y, idx)

        return take, within

    def _train_step(self, xb, yb):
        """Keras' TensorFlow ``train_step``, returning per-layer gradient and update norms."""
        tf, model = self.tf, self.model
        with tf.GradientTape() as tape:
            y_pred = model(xb, training=True) if model._call_has_training_arg else model(xb)
            loss = model._compute_loss(x=xb, y=yb, y_pred=y_pred, sample_weight=None, training=True)
            scaled = self.optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, self.tvars)
        grads = [tf.zeros_like(v) if g is None else g for g, v in zip(grads, self.tvars)]
        before = [tf.identity(v.value) for v in self.tvars]
        self.optimizer.apply_gradients(zip(grads, self.tvars))
        grad_sq = [tf.reduce_sum(tf.square(tf.cast(g, tf.float32))) for g in grads]
        upd_sq = [tf.reduce_sum(tf.square(tf.cast(v.value - b, tf.float32))) for v, b in zip(self.tvars, before)]
        weight_sq = [tf.reduce_sum(tf.square(tf.cast(b, tf.float32))) for b in before]
        grad_norms = tf.stack([tf.sqrt(tf.add_n([grad_sq[i] for i in g.indices])) for g in self.groups])
        ratios = tf.stack([
            tf.sqrt(tf.add_n([upd_sq[i] for i in g.indices]))
            / (tf.sqrt(tf.add_n([weight_sq[i] for i in g.indices])) + 1e-12)
            for g in self.groups
        ])
        return tf.cast(loss, tf.float32), grad_norms, ratios

    def _step(self, step):
        take, within = self._batch(step)
        if self.remainder == 0:
            return self._train_step(*take(self.batch_size))
        return self.tf.cond(
            within == self.steps_per_epoch - 1,
            lambda: self._train_step(*take(self.remainder)),
            lambda: self._train_step(*take(self.batch_size)),
        )

    def _chunk_graph(self, start):
        """``record_every`` training steps from step ``start``; chunk means of the layer norms."""
        tf, n, g = self.tf, self.record_every, len(self.groups)

        def body(i, losses, grad_sum, ratio_sum):
            loss, grad_norms, ratios = self._step(start + i)
            return i + 1, losses.write(i, loss), grad_sum + grad_norms, ratio_sum + ratios

        _, losses, grad_sum, ratio_sum = tf.while_loop(
            lambda i, *_: i < n,
            body,
            (tf.constant(0), tf.TensorArray(tf.float32, size=n), tf.zeros([g]), tf.zeros([g])),
        )
        return losses.stack(), grad_sum / n, ratio_sum / n, self._weight_norms()

    def _weight_norms(self):
        tf = self.tf
        return tf.stack([
            tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(tf.cast(self.tvars[i].value, tf.float32)))
                              for i in g.indices]))
            for g in self.groups
        ])

    def _eval_loss(self, x, y):
        """The loss in inference mode on fixed rows: a noise-free point of the curve."""
        model = self.model
        y_pred = model(x, training=False) if model._call_has_training_arg else model(x)
        loss = model._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=None, training=False)
        return self.tf.cast(loss, self.tf.float32)

    def _losses(self):
        """[probe-batch loss, its regularization part, validation loss (NaN without validation)]."""
        tf = self.tf
        loss = self._eval_loss(self.probe_x, self.probe_y)
        extra = [tf.cast(v, tf.float32) for v in self.model.losses]
        regular = tf.add_n(extra) if extra else tf.constant(0.0)
        val = self._eval_loss(*self.val) if self.val is not None else tf.constant(float("nan"))
        return tf.stack([loss, regular, val])

    def _stats_graph(self):
        """Probe-batch loss, weight norms and, per watched layer, [dead, saturated(sigmoid),
        saturated(tanh), mean, std] of its output."""
        tf = self.tf
        if self._activations is None:
            return tf.zeros([0, 5]), self._weight_norms(), self._losses()
        outputs = self._activations(self.probe_x, training=False)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        rows = []
        for out in outputs:
            a = tf.cast(out, tf.float32)
            a = tf.reshape(a, [-1, tf.shape(a)[-1]])
            dead = tf.reduce_mean(tf.cast(tf.reduce_all(a <= 0.0, axis=0), tf.float32))
            sat_sigmoid = tf.reduce_mean(tf.cast((a < 0.01) | (a > 0.99), tf.float32))
            sat_tanh = tf.reduce_mean(tf.cast(tf.abs(a) > 0.99, tf.float32))
            rows.append(tf.stack([dead, sat_sigmoid, sat_tanh, tf.reduce_mean(a), tf.math.reduce_std(a)]))
        return tf.stack(rows), self._weight_norms(), self._losses()

    # -- running ----------------------------------------------------------------------------

    def compile_graphs(self) -> str:
        """Trace and compile both graphs; fall back from XLA when it cannot compile the model."""
        try:
            self._stats()
            self._chunk(self.tf.constant(0))
            return "xla" if self.jit else "graph"
        except Exception:
            if not self.jit:
                raise
            self.jit = False
            self._chunk = self.tf.function(self._chunk_graph, jit_compile=False, autograph=False)
            self._stats = self.tf.function(self._stats_graph, jit_compile=False, autograph=False)
            self._stats()
            self._chunk(self.tf.constant(0))
            return "graph"

    def _measure_state(self):
        stats, weights, losses = self._stats()
        return (stats.numpy() if self._activations is not None else None), weights.numpy(), losses.numpy()

    def use_data(self, x: np.ndarray, y: np.ndarray) -> None:
        """Train on other arrays of the same shapes (a data edit) without recompiling."""
        if x is self._data[0] and y is self._data[1]:
            return
        self.x.assign(np.asarray(x, dtype=self._x_dtype))
        self.y.assign(np.asarray(y, dtype=self._y_dtype))
        self.probe_x.assign(np.asarray(x[self.probe_rows], dtype=self._x_dtype))
        self.probe_y.assign(np.asarray(y[self.probe_rows], dtype=self._y_dtype))
        self._data = (x, y)

    def _reset(self, weights: list[np.ndarray], seed: int, order: np.ndarray | None,
               learning_rate: float | None) -> None:
        for var, value in zip(self.model.weights, weights):
            var.assign(value)
        for var, value in zip(self.optimizer.variables, self._optimizer_start):
            var.assign(value)
        if learning_rate is not None:
            self.optimizer.learning_rate = learning_rate
        self.order.assign(batch_order(seed, self.rows, self.epochs) if order is None else order)

    def _ramp_graph(self, lrs):
        tf = self.tf
        n = tf.shape(lrs)[0]

        def body(i, losses):
            self.optimizer._learning_rate.assign(lrs[i])
            loss, _, _ = self._step(i)
            return i + 1, losses.write(i, loss)

        _, losses = tf.while_loop(lambda i, _: i < n, body, (tf.constant(0), tf.TensorArray(tf.float32, size=n)))
        return losses.stack()

    def learning_rate_is_variable(self) -> bool:
        return hasattr(getattr(self.optimizer, "_learning_rate", None), "assign")

    def range_test(self, *, seed: int, weights: list[np.ndarray], lrs: np.ndarray) -> list[float]:
        """Train one step at each learning rate of ``lrs`` in turn (an LR range test)."""
        if len(lrs) > self.steps:
            raise ValueError(f"a range test of {len(lrs)} steps exceeds the loop's {self.steps}")
        if self._ramp is None:
            self._ramp = self.tf.function(self._ramp_graph, jit_compile=self.jit, autograph=False)
        self.use_data(*self.base_data)
        self._reset(weights, seed, None, None)
        return [float(v) for v in self._ramp(self.tf.constant(lrs, self.tf.float32)).numpy()]

    def run(self, *, variant: str, seed: int, weights: list[np.ndarray], order: np.ndarray | None = None,
            learning_rate: float | None = None, data: tuple[np.ndarray, np.ndarray] | None = None,
            steps: int | None = None, stop: Callable[[], bool] | None = None) -> ProbeRun:
        """Reset to ``weights``, train in the seed's batch order (or ``order``) and measure;
        ``stop`` is asked after every chunk whether to end the run there."""
        tf = self.tf
        started = time.perf_counter()
        self.use_data(*(data or self.base_data))
        self._reset(weights, seed, order, learning_rate)
        traces = [LayerTrace(name=g.name) for g in self.groups]
        by_name = {t.name: t for t in traces}
        for name, act in self.watched:
            by_name.setdefault(name, LayerTrace(name=name))
            by_name[name].activation = act
        traces = list(by_name.values())
        losses: list[float] = []
        record_steps = [0]
        stats, weight_norms, eval_loss = self._measure_state()
        eval_losses = [float(eval_loss[0])]
        self._record(by_name, stats, weight_norms, None, None)
        for start in range(0, min(steps or self.steps, self.steps), self.record_every):
            chunk_losses, grad_means, ratio_means, _ = self._chunk(tf.constant(start))
            losses.extend(float(v) for v in chunk_losses.numpy())
            stats, weight_norms, eval_loss = self._measure_state()
            eval_losses.append(float(eval_loss[0]))
            record_steps.append(start + self.record_every)
            self._record(by_name, stats, weight_norms, grad_means.numpy(), ratio_means.numpy())
            if not math.isfinite(losses[-1]) or (stop is not None and stop()):
                break
        lr = _current_lr(self.optimizer)
        init = initial_weight_stats(self.model, self.groups, weights)
        for name, values in init.items():
            by_name[name].init = values
        return ProbeRun(variant=variant, seed=seed, losses=losses, eval_losses=eval_losses,
                        regularization_loss=_finite(eval_loss[1]), val_loss=_finite(eval_loss[2]),
                        record_steps=record_steps, layers=traces, learning_rate=lr, seconds=time.perf_counter() - started)

    def _record(self, by_name, stats, weight_norms, grad_means, ratio_means) -> None:
        for k, group in enumerate(self.groups):
            trace = by_name[group.name]
            trace.weight_norm.append(_finite(weight_norms[k]))
            if grad_means is None:
                trace.grad_norm.append(None)
                trace.grad_rms.append(None)
                trace.update_ratio.append(None)
            else:
                trace.grad_norm.append(_finite(grad_means[k]))
                trace.grad_rms.append(_finite(grad_means[k] / math.sqrt(group.size)))
                trace.update_ratio.append(_finite(ratio_means[k]))
        for j, (name, act) in enumerate(self.watched):
            trace = by_name[name]
            dead, sat_sigmoid, sat_tanh, mean, std = (None,) * 5 if stats is None else stats[j]
            trace.dead_fraction.append(_finite(dead) if act in RELU_FAMILY else None)
            saturated = sat_sigmoid if act in SIGMOID_FAMILY else sat_tanh if act in TANH_FAMILY else None
            trace.saturated_fraction.append(_finite(saturated))
            trace.act_mean.append(_finite(mean))
            trace.act_std.append(_finite(std))


def initial_weight_stats(model, groups: list[_Group], weights: list[np.ndarray]) -> dict[str, dict]:
    """Per layer, its kernel at initialization: RMS, the Glorot RMS for its shape, and symmetry."""
    position = {id(w): i for i, w in enumerate(model.weights)}
    tvars = model.trainable_variables
    stats = {}
    for group in groups:
        kernels = [weights[position[id(tvars[i])]] for i in group.indices
                   if id(tvars[i]) in position and len(tvars[i].shape) >= 2]
        if not kernels:
            continue
        kernel = kernels[0].reshape(-1, kernels[0].shape[-1])
        fan_in = int(np.prod(kernels[0].shape[:-1]))
        fan_out = int(kernels[0].shape[-1]) * int(np.prod(kernels[0].shape[:-2]) if kernels[0].ndim > 2 else 1)
        stats[group.name] = {
            "kernel_rms": float(np.sqrt(np.mean(np.square(kernel)))),
            "glorot_rms": float(np.sqrt(2.0 / (fan_in + fan_out))),
            "identical_units": bool(kernel.shape[1] > 1 and np.allclose(kernel, kernel[:, :1])),
        }
    return stats


def _finite(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _float_or(dtype) -> str:
    name = str(getattr(dtype, "name", dtype))
    return name if "float" in name else "float32"


def _current_lr(optimizer) -> float | None:
    try:
        return float(np.asarray(optimizer.learning_rate))
    except (TypeError, ValueError):
        return None
