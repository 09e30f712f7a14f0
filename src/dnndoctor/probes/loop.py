"""The instrumented training loop: Keras' own train step, many steps per compiled graph call.

One ``InstrumentedLoop`` owns a compiled model and its optimizer. Its graph is traced once and
then reused for every seed and learning rate: weights, optimizer state, batch order and the
learning rate are variables that ``run`` resets before each probe. Inputs, targets and sample
weights are arrays or dicts of arrays (several inputs or outputs), gathered batch by batch
inside the graph, and fed with the dtypes ``model.fit`` gives them.

Most steps are Keras' plain train step. Per-layer gradient and update norms are measured at
``SAMPLED_STEPS`` steps spread over each chunk of ``record_every`` steps (the last step of the
chunk among them, or where a chunk is whole epochs, the last full-batch step of its last epoch),
and the chunk's activation statistics, weight norms and losses at its end.
A whole run, records included, is one graph call; a run the planner may stop part-way goes in
a few calls, each of about ``SEGMENT_SECONDS``.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Callable

import numpy as np

from ..arrays import Arrays, fit_dtype, map_arrays, row_count, take_rows
from ..kerascompat import compute_loss
from ..measurements import LayerTrace, ProbeRun
from ..runstats import tail_mean
from ..tf_runtime import import_keras
from .accuracy import accuracy_graph, classifier_loss
from .graphstats import (ACTIVATION_STATS, VariableGroup, activation_model, activation_name, activation_rows,
                         channels_first, finite, group_norms, record_activations, variable_groups,
                         watched_layers)
from .summary import uses_moving_statistics


SAMPLED_STEPS = 4  # steps per chunk at which the layer norms are measured
UNROLLED_STEPS = 4  # at most this many consecutive plain steps are traced one by one, not as a loop
SEGMENT_SECONDS = 0.5  # how long a run trains between two questions whether to stop it


def batch_order(seed: int, rows: int, epochs: int) -> np.ndarray:
    """Sample indices for ``epochs`` epochs, reshuffled every epoch as model.fit does."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.permutation(rows) for _ in range(epochs)]).astype(np.int32)


class InstrumentedLoop:
    """A compiled, instrumented copy of ``model.fit``'s inner loop for one model and dataset."""

    def __init__(self, model, x: Arrays, y: Arrays, *, batch_size: int, steps: int,
                 record_every: int, probe_rows: np.ndarray, jit: bool = True,
                 validation: tuple[Arrays, Arrays] | None = None, sample_weight: np.ndarray | None = None) -> None:
        tf, keras = import_keras()
        self.tf, self.keras = tf, keras
        self.model = model
        self.optimizer = model.optimizer
        self.rows = row_count(x)
        self.batch_size = min(batch_size, self.rows)
        self.steps_per_epoch = math.ceil(self.rows / self.batch_size)
        self.remainder = self.rows % self.batch_size
        self.record_every = record_every
        self.samples = min(SAMPLED_STEPS, record_every)
        self.steps = math.ceil(steps / record_every) * record_every
        self.epochs = math.ceil(self.steps / self.steps_per_epoch)
        self.epochs_per_chunk = self._whole_epochs_per_chunk()
        self.probe_rows = probe_rows
        self.base_data = (x, y)
        self._data = (x, y)
        self.x, self.y = self._variables(x), self._variables(y)
        self.probe_x = self._variables(take_rows(x, probe_rows))
        self.probe_y = self._variables(take_rows(y, probe_rows))
        self.row_weights = None if sample_weight is None else self._variables(sample_weight)
        self.probe_row_weights = None if sample_weight is None else tf.constant(fit_dtype(sample_weight[probe_rows]))
        self.val = None
        if validation is not None:
            self.val = tuple(map_arrays(lambda a: tf.constant(fit_dtype(a)), part) for part in validation)
        self.order = tf.Variable(batch_order(0, self.rows, self.epochs), trainable=False)
        self.tvars = list(model.trainable_variables)
        self.groups: list[VariableGroup] = variable_groups(model, self.tvars)
        self.optimizer.build(self.tvars)
        self._optimizer_config = self.optimizer.get_config()  # as compiled: runs may change its learning rate
        layers, self._activations = activation_model(keras, model, watched_layers(model))
        self.watched = [(layer.name, activation_name(layer)) for layer in layers]
        self._first_channel = [channels_first(layer) for layer in layers]
        self._starts: dict[bytes, tuple[list, dict[str, dict]]] = {}  # by weights_digest: values as tensors
        self._orders: dict[int, object] = {}  # batch order by seed, a tensor
        self._classifier = classifier_loss(model)
        self._batch_classifier = self._classifier if uses_moving_statistics(model) else None
        self._compile(jit)
        self._ramp = None
        self._chunk_seconds: float | None = None  # the last call's seconds per chunk

    def _whole_epochs_per_chunk(self) -> int | None:
        """Epochs per chunk where every chunk is whole epochs with a short last batch, and at least one
        epoch per sampled step; then no step needs a branch on its batch size (None otherwise)."""
        epochs, leftover = divmod(self.record_every, self.steps_per_epoch)
        if self.remainder == 0 or leftover or epochs < self.samples:
            return None
        return epochs

    def _compile(self, jit: bool) -> None:
        self.jit = jit
        # traced once each (per batch size), compiled inside the graph that calls them at several places
        self._step = self.tf.function(self._step_graph, autograph=False)
        self._sized_step = self.tf.function(self._sized_step_graph, autograph=False)
        self._apply = self.tf.function(self._apply_graph, autograph=False)
        self._state = self.tf.function(self._stats_graph, autograph=False)
        self._train = self.tf.function(self._train_graph, jit_compile=jit, autograph=False)
        self._assign_all = self.tf.function(self._assign_graph, autograph=False)

    def _variables(self, data: Arrays):
        """Non-trainable variables holding ``data`` as model.fit feeds it, in the same structure."""
        return map_arrays(lambda a: self.tf.Variable(fit_dtype(a), trainable=False), data)

    # -- graphs -----------------------------------------------------------------------------

    def _take(self, first_row, size: int):
        """Inputs, targets and sample weights of the ``size`` rows of the batch order from ``first_row``."""
        tf = self.tf
        idx = tf.slice(self.order, [first_row], [size])
        gather = lambda v: tf.gather(v, idx)  # noqa: E731
        weights = None if self.row_weights is None else gather(self.row_weights)
        return tf.nest.map_structure(gather, self.x), tf.nest.map_structure(gather, self.y), weights

    def _gradients(self, xb, yb, weights):
        """The first half of Keras' TensorFlow ``train_step``: [the loss, the batch's accuracy in training
        mode], and the gradients (zeros where a variable has none; ``_has_gradient`` tells which). The
        accuracy is NaN where ``accuracy_graph`` defines none, and unmeasured (NaN, no ops) without moving
        statistics, where no rule reads it."""
        tf, model = self.tf, self.model
        with tf.GradientTape() as tape:
            y_pred = model(xb, training=True)
            loss = compute_loss(model, xb, yb, y_pred, weights, training=True)
            scaled = self.optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, self.tvars)
        self._has_gradient = [g is not None for g in grads]
        scores = tf.stack([tf.cast(loss, tf.float32), accuracy_graph(tf, self._batch_classifier, yb, y_pred)])
        return scores, [tf.zeros_like(v) if g is None else g for g, v in zip(grads, self.tvars)]

    def _apply_graph(self, grads):
        """The second half of ``train_step``: the optimizer's update (None gradients skipped, as in model.fit).
        It does not depend on the batch size, so the step's two batch sizes share one trace of it."""
        self.optimizer.apply_gradients(
            zip([g if has else None for g, has in zip(grads, self._has_gradient)], self.tvars))

    def _step_graph(self, step):
        """One training step on the batch of ``step``: [loss, accuracy] and the gradients. The short last
        batch of an epoch has its forward and backward pass in its own branch, so that every batch has a
        static shape (as XLA needs, and a slice of a size known only at run time slows a step by a
        quarter on small models and recurrent layers); the optimizer's update follows the branch."""
        within = step % self.steps_per_epoch
        first_row = step // self.steps_per_epoch * self.rows + within * self.batch_size
        if self.remainder == 0:
            return self._sized_step_graph(first_row, self.batch_size)
        scores, grads = self.tf.cond(  # traced inline: a call in a branch costs more
            within == self.steps_per_epoch - 1,
            lambda: self._gradients(*self._take(first_row, self.remainder)),
            lambda: self._gradients(*self._take(first_row, self.batch_size)))
        self._apply(grads)
        return scores, grads

    def _sized_step_graph(self, first_row, size: int):
        """One training step on the ``size`` rows of the batch order from ``first_row``."""
        scores, grads = self._gradients(*self._take(first_row, size))
        self._apply(grads)
        return scores, grads

    def _measured(self, train, when=None):
        """``train()``'s scores (loss, accuracy), and its step's per-layer gradient norms and update ratios (zeros
        unless ``when``, a boolean tensor, is true; the norms are then in a branch)."""
        tf = self.tf
        before = [tf.identity(v.value) for v in self.tvars]
        loss, grads = train()

        def norms():
            updates = group_norms(tf, [v.value - b for v, b in zip(self.tvars, before)], self.groups)
            return group_norms(tf, grads, self.groups), updates / (group_norms(tf, before, self.groups) + 1e-12)

        if when is None:
            return (loss, *norms())
        zeros = tf.zeros([len(self.groups)])
        return (loss, *tf.cond(when, norms, lambda: (zeros, zeros)))

    def _chunk_graph(self, start):
        """``record_every`` training steps from step ``start``: the scores of every step (loss, accuracy),
        and the mean layer norms."""
        if self.epochs_per_chunk is not None:
            return self._epochs_chunk_graph(start)
        return self._blocks_chunk_graph(start)

    def _blocks_chunk_graph(self, start):
        """The chunk of ``_chunk_graph`` where its steps are not whole epochs (or no batch is short).

        The steps are ``samples`` blocks of plain steps, each ended by one step whose gradient and
        update norms are measured; the layer norms returned are the means over those steps. The
        step is one traced function, called at both places; only the measured steps reduce its gradients.
        """
        tf, n, samples, g = self.tf, self.record_every, self.samples, len(self.groups)
        stride = n // samples
        lead = n - stride * samples  # plain steps the first block has in excess

        def plain(i, losses):
            return i + 1, losses.write(i, self._step(start + i)[0])

        def block(j, i, losses, grad_sum, ratio_sum):
            sample_at = lead + (j + 1) * stride - 1
            i, losses = tf.while_loop(lambda i, _: i < sample_at, plain, (i, losses))
            loss, grad_norms, ratios = self._measured(lambda: self._step(start + i))
            return j + 1, i + 1, losses.write(i, loss), grad_sum + grad_norms, ratio_sum + ratios

        _, _, losses, grad_sum, ratio_sum = tf.while_loop(
            lambda j, *_: j < samples,
            block,
            (tf.constant(0), tf.constant(0), tf.TensorArray(tf.float32, size=n, element_shape=[2]), tf.zeros([g]),
             tf.zeros([g])),
        )
        return losses.stack(), grad_sum / samples, ratio_sum / samples

    def _epochs_chunk_graph(self, start):
        """A chunk of whole epochs, each batch traced with its static size: no branch at any step.

        The epochs go in ``samples`` blocks, as evenly as whole epochs allow; the last epoch of each
        block has its last full-batch step measured (only the norms are in a branch). Runs of plain
        full-batch steps of at most ``UNROLLED_STEPS`` are traced one by one, longer ones as a loop.
        """
        tf, samples, g, per_epoch = self.tf, self.samples, len(self.groups), self.steps_per_epoch
        full, short, epochs = self.batch_size, self.remainder, self.epochs_per_chunk
        measured_epochs = {(j + 1) * epochs // samples - 1 for j in range(samples)}
        measured = tf.constant([e in measured_epochs for e in range(epochs)])
        first_epoch = start // per_epoch

        def full_steps(first_row, count):
            """The scores of ``count`` full-batch steps from ``first_row``, one row per step."""
            if count <= UNROLLED_STEPS:
                losses = [self._sized_step(first_row + k * full, full)[0] for k in range(count)]
                return tf.stack(losses) if losses else tf.zeros([0, 2])
            _, losses = tf.while_loop(
                lambda k, _: k < count,
                lambda k, losses: (k + 1, losses.write(k, self._sized_step(first_row + k * full, full)[0])),
                (tf.constant(0), tf.TensorArray(tf.float32, size=count, element_shape=[2])))
            return losses.stack()

        def epoch(e, losses, grad_sum, ratio_sum):
            first_row = (first_epoch + e) * self.rows
            head = full_steps(first_row, per_epoch - 2)
            last_full = first_row + (per_epoch - 2) * full
            loss, grad_norms, ratios = self._measured(lambda: self._sized_step(last_full, full),
                                                      measured[e])
            tail = self._sized_step(last_full + full, short)[0]
            losses = losses.write(e, tf.concat([head, tf.stack([loss, tail])], 0))
            return e + 1, losses, grad_sum + grad_norms, ratio_sum + ratios

        _, losses, grad_sum, ratio_sum = tf.while_loop(
            lambda e, *_: e < epochs,
            epoch,
            (tf.constant(0), tf.TensorArray(tf.float32, size=epochs), tf.zeros([g]), tf.zeros([g])),
        )
        return tf.reshape(losses.stack(), [-1, 2]), grad_sum / samples, ratio_sum / samples

    def _train_graph(self, first, count):
        """Chunks ``first`` to ``first + count - 1`` in one graph call, ending early after a chunk whose
        last loss is not finite; the state records of ``_stats_graph`` before the first chunk and after
        each one. Returns (chunks trained, records before, then per chunk stacked: the scores of every step
        (loss, accuracy), gradient norms, update ratios, activation statistics, weight norms, losses of
        ``_losses``)."""
        tf, size = self.tf, self.steps // self.record_every
        records = [tf.TensorArray(tf.float32, size=size) for _ in range(6)]

        def body(c, running, records):
            chunk = (*self._chunk_graph(c * self.record_every), *self._state())
            records = [r.write(c - first, value) for r, value in zip(records, chunk)]
            return c + 1, tf.reduce_all(tf.math.is_finite(chunk[0][-1:, 0])), records

        before = self._state()
        c, _, records = tf.while_loop(lambda c, running, _: tf.logical_and(running, c < first + count), body,
                                      (first, tf.constant(True), records))
        return (c - first, *before, *(r.stack() for r in records))

    def _weight_norms(self):
        return group_norms(self.tf, [v.value for v in self.tvars], self.groups)

    def _eval_loss(self, x, y, weights=None, y_pred=None):
        """The loss in inference mode on fixed rows: a noise-free point of the curve."""
        y_pred = self.model(x, training=False) if y_pred is None else y_pred
        return self.tf.cast(compute_loss(self.model, x, y, y_pred, weights, training=False), self.tf.float32)

    def _losses(self):
        """[probe-batch loss, its regularization part, validation loss (NaN without validation),
        probe-batch accuracy (NaN where ``accuracy_graph`` defines none)]."""
        tf = self.tf
        y_pred = self.model(self.probe_x, training=False)
        loss = self._eval_loss(self.probe_x, self.probe_y, self.probe_row_weights, y_pred)
        extra = [tf.cast(tf.reduce_sum(v), tf.float32) for v in self.model.losses]
        regular = tf.add_n(extra) if extra else tf.constant(0.0)
        val = self._eval_loss(*self.val) if self.val is not None else tf.constant(float("nan"))
        return tf.stack([loss, regular, val, accuracy_graph(tf, self._classifier, self.probe_y, y_pred)])

    def _stats_graph(self):
        """Weight norms, the losses of ``_losses`` and, per watched layer, the ACTIVATION_STATS of its output."""
        tf = self.tf
        if self._activations is None:
            return tf.zeros([0, len(ACTIVATION_STATS)]), self._weight_norms(), self._losses()
        outputs = self._activations(self.probe_x, training=False)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        return activation_rows(tf, outputs, self._first_channel), self._weight_norms(), self._losses()

    # -- running ----------------------------------------------------------------------------

    def compile_graphs(self) -> str:
        """Trace and compile the training graph; fall back from XLA when it cannot compile the model."""
        try:
            self._train_once()
            return "xla" if self.jit else "graph"
        except Exception:
            if not self.jit:
                raise
            self._compile(False)
            self._train_once()
            return "graph"

    def _train_once(self):
        """Trace the training graph with a call that trains no step."""
        return self._train(self.tf.constant(0), self.tf.constant(0))

    def use_data(self, x: Arrays, y: Arrays) -> None:
        """Train on other arrays of the same shapes (a data edit) without recompiling."""
        if x is self._data[0] and y is self._data[1]:
            return
        for variables, arrays in ((self.x, x), (self.y, y), (self.probe_x, take_rows(x, self.probe_rows)),
                                  (self.probe_y, take_rows(y, self.probe_rows))):
            self.tf.nest.map_structure(lambda v, a: v.assign(fit_dtype(a)), variables, arrays)
        self._data = (x, y)

    def _reset(self, weights: list[np.ndarray], seed: int, order: np.ndarray | None,
               learning_rate: float | None) -> dict[str, dict]:
        """Weights, every optimizer variable (iterations, moments, EMA, accumulators) and the batch order
        as at the start of a fresh model.fit; returns the initial weight statistics of ``weights``."""
        tf = self.tf
        key = weights_digest(weights)
        if key not in self._starts:
            for var, value in zip(self.model.weights, weights):  # a fresh optimizer may copy the weights
                var.assign(value)
            start = [tf.constant(value) for value in [*weights, *self._fresh_optimizer_state()]]
            self._starts[key] = (start, initial_weight_stats(self.model, self.groups, weights))
        start, init_stats = self._starts[key]
        if order is None:
            if seed not in self._orders:
                self._orders[seed] = tf.constant(batch_order(seed, self.rows, self.epochs))
            order = self._orders[seed]
        self._assign_all([*start, tf.convert_to_tensor(order)])
        if learning_rate is not None:
            self.optimizer.learning_rate = learning_rate
        return init_stats

    def _assign_graph(self, values):
        """Assign ``values`` to the weights, the optimizer variables and the batch order, in one graph call."""
        for var, value in zip([*self.model.weights, *self.optimizer.variables, self.order], values):
            var.assign(self.tf.cast(value, var.dtype))

    def _fresh_optimizer_state(self) -> list[np.ndarray]:
        """The optimizer variables as a new optimizer builds them on the current weights, as at the
        first step of model.fit (some, e.g. ScheduleFreeAdamW's, start as copies of the weights)."""
        fresh = self.optimizer.__class__.from_config(self._optimizer_config)
        fresh.build(self.tvars)
        values = [v.numpy() for v in fresh.variables]
        if [v.shape for v in values] != [tuple(v.shape) for v in self.optimizer.variables]:
            raise ValueError(f"a fresh {type(self.optimizer).__name__} builds other variables than the compiled one")
        return values

    def _ramp_graph(self, lrs):
        tf = self.tf
        n = tf.shape(lrs)[0]

        def body(i, losses):
            self.optimizer.learning_rate.assign(lrs[i])
            return i + 1, losses.write(i, self._step(i)[0][0])

        _, losses = tf.while_loop(lambda i, _: i < n, body, (tf.constant(0), tf.TensorArray(tf.float32, size=n)))
        return losses.stack()

    def learning_rate_is_variable(self) -> bool:
        """False for a LearningRateSchedule, whose rate a range test cannot set step by step."""
        return hasattr(self.optimizer.learning_rate, "assign")

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
            learning_rate: float | None = None, data: tuple[Arrays, Arrays] | None = None,
            steps: int | None = None, stop: Callable[[], bool] | None = None) -> ProbeRun:
        """Reset to ``weights``, train in the seed's batch order (or ``order``) and measure.

        Without ``stop`` the whole run is one graph call. With it, the run goes in segments of about
        ``SEGMENT_SECONDS``, and ``stop`` is asked after each whether to end the run there."""
        started = time.perf_counter()
        self.use_data(*(data or self.base_data))
        init_stats = self._reset(weights, seed, order, learning_rate)
        by_name = {g.name: LayerTrace(name=g.name) for g in self.groups}
        for name, activation in self.watched:
            by_name.setdefault(name, LayerTrace(name=name)).activation = activation
        losses: list[float] = []
        accuracies: list[float] = []  # of each training batch, in training mode
        eval_losses: list[float] = []
        record_steps: list[int] = []
        chunks = math.ceil(min(steps or self.steps, self.steps) / self.record_every)
        first, eval_loss = 0, None
        while True:
            count = chunks - first if stop is None else self._segment(chunks - first)
            called = time.perf_counter()
            done, *before, chunk_losses, grad_means, ratio_means, stats, weight_norms, chunk_evals = (
                t.numpy() for t in self._train(self.tf.constant(first), self.tf.constant(count)))
            done = int(done)
            if done:
                self._chunk_seconds = (time.perf_counter() - called) / done
            if first == 0:
                eval_loss = before[2]
                eval_losses.append(float(eval_loss[0]))
                record_steps.append(0)
                self._record(by_name, before[0], before[1], None, None)
            for k in range(done):
                losses.extend(chunk_losses[k][:, 0].tolist())
                accuracies.extend(chunk_losses[k][:, 1].tolist())
                eval_loss = chunk_evals[k]
                eval_losses.append(float(eval_loss[0]))
                record_steps.append((first + k + 1) * self.record_every)
                self._record(by_name, stats[k], weight_norms[k], grad_means[k], ratio_means[k])
            first += done
            if first >= chunks or done < count or (stop is not None and stop()):
                break
        for name, values in init_stats.items():
            by_name[name].init = values
        return ProbeRun(variant=variant, seed=seed, losses=losses, eval_losses=eval_losses,
                        regularization_loss=finite(eval_loss[1]), val_loss=finite(eval_loss[2]),
                        accuracy=finite(eval_loss[3]), train_accuracy=tail_mean(accuracies),
                        record_steps=record_steps, layers=list(by_name.values()),
                        learning_rate=_current_lr(self.optimizer), seconds=time.perf_counter() - started)

    def _segment(self, left: int) -> int:
        """How many of the ``left`` chunks of a run to train before asking whether to stop: one until a
        chunk was timed, then as many as take about ``SEGMENT_SECONDS``."""
        if self._chunk_seconds is None:
            return min(1, left)
        return max(1, min(left, int(SEGMENT_SECONDS / max(self._chunk_seconds, 1e-9))))

    def _record(self, by_name, stats, weight_norms, grad_means, ratio_means) -> None:
        for k, group in enumerate(self.groups):
            trace = by_name[group.name]
            trace.weight_norm.append(finite(weight_norms[k]))
            if grad_means is None:
                trace.grad_norm.append(None)
                trace.grad_rms.append(None)
                trace.update_ratio.append(None)
            else:
                trace.grad_norm.append(finite(grad_means[k]))
                trace.grad_rms.append(finite(grad_means[k] / math.sqrt(group.size)))
                trace.update_ratio.append(finite(ratio_means[k]))
        record_activations(by_name, self.watched, stats)


def initial_weight_stats(model, groups: list[VariableGroup], weights: list[np.ndarray]) -> dict[str, dict]:
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


def weights_digest(weights: list[np.ndarray]) -> bytes:
    """A digest of the values of ``weights``: the key of what a run derives from its starting weights."""
    digest = hashlib.blake2b(digest_size=16)
    for value in weights:
        array = np.ascontiguousarray(value)
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(array.data)
    return digest.digest()


def _current_lr(optimizer) -> float | None:
    try:
        return float(np.asarray(optimizer.learning_rate))
    except (TypeError, ValueError):
        return None
