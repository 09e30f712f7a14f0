"""What DoctorCallback, with its default schedule, adds to the time of model.fit.

Each case trains fresh copies of one model with the same seed, alternately without and with
the callback, and prints the fastest wall time of model.fit for both (the minimum is the
estimate least disturbed by other load on the machine), the relative overhead, and the share
of the time the callback itself measured in its hooks (its graph tracing included).

    python benchmarks/callback_overhead.py [--repeats 3] [CASE ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Case:
    """A model builder, its data and how model.fit is called."""

    name: str
    build: Callable
    data: Callable[[], tuple[np.ndarray, np.ndarray]]
    epochs: int
    batch_size: int


def fixture(keras):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved = keras.saving.load_model(ROOT / "fixtures" / "ex1_relu.keras")
    model = keras.models.clone_model(saved)
    model.compile(optimizer=saved.optimizer.__class__.from_config(saved.optimizer.get_config()), loss=saved.loss)
    return model


def fixture_data():
    arrays = np.load(ROOT / "fixtures" / "linear.npz")
    return arrays["x"], arrays["y"]


def mlp(keras):
    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(256, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    return model


def mlp_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 32)).astype("float32")
    return x, (np.sin(x[:, :4]).sum(axis=1, keepdims=True) + 0.1 * rng.normal(size=(20_000, 1))).astype("float32")


def cnn(keras):
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(16, 3, activation="relu"),
                              keras.layers.MaxPooling2D(), keras.layers.Conv2D(32, 3, activation="relu"),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def cnn_data():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, size=4_000)
    x = rng.normal(size=(4_000, 28, 28, 1)).astype("float32") + y[:, None, None, None] * 0.1
    return x, y


CASES = {
    "ex1_relu": Case("ex1_relu", fixture, fixture_data, epochs=200, batch_size=32),
    "mlp": Case("mlp", mlp, mlp_data, epochs=5, batch_size=64),
    "cnn": Case("cnn", cnn, cnn_data, epochs=10, batch_size=64),
}


def timed_fit(keras, case: Case, x, y, with_callback: bool) -> tuple[float, float]:
    """Seconds of model.fit, and the seconds the callback counted in its hooks."""
    from dnndoctor.keras import DoctorCallback

    keras.utils.set_random_seed(0)
    model = case.build(keras)
    callbacks = [DoctorCallback(x, y, log=lambda line: None)] if with_callback else []
    started = time.perf_counter()
    model.fit(x, y, epochs=case.epochs, batch_size=case.batch_size, verbose=0, callbacks=callbacks)
    return time.perf_counter() - started, callbacks[0].overhead if callbacks else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(CASES), metavar="CASE", help=", ".join(CASES))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    unknown = set(args.cases) - set(CASES)
    if unknown:
        parser.error(f"unknown cases {sorted(unknown)}; choose from {', '.join(CASES)}")
    sys.path.insert(0, str(ROOT / "src"))
    from dnndoctor.tf_runtime import import_keras

    _, keras = import_keras()
    print(f"{'case':10} {'steps':>6} {'fit (s)':>9} {'with (s)':>9} {'overhead':>9} {'in hooks':>9}")
    for name in args.cases:
        case = CASES[name]
        x, y = case.data()
        timed_fit(keras, case, x, y, with_callback=True)  # warm up TensorFlow and both code paths
        plain, watched, hooks = [], [], []
        for _ in range(args.repeats):
            plain.append(timed_fit(keras, case, x, y, with_callback=False)[0])
            seconds, inside = timed_fit(keras, case, x, y, with_callback=True)
            watched.append(seconds)
            hooks.append(inside / seconds)
        base, with_cb = min(plain), min(watched)
        steps = case.epochs * -(-len(x) // case.batch_size)
        print(f"{name:10} {steps:6d} {base:9.2f} {with_cb:9.2f} {(with_cb - base) / base:9.1%} "
              f"{statistics.median(hooks):9.1%}", flush=True)


if __name__ == "__main__":
    main()
