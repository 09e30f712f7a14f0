"""Executors: where probe runs train changes nothing in the report; choosing one; mixed precision."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from dnndoctor.errors import InputError
from dnndoctor.options import CheckOptions

HERE = Path(__file__).resolve().parent


def test_an_unknown_executor_is_refused_in_one_line_with_the_choices(tmp_path):
    from dnndoctor.cli import app

    result = CliRunner().invoke(app, ["check", str(tmp_path / "m.keras"), str(tmp_path / "d.npz"), "--executor", "gpu"])
    assert result.exit_code == 2
    assert " ".join(result.output.split()) == ("error: --executor must be one of auto, serial, devices, ray, "
                                               "not 'gpu' (for example --executor auto)")


def test_the_executor_flag_and_key_reach_the_options(tmp_path):
    from dnndoctor.config import load_config

    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.dnndoctor]\nexecutor = "devices"\n')
    assert load_config(config).options_for(None, {}).executor == "devices"
    assert load_config(config).options_for(None, {"executor": "ray"}).executor == "ray"


def hide_ray(monkeypatch) -> None:
    """Make ``import ray`` fail, and keep the switch that a local cluster would set out of os.environ."""
    from dnndoctor.probes.rayexec import LOOPBACK_ONLY

    monkeypatch.setitem(sys.modules, "ray", None)
    monkeypatch.setenv(LOOPBACK_ONLY, "0")


def test_ray_missing_is_one_line_naming_the_extra(monkeypatch):
    from dnndoctor.probes.rayexec import import_ray

    hide_ray(monkeypatch)
    with pytest.raises(InputError) as raised:
        import_ray()
    assert raised.value.line() == "--executor ray needs Ray, which is not installed (pip install 'dnndoctor[ray]')"


@pytest.mark.tf
def test_check_with_ray_missing_exits_2_naming_the_extra(saved_regressor, monkeypatch):
    from dnndoctor.cli import app

    hide_ray(monkeypatch)
    result = CliRunner().invoke(app, ["check", *map(str, saved_regressor), "--executor", "ray", "-q"])
    assert result.exit_code == 2
    assert "pip install 'dnndoctor[ray]'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.tf
def test_every_executor_gives_the_same_report():
    """Serial, two logical CPU devices and, where Ray is installed, a local Ray cluster: the same
    JSON report, timings apart, for a model with dropout whose check verifies several fixes."""
    executors = ["serial", "devices"] + (["ray"] if find_spec("ray") else [])
    process = subprocess.run([sys.executable, str(HERE / "executor_check.py"), *executors],
                             capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, process.stderr[-2000:]
    reports = json.loads(process.stdout)
    serial = reports["serial"]
    assert [f["id"] for f in serial["findings"]] and len(serial["variants"]) > 4  # fixes were verified
    for executor in executors[1:]:
        assert reports[executor] == serial, executor


@contextlib.contextmanager
def dtype_policy(name: str):
    from dnndoctor.tf_runtime import import_keras

    keras = import_keras()[1]
    saved = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(saved)


@pytest.mark.tf
@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_a_worker_built_elsewhere_trains_in_the_models_mixed_precision_as_model_fit(policy):
    """The model saved for another process keeps its dtype policy; its probe's losses follow model.fit's."""
    from dnndoctor.probes.worker import ProbeWorker
    from dnndoctor.probes.workerspec import WorkerSpec
    from dnndoctor.tf_runtime import import_keras
    from test_probe_fidelity import BATCH, ROWS, STEPS, fit_step_losses

    _, keras = import_keras()
    keras.utils.set_random_seed(3)
    with dtype_policy(policy):
        reference = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(8, activation="tanh"),
                                      keras.layers.Dense(1)])
        reference.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(ROWS, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    home = ProbeWorker(reference, x, y, options=CheckOptions(steps=10, batch_size=BATCH), record_every=STEPS,
                       probe_rows=np.arange(ROWS))
    worker = WorkerSpec.of(home).build()
    assert {layer.dtype_policy.name for layer in worker.base.layers} == {policy}
    start = [w.numpy() for w in reference.weights]
    permutation = np.random.default_rng(5).permutation(ROWS)
    loop = worker.loop()
    run = loop.run(variant="baseline", seed=0, weights=start, order=np.tile(permutation, loop.epochs), steps=STEPS)
    expected = fit_step_losses(keras, reference, x, y, permutation, None, None)
    np.testing.assert_allclose(run.losses, expected, rtol=2e-3, atol=1e-4)
