"""The probe trains exactly as model.fit does: same loss at every step, same final weights.

Each setup is trained twice from the same initial weights over the same rows in the same
order: once by ``model.fit`` (one call, the same permutation every epoch, ``shuffle=False``)
and once by the probe loop on a clone compiled as the probes compile it. Keras logs the
epoch's running mean loss (weighted by batch size) after every batch; differencing it gives
``fit``'s loss at each step.
"""

from __future__ import annotations

import numpy as np
import pytest

from dnndoctor.arrays import class_weights_to_sample_weights, take_rows
from dnndoctor.probes.edits import fresh_optimizer, probe_clone
from dnndoctor.probes.loop import InstrumentedLoop, batch_order
from dnndoctor.tf_runtime import import_keras

pytestmark = pytest.mark.tf
ROWS, BATCH, EPOCHS = 40, 16, 3  # batches of 16, 16 and 8 rows: the short last batch is exercised
STEPS = EPOCHS * 3


def _model(keras, optimizer):
    keras.utils.set_random_seed(7)
    model = keras.Sequential([
        keras.Input(shape=(3,)),
        keras.layers.Dense(8, activation="relu", kernel_regularizer=keras.regularizers.L2(1e-2)),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=optimizer, loss="mse")
    return model


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_probe_matches_model_fit_epoch_by_epoch(optimizer):
    _, keras = import_keras()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3))  # 100 rows: three batches of 32 and one of 4 per epoch
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    epochs, batch = 5, 32
    reference = _model(keras, keras.optimizers.get({"class_name": optimizer, "config": {"learning_rate": 0.05}}))
    start = [w.numpy() for w in reference.weights]

    probe_model = keras.models.clone_model(reference)
    probe_model.compile(optimizer=fresh_optimizer(reference.optimizer), loss="mse")
    loop = InstrumentedLoop(probe_model, x, y, batch_size=batch, steps=epochs * 4, record_every=4,
                            probe_rows=np.arange(100), jit=False)
    loop.compile_graphs()
    order = batch_order(3, len(x), loop.epochs)
    run = loop.run(variant="baseline", seed=3, weights=start, order=order)

    fit_losses = []
    for epoch in range(epochs):
        idx = order[epoch * len(x):(epoch + 1) * len(x)]
        history = reference.fit(x[idx], y[idx], batch_size=batch, epochs=1, shuffle=False, verbose=0)
        fit_losses.append(history.history["loss"][0])

    sizes = np.array([32, 32, 32, 4] * epochs, dtype=float)
    steps = np.asarray(run.losses).reshape(epochs, 4)
    probe_losses = (steps * sizes.reshape(epochs, 4)).sum(axis=1) / 100
    np.testing.assert_allclose(probe_losses, fit_losses, rtol=1e-4)
    for got, want in zip(probe_model.weights, reference.weights):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-6)


# -- setups: (model, x, y, sample_weight, class_weight), built from seeded random data ------------

def _rng():
    return np.random.default_rng(1)


def _dense(keras, inputs, units, activation, optimizer, loss, **compile_args):
    model = keras.Sequential([keras.Input(shape=(inputs,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(units, activation=activation)])
    model.compile(optimizer=optimizer, loss=loss, **compile_args)
    return model


def binary_1d_labels(keras):
    x = _rng().normal(size=(ROWS, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")  # shape (N,) under a (N, 1) sigmoid output
    return _dense(keras, 4, 1, "sigmoid", keras.optimizers.SGD(0.1), "binary_crossentropy"), x, y, None, None


def sparse_uint8_labels(keras):
    x = _rng().normal(size=(ROWS, 4))  # float64 inputs: fit feeds them as float32
    y = (np.digitize(x[:, 0], [-0.5, 0.5])).astype("uint8")
    return _dense(keras, 4, 3, "softmax", keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy"), x, y, \
        None, None


def sparse_int64_column(keras):
    x = _rng().normal(size=(ROWS, 4)).astype("float16")
    y = np.digitize(x[:, 1], [0.0]).astype("int64").reshape(-1, 1)
    return _dense(keras, 4, 2, None, keras.optimizers.RMSprop(0.01),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True)), x, y, None, None


def several_inputs_and_outputs(keras):
    rng = _rng()
    a, b = keras.Input(shape=(3,), name="a"), keras.Input(shape=(2,), name="b")
    hidden = keras.layers.Dense(6, activation="relu")(keras.layers.Concatenate()([a, b]))
    score = keras.layers.Dense(1, name="score")(hidden)
    kind = keras.layers.Dense(3, activation="softmax", name="kind")(keras.layers.Dense(4, activation="relu")(a))
    model = keras.Model([a, b], [score, kind])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss={"score": "mse", "kind": "sparse_categorical_crossentropy"},
                  loss_weights={"score": 0.5, "kind": 2.0})
    x = {"a": rng.normal(size=(ROWS, 3)), "b": rng.normal(size=(ROWS, 2))}
    y = {"score": x["a"].sum(axis=1), "kind": rng.integers(0, 3, ROWS)}
    return model, x, y, None, None


def sample_weights(keras):
    x = _rng().normal(size=(ROWS, 4))
    weights = np.linspace(0.1, 3.0, ROWS)
    return _dense(keras, 4, 1, None, keras.optimizers.SGD(0.05, momentum=0.9), "mse"), x, x[:, :1] * 2, weights, None


def class_weights(keras):
    x = _rng().normal(size=(ROWS, 4))
    y = (x[:, 0] > 0.6).astype("int32").reshape(-1, 1)
    return _dense(keras, 4, 1, "sigmoid", keras.optimizers.Adam(0.01), "binary_crossentropy"), x, y, None, \
        {0: 1.0, 1: 5.0}


def _optimizer_setup(optimizer):
    def build(keras):
        x = _rng().normal(size=(ROWS, 4))
        return _dense(keras, 4, 2, None, optimizer(keras), "mse"), x, np.stack([x[:, 0], x[:, 1] * x[:, 2]], 1), \
            None, None
    build.__name__ = optimizer.__name__
    return build


def exponential_decay(keras):
    return keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5))


def piecewise_constant(keras):
    return keras.optimizers.Adam(keras.optimizers.schedules.PiecewiseConstantDecay([3, 6], [0.05, 0.01, 0.001]))


def cosine_decay(keras):
    return keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(0.01, decay_steps=5, warmup_target=0.05,
                                                                        warmup_steps=3))


def clipnorm(keras):
    return keras.optimizers.Adam(0.05, clipnorm=0.1)


def clipvalue_and_nesterov(keras):
    return keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True, clipvalue=0.05)


def global_clipnorm(keras):
    return keras.optimizers.RMSprop(0.01, global_clipnorm=0.2)


def weight_decay(keras):
    return keras.optimizers.AdamW(0.01, weight_decay=0.1)


def exponential_moving_average(keras):
    return keras.optimizers.Adam(0.02, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)


def gradient_accumulation(keras):
    return keras.optimizers.Adam(0.02, gradient_accumulation_steps=2)


def lstm(keras):
    x = _rng().normal(size=(ROWS, 5, 3))
    model = keras.Sequential([keras.Input(shape=(5, 3)), keras.layers.LSTM(4), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return model, x, x.sum(axis=(1, 2)), None, None


def conv2d_batchnorm(keras):
    rng = _rng()
    x = rng.normal(size=(ROWS, 6, 6, 1))
    model = keras.Sequential([keras.Input(shape=(6, 6, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.MaxPooling2D(),
                              keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="categorical_crossentropy")
    return model, x, np.eye(3)[rng.integers(0, 3, ROWS)], None, None


def integer_tokens(keras):
    rng = _rng()
    x = rng.integers(1, 20, size=(ROWS, 6)).astype("int32")
    model = keras.Sequential([keras.Input(shape=(6,), dtype="int32"), keras.layers.Embedding(20, 4, mask_zero=True),
                              keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy")
    return model, x, (x[:, 0] > 10).astype("float32"), None, None


SETUPS = [binary_1d_labels, sparse_uint8_labels, sparse_int64_column, several_inputs_and_outputs, sample_weights,
          class_weights, lstm, conv2d_batchnorm, integer_tokens] + [
    _optimizer_setup(o) for o in (exponential_decay, piecewise_constant, cosine_decay, clipnorm,
                                  clipvalue_and_nesterov, global_clipnorm, weight_decay, exponential_moving_average,
                                  gradient_accumulation)]


def fit_step_losses(keras, model, x, y, permutation, sample_weight, class_weight) -> list[float]:
    """model.fit's loss at every step of EPOCHS epochs over the rows in ``permutation`` each epoch."""
    sizes = [BATCH, BATCH, ROWS - 2 * BATCH] * EPOCHS
    losses: list[float] = []

    class StepLosses(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.rows, self.total = 0, 0.0

        def on_train_batch_end(self, batch, logs=None):
            size = sizes[len(losses)]
            total = float(logs["loss"]) * (self.rows + size)
            losses.append((total - self.total) / size)
            self.rows, self.total = self.rows + size, total

    model.fit(take_rows(x, permutation), take_rows(y, permutation), batch_size=BATCH, epochs=EPOCHS, shuffle=False,
              sample_weight=take_rows(sample_weight, permutation), class_weight=class_weight, verbose=0,
              callbacks=[StepLosses()])
    return losses


@pytest.mark.parametrize("setup", SETUPS, ids=[s.__name__ for s in SETUPS])
def test_probe_matches_model_fit_step_by_step(setup):
    _, keras = import_keras()
    keras.utils.set_random_seed(3)
    reference, x, y, sample_weight, class_weight = setup(keras)
    if class_weight is not None:
        sample_weight = class_weights_to_sample_weights(y, class_weight)  # what the check derives from the option
    probe_model = probe_clone(reference)
    start = [w.numpy() for w in reference.weights]
    permutation = np.random.default_rng(5).permutation(ROWS)
    loop = InstrumentedLoop(probe_model, x, y, batch_size=BATCH, steps=STEPS, record_every=STEPS,
                            probe_rows=np.arange(ROWS), jit=False, sample_weight=sample_weight)
    loop.compile_graphs()
    loop.run(variant="warm-up", seed=0, weights=start)  # a run before: the reset must forget its state
    run = loop.run(variant="baseline", seed=0, weights=start, order=np.tile(permutation, loop.epochs))

    expected = fit_step_losses(keras, reference, x, y, permutation, None if class_weight else sample_weight,
                               class_weight)
    np.testing.assert_allclose(run.losses, expected, rtol=2e-4, atol=1e-5)


def test_a_learning_rate_edit_scales_a_schedule_at_every_step():
    _, keras = import_keras()
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay([3], [0.05, 0.01])
    scaled = fresh_optimizer(keras.optimizers.SGD(schedule), 10.0)
    rates = [float(scaled.learning_rate)]
    scaled.iterations.assign(5)
    rates.append(float(scaled.learning_rate))
    np.testing.assert_allclose(rates, [0.5, 0.1], rtol=1e-6)


def test_a_run_after_a_learning_rate_change_trains_at_the_compiled_rate():
    _, keras = import_keras()
    reference, x, y, _, _ = sample_weights(keras)
    loop = InstrumentedLoop(probe_clone(reference), x, y, batch_size=BATCH, steps=STEPS, record_every=STEPS,
                            probe_rows=np.arange(ROWS), jit=False)
    loop.compile_graphs()
    start = [w.numpy() for w in reference.weights]
    first = loop.run(variant="baseline", seed=0, weights=start)
    loop.run(variant="lr_x10", seed=0, weights=start, learning_rate=0.5)
    again = loop.run(variant="baseline", seed=0, weights=start)
    assert again.learning_rate == pytest.approx(0.05)
    np.testing.assert_allclose(again.losses, first.losses, rtol=1e-6)
