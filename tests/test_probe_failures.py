"""Failures inside the probes and the time budget: a clear error or a note in the report's cuts,
never a crash, and the probes that did not fail still report."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from dnndoctor.api import check_files
from dnndoctor.cli import app
from dnndoctor.errors import ProbeError
from dnndoctor.options import CheckOptions
from dnndoctor.probes import loop as loop_module, worker
from dnndoctor.probes.loop import InstrumentedLoop

pytestmark = pytest.mark.tf
SMALL = dict(steps=20, seeds=[0], max_fixes=0)


def _out_of_memory(*args, **kwargs):
    import tensorflow as tf

    raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")


def _failing_for(variant: str, original):
    def run(self, **kwargs):
        if kwargs["variant"] == variant:
            _out_of_memory()
        return original(self, **kwargs)

    return run


def test_a_failing_counterfactual_is_dropped_and_the_others_report(saved_regressor, monkeypatch):
    monkeypatch.setattr(InstrumentedLoop, "run", _failing_for("lr_x10", InstrumentedLoop.run))
    m = check_files(*saved_regressor, CheckOptions(**SMALL)).measurements
    names = [v.name for v in m.variants]
    assert "baseline" in names and "lr_div10" in names and "lr_x10" not in names
    assert not m.runs_of("lr_x10") and m.runs_of("baseline")
    assert "variant lr_x10 failed and was dropped: out of memory (ResourceExhaustedError)" in m.cuts


def test_a_variant_that_cannot_be_built_is_dropped(saved_regressor, monkeypatch):
    def build(name, ctx):
        if name == "wider":
            raise ValueError("cannot widen MyLayer")
        return original(name, ctx)

    original = worker.build_setup
    monkeypatch.setattr(worker, "build_setup", build)
    m = check_files(*saved_regressor, CheckOptions(**SMALL)).measurements
    assert "wider" not in [v.name for v in m.variants] and m.runs_of("lr_x10")
    assert "variant wider failed and was dropped: ValueError: cannot widen MyLayer" in m.cuts


def test_a_failing_range_test_is_dropped(saved_regressor, monkeypatch):
    monkeypatch.setattr(InstrumentedLoop, "range_test", _out_of_memory)
    m = check_files(*saved_regressor, CheckOptions(**SMALL)).measurements
    assert m.range_test is None and m.runs_of("baseline")
    assert any(cut.startswith("LR range test failed and was dropped") for cut in m.cuts)


def test_out_of_memory_in_the_users_setup_is_a_clear_error(saved_regressor, monkeypatch):
    monkeypatch.setattr(InstrumentedLoop, "run", _failing_for("baseline", InstrumentedLoop.run))
    with pytest.raises(ProbeError) as error:
        check_files(*saved_regressor, CheckOptions(**SMALL, counterfactuals=False))
    line = error.value.line()
    assert line.startswith(f"{saved_regressor[0]}: ") and "ran out of memory" in line and "--batch-size" in line


def test_a_model_that_cannot_be_cloned_is_a_clear_error(saved_regressor, monkeypatch):
    def refuse(model, **kwargs):
        raise ValueError("layer MyLayer has no get_config")

    monkeypatch.setattr(worker, "probe_clone", refuse)
    with pytest.raises(ProbeError, match=r"cannot be cloned for probing \(ValueError: layer MyLayer.*get_config\(\)"):
        check_files(*saved_regressor, CheckOptions(**SMALL, counterfactuals=False))


def test_xla_that_cannot_compile_falls_back_to_a_graph(saved_regressor, keras):
    model = keras.saving.load_model(saved_regressor[0])
    x = np.zeros((8, 2), "float32")
    loop = InstrumentedLoop(model, x, np.zeros((8, 1), "float32"), batch_size=4, steps=4, record_every=2,
                            probe_rows=np.arange(8), jit=True)

    def not_compilable(first, count):
        raise RuntimeError("XLA compilation failed")

    loop._train = not_compilable
    assert loop.compile_graphs() == "graph" and loop.jit is False


def test_stop_ends_a_run_after_its_first_chunk(saved_regressor, keras, monkeypatch):
    monkeypatch.setattr(loop_module, "SEGMENT_SECONDS", 0.0)  # one chunk per graph call
    model = keras.saving.load_model(saved_regressor[0])
    x = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
    loop = InstrumentedLoop(model, x, x[:, :1], batch_size=4, steps=20, record_every=5, probe_rows=np.arange(16),
                            jit=False)
    loop.compile_graphs()
    weights = [w.numpy() for w in model.weights]
    assert len(loop.run(variant="v", seed=0, weights=weights).losses) == 20
    assert len(loop.run(variant="v", seed=0, weights=weights, stop=lambda: True).losses) == 5


def test_a_tight_time_budget_cuts_probes_and_says_so(saved_regressor):
    model, data = saved_regressor
    result = CliRunner().invoke(app, ["check", str(model), str(data), "--time-budget", "1", "-q",
                                      "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["cuts"] and all(cut.startswith("time budget: ") for cut in report["cuts"])
    assert report["seeds"] == [0] and [v["name"] for v in report["variants"]] == ["baseline"]
    rich = CliRunner().invoke(app, ["check", str(model), str(data), "--time-budget", "1", "-q"])
    assert "cut time budget: seeds 1, 2 not probed" in rich.stdout
