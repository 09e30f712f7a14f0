"""Measurements survive a trip through strict JSON, modulo NaN and infinities."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from builders import INF, NAN, blow_up, decay, healthy, make_measurements, profile, range_test, same
from dnndoctor.measurements import Measurements
from dnndoctor.rules import judge


def roundtrip(m: Measurements) -> Measurements:
    text = json.dumps(m.to_dict(), allow_nan=False)  # strict JSON: no NaN or Infinity tokens
    return Measurements.from_dict(json.loads(text))


def nonfinite_as_nan(m: Measurements) -> dict:
    """``to_dict`` with every run's losses NaN where they were NaN or ±inf, for comparison."""
    data = m.to_dict()
    for run, original in zip(data["runs"], m.runs):
        run["losses"] = ["nan" if not math.isfinite(v) else v for v in original.losses]
        run["eval_losses"] = ["nan" if not math.isfinite(v) else v for v in original.eval_losses]
    return data


def test_finite_measurements_roundtrip_exactly():
    m = healthy()
    assert roundtrip(m) == m


def test_roundtrip_keeps_types():
    back = roundtrip(healthy())
    assert type(back.model.layers[0]).__name__ == "LayerInfo"
    assert type(back.data.x).__name__ == "ArrayInfo"
    assert type(back.runs[0]).__name__ == "ProbeRun"
    assert type(back.runs[0].layers[0]).__name__ == "LayerTrace"
    assert back.variant("wider").change == "dense: 8 → 32, dense_1: 8 → 32"
    assert [r.seed for r in back.runs_of("lr_x10")] == [0, 1, 2]
    assert back.runs[0].layer("dense_1").dead_fraction[-1] == pytest.approx(0.1)


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_nonfinite_losses_come_back_as_nan(bad):
    curve = decay(1.0, 0.5, 100) + [bad] * 300
    m = make_measurements({"baseline": [curve, decay(1.0, 0.01), blow_up(value=bad)],
                           "lr_div10": same(decay(1.0, 0.01))})
    back = roundtrip(m)
    assert nonfinite_as_nan(back) == nonfinite_as_nan(m)
    run = back.runs_of("baseline")[0]
    assert len(run.losses) == 120 and math.isnan(run.losses[-1]) and math.isnan(run.eval_losses[-1])
    assert all(math.isfinite(v) for v in run.losses[:100])


def test_nonfinite_trace_values_become_none():
    m = make_measurements({"baseline": same(decay(1.0, 0.5))},
                          traces={"baseline": same({"dense": {"grad_rms": [None, 1e-2, NAN, INF] + [1e-2] * 7}})})
    trace = roundtrip(m).runs[0].layer("dense")
    assert trace.grad_rms[:4] == [None, 1e-2, None, None]


def test_judgement_is_the_same_after_roundtrip():
    m = make_measurements({"baseline": [blow_up(), blow_up(), decay(1.0, 0.005)],
                           "lr_div10": same(decay(1.0, 0.01))},
                          traces={"baseline": same({"dense_1": {"dead_fraction": 1.0}})})
    before, after = judge(m), judge(roundtrip(m))
    assert before.findings and [f.to_dict() for f in after.findings] == [f.to_dict() for f in before.findings]


def test_to_dict_is_plain_json():
    data = healthy().to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert set(data) == {f.name for f in dataclasses.fields(Measurements)}  # every field, nothing else
    assert {"model", "data", "budget", "baseline_loss", "variants", "runs", "range_test", "profile",
            "initial_loss_expected", "overfit_relative_loss", "timings", "engine"} <= set(data)


def test_nonfinite_baseline_loss_comes_back_as_a_float():
    m = make_measurements({"baseline": same(decay(1.0, 0.5))}, baseline_loss=INF)
    back = roundtrip(m)
    assert isinstance(back.baseline_loss, float)
    judge(back)


def rich_measurements() -> Measurements:
    """Every field the probes fill: profile, range test, overfit, initial-kernel stats, regularization
    and validation losses, and a data edit judged on its own baseline."""
    return make_measurements(
        {"baseline": [decay(1.0, 0.5), decay(1.0, 0.4), blow_up()], "standardize_y": same(decay(1.0, 0.01)),
         "lr_suggested": same(decay(1.0, 0.2))},
        profile=profile(y_mean=500.0, y_std=100.0, y_kind="continuous"), initial_loss_expected=2.6e5,
        range_test=range_test(1e-2), overfit=[0.001, NAN, 0.02], init={"dense": {"kernel_rms": 3.0}},
        regularization_loss=[0.1, None, None], val_loss=0.7, variant_baseline_loss={"standardize_y": 1.0})


def test_new_fields_roundtrip():
    m = rich_measurements()
    back = roundtrip(m)
    assert back.profile == m.profile and back.initial_loss_expected == 2.6e5
    assert back.range_test.learning_rates == m.range_test.learning_rates
    assert back.range_test.losses == pytest.approx(m.range_test.losses)
    assert back.overfit_relative_loss[0] == 0.001 and math.isnan(back.overfit_relative_loss[1])
    run = back.runs_of("baseline")[0]
    assert run.layer("dense").init == {"kernel_rms": 3.0, "glorot_rms": pytest.approx(math.sqrt(2 / 12)),
                                       "identical_units": False}
    assert (run.regularization_loss, run.val_loss) == (0.1, 0.7)
    assert back.runs_of("baseline")[1].regularization_loss is None
    assert back.variant("standardize_y").baseline_loss == 1.0 and back.variant("baseline").baseline_loss is None
    assert back.runs_of("lr_suggested")[0].learning_rate == pytest.approx(m.runs_of("lr_suggested")[0].learning_rate)


def test_range_test_nan_comes_back_as_nan():
    m = healthy()
    m.range_test = range_test(1e-2)
    m.range_test.losses[-5:] = [NAN, INF, NAN, NAN, NAN]
    back = roundtrip(m)
    assert all(math.isnan(v) for v in back.range_test.losses[-5:])
    assert back.range_test.losses[:-5] == m.range_test.losses[:-5]


def test_judgement_of_every_field_is_the_same_after_roundtrip():
    m = rich_measurements()
    before, after = judge(m), judge(roundtrip(m))
    assert [f.to_dict() for f in after.findings] == [f.to_dict() for f in before.findings]
    assert (after.fit, after.fit_relative_loss) == (before.fit, before.fit_relative_loss)


def test_old_measurements_without_new_fields_still_load():
    data = healthy().to_dict()
    for key in ("range_test", "profile", "initial_loss_expected", "overfit_relative_loss"):
        del data[key]
    for run in data["runs"]:
        del run["regularization_loss"], run["val_loss"]
        for trace in run["layers"]:
            del trace["init"]
    for variant in data["variants"]:
        del variant["baseline_loss"]
    back = Measurements.from_dict(data)
    assert back.profile is None and back.range_test is None and back.overfit_relative_loss == []
    assert judge(back).verdict() == "healthy"


def test_gradients_by_depth_pairs_each_layer_depth_with_its_median_gradient():
    m = make_measurements({"baseline": same(decay(1.0, 0.1))})
    run = m.runs_of("baseline")[0]
    names = [t.name for t in run.layers if any(v is not None for v in t.grad_rms)]
    for depth, layer in enumerate(reversed(m.model.layers)):
        layer.depth = depth if layer.name in names else None
    profile_ = m.gradients_by_depth(run)
    assert [d for d, _ in profile_] == sorted(d for d, _ in profile_) and len(profile_) == len(names)
    deepest = run.layer(next(layer.name for layer in m.model.layers if layer.depth == profile_[-1][0]))
    values = sorted(v for v in deepest.grad_rms if v is not None)
    assert profile_[-1][1] == values[len(values) // 2]
    assert roundtrip(m).model.layers[0].depth == m.model.layers[0].depth
