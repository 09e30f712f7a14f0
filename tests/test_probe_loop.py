"""The probe loop's measurements: fused per-layer norms, norms sampled at a few steps of each chunk,
and what a run derives from its starting weights reused across runs."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from dnndoctor.probes import loop as loop_module
from dnndoctor.probes.graphstats import VariableGroup, group_norms
from dnndoctor.probes.loop import SAMPLED_STEPS, InstrumentedLoop, weights_digest


def test_the_digest_of_starting_weights_tells_values_apart():
    weights = [np.zeros((2, 3), np.float32), np.ones(3, np.float32)]
    assert weights_digest(weights) == weights_digest([w.copy() for w in weights])
    changed = [weights[0].copy(), weights[1].copy()]
    changed[0][1, 2] = 1e-7
    assert weights_digest(changed) != weights_digest(weights)
    assert weights_digest([np.zeros(6, np.float32), weights[1]]) != weights_digest(weights)  # same bytes, other shape


@pytest.mark.tf
def test_group_norms_are_the_norms_of_each_layers_tensors(keras):
    import tensorflow as tf

    tensors = [tf.constant([[3.0, 0.0]]), tf.constant([4.0]), tf.zeros([2]), tf.constant([[1.0, 2.0], [2.0, 4.0]])]
    groups = [VariableGroup("a", [0, 1], 3), VariableGroup("b", [2, 3], 6), VariableGroup("c", [2], 2)]
    np.testing.assert_allclose(group_norms(tf, tensors, groups).numpy(), [5.0, 5.0, 0.0])
    assert group_norms(tf, tensors, []).shape == (0,)


def _regressor(keras):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


@pytest.mark.tf
def test_layer_norms_are_means_over_the_sampled_steps_of_a_chunk(keras):
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-1.0], [0.5]])).astype(np.float32)
    record_every = 2 * SAMPLED_STEPS
    model = _regressor(keras)
    start = [w.numpy() for w in model.weights]
    loop = InstrumentedLoop(model, x, y, batch_size=16, steps=record_every, record_every=record_every,
                            probe_rows=np.arange(16), jit=False)  # one full batch per step: order is moot
    loop.compile_graphs()
    run = loop.run(variant="baseline", seed=0, weights=start)

    replay = _regressor(keras)
    replay.set_weights(start)
    grad_norms, ratios = [], []
    for _ in range(record_every):
        with tf.GradientTape() as tape:
            loss = keras.losses.MeanSquaredError()(y, replay(x, training=True))
        grads = tape.gradient(loss, replay.trainable_variables)
        kernel, bias = replay.layers[0].trainable_variables
        weight = np.sqrt(np.sum(kernel.numpy() ** 2) + np.sum(bias.numpy() ** 2))
        grad_norms.append(np.sqrt(sum(np.sum(g.numpy() ** 2) for g in grads[:2])))
        ratios.append(0.1 * grad_norms[-1] / weight)
        for variable, grad in zip(replay.trainable_variables, grads):
            variable.assign_sub(0.1 * grad)
    sampled = slice(1, record_every, 2)  # the last step of every block of two
    first = run.layers[0]
    assert first.grad_norm[0] is None
    assert first.grad_norm[1] == pytest.approx(np.mean(grad_norms[sampled]), rel=1e-4)
    assert first.update_ratio[1] == pytest.approx(np.mean(ratios[sampled]), rel=1e-3)
    assert first.grad_norm[1] != pytest.approx(np.mean(grad_norms), rel=1e-4)


@pytest.mark.tf
def test_a_chunk_of_whole_epochs_trains_model_fits_batches_and_measures_a_full_batch_of_each_block(keras):
    import tensorflow as tf

    rng = np.random.default_rng(4)
    x = rng.normal(size=(20, 3)).astype(np.float32)  # batches of 8, 8 and 4 rows: three steps an epoch
    y = (x @ np.array([[1.0], [-1.0], [0.5]])).astype(np.float32)
    model = _regressor(keras)
    start = [w.numpy() for w in model.weights]
    record_every = 3 * SAMPLED_STEPS  # one epoch per block
    loop = InstrumentedLoop(model, x, y, batch_size=8, steps=record_every, record_every=record_every,
                            probe_rows=np.arange(20), jit=False)
    assert loop.epochs_per_chunk == SAMPLED_STEPS
    loop.compile_graphs()
    run = loop.run(variant="baseline", seed=5, weights=start)

    replay = _regressor(keras)
    replay.set_weights(start)
    order = loop_module.batch_order(5, 20, loop.epochs)
    losses, grad_norms = [], []
    for step in range(record_every):
        epoch, within = divmod(step, 3)
        rows = order[epoch * 20 + within * 8:][:4 if within == 2 else 8]
        with tf.GradientTape() as tape:
            loss = keras.losses.MeanSquaredError()(y[rows], replay(x[rows], training=True))
        grads = tape.gradient(loss, replay.trainable_variables)
        losses.append(float(loss))
        grad_norms.append(np.sqrt(sum(np.sum(g.numpy() ** 2) for g in grads[:2])))
        for variable, grad in zip(replay.trainable_variables, grads):
            variable.assign_sub(0.1 * grad)
    np.testing.assert_allclose(run.losses, losses, rtol=1e-5)
    measured = slice(1, record_every, 3)  # the second, last full, batch of every epoch
    assert run.layers[0].grad_norm[1] == pytest.approx(np.mean(grad_norms[measured]), rel=1e-4)


def _compiled_loop(keras, optimizer, record_every: int, seed: int) -> tuple[InstrumentedLoop, list[np.ndarray]]:
    """A compiled 12-step loop of a small regressor on 20 random rows, and the regressor's weights."""
    x = np.random.default_rng(seed).normal(size=(20, 3)).astype(np.float32)
    model = _regressor(keras)
    model.compile(optimizer=optimizer, loss="mse")
    loop = InstrumentedLoop(model, x, x[:, :1], batch_size=8, steps=12, record_every=record_every,
                            probe_rows=np.arange(20), jit=False)
    loop.compile_graphs()
    return loop, [w.numpy() for w in model.weights]


@pytest.mark.tf
def test_runs_from_other_starting_weights_do_not_share_state(keras):
    loop, first = _compiled_loop(keras, keras.optimizers.Adam(0.05), record_every=6, seed=1)
    second = [w * 0.5 for w in first]
    a = loop.run(variant="v", seed=0, weights=first)
    b = loop.run(variant="v", seed=0, weights=second)
    again = loop.run(variant="v", seed=0, weights=first)
    assert a.losses == again.losses and a.losses != b.losses
    assert a.layers[0].init != b.layers[0].init and a.layers[0].init == again.layers[0].init


@pytest.mark.tf
def test_a_run_in_segments_equals_the_run_in_one_call_and_is_plain_json(keras, monkeypatch):
    # how many graph calls a run takes is a matter of speed only: the records must not depend on it,
    # and they are plain Python numbers, which the JSON reports and saved Measurements need
    loop, weights = _compiled_loop(keras, keras.optimizers.SGD(0.05), record_every=3, seed=2)
    whole = loop.run(variant="v", seed=0, weights=weights)
    monkeypatch.setattr(loop_module, "SEGMENT_SECONDS", 0.0)  # one chunk per call
    pieces = loop.run(variant="v", seed=0, weights=weights, stop=lambda: False)
    assert whole.record_steps == pieces.record_steps == [0, 3, 6, 9, 12]
    assert whole.losses == pieces.losses and whole.eval_losses == pieces.eval_losses
    for run in (whole, pieces):
        assert json.loads(json.dumps(dataclasses.asdict(run)))["record_steps"] == [0, 3, 6, 9, 12]
