"""The reported faults, three small deterministic cases per fault type (the split draws two of
each type for test). Every builder takes ``fixed``: False builds the reported fault, True the
setup its thread's answer recommends, which validation trains as the yardstick."""

from __future__ import annotations

import functools

import numpy as np

from .. import synthetic as s
from ..bench import Bench
from ..controls.cases import mlp, regression_table, standardized

SOURCES = {
    "sigmoid-mse": "https://coderapp.vercel.app/answer/73462535 (Stack Overflow: 'Why do I need a very high learning "
                   "rate for this model to converge?': sigmoid hidden layer, MSE, SGD, loss changes incredibly slowly); "
                   "shiningrain/AUTOTRAINER AutoTrainer/demo_case/Gradient_Vanish_Case (deep sigmoid MLP on sklearn "
                   "circles, repaired with ReLU/SELU/BatchNorm)",
    "mae-classification": "dnndoctor issue 10 (an unseen case missed: MAE loss on a classification task); "
                          "https://example-a.com/answer/53913641 (Stack Overflow 'Keras loss function does not decrease "
                          "on mean squared error': class labels trained with a regression loss)",
    "lr-low-regression": "https://theneuralbase.com/keras/learn/beginner/loss-not-decreasing-learning-rate/ (a rate of "
                         "1e-4 'moves forward but super slowly'); https://chenzhang.org/notes/developer/loss-and-accuracy-"
                         "get-stuck-in-keras/ (loss stuck; fix: raise the rate from 0.00001 to 0.1)",
    "lr-grows-explodes": "jmiller656/EDSR-Tensorflow#50 (loss falls, then 'suddenly increases and explodes' after 14,000 "
                         "steps); keras-team/keras#8332 (loss turns NaN after some epochs; remedy: lower the rate); "
                         "the schedule built with decay_rate > 1 grows the rate instead of decaying it",
    "relu-output": "https://math.techqa.club/are-relu-a-very-bad-choice-as-last-layer-for-regression-4483706 and "
                   "https://stats.stackexchange.com/questions/362588 (a ReLU output cannot produce the negative "
                   "targets and passes no gradient below zero)",
}


def _keras():
    import keras

    return keras


def _opt(name, **kw):
    return lambda: getattr(_keras().optimizers, name)(**kw)


def moons_binary():
    x, y = s.tabular("moons")
    return s.standardize(x), y.reshape(-1, 1).astype(np.float32)


def circles_binary():
    x, y = s.tabular("circles")
    return x, y.reshape(-1, 1).astype(np.float32)


def one_hot(name):
    x, y = standardized(name)
    return x, np.eye(int(y.max()) + 1, dtype=np.float32)[y]


def digits_one_hot():
    x, y = s.digits()
    return s.standardize(x), np.eye(10, dtype=np.float32)[y]


def sigmoid_stack(inputs, depth, width, outputs, output_activation, optimizer, fixed, fixed_loss="mse"):
    """Deep sigmoid MLP with MSE (the fault) or the same with ReLU and He initialization (the fix;
    ``fixed_loss`` replaces MSE too where the thread's answer does)."""
    return mlp(inputs, (width,) * depth, outputs, output_activation, fixed_loss if fixed else "mse", optimizer,
               activation="relu" if fixed else "sigmoid", kernel_initializer="he_normal" if fixed else "glorot_uniform")


def mae_classifier(inputs, hidden, classes, optimizer, fixed):
    loss = "categorical_crossentropy" if fixed else "mean_absolute_error"
    return mlp(inputs, hidden, classes, "softmax", loss, optimizer)


def low_rate_regression(inputs, hidden, optimizer, slow_rate, good_rate, fixed):
    return mlp(inputs, hidden, 1, "linear", "mse", _opt(optimizer, learning_rate=good_rate if fixed else slow_rate))


def growing_rate(inputs, hidden, outputs, output_activation, loss, optimizer, initial, decay_steps, decay_rate, fixed):
    """An ExponentialDecay schedule whose decay_rate > 1 grows the rate step after step (fixed: the
    usual gentle decay, 0.96 per decay_steps)."""
    keras = _keras()
    schedule = keras.optimizers.schedules.ExponentialDecay(initial, decay_steps=decay_steps,
                                                           decay_rate=0.96 if fixed else decay_rate)
    return mlp(inputs, hidden, outputs, output_activation, loss,
               lambda: getattr(keras.optimizers, optimizer)(learning_rate=schedule))


def relu_output(inputs, hidden, optimizer, fixed):
    return mlp(inputs, hidden, 1, "linear" if fixed else "relu", "mse", optimizer)


def _case(name, label, kind, builder, data, epochs, batch, notes=""):
    return Bench(name, label, SOURCES[kind], functools.partial(builder, fixed=False), data, epochs, batch, kind=kind,
                 fixed=functools.partial(builder, fixed=True), notes=notes)


REPORTED_LIST = [
    _case("circles.sigmoid_mse_sgd", "vanishing-gradients", "sigmoid-mse",
          functools.partial(sigmoid_stack, 2, 6, 16, 1, "sigmoid", _opt("SGD", learning_rate=0.05)),
          circles_binary, 40, 32, "6 sigmoid layers of 16, MSE, SGD 0.05"),
    _case("digits.sigmoid_mse_sgd", "vanishing-gradients", "sigmoid-mse",
          functools.partial(sigmoid_stack, 64, 5, 32, 10, "softmax", _opt("SGD", learning_rate=0.1),
                            fixed_loss="categorical_crossentropy"),
          digits_one_hot, 20, 32,
          "5 sigmoid layers of 32, softmax output, MSE on one-hot, SGD 0.1 (fix: ReLU and cross-entropy)"),
    _case("moons.sigmoid_mse_sgd", "vanishing-gradients", "sigmoid-mse",
          functools.partial(sigmoid_stack, 2, 5, 10, 1, "sigmoid", _opt("SGD", learning_rate=0.05)),
          moons_binary, 40, 32, "5 sigmoid layers of 10, MSE, SGD 0.05"),
    _case("digits.mae_softmax", "output-loss-mismatch", "mae-classification",
          functools.partial(mae_classifier, 64, (32,), 10, _opt("SGD", learning_rate=0.01)),
          digits_one_hot, 20, 32, "MAE on one-hot digits under softmax, SGD 0.01 (fix: cross-entropy)"),
    _case("classification4.mae_softmax", "output-loss-mismatch", "mae-classification",
          functools.partial(mae_classifier, 20, (32, 32), 4, _opt("SGD", learning_rate=0.01)),
          lambda: one_hot("classification4"), 25, 32, "MAE on 4 one-hot classes under softmax, SGD 0.01 (fix: cross-entropy)"),
    _case("wine.mae_softmax", "output-loss-mismatch", "mae-classification",
          functools.partial(mae_classifier, 13, (16,), 3, _opt("SGD", learning_rate=0.01)),
          lambda: one_hot("wine"), 100, 16, "MAE on 3 one-hot wine classes under softmax, SGD 0.01 (fix: cross-entropy)"),
    _case("friedman2.sgd_rate_1e-5", "learning-rate-too-low", "lr-low-regression",
          functools.partial(low_rate_regression, 4, (32,), "SGD", 1e-5, 1e-2),
          lambda: regression_table("friedman2"), 40, 32, "SGD at 1e-5 (fix 1e-2)"),
    _case("friedman.adam_rate_1e-6", "learning-rate-too-low", "lr-low-regression",
          functools.partial(low_rate_regression, 10, (32, 32), "Adam", 1e-6, 1e-3),
          lambda: regression_table("friedman"), 40, 32, "Adam at 1e-6 (fix 1e-3)"),
    _case("regression.sgd_rate_1e-6", "learning-rate-too-low", "lr-low-regression",
          functools.partial(low_rate_regression, 8, (16,), "SGD", 1e-6, 1e-2),
          lambda: regression_table("regression"), 40, 32, "SGD at 1e-6 (fix 1e-2)"),
    _case("digits.adam_rate_doubles", "learning-rate-too-high", "lr-grows-explodes",
          functools.partial(growing_rate, 64, (32, 16), 10, "softmax", "sparse_categorical_crossentropy", "Adam",
                            1e-3, 40, 2.0),
          lambda: (s.standardize(s.digits()[0]), s.digits()[1]), 20, 32,
          "Adam from 1e-3, rate ×2 every 40 steps (fix ×0.96)"),
    _case("friedman.sgd_rate_grows", "learning-rate-too-high", "lr-grows-explodes",
          functools.partial(growing_rate, 10, (32, 32), 1, "linear", "mse", "SGD", 1e-3, 30, 1.5),
          lambda: regression_table("friedman"), 40, 32, "SGD from 1e-3, rate ×1.5 every 30 steps (fix ×0.96)"),
    _case("moons.adam_rate_grows", "learning-rate-too-high", "lr-grows-explodes",
          functools.partial(growing_rate, 2, (16, 16), 1, "sigmoid", "binary_crossentropy", "Adam", 3e-3, 50, 2.0),
          moons_binary, 40, 32, "Adam from 3e-3, rate ×2 every 50 steps (fix ×0.96)"),
    _case("friedman.relu_output", "output-loss-mismatch", "relu-output",
          functools.partial(relu_output, 10, (32, 32), _opt("Adam", learning_rate=3e-3)),
          lambda: regression_table("friedman"), 40, 32, "ReLU output, standardized targets"),
    _case("friedman3.relu_output", "output-loss-mismatch", "relu-output",
          functools.partial(relu_output, 4, (32,), _opt("Adam", learning_rate=3e-3)),
          lambda: regression_table("friedman3"), 40, 32, "ReLU output, standardized targets"),
    _case("regression.relu_output", "output-loss-mismatch", "relu-output",
          functools.partial(relu_output, 8, (16,), _opt("Adam", learning_rate=1e-2)),
          lambda: regression_table("regression"), 40, 32, "ReLU output, standardized targets"),
]

REPORTED: tuple[Bench, ...] = tuple(REPORTED_LIST)
