"""Check one tiny seeded model with each executor named on the command line; print the JSON
reports, timings left out, as one JSON object keyed by executor.

Run as a script, in a process of its own: it splits the CPU into two logical devices before
TensorFlow starts, which the "devices" executor then runs on.
"""

from __future__ import annotations

import json
import sys

import numpy as np


def tiny_case(keras):
    """A sigmoid MLP with dropout and a far too large learning rate, and its regression data."""
    keras.utils.clear_session()  # the same layer names in every check
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(12, activation="sigmoid"),
                              keras.layers.Dropout(0.2), keras.layers.Dense(6, activation="sigmoid"),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(3.0), loss="mse")
    x = np.random.default_rng(7).normal(size=(96, 6)).astype("float32")
    return model, x, (x[:, :3].sum(axis=1, keepdims=True) * 3.0 + 5.0).astype("float32")


def report_without_timings(diagnosis) -> dict:
    from dnndoctor.report.json_report import to_dict

    report = to_dict(diagnosis)
    report.pop("timings")
    return report


def main(executors: list[str]) -> None:
    from dnndoctor.tf_runtime import import_keras

    tf, keras = import_keras()
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import dnndoctor

    reports = {}
    for executor in executors:
        model, x, y = tiny_case(keras)
        reports[executor] = report_without_timings(
            dnndoctor.diagnose(model, x, y, steps=40, records=4, seeds=[0, 1, 2], executor=executor,
                              time_budget=600))  # a budget no check reaches: what it cuts depends on speed
    print(json.dumps(reports))


if __name__ == "__main__":
    main(sys.argv[1:])
