"""The sampled ordinary setups stay the draws that were split and checked with model.fit (pure:
no TensorFlow): a draw is fixed by its number alone, so a change to the sampler that would
silently swap a recorded control for another setup fails here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.controls.cases import NETWORK_DRAWS, SAMPLED_DRAWS  # noqa: E402
from benchmarks.controls.sampled import draw, draws  # noqa: E402
from benchmarks.controls.sampled_networks import network_draw, network_draws  # noqa: E402
from benchmarks.split import load, split_of  # noqa: E402


def _recorded_draws():
    return draws(0, SAMPLED_DRAWS) + network_draws(0, NETWORK_DRAWS)


def test_a_draw_depends_on_its_number_alone():
    assert [d.name for d in draws(3, 4)] == [draw(k).name for k in range(3, 7)]
    assert [d.source for d in network_draws(3, 4)] == [network_draw(k).source for k in range(3, 7)]
    assert draw(5).source == draw(5).source


def test_every_sampled_draw_is_split_and_fitted_as_recorded():
    names = {d.name for d in _recorded_draws()}
    split = {n for n in split_of(load()) if n.startswith("sampled_")}
    fitted = json.loads((ROOT / "benchmarks" / "controls" / "fitted.json").read_text())["entries"]
    recorded = {e["name"]: (e["epochs"], e["batch_size"]) for e in fitted if e["name"].startswith("sampled_")}
    assert split == names and set(recorded) == names
    assert all(recorded[d.name] == (d.epochs, d.batch_size) for d in _recorded_draws())
