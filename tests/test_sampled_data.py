"""Data larger than the probes may hold: read memory-mapped from .npy files, sampled with a seed,
and the report says how many rows the probes used and which seed drew them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from dnndoctor.cli import app

pytestmark = pytest.mark.tf
FAST = ["--steps", "20", "--seeds", "3", "--no-counterfactuals", "-q", "--max-rows", "500"]


@pytest.fixture
def npy_data(tmp_path, saved_regressor):
    folder = tmp_path / "arrays"
    folder.mkdir()
    x = np.random.default_rng(0).normal(size=(3000, 2)).astype("float32")
    np.save(folder / "x.npy", x)
    np.save(folder / "y.npy", x.sum(axis=1, keepdims=True))
    return saved_regressor[0], folder


def test_the_report_states_the_sample_size_and_seed(npy_data):
    model, folder = npy_data
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = CliRunner().invoke(app, ["check", str(model), str(folder), *FAST, "--format", "json",
                                      "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["data"]["rows"] == 3000 and report["data"]["x"]["shape"] == [3000, 2]
    assert (report["data"]["sampled_rows"], report["data"]["sample_seed"]) == (500, 3)
    assert report["engine"]["rows_used"] == 500
    rich = CliRunner().invoke(app, ["check", str(model), str(folder), *FAST], env={"COLUMNS": "1000"})
    assert "probes use 500 of 3,000 rows, sampled with seed 3" in rich.stdout
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
