"""Import TensorFlow and Keras quietly: no start-up chatter, no warnings on the user's terminal."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings


@contextlib.contextmanager
def _stderr_silenced():
    """Send file descriptor 2 to /dev/null, where native code writes its logs."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def quiet_environment() -> None:
    """Environment variables that keep TensorFlow silent; set before its import."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def import_keras():
    """Return ``(tensorflow, keras)``, imported without noise on stderr."""
    if "keras" in sys.modules and "tensorflow" in sys.modules:
        return sys.modules["tensorflow"], sys.modules["keras"]
    quiet_environment()
    with _stderr_silenced(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import tensorflow as tf
        import keras

        tf.get_logger().setLevel(logging.ERROR)
        tf.autograph.set_verbosity(0)
        logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"keras(\..*)?")
    warnings.filterwarnings("ignore", module=r"tensorflow(\..*)?")
    return tf, keras


def use_xla(option: bool | None) -> bool:
    """XLA on request, or by default where a GPU is present.

    Not by default on a CPU, where its compile time exceeds what it saves over a check's steps.
    Measured on 2 shared cores (benchmarks/speed.py models, 400-step probe, a record every 40):
    the 1-16-8-1 seed model compiles in 28 s with XLA against 5 s without, for a step 0.4 ms
    faster, which 14,400 steps (36 runs) repay by 6 s only; the 34-layer MLP had not finished
    compiling after 20 minutes. Every loop (one per edited model) compiles anew."""
    if option is not None:
        return option
    tf, _ = import_keras()
    return bool(tf.config.list_physical_devices("GPU"))
