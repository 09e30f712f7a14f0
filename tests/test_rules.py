"""Rules as pure functions of hand-built Measurements: which fire, how badly, and with what fixes.

Each case in CASES is the whole judgement (``judge``: rules, skips, settling of fixes) on one
made-up probe: every rule of ALL_RULES that is not named in the expectations must stay silent.
Every rule has cases where it fires and cases where it must not: a healthy run, the mechanism
present while training goes fine, and, for the rules that state a hypothesis, the probed fix
that did not help.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
from typing import Callable

import numpy as np
import pytest

from builders import (EDITS, INF, blow_up, decay, flat, healthy, make_measurements, profile, range_test, rise,
                      same, then)
from dnndoctor.findings import CATEGORIES, Diagnosis, Finding, Fix, Severity
from dnndoctor.lr_suggest import suggest
from dnndoctor.measurements import Measurements
from dnndoctor.probes.profile import profile_data
from dnndoctor.rules import ALL_RULES, find_rule, judge
from dnndoctor.rules.base import DOC_SECTIONS, Rule, fit_status, importance, measured_fix, refuted, settle

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO
FIT = decay(1.0, 0.005)


def slowing(end: float) -> list[float]:
    """A loss still falling, but slowly: the second half cuts it by 20 % (no plateau, yet stalled)."""
    return decay(end / 0.64, end)


STALL = slowing(0.98)
PLATEAU = then(decay(1.0, 0.5, 200), flat(0.5, 200))  # flat over the whole second half
BOUNCE = then(decay(1.0, 0.001, 200), rise(0.002, 0.05, 200))  # low at step 200, ends 50× higher


def grads(first: float | None = None, growth: float | None = None) -> dict:
    """Trace overrides: the first layer's gradient RMS, or a gradient norm growing ``growth``× in dense_1."""
    out: dict = {}
    if first is not None:
        out = {"dense": {"grad_rms": first}, "dense_1": {"grad_rms": 1e-3}, "dense_2": {"grad_rms": 1e-2}}
    if growth is not None:
        out["dense_1"] = {**out.get("dense_1", {}), "grad_norm": [None] + _ramp(0.1, growth)}
    return out


def _ramp(start: float, factor: float, n: int = 10) -> list[float]:
    return [start * factor ** (k / (n - 1)) for k in range(n)]


# -- scenarios ----------------------------------------------------------------------------------

def vanishing(rel: float = 0.9, seeds_hit: int = 3, first_rms: float = 1e-5, **fixes: list[float]) -> Measurements:
    """Sigmoid stack: the first layer gets 1e-3 of the last layer's gradient in ``seeds_hit`` seeds.

    ``fixes`` gives probed edits (``relu=``, ``batchnorm=``) one curve for every seed.
    """
    curves = [slowing(rel)] * seeds_hit + [FIT] * (3 - seeds_hit)
    return make_measurements(
        {"baseline": curves, "lr_x10": curves, "lr_div10": same(slowing(max(rel, 0.95))), "wider": curves,
         **{name: same(curve) for name, curve in fixes.items()}},
        traces={"baseline": same(grads(first=first_rms))}, activation="sigmoid")


def deeper(m: Measurements) -> Measurements:
    """The same measurements with a fourth layer, dense_3, between dense_1 and the output: a copy of
    dense_1 in the model and in every run (4 traced layers)."""
    m.model.layers.insert(2, dataclasses.replace(m.model.layers[1], name="dense_3"))
    for run in m.runs:
        run.layers.insert(2, dataclasses.replace(copy.deepcopy(run.layers[1]), name="dense_3"))
    return m


def exploding(*, nan: bool = False, lower: list[float] | None = None, **fixes: list[float]) -> Measurements:
    """dense_1's gradient norm grows 1000× while the loss climbs (to NaN with ``nan``); ÷10 the rate too.

    A probe of ``lr_suggested`` comes with the range test it needs (minimum at 1e-2: it suggests 1.3e-3).
    """
    curve = blow_up(at=200) if nan else rise(1.0, 3.0)
    variants = {"baseline": same(curve), "lr_div10": same(lower or curve),
                **{name: same(c) for name, c in fixes.items()}}
    trace = grads(growth=1e3)
    if nan:  # 100× by the record before the NaN, then a non-finite gradient (recorded as None)
        trace["dense_1"]["grad_norm"] = [None] + _ramp(0.1, 1e2, 5) + [None] * 5
    return make_measurements(variants, traces={"baseline": same(trace)}, optimizer="SGD",
                             range_test=range_test(1e-2) if "lr_suggested" in fixes else None)


def nonfinite(seeds_hit: int = 3, lower: list[float] | None = None, with_lower: bool = True) -> Measurements:
    curves = [blow_up(at=150)] * seeds_hit + [FIT] * (3 - seeds_hit)
    variants = {"baseline": curves}
    if with_lower:
        variants["lr_div10"] = same(lower or blow_up(at=250))
    return make_measurements(variants)


def dead(seeds_hit: int = 2, fraction: float = 1.0, lower_lr_fits: bool = True, lower: float = 0.01,
         **fixes: list[float]) -> Measurements:
    """ReLU units of dense_1 die in ``seeds_hit`` seeds and the loss stalls near a constant's."""
    stalled = [{"dense_1": {"dead_fraction": [0.1] + [fraction] * 10}}]
    fine = [{"dense_1": {"dead_fraction": 0.1}}]
    curves = [STALL] * seeds_hit + [FIT] * (3 - seeds_hit)
    return make_measurements(
        {"baseline": curves, "lr_x10": same(STALL),
         "lr_div10": same(decay(1.0, lower) if lower_lr_fits else STALL), "wider": same(STALL),
         **{name: same(c) for name, c in fixes.items()}},
        traces={"baseline": stalled * seeds_hit + fine * (3 - seeds_hit)})


def dead_but_fits() -> Measurements:
    """80 % of dense_1 dead in every seed, but the loss still fits (like ex1_relu seed 1)."""
    return make_measurements({"baseline": same(FIT)},
                             traces={"baseline": same({"dense_1": {"dead_fraction": 0.8}})})


def saturated(rel: float = 0.9, seeds_hit: int = 3, **fixes: list[float]) -> Measurements:
    """A tanh layer with 80 % of its outputs in the flat tails, in ``seeds_hit`` seeds."""
    curves = [slowing(rel)] * seeds_hit + [FIT] * (3 - seeds_hit)
    return make_measurements({"baseline": curves, **{name: same(c) for name, c in fixes.items()}},
                             traces={"baseline": same({"dense": {"saturated_fraction": 0.8}})}, activation="tanh")


def saturated_output(hidden: float | None = None, activation: str = "tanh") -> Measurements:
    """A stalled binary classifier whose sigmoid output sits 95 % in its tails (a confident output);
    ``hidden`` saturates the first hidden layer as well."""
    layers = {"dense_2": {"saturated_fraction": 0.95}}
    if hidden is not None:
        layers["dense"] = {"saturated_fraction": hidden}
    labels = profile(y_min=0.0, y_max=1.0, y_mean=0.5, y_std=0.5, y_kind="binary", y_classes=2)
    return make_measurements({"baseline": same(STALL)}, traces={"baseline": same(layers)}, activation=activation,
                             output_activation="sigmoid", loss="binary_crossentropy", loss_kind="binary",
                             profile=labels, initial_loss_expected=math.log(2))


def diverging(seeds_hit: int = 3, curve: list[float] | None = None, lower: list[float] | None = None,
              **fixes: list[float]) -> Measurements:
    curve = curve or blow_up(at=150)
    curves = [curve] * seeds_hit + [FIT] * (3 - seeds_hit)
    return make_measurements({"baseline": curves, "lr_x10": same(blow_up(at=20)),
                              "lr_div10": same(lower or decay(1.0, 0.01)), "wider": curves,
                              **{name: same(c) for name, c in fixes.items()}}, range_test=range_test(1e-2))


def oscillating(lower: list[float] | None = None, with_lower: bool = True) -> Measurements:
    variants = {"baseline": same(BOUNCE), "lr_x10": same(blow_up(at=30)), "wider": same(BOUNCE)}
    if with_lower:
        variants["lr_div10"] = same(lower or slowing(0.02))  # 2.5× lower: DD303's 2× as well
    return make_measurements(variants)


def heavy_momentum(lighter: list[float]) -> Measurements:
    """SGD with momentum 0.99 bounces; ÷10 the rate bounces too; momentum 0.9 gives ``lighter``."""
    return make_measurements({"baseline": same(BOUNCE), "lr_div10": same(BOUNCE), "momentum_0.9": same(lighter)},
                             optimizer="SGD", optimizer_config={"momentum": 0.99})


def noisy(rel: float = 0.05, lower: float = 0.01) -> Measurements:
    return make_measurements({"baseline": same(decay(1.0, rel)), "lr_div10": same(decay(1.0, lower)),
                              "lr_x10": same(blow_up(at=40))})


def noisy_suggested(minimum_at: float = 1e-5, suggested: float = 0.005, lower: float = 0.04) -> Measurements:
    """The loss ends at 0.05; ÷10 the rate ends at ``lower``, the range test's suggestion (minimum
    at ``minimum_at``, so about ``minimum_at`` / 10) at ``suggested``. The user's rate is 1e-3."""
    return make_measurements({"baseline": same(decay(1.0, 0.05)), "lr_div10": same(decay(1.0, lower)),
                              "lr_x10": same(blow_up(at=40)), "lr_suggested": same(decay(1.0, suggested))},
                             range_test=range_test(minimum_at))


def plateau(optimizer: str = "SGD", **fixes: list[float]) -> Measurements:
    return make_measurements({"baseline": same(PLATEAU), **{name: same(c) for name, c in fixes.items()}},
                             optimizer=optimizer, range_test=range_test(1e-1))


def slow(rel: float = 0.9, faster: float = 0.01, seeds_hit: int = 3) -> Measurements:
    """SGD at a tiny rate: updates ~1e-6 of the weights, ×10 the rate ends far lower."""
    curves = [slowing(rel)] * seeds_hit + [FIT] * (3 - seeds_hit)
    tiny = {name: {"update_ratio": 1e-6} for name in ("dense", "dense_1", "dense_2")}
    return make_measurements(
        {"baseline": curves, "lr_x10": same(decay(1.0, faster)), "lr_div10": same(slowing(0.99)),
         "wider": same(slowing(rel * 0.95))},
        traces={"baseline": same(tiny)}, optimizer="SGD", learning_rate=1e-4)


def slow_suggested(minimum_at: float = 1e-1) -> Measurements:
    """×10 the rate only halves the loss; the range test's suggestion (probed) fits."""
    return make_measurements(
        {"baseline": same(slowing(0.9)), "lr_x10": same(slowing(0.45)), "lr_div10": same(slowing(0.99)),
         "lr_suggested": same(decay(1.0, 0.005))},
        optimizer="SGD", learning_rate=1e-4, range_test=range_test(minimum_at))


def small(rel: float = 0.5, wider: float = 0.02, lr_x10: float = 0.45, lr_div10: float = 0.55) -> Measurements:
    """A too-narrow model: the loss floors at ``rel``; 4× wider reaches ``wider``."""
    return make_measurements({"baseline": same(decay(1.0, rel)), "lr_x10": same(decay(1.0, lr_x10)),
                              "lr_div10": same(decay(1.0, lr_div10)),
                              "wider": same(decay(1.0, wider))}, overfit=[0.001, 0.002, 0.5])


def gap(val: float | list[float] = 0.3, curve: list[float] = FIT) -> Measurements:
    return make_measurements({"baseline": same(curve)}, val_loss=val)


def regularized(reg: float = 0.3, curve: list[float] | None = None) -> Measurements:
    return make_measurements({"baseline": same(curve or decay(1.0, 0.4))}, regularization_loss=reg)


UNSCALED_X = profile(x_mean_abs_max=50.0, x_std_max=300.0, x_std_min=2.0, x_max_abs=2000.0)


def unscaled_inputs(curve: list[float] | None = None, data: object = UNSCALED_X, **fixes: list[float]):
    return make_measurements({"baseline": same(curve or slowing(0.6)), **{n: same(c) for n, c in fixes.items()}},
                             profile=data)


def _normalizing_model(m: Measurements) -> Measurements:
    m.model.scales_own_inputs = True  # e.g. an adapted Normalization layer first
    return m


HOUSE_PRICES = profile(y_min=100.0, y_max=900.0, y_mean=500.0, y_std=100.0)


def unscaled_targets(standardized: list[float] | None = None, expected: float | None = None,
                     curve: list[float] | None = None) -> Measurements:
    """Prices near 500 ± 100: the MSE of a constant is 1e4; standardized targets are judged on their own 1.0."""
    variants = {"baseline": same(curve or decay(2.6e5, 3e3))}
    if standardized is not None:
        variants["standardize_y"] = same(standardized)
    return make_measurements(variants, profile=HOUSE_PRICES, baseline_loss=1e4, initial_loss_expected=expected,
                             variant_baseline_loss={"standardize_y": 1.0} if standardized is not None else None)


PIXELS = profile(y_min=0.0, y_max=255.0, y_mean=120.0, y_std=70.0)


def bounded_output(activation: str, data: object, **fixes: list[float]) -> Measurements:
    return make_measurements({"baseline": same(slowing(0.3)), **{n: same(c) for n, c in fixes.items()}},
                             output_activation=activation, profile=data)


def classifier(activation: str = "softmax", units: int = 3, loss: str = "categorical_crossentropy",
               kind: str = "categorical", from_logits: bool = False, y_kind: str = "one_hot",
               curve: list[float] = FIT, **fixes: list[float]) -> Measurements:
    labels = profile(y_min=0.0, y_max=1.0, y_mean=1 / units, y_std=0.47, y_kind=y_kind, y_classes=units)
    return make_measurements({"baseline": same(curve), **{n: same(c) for n, c in fixes.items()}},
                             output_activation=activation, output_units=units, loss=loss, loss_kind=kind,
                             from_logits=from_logits, profile=labels, initial_loss_expected=math.log(units))


def symmetric(seeds_hit: int = 3, dead_units: bool = False, **fixes: list[float]) -> Measurements:
    """dense_1 starts with zero (identical) kernels in ``seeds_hit`` seeds; with ``dead_units`` its
    ReLU units also end dead, as symmetric units often do."""
    zero = {"dense_1": {"init": {"kernel_rms": 0.0, "identical_units": True}}}
    if dead_units:
        zero["dense_1"]["dead_fraction"] = [0.1] + [1.0] * 10
    return make_measurements({"baseline": same(STALL), **{n: same(c) for n, c in fixes.items()}},
                             traces={"baseline": [zero] * seeds_hit + [{}] * (3 - seeds_hit)})


def oversized(scale: float = 20.0, curve: list[float] | None = None, **fixes: list[float]) -> Measurements:
    """dense starts with weights ``scale``× the Glorot RMS of its shape."""
    big = {"dense": {"init": {"kernel_rms": scale * math.sqrt(2 / 12)}}}
    return make_measurements({"baseline": same(curve or STALL), **{n: same(c) for n, c in fixes.items()}},
                             traces={"baseline": same(big)})


OFFSET = profile(y_min=17.0, y_max=23.0, y_mean=20.0, y_std=1.0)


def offset_targets(curve: list[float] | None = None) -> Measurements:
    """Targets near 20 ± 1: a zero-centred output starts at E[y²] = 401, a constant's loss is 1."""
    return make_measurements({"baseline": same(curve or decay(401.0, 0.5))}, profile=OFFSET,
                             initial_loss_expected=401.0)


def every_fix_probed() -> Measurements:
    """A run that fits, with every edit probed and none better: nothing to say."""
    return make_measurements({"baseline": same(FIT), **{name: same(decay(1.0, 0.004)) for name in EDITS}},
                             range_test=range_test(1e-2), val_loss=0.006, regularization_loss=0.001,
                             overfit=[0.001] * 3)


CASES: list[tuple[str, Callable[[], Measurements], dict[str, Severity]]] = [
    # healthy runs: nothing to say
    ("healthy", healthy, {}),
    ("healthy-baseline-only", lambda: make_measurements({"baseline": same(FIT)}), {}),
    ("healthy-sigmoid", lambda: make_measurements({"baseline": same(FIT)}, activation="sigmoid"), {}),
    ("healthy-no-learning-rate", lambda: make_measurements({"baseline": same(FIT)}, learning_rate=None), {}),
    ("healthy-unprofiled", lambda: make_measurements({"baseline": same(FIT)}, profile=None,
                                                     initial_loss_expected=None), {}),
    ("healthy-every-fix-probed", every_fix_probed, {}),
    ("healthy-classifier", classifier, {}),
    # DD101 vanishing gradients
    ("vanishing-stalled", vanishing, {"DD101": E}),
    ("vanishing-2-of-3-partly-fits", lambda: vanishing(rel=0.2, seeds_hit=2), {"DD101": W}),
    ("vanishing-relu-verified", lambda: vanishing(relu=FIT, batchnorm=STALL), {"DD101": E}),
    ("vanishing-1-of-3", lambda: vanishing(seeds_hit=1), {}),
    ("attenuated-but-fits", lambda: vanishing(rel=0.005), {}),
    ("attenuation-0.05-four-layers", lambda: deeper(vanishing(first_rms=5e-4)), {"DD101": E}),  # below 0.1
    ("attenuation-0.05-four-layers-fits", lambda: deeper(vanishing(rel=0.005, first_rms=5e-4)), {}),
    ("attenuation-above-threshold", lambda: vanishing(first_rms=2e-3), {}),  # 0.2 of dense_2's gradient
    ("vanishing-refuted", lambda: vanishing(relu=STALL, batchnorm=STALL), {}),
    # DD102 exploding gradients
    ("exploding-clip-verified", lambda: exploding(clipnorm=FIT, adam=rise(1.0, 2.0), lr_suggested=rise(1.0, 2.0)),
     {"DD102": E}),
    ("exploding-to-nan", lambda: exploding(nan=True), {"DD102": E, "DD105": E}),
    ("exploding-rescued-by-lower-rate", lambda: exploding(nan=True, lower=decay(1.0, 0.01)), {"DD301": E}),
    ("exploding-refuted", lambda: exploding(nan=True, clipnorm=blow_up(at=220), default_init=blow_up(at=230)),
     {"DD105": E}),
    ("gradient-grows-but-loss-falls", lambda: make_measurements(
        {"baseline": same(FIT)}, traces={"baseline": same(grads(growth=1e3))}), {}),
    # DD105 non-finite values
    ("nan-lower-rate-nan-too", nonfinite, {"DD105": E}),
    ("nan-1-of-3-lower-rate-nan-too", lambda: nonfinite(seeds_hit=1), {"DD105": W}),
    ("nan-no-counterfactuals", lambda: nonfinite(with_lower=False), {"DD105": E, "DD301": E}),
    ("nan-lower-rate-finite", lambda: nonfinite(lower=decay(1.0, 0.01)), {"DD301": E}),
    # DD201 dead ReLU units
    ("dead-2-of-3", lambda: dead(leaky_relu=FIT), {"DD201": E, "DD303": W}),  # ÷10 the rate fits: too high too
    ("dead-2-of-3-he-init-verified-lower-rate-no-help", lambda: dead(lower_lr_fits=False, default_init=FIT),
     {"DD201": E}),
    ("dead-1-of-3", lambda: dead(seeds_hit=1, leaky_relu=FIT), {"DD201": W}),
    # ÷10 the rate revives them, LeakyReLU and He init not probed yet: the finding asks for them
    ("dead-2-of-3-lower-rate-helps-others-pending", dead, {"DD201": E, "DD303": W}),
    ("dead-2-of-3-leaky-and-he-refuted-lower-rate-helps", lambda: dead(leaky_relu=STALL, default_init=STALL),
     {"DD303": W}),
    ("dead-units-from-symmetric-init", lambda: symmetric(dead_units=True, leaky_relu=FIT), {"DD601": E}),
    ("dead-70pct-no-lr-help", lambda: dead(fraction=0.7, lower_lr_fits=False), {"DD201": E}),
    ("dead-whole-layer-fixes-refuted", lambda: dead(lower_lr_fits=False, leaky_relu=STALL, default_init=STALL),
     {"DD201": E}),
    ("dead-but-fits", dead_but_fits, {}),
    ("stalled-few-dead", lambda: dead(fraction=0.3, lower=0.6), {}),  # ÷10 the rate only 1.6× lower
    ("dead-70pct-fixes-refuted", lambda: dead(fraction=0.7, lower_lr_fits=False, leaky_relu=STALL,
                                              default_init=STALL), {}),
    ("stalled-few-dead-lower-rate-fits", lambda: dead(fraction=0.3), {"DD303": W}),
    # DD202 saturated activations
    ("saturated-stalled", saturated, {"DD202": W}),
    ("saturated-standardized-inputs-verified", lambda: saturated(standardize_x=FIT), {"DD202": W}),
    ("saturated-1-of-3", lambda: saturated(seeds_hit=1), {}),
    ("saturated-but-fits", lambda: saturated(rel=0.005), {}),
    ("saturated-refuted", lambda: saturated(standardize_x=STALL, relu=STALL, batchnorm=STALL), {}),
    ("saturated-output-only", saturated_output, {}),  # a confident sigmoid output sits in its tails by design
    ("saturated-hidden-and-output", lambda: saturated_output(hidden=0.8), {"DD202": W}),
    # DD301 diverging loss
    ("nan-3-of-3", diverging, {"DD301": E}),
    ("inf-3-of-3", lambda: diverging(curve=blow_up(at=150, value=INF)), {"DD301": E}),
    ("nan-1-of-3", lambda: diverging(seeds_hit=1), {"DD301": W}),
    ("nan-2-of-3", lambda: diverging(seeds_hit=2), {"DD301": E}),
    ("climbs-above-constant-refuted-plateau", lambda: diverging(curve=rise(1.0, 5.0), adam=rise(1.0, 4.0),
                                                                lr_suggested=rise(1.0, 4.0)), {"DD301": E}),
    ("lower-rate-nan-suggestion-verified", lambda: diverging(lower=blow_up(at=300), lr_suggested=FIT),
     {"DD301": E, "DD105": E}),
    ("lower-rate-refuted", lambda: diverging(lower=blow_up(at=300)), {"DD105": E}),
    # not diverging; ÷10 the rate ends 100× lower, and DD303 counts finals above a constant's too
    ("ends-above-constant-below-start", lambda: diverging(curve=decay(3.0, 1.02)), {"DD303": W}),
    # DD302 oscillating loss
    ("bounce-lower-lr-helps", oscillating, {"DD302": W, "DD303": W}),
    ("bounce-lower-lr-fits", lambda: oscillating(lower=FIT), {"DD302": W, "DD303": W}),
    ("bounce-momentum-0.9-helps", lambda: heavy_momentum(FIT), {"DD302": W}),
    ("bounce-lower-lr-no-help", lambda: oscillating(lower=BOUNCE), {}),
    ("bounce-lower-lr-not-probed", lambda: oscillating(with_lower=False), {}),
    ("bounce-momentum-no-help", lambda: heavy_momentum(BOUNCE), {}),
    ("bounce-within-10x", lambda: make_measurements(
        {"baseline": same(then(decay(1.0, 0.01, 200), rise(0.01, 0.05, 200))),
         "lr_div10": same(slowing(0.04))}), {}),
    # DD303 noisy loss
    ("noisy-lower-rate-5x-better", noisy, {"DD303": W}),
    ("noisy-lower-rate-2.5x-better", lambda: noisy(lower=0.02), {"DD303": W}),
    ("noisy-lower-rate-1.7x-better", lambda: noisy(lower=0.03), {}),
    ("noisy-suggested-rate-verified", noisy_suggested, {"DD303": W}),
    ("noisy-suggested-rate-no-help", lambda: noisy_suggested(suggested=0.04), {}),
    # a larger suggested rate that fits says the rate is too low (DD311), not too high
    ("noisy-suggestion-above-the-rate", lambda: noisy_suggested(minimum_at=1e-1), {"DD311": W}),
    ("noisy-but-precise", lambda: noisy(rel=0.004, lower=0.0005), {}),
    # DD304 loss plateau
    ("plateau-adam-verified", lambda: plateau(adam=FIT, lr_suggested=PLATEAU), {"DD304": W}),
    ("plateau-not-probed", plateau, {"DD304": W}),
    ("plateau-refuted", lambda: plateau(adam=PLATEAU, lr_suggested=PLATEAU), {}),
    ("plateau-near-zero", lambda: make_measurements({"baseline": same(then(decay(1.0, 0.03, 200), flat(0.03, 200)))}),
     {}),
    # DD311 slow progress
    ("slow-barely-moved", slow, {"DD311": E}),
    ("slow-halfway", lambda: slow(rel=0.2, faster=0.005), {"DD311": W}),
    ("slow-suggested-rate-verified", slow_suggested, {"DD311": E}),
    ("slow-x10-only-2x-better", lambda: slow(faster=0.45), {}),
    ("slow-x10-diverges", lambda: make_measurements(
        {"baseline": same(slowing(0.9)), "lr_x10": same(blow_up())}), {}),
    ("slow-1-of-3", lambda: slow(seeds_hit=1), {}),
    # the suggestion (1.3e-5) is below the rate 1e-4 and fits: too high, not too low (DD303)
    ("slow-suggestion-not-larger", lambda: slow_suggested(minimum_at=1e-4), {"DD303": W}),
    # DD401 under-capacity
    ("narrow", small, {"DD401": W}),
    ("narrow-but-lr-x10-as-good", lambda: small(rel=0.6, lr_x10=0.03), {"DD311": E}),
    ("wider-only-2x-better", lambda: small(rel=0.6, wider=0.3, lr_x10=0.95, lr_div10=0.95), {}),
    ("wider-20x-better-lr-x10-8x", lambda: small(rel=0.4, wider=0.02, lr_x10=0.05), {}),
    ("narrow-but-fits", lambda: small(rel=0.008, wider=0.0001, lr_x10=0.007, lr_div10=0.009), {}),
    ("wider-not-probed", lambda: make_measurements({"baseline": same(decay(1.0, 0.5))}), {}),
    # DD402 generalization gap
    ("validation-60x-training", gap, {"DD402": I}),
    ("validation-close-to-training", lambda: gap(val=0.008), {}),
    ("validation-far-but-tiny", lambda: gap(val=0.04), {}),
    ("validation-gap-1-of-3", lambda: gap(val=[0.3, 0.006, 0.006]), {}),
    ("no-validation-data", lambda: gap(val=None), {}),
    # DD403 regularization dominates
    ("weight-penalty-75pct", regularized, {"DD403": W}),
    ("weight-penalty-small", lambda: regularized(reg=0.05), {}),
    ("weight-penalty-large-but-fits", lambda: regularized(reg=0.004, curve=FIT), {}),
    # DD501 unscaled inputs
    ("unscaled-x-standardizing-verified", lambda: unscaled_inputs(standardize_x=FIT), {"DD501": W}),
    ("unscaled-x-not-probed", unscaled_inputs, {"DD501": W}),
    ("x-scales-300x-apart", lambda: unscaled_inputs(data=profile(x_std_max=3.0, x_std_min=0.01, x_max_abs=9.0)),
     {"DD501": W}),
    ("pixels-already-in-0-1", lambda: unscaled_inputs(data=profile(x_std_max=0.45, x_std_min=0.001, x_max_abs=1.0)),
     {}),
    ("model-normalizes-its-inputs", lambda: _normalizing_model(unscaled_inputs()), {}),
    ("unscaled-x-but-fits", lambda: unscaled_inputs(curve=FIT), {}),
    ("unscaled-x-refuted", lambda: unscaled_inputs(standardize_x=slowing(0.5)), {}),
    # DD511 unscaled targets
    ("unscaled-y-standardizing-verified", lambda: unscaled_targets(standardized=decay(1.0, 0.01)), {"DD511": W}),
    ("unscaled-y-with-offset", lambda: unscaled_targets(expected=2.6e5), {"DD511": W, "DD603": I}),
    ("unscaled-y-refuted", lambda: unscaled_targets(standardized=decay(1.0, 0.25)), {}),
    ("unscaled-y-but-fits", lambda: unscaled_targets(curve=decay(2.6e5, 50.0)), {}),
    # DD512 targets beyond the output's range
    ("pixels-under-sigmoid", lambda: bounded_output("sigmoid", PIXELS), {"DD512": E}),
    ("pixels-under-tanh-fixes-probed", lambda: bounded_output("tanh", PIXELS, rescale_y=FIT, linear_output=FIT),
     {"DD512": E}),
    ("unit-targets-under-sigmoid", lambda: bounded_output("sigmoid", profile(y_min=0.0, y_max=1.0, y_mean=0.4)), {}),
    ("targets-within-tolerance", lambda: bounded_output("sigmoid", profile(y_min=0.0, y_max=1.005, y_mean=0.4)), {}),
    ("pixels-under-relu", lambda: bounded_output("relu", PIXELS), {}),
    # DD521 bounded output on a regression it cannot reach
    ("negative-targets-under-relu", lambda: bounded_output("relu", profile()), {"DD521": E}),
    ("wide-targets-under-tanh", lambda: bounded_output("tanh", profile(y_min=-5.0, y_max=5.0)), {"DD521": E}),
    ("nonnegative-targets-under-relu", lambda: bounded_output("relu", profile(y_min=0.0, y_max=3.0, y_mean=1.0)),
     {}),
    # DD522 softmax over one unit
    ("softmax-one-unit", lambda: classifier(units=1, loss="binary_crossentropy", kind="binary", y_kind="binary"),
     {"DD522": E}),
    # DD523 logits mismatch
    ("softmax-into-from-logits-loss", lambda: classifier(from_logits=True), {"DD523": E}),
    ("logits-into-probability-loss", lambda: classifier(activation="linear", curve=STALL, matching_loss=FIT),
     {"DD523": E}),
    ("softmax-into-from-logits-loss-refuted", lambda: classifier(from_logits=True, curve=STALL,
                                                                 matching_loss=slowing(0.9)), {}),
    ("sigmoid-with-probability-loss", lambda: classifier("sigmoid", 1, "binary_crossentropy", "binary",
                                                         y_kind="binary"), {}),
    ("logits-with-from-logits-loss", lambda: classifier("linear", 1, "binary_crossentropy", "binary",
                                                       from_logits=True, y_kind="binary"), {}),
    # DD524 labels and loss
    ("multi-hot-under-softmax", lambda: classifier(y_kind="multi_hot"), {"DD524": E}),
    ("mse-on-one-hot", lambda: classifier("linear", loss="mean_squared_error", kind="regression"), {"DD524": W}),
    ("mse-on-one-hot-classification-loss-verified", lambda: classifier(
        "linear", loss="mean_squared_error", kind="regression", curve=STALL, matching_loss=FIT), {"DD524": W}),
    ("mse-on-one-hot-refuted", lambda: classifier("linear", loss="mean_squared_error", kind="regression",
                                                  curve=STALL, matching_loss=slowing(0.9)), {}),
    ("multi-hot-under-softmax-not-refutable", lambda: classifier(y_kind="multi_hot", curve=STALL,
                                                                 matching_loss=STALL), {"DD524": E}),
    ("multi-hot-under-sigmoid", lambda: classifier("sigmoid", loss="binary_crossentropy", kind="binary",
                                                   y_kind="multi_hot"), {}),
    # DD601 symmetric initialization
    ("zero-initialized-layer", symmetric, {"DD601": E}),
    ("zero-initialized-default-init-verified", lambda: symmetric(default_init=FIT), {"DD601": E}),
    ("identical-units-in-1-seed", lambda: symmetric(seeds_hit=1), {}),
    # DD602 oversized initialization
    ("kernel-20x-glorot", oversized, {"DD602": W}),
    ("kernel-20x-glorot-default-init-verified", lambda: oversized(default_init=FIT), {"DD602": W}),
    ("initial-loss-50x-expected", lambda: make_measurements({"baseline": same(decay(50.0, 0.98))}), {"DD602": W}),
    ("kernel-3x-glorot", lambda: oversized(scale=3.0), {}),
    ("kernel-20x-glorot-but-fits", lambda: oversized(curve=FIT), {}),
    ("kernel-20x-glorot-refuted", lambda: oversized(default_init=slowing(0.9)), {}),
    # DD603 output bias off the prior
    ("targets-offset-from-zero", offset_targets, {"DD603": I}),
    ("targets-offset-but-fits", lambda: offset_targets(curve=decay(401.0, 0.005)), {}),
]


def fired(m: Measurements, **kwargs) -> dict[str, Severity]:
    diagnosis = judge(m, **kwargs)
    ids = [f.id for f in diagnosis.findings]
    assert len(ids) == len(set(ids)), f"a rule gave several findings: {ids}"
    return {f.id: f.severity for f in diagnosis.findings}


@pytest.mark.parametrize("build, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_cases(build, expected):
    m = build()
    assert fired(m) == expected
    for f in judge(m).findings:  # what every settled finding promises
        rule = find_rule(f.id)
        assert (f.name, f.category) == (rule.name, rule.category) and f.message.endswith(".")
        assert f.seeds is None or re.fullmatch(r"[1-9]\d*/3 seeds", f.seeds)
        assert all(fix.verified or fix.effect is None for fix in f.fixes), "a fix that did not help stayed"
        verified = [fix.verified for fix in f.fixes]
        assert verified == sorted(verified, reverse=True), "verified fixes come first"
        assert all(fix.effect and "better in" in fix.effect for fix in f.fixes if fix.verified)
        assert all(fix.variant in EDITS for fix in f.fixes if fix.variant)
        assert all(fix.variant != "lr_suggested" or m.range_test or not fix.verified for fix in f.fixes)


def test_cases_cover_every_rule_firing_and_silent():
    fires = {rule_id for _, _, expected in CASES for rule_id in expected}
    assert fires == {rule.id for rule in ALL_RULES}
    # and each rule stays silent in at least two cases besides the healthy ones
    for rule in ALL_RULES:
        silent = [name for name, _, expected in CASES if rule.id not in expected and not name.startswith("healthy")]
        assert len(silent) >= 2, rule.id
    assert len({name for name, _, _ in CASES}) == len(CASES)


# -- edge cases of the loss shape, inapplicable edits and constant features -------------------

def test_a_climbing_loss_is_no_plateau():
    assert fired(diverging(curve=rise(1.0, 5.0))) == {"DD301": E}


def test_a_loss_rising_below_a_constant_is_no_plateau():
    assert fired(diverging(curve=rise(0.3, 0.6))) == {"DD303": W}  # ÷10 the rate fits: too high a rate


def test_plateau_of_an_adam_model_whose_probed_fix_failed_is_silent():
    m = plateau(optimizer="Adam", lr_suggested=PLATEAU)
    m.engine["inapplicable"] = ["adam"]  # the prober could not build that edit for an Adam model
    assert fired(m) == {}


def test_a_constant_feature_is_no_scale_problem():
    x = np.random.default_rng(0).normal(size=(64, 3))
    x[:, 1] = 1.0
    p = profile_data(x, np.zeros((64, 1)))
    assert fired(unscaled_inputs(data=profile(x_std_min=p.x_std_min, x_std_max=p.x_std_max,
                                              x_mean_abs_max=p.x_mean_abs_max))) == {}


# -- the findings in detail --------------------------------------------------------------------

def raw(m: Measurements, rule_id: str) -> Finding:
    """The rule's own finding, before ``settle``."""
    findings = find_rule(rule_id)().check(m)
    assert len(findings) == 1
    return findings[0]


def judged(m: Measurements, rule_id: str) -> Finding:
    """The finding as ``judge`` settles it."""
    (finding,) = [f for f in judge(m).findings if f.id == rule_id]
    return finding


def assert_meta(f: Finding, rule_id: str, category: str, severity: Severity, seeds: str | None) -> None:
    assert (f.id, f.category, f.severity, f.seeds) == (rule_id, category, severity, seeds)
    assert f.name == find_rule(rule_id).name
    assert f.message and f.message.endswith(".")
    assert all(fix.summary and fix.code for fix in f.fixes)


def variants(f: Finding) -> list[str | None]:
    return [fix.variant for fix in f.fixes]


def pending(f: Finding) -> bool:
    """Every fix is backed by an edit that still awaits its probe."""
    return bool(f.fixes) and all(fix.variant and fix.effect is None and not fix.verified for fix in f.fixes)


def test_vanishing_gradients_finding_proposes_probes():
    f = raw(vanishing(), "DD101")
    assert_meta(f, "DD101", "vanishing-gradients", E, "3/3 seeds")
    assert f.layers == ["dense", "dense_2"]
    assert "dense receives 0.001× the gradient of dense_2" in f.message
    assert all(r == pytest.approx(1e-3) for r in f.evidence["gradient_attenuation"])
    assert f.evidence["threshold"] == 0.01  # three trainable layers: the shallow limit applies
    assert variants(f) == ["relu", "batchnorm"] and pending(f)


def test_vanishing_gradients_threshold_is_a_tenth():
    rule = find_rule("DD101")
    assert rule.threshold == 0.1
    m = deeper(vanishing(first_rms=5e-4))  # dense gets 0.05× dense_2's gradient
    (f,) = rule().check(m)
    assert f.evidence["gradient_attenuation"] == pytest.approx([0.05] * 3)
    assert rule(threshold=0.01).check(m) == []  # the former threshold let it pass
    assert rule().check(deeper(vanishing(first_rms=2e-3))) == []  # 0.2
    assert rule().check(vanishing(first_rms=5e-4)) == []  # 0.05 in three layers: ordinary attenuation


def test_vanishing_gradients_verified_relu_ranks_the_finding():
    f = judged(vanishing(relu=FIT, batchnorm=STALL), "DD101")
    (fix,) = f.fixes
    assert fix.variant == "relu" and fix.verified and "better in 3/3 seeds" in fix.effect
    assert "relative loss 0.9 → 0.005" in fix.effect
    assert f.evidence["fixes_that_did_not_help"] == [
        "normalize activations: relative loss 0.9 → 0.98 at 400 steps; better in 0/3 seeds"]
    assert f.rank == pytest.approx(math.log10(0.9 / 0.005))


def test_vanishing_gradients_warning_counts_seeds():
    f = raw(vanishing(rel=0.2, seeds_hit=2), "DD101")
    assert_meta(f, "DD101", "vanishing-gradients", W, "2/3 seeds")
    assert f.evidence["relative_final_loss"] == pytest.approx([0.2, 0.2])


def test_vanishing_gradients_needs_two_traced_layers():
    no_grads = {name: {"grad_rms": None} for name in ("dense", "dense_1", "dense_2")}
    m = make_measurements({"baseline": same(slowing(0.9))}, traces={"baseline": same(no_grads)})
    assert find_rule("DD101")().check(m) == []


def test_vanishing_gradients_leaves_dead_layers_to_dead_relu():
    dying = {**grads(first=1e-5), "dense_1": {"grad_rms": 1e-3, "dead_fraction": [0.1] + [1.0] * 10}}
    m = make_measurements({"baseline": same(STALL)}, traces={"baseline": same(dying)})
    assert set(fired(m)) == {"DD201"}


def test_exploding_gradients_finding():
    f = judged(exploding(clipnorm=FIT, adam=rise(1.0, 2.0), lr_suggested=rise(1.0, 2.0)), "DD102")
    assert_meta(f, "DD102", "exploding-gradients", E, "3/3 seeds")
    assert f.layers == ["dense_1"] and "dense_1 grows 1e+03×" in f.message
    assert f.evidence["gradient_growth"] == pytest.approx([1e3] * 3)
    assert variants(f) == ["clipnorm", "default_init"]
    assert f.fixes[0].verified and "3 → 0.005" in f.fixes[0].effect and not f.fixes[1].verified
    assert f.rank > 2


def test_exploding_gradients_to_nan_count_as_infinite_growth():
    f = raw(exploding(nan=True), "DD102")  # the NaN gradient is recorded as None
    assert f.evidence["gradient_growth"] == [INF] * 3 and pending(f)
    assert f.evidence["relative_final_loss"] == [INF] * 3


def test_nonfinite_values_finding():
    f = raw(nonfinite(), "DD105")
    assert_meta(f, "DD105", "non-finite", E, "3/3 seeds")
    assert "at step 150" in f.message and f.layers == ["dense_1"]  # the largest gradient before it
    assert f.evidence["first_nonfinite_step"] == {"seed 0": 150, "seed 1": 150, "seed 2": 150}
    assert variants(f) == ["matching_loss", "clipnorm"] and pending(f)


def test_nonfinite_values_in_one_seed_is_a_warning():
    f = raw(nonfinite(seeds_hit=1), "DD105")
    assert_meta(f, "DD105", "non-finite", W, "1/3 seeds")


def test_dead_relu_error_with_verified_he_init_and_lower_learning_rate():
    m = dead(default_init=decay(1.0, 0.05))
    before = raw(m, "DD201")
    assert variants(before) == ["leaky_relu", "default_init", "lr_div10"]
    assert [fix.effect is None for fix in before.fixes] == [True, False, False]
    f = judged(m, "DD201")
    assert_meta(f, "DD201", "dead-units", E, "2/3 seeds")
    assert f.layers == ["dense_1"]
    assert f.message.startswith("All units of dense_1 died")
    assert f.evidence["dead_fraction_final"] == {"seed 0": {"dense_1": 1.0}, "seed 1": {"dense_1": 1.0}}
    assert f.evidence["dead_fraction_at_init"] == {"seed 0": {"dense_1": 0.1}, "seed 1": {"dense_1": 0.1}}
    # the verified fixes come first, the larger measured gain ahead; the unprobed one stays last
    assert variants(f) == ["lr_div10", "default_init", "leaky_relu"]
    lower, he, leaky = f.fixes
    assert lower.verified and he.verified and not leaky.verified and leaky.effect is None
    # measured on the seeds that died: 2 of 2 end at least 2× lower
    assert "0.98 → 0.01 at 400 steps; better in 2/2 seeds" in lower.effect
    assert "0.98 → 0.05 at 400 steps; better in 2/2 seeds" in he.effect
    assert "learning_rate=0.0001" in lower.code
    assert f.rank == pytest.approx(math.log10(0.98 / 0.01))


def test_dead_relu_defers_to_the_learning_rate_when_only_a_smaller_rate_helps():
    rule = find_rule("DD201")()
    (pending_,) = rule.check(dead())  # ÷10 verified, LeakyReLU and He init not probed yet: ask for them
    assert [x.variant for x in pending_.fixes if x.effect is None] == ["leaky_relu", "default_init"]
    assert rule.check(dead(leaky_relu=STALL, default_init=STALL)) == []  # probed and failed: the rate's fault
    assert judged(dead(leaky_relu=STALL, default_init=STALL), "DD303").fixes[0].variant == "lr_div10"
    for fix in ({"leaky_relu": FIT}, {"default_init": FIT}):  # either revives them too: a dead-unit finding
        (f,) = rule.check(dead(**fix))
        assert [x.verified for x in f.fixes] == [("leaky_relu" in fix), ("default_init" in fix), True]


def test_dead_relu_defers_to_symmetric_initialization_run_by_run():
    dying = {"dense_1": {"dead_fraction": [0.1] + [1.0] * 10}}
    zero = {"dense_1": {**dying["dense_1"], "init": {"kernel_rms": 0.0, "identical_units": True}}}
    variants_ = {"baseline": same(STALL), "leaky_relu": same(FIT)}
    assert set(fired(make_measurements(variants_, traces={"baseline": same(dying)}))) == {"DD201"}
    assert set(fired(make_measurements(variants_, traces={"baseline": same(zero)}))) == {"DD601"}
    # identical units in one seed: the two other seeds' dead units still count
    f = judged(make_measurements(variants_, traces={"baseline": [zero, dying, dying]}), "DD201")
    assert f.seeds == "2/3 seeds" and set(f.evidence["dead_fraction_final"]) == {"seed 1", "seed 2"}


def test_dead_relu_without_probe_support_keeps_pending_fixes_and_drops_the_failed_one():
    f = judged(dead(fraction=0.7, lower_lr_fits=False), "DD201")
    assert f.message.startswith("70% of the units of dense_1 died")
    assert variants(f) == ["leaky_relu", "default_init"] and pending(f)
    assert any("LeakyReLU" in fix.summary for fix in f.fixes)
    (failed,) = f.evidence["fixes_that_did_not_help"]
    assert failed.startswith("lower the learning rate ×10: ") and "better in 0/2 seeds" in failed


def test_dead_relu_whole_layer_is_reported_even_when_no_fix_helps():
    f = judged(dead(lower_lr_fits=False, leaky_relu=STALL, default_init=STALL), "DD201")
    assert f.fixes == [] and len(f.evidence["fixes_that_did_not_help"]) == 3
    assert f.rank == pytest.approx(math.log10(3))  # two dead seeds; no measured gain


def test_dead_relu_minority_is_a_warning():
    f = raw(dead(seeds_hit=1, leaky_relu=FIT), "DD201")
    assert_meta(f, "DD201", "dead-units", W, "1/3 seeds")


def test_saturated_activations_judge_hidden_layers_only():
    assert find_rule("DD202")().check(saturated_output()) == []  # the output at 95 %: not reported
    f = raw(saturated_output(hidden=0.8), "DD202")
    assert f.layers == ["dense"] and "80% of dense's outputs" in f.message  # not the output's 95 %
    assert "dense_2" not in f.message
    assert find_rule("DD202")().check(saturated_output(hidden=0.2)) == []  # below 30 %


def test_saturated_activations_finding():
    f = judged(saturated(standardize_x=FIT), "DD202")
    assert_meta(f, "DD202", "saturated-activations", W, "3/3 seeds")
    assert f.layers == ["dense"] and "80% of dense's outputs" in f.message
    assert variants(f) == ["standardize_x", "relu", "batchnorm"]
    assert f.fixes[0].verified and not any(fix.effect for fix in f.fixes[1:])


def test_diverging_nan_finding():
    f = judged(diverging(), "DD301")
    assert_meta(f, "DD301", "learning-rate-too-high", E, "3/3 seeds")
    assert f.evidence["first_nonfinite_step"] == 150
    assert "non-finite at step 150" in f.message and "learning rate 0.001" in f.message
    assert variants(f) == ["lr_div10", "lr_suggested", "clipnorm"]
    fix = f.fixes[0]
    assert fix.verified and "non-finite → 0.01" in fix.effect and "better in 3/3 seeds" in fix.effect
    assert "learning_rate=0.0001" in fix.code and "Adam" in fix.code
    test = range_test(1e-2)
    assert f.evidence["range_test_suggestion"] == pytest.approx(suggest(test.learning_rates, test.losses).recommended)
    assert f"{f.evidence['range_test_suggestion']:.3g}" in f.fixes[1].summary
    assert f.rank == 12.0  # a fix that turns NaN into a finite loss gains the most


def test_diverging_finite_climb_reports_relative_loss():
    f = raw(diverging(curve=rise(1.0, 5.0)), "DD301")
    assert "first_nonfinite_step" not in f.evidence
    assert f.evidence["relative_final_loss"] == pytest.approx([5.0] * 3)
    assert "ended at 5× the loss of a constant prediction" in f.message


def test_diverging_one_seed_is_a_warning_not_an_error():
    f = raw(diverging(seeds_hit=1), "DD301")
    assert_meta(f, "DD301", "learning-rate-too-high", W, "1/3 seeds")
    assert "better in 1/1 seeds" in f.fixes[0].effect


def test_diverging_lower_rate_that_still_fails_hands_over_to_other_rules():
    # the baseline climbs to 5× a constant's loss; ÷10 the rate only reaches 4×: measured, not verified
    m = diverging(curve=rise(1.0, 5.0), lower=rise(1.0, 4.0))
    assert find_rule("DD301")().check(m) == []
    fix = measured_fix(m, "lr_div10", "lower", "code", [0, 1, 2])
    assert not fix.verified and "relative loss 5 → 4" in fix.effect and "better in 0/3 seeds" in fix.effect


def test_diverging_lower_rate_that_also_diverges_is_no_learning_rate_problem():
    m = diverging(lower=blow_up(at=300))
    assert find_rule("DD301")().check(m) == []
    f = judged(diverging(lower=blow_up(at=300), lr_suggested=FIT), "DD301")  # unless the suggestion helps
    assert f.fixes[0].variant == "lr_suggested" and f.fixes[0].verified
    assert "lower the learning rate" in f.evidence["fixes_that_did_not_help"][0]


def test_oscillating_finding():
    f = judged(oscillating(), "DD302")
    assert_meta(f, "DD302", "learning-rate-too-high", W, "3/3 seeds")
    assert f.evidence["final_over_minimum"] == pytest.approx([50.0] * 3)
    (fix,) = f.fixes
    assert fix.variant == "lr_div10" and fix.verified and "better in 3/3 seeds" in fix.effect


def test_oscillating_with_heavy_momentum_offers_lighter_momentum():
    f = judged(heavy_momentum(FIT), "DD302")
    (fix,) = f.fixes
    assert fix.variant == "momentum_0.9" and fix.verified and fix.code == "momentum=0.9"
    assert "lower the learning rate" in f.evidence["fixes_that_did_not_help"][0]


def test_noisy_loss_finding():
    f = judged(noisy(), "DD303")
    assert_meta(f, "DD303", "learning-rate-too-high", W, "3/3 seeds")
    assert f.message == ("The learning rate 0.001 is too high: the loss ends at 0.05× a constant prediction's, "
                         "and a smaller rate ends at 0.01×.")
    assert f.evidence["relative_final_loss"] == pytest.approx([0.05] * 3)
    assert f.evidence["relative_final_loss_smaller_rate"] == pytest.approx([0.01] * 3)
    assert f.evidence["threshold"] == 2.0 and f.evidence["range_test_suggestion"] is None
    (fix,) = f.fixes
    assert fix.variant == "lr_div10" and fix.verified and "0.05 → 0.01" in fix.effect


def test_noisy_loss_gain_is_two():
    assert find_rule("DD303")().check(noisy(lower=0.025))  # exactly 2× lower
    assert find_rule("DD303")().check(noisy(lower=0.026)) == []
    assert find_rule("DD303")(gain=3.0).check(noisy(lower=0.02)) == []


def test_noisy_loss_by_the_range_tests_suggestion():
    m = noisy_suggested()
    suggestion = suggest(m.range_test.learning_rates, m.range_test.losses).recommended
    assert suggestion < 1e-3
    before = raw(m, "DD303")
    assert variants(before) == ["lr_div10", "lr_suggested"]
    f = judged(m, "DD303")
    assert_meta(f, "DD303", "learning-rate-too-high", W, "3/3 seeds")
    assert f.evidence["relative_final_loss_smaller_rate"] == pytest.approx([0.005] * 3)  # the better of the two
    assert f.evidence["range_test_suggestion"] == pytest.approx(suggestion)
    (fix,) = f.fixes
    assert fix.variant == "lr_suggested" and fix.verified and f"{suggestion:.3g}" in fix.summary
    assert "0.05 → 0.005" in fix.effect
    assert f.evidence["fixes_that_did_not_help"][0].startswith("lower the learning rate to 0.0001")
    # both smaller rates help: both fixes stay, the larger gain first
    g = judged(noisy_suggested(lower=0.01), "DD303")
    assert variants(g) == ["lr_suggested", "lr_div10"] and all(x.verified for x in g.fixes)


def test_noisy_loss_with_a_suggested_rate_probe_but_no_range_test():
    m = noisy(lower=0.04)
    m.runs.extend(run for run in noisy_suggested().runs_of("lr_suggested"))
    m.variants.append(noisy_suggested().variant("lr_suggested"))
    assert find_rule("DD303")().check(m) == []


def test_noisy_loss_needs_the_lower_rate_probe():
    d = judge(make_measurements({"baseline": same(decay(1.0, 0.05))}))
    assert "lr_div10" in d.skipped["DD303"] and "DD303" not in {f.id for f in d.findings}


def test_loss_plateau_finding():
    f = judged(plateau(adam=FIT, lr_suggested=PLATEAU), "DD304")
    assert_meta(f, "DD304", "learning-rate-too-low", W, "3/3 seeds")
    assert "plateaus at 0.5×" in f.message
    assert f.evidence["range_test_suggestion"] > 0
    (fix,) = f.fixes
    assert fix.variant == "adam" and fix.verified
    assert f.evidence["fixes_that_did_not_help"][0].startswith("use the LR range test's suggestion")


def test_loss_plateau_unprobed_proposes_both_escapes():
    f = raw(plateau(), "DD304")
    assert variants(f) == ["lr_suggested", "adam"] and pending(f)


def test_slow_progress_finding():
    f = judged(slow(), "DD311")
    assert_meta(f, "DD311", "learning-rate-too-low", E, "3/3 seeds")
    assert f.evidence["median_update_ratio"] == pytest.approx([1e-6] * 3)
    assert f.evidence["relative_final_loss"] == pytest.approx([0.9] * 3)
    (fix,) = f.fixes
    assert fix.variant == "lr_x10" and fix.verified and "better in 3/3 seeds" in fix.effect
    assert "keras.optimizers.SGD(learning_rate=0.001)" in fix.code
    assert f.rank == pytest.approx(math.log10(0.9 / 0.01))  # the measured gain of the fix


def test_slow_progress_by_the_range_tests_suggestion():
    f = judged(slow_suggested(), "DD311")
    assert f.fixes[0].variant == "lr_suggested" and f.fixes[0].verified
    suggestion = f.evidence["range_test_suggestion"]
    assert suggestion > 1e-4 and f"{suggestion:.3g}" in f.fixes[0].summary
    assert f.evidence["fixes_that_did_not_help"][0].startswith("raise the learning rate to 0.001")


def test_under_capacity_finding():
    f = judged(small(), "DD401")
    assert_meta(f, "DD401", "under-capacity", W, "3/3 seeds")
    (fix,) = f.fixes
    assert fix.variant == "wider" and fix.verified
    assert "dense: 8 → 32" in fix.summary and "better in 3/3 seeds" in fix.effect
    assert "max(4 * units, 32)" in fix.code  # 4× wider, at least 32 units
    assert "while a wider copy reaches 0.02×" in f.message
    assert f.evidence["relative_final_loss_wider"] == pytest.approx([0.02] * 3)
    assert f.evidence["overfits_one_batch"] == [True, True, False]
    assert f.layers == ["dense", "dense_1"]


def test_generalization_gap_finding():
    f = judged(gap(), "DD402")
    assert_meta(f, "DD402", "generalization-gap", I, "3/3 seeds")
    assert f.evidence["validation_over_training"] == {0: pytest.approx(60.0), 1: pytest.approx(60.0),
                                                      2: pytest.approx(60.0)}
    assert "60×" in f.message and f.fixes == []


def test_regularization_dominates_finding():
    f = judged(regularized(), "DD403")
    assert_meta(f, "DD403", "under-capacity", W, "3/3 seeds")
    assert f.evidence["regularization_share"] == {s: pytest.approx(0.75) for s in (0, 1, 2)}
    assert "75 %" in f.message


def test_unscaled_inputs_finding():
    f = judged(unscaled_inputs(standardize_x=FIT), "DD501")
    assert_meta(f, "DD501", "unscaled-inputs", W, "3/3 seeds")
    assert f.evidence["largest_feature_mean_or_std"] == 300.0 and f.evidence["std_spread"] == 150.0
    assert "std 300, with scales 150× apart" in f.message
    (fix,) = f.fixes
    assert fix.variant == "standardize_x" and fix.verified and "Normalization" in fix.code


def test_unscaled_inputs_unprobed_is_pending():
    assert pending(raw(unscaled_inputs(), "DD501"))


def test_unscaled_targets_judge_standardized_runs_on_their_own_baseline():
    f = judged(unscaled_targets(standardized=decay(1.0, 0.01)), "DD511")
    assert_meta(f, "DD511", "unscaled-targets", W, "3/3 seeds")
    assert "mean 500, std 100" in f.message
    (fix,) = f.fixes
    # 3e3 on a constant's 1e4, against 0.01 on the standardized constant's 1.0
    assert fix.verified and "relative loss 0.3 → 0.01" in fix.effect


def test_targets_beyond_output_range_finding():
    f = judged(bounded_output("tanh", PIXELS, rescale_y=FIT, linear_output=FIT), "DD512")
    assert_meta(f, "DD512", "unscaled-targets", E, None)
    assert f.layers == ["dense_2"] and "reach 255, beyond the tanh output's maximum 1" in f.message
    assert f.evidence["output_range"] == [-1.0, 1.0]
    assert variants(f) == ["rescale_y", "linear_output"] and all(fix.verified for fix in f.fixes)
    assert pending(raw(bounded_output("sigmoid", PIXELS), "DD512"))


def test_bounded_output_regression_finding():
    f = raw(bounded_output("relu", profile()), "DD521")
    assert_meta(f, "DD521", "output-loss-mismatch", E, None)
    assert "relu output cannot go below 0, but targets reach -2" in f.message
    assert variants(f) == ["linear_output"] and pending(f)
    g = judged(bounded_output("relu", profile(), linear_output=decay(1.0, 0.01)), "DD521")
    assert g.fixes[0].verified and "0.3 → 0.01" in g.fixes[0].effect and g.rank > 1


def test_softmax_single_unit_finding():
    f = raw(classifier(units=1, loss="binary_crossentropy", kind="binary", y_kind="binary"), "DD522")
    assert_meta(f, "DD522", "output-loss-mismatch", E, None)
    assert f.message.startswith("Softmax over a single output unit always outputs 1: its predictions carry no "
                                "information")
    assert variants(f) == ["matching_loss"] and "sigmoid" in f.fixes[0].code and pending(f)
    g = judged(classifier(units=1, loss="binary_crossentropy", kind="binary", y_kind="binary",
                          curve=flat(0.69, 400), matching_loss=FIT), "DD522")
    assert g.fixes[0].verified and "better in 3/3 seeds" in g.fixes[0].effect


def test_logits_mismatch_findings():
    f = raw(classifier(from_logits=True), "DD523")
    assert_meta(f, "DD523", "output-loss-mismatch", E, None)
    assert "softmax output already gives probabilities" in f.message
    assert "from_logits=False" in f.fixes[0].summary and pending(f)
    g = judged(classifier(activation="linear", curve=STALL, matching_loss=FIT), "DD523")
    assert "unbounded logits" in g.message and "from_logits=True" in g.fixes[0].code
    assert g.fixes[0].verified and "better in 3/3 seeds" in g.fixes[0].effect


def test_logits_mismatch_is_refuted_by_a_matching_pairing_that_does_no_better():
    rule = find_rule("DD523")()
    for activation, from_logits in (("softmax", True), ("linear", False)):
        refuted_ = classifier(activation, from_logits=from_logits, curve=STALL, matching_loss=slowing(0.9))
        assert rule.check(refuted_) == []
        helped = classifier(activation, from_logits=from_logits, curve=STALL, matching_loss=decay(1.0, 0.4))
        (f,) = rule.check(helped)  # 0.98 → 0.4: 2.45× lower
        assert f.fixes[0].verified


def test_labels_loss_mismatch_findings():
    f = raw(classifier(y_kind="multi_hot"), "DD524")
    assert_meta(f, "DD524", "output-loss-mismatch", E, None)
    assert "Multi-label targets under a softmax output" in f.message
    assert variants(f) == ["matching_loss"] and "binary_crossentropy" in f.fixes[0].code
    g = raw(classifier("linear", loss="mean_squared_error", kind="regression"), "DD524")
    assert_meta(g, "DD524", "output-loss-mismatch", W, None)
    assert "regression loss (mean_squared_error) on one-hot class labels" in g.message
    assert variants(g) == ["matching_loss"] and pending(g)


def test_labels_loss_mismatch_regression_on_labels_is_refutable():
    rule = find_rule("DD524")()
    mse = {"loss": "mean_squared_error", "kind": "regression", "curve": STALL}
    assert rule.check(classifier("linear", matching_loss=slowing(0.9), **mse)) == []
    (f,) = rule.check(classifier("linear", matching_loss=FIT, **mse))
    assert f.fixes[0].verified and "better in 3/3 seeds" in f.fixes[0].effect
    # multi-label targets under softmax stay an error whatever the probe says
    (g,) = rule.check(classifier(y_kind="multi_hot", curve=STALL, matching_loss=STALL))
    assert g.severity == E and not g.fixes[0].verified


def test_symmetric_initialization_finding():
    f = judged(symmetric(default_init=FIT), "DD601")
    assert_meta(f, "DD601", "bad-initialization", E, None)
    assert f.layers == ["dense_1"] and f.evidence["layers_with_identical_units"] == ["dense_1"]
    (fix,) = f.fixes
    assert fix.variant == "default_init" and fix.verified and "glorot_uniform" in fix.code


def test_oversized_initialization_findings():
    f = judged(oversized(default_init=FIT), "DD602")
    assert_meta(f, "DD602", "bad-initialization", W, "3/3 seeds")
    assert f.layers == ["dense"] and "dense starts with weights 20× the Glorot scale" in f.message
    assert f.evidence["kernel_rms_over_glorot"] == {"dense": pytest.approx(20.0), "dense_1": pytest.approx(1.0),
                                                    "dense_2": pytest.approx(1.0)}
    assert f.fixes[0].variant == "default_init" and f.fixes[0].verified
    g = raw(make_measurements({"baseline": same(decay(50.0, 0.98))}), "DD602")
    assert g.layers == [] and "loss at initialization is 49.5× the expected 1.01" in g.message
    assert pending(g)


def test_output_bias_off_prior_finding():
    f = judged(offset_targets(), "DD603")
    assert_meta(f, "DD603", "bad-initialization", I, "3/3 seeds")
    assert "401× below the expected loss at initialization" in f.message
    (fix,) = f.fixes
    assert fix.variant is None and not fix.verified and "y.mean(0)" in fix.code
    classes = classifier(units=10, curve=STALL)
    classes.baseline_loss, classes.initial_loss_expected = 0.1, math.log(10)  # a rare class, uniform start
    assert "np.log(prior)" in raw(classes, "DD603").fixes[0].code


# -- settling fixes ---------------------------------------------------------------------------------

def _finding(*fixes: Fix, rank: float = 0.0) -> Finding:
    return Finding(id="DD999", name="x", category="non-finite", severity=W, message="m.", evidence={},
                   fixes=list(fixes), rank=rank)


def test_settle_moves_failed_fixes_to_evidence_and_puts_verified_first():
    m = make_measurements({"baseline": same(slowing(0.9)), "lr_div10": same(slowing(0.8)),
                           "lr_x10": same(decay(1.0, 0.09)), "clipnorm": same(decay(1.0, 0.009))})
    seeds = [0, 1, 2]
    advice = Fix("advice", "code")
    failed = measured_fix(m, "lr_div10", "lower", "code", seeds)
    unprobed = measured_fix(m, "adam", "adam", "code", seeds)
    good = measured_fix(m, "lr_x10", "raise", "code", seeds)
    better = measured_fix(m, "clipnorm", "clip", "code", seeds)
    assert (failed.verified, unprobed.effect, good.verified, better.verified) == (False, None, True, True)
    f = settle(_finding(advice, failed, unprobed, good, better), m)
    assert f.fixes == [better, good, advice, unprobed]  # verified by gain, then the rest in order
    assert f.evidence["fixes_that_did_not_help"] == [f"lower: {failed.effect}"]
    assert f.rank == pytest.approx(math.log10(0.9 / 0.009))


def test_settle_keeps_a_rule_rank_above_the_gain_and_leaves_unprobed_findings_alone():
    m = make_measurements({"baseline": same(slowing(0.9)), "lr_x10": same(decay(1.0, 0.45))})
    small_gain = measured_fix(m, "lr_x10", "raise", "code", [0, 1, 2])
    assert small_gain.verified
    assert settle(_finding(small_gain, rank=3.0), m).rank == 3.0
    untouched = settle(_finding(Fix("advice", "code"), measured_fix(m, "adam", "adam", "code", [0, 1, 2])), m)
    assert "fixes_that_did_not_help" not in untouched.evidence and untouched.rank == 0.0
    assert [fix.summary for fix in untouched.fixes] == ["advice", "adam"]


def test_refuted_needs_every_backed_fix_probed_and_failed():
    m = make_measurements({"baseline": same(slowing(0.9)), "lr_div10": same(slowing(0.8)),
                           "lr_x10": same(decay(1.0, 0.01))})
    failed, helped = (measured_fix(m, v, v, "code", [0, 1, 2]) for v in ("lr_div10", "lr_x10"))
    unprobed = measured_fix(m, "adam", "adam", "code", [0, 1, 2])
    assert refuted([failed]) and refuted([failed, Fix("advice", "code")])
    assert not refuted([failed, unprobed]) and not refuted([failed, helped]) and not refuted([])
    assert not refuted([Fix("advice", "code")])


def test_measured_fix_needs_a_majority_of_seeds():
    m = make_measurements({"baseline": same(slowing(0.9)),
                           "lr_x10": [decay(1.0, 0.01), slowing(0.8), blow_up()]})
    fix = measured_fix(m, "lr_x10", "raise", "code", [0, 1, 2])
    assert not fix.verified and "better in 1/3 seeds" in fix.effect
    assert measured_fix(m, "lr_x10", "raise", "code", [0]).verified  # judged on the seeds given


# -- ordering by importance ---------------------------------------------------------------------------

DOC = """Test rule.

What it does
x

Why is this bad?
x

Measured
x

Fix
x
"""


def _preset(rule_id: str, severity: Severity, rank: float) -> type[Rule]:
    """A rule that always returns one finding with the given severity and rank."""
    namespace = {"__doc__": DOC, "id": rule_id, "name": f"preset-{rule_id.lower()}", "category": "non-finite",
                 "severity": severity,
                 "check": lambda self, m: [self.finding("preset.", {}, rank=rank)]}
    return type(f"Preset{rule_id}", (Rule,), namespace)


def test_judge_orders_by_gain_bucket_then_severity_then_id():
    rules = (_preset("DD903", W, 5.0), _preset("DD901", E, 0.0), _preset("DD904", I, 9.0),
             _preset("DD902", E, 1.5), _preset("DD906", W, 5.1), _preset("DD905", W, 0.1),
             _preset("DD907", E, 4.9))
    diagnosis = judge(healthy(), rules)
    # 9 | 5, 5.1, 4.9 share the bucket 5: error first, then ids | 1.5 | 0.1 and 0 share the bucket 0
    assert [f.id for f in diagnosis.findings] == ["DD904", "DD907", "DD903", "DD906", "DD902", "DD901", "DD905"]
    assert diagnosis.measurements is not None


def test_importance_gain_bucket_beats_severity():
    strong_warning, weak_error = _finding(rank=1.0), _finding(rank=0.2)
    weak_error.severity = E
    assert sorted([weak_error, strong_warning], key=importance) == [strong_warning, weak_error]
    close_error = _finding(rank=0.9)
    close_error.severity = E
    assert sorted([strong_warning, close_error], key=importance) == [close_error, strong_warning]


def test_judge_on_several_real_rules_puts_the_largest_measured_gain_first():
    # dead units in 2/3 seeds (error, LeakyReLU verified: 0.98 → 0.4), and a saturated tanh layer
    # whose standardized inputs fit (warning, 0.98 → 1e-5 in every seed)
    traces = [{"dense_1": {"dead_fraction": [0.1] + [1.0] * 10}, "dense": {"saturated_fraction": 0.8}}] * 2 + [
        {"dense": {"saturated_fraction": 0.8}}]
    m = make_measurements({"baseline": [STALL, STALL, slowing(0.5)], "leaky_relu": same(decay(1.0, 0.4)),
                           "standardize_x": same(decay(1.0, 1e-5))}, traces={"baseline": traces})
    diagnosis = judge(m)
    assert [(f.id, f.severity) for f in diagnosis.findings] == [("DD202", W), ("DD201", E)]
    assert diagnosis.findings[0].rank > diagnosis.findings[1].rank + 0.5


# -- the verdict -------------------------------------------------------------------------------------

def test_judge_healthy_fits():
    d = judge(healthy())
    assert d.findings == [] and (d.fit, d.fit_relative_loss) == ("fits", pytest.approx(0.005))
    assert d.verdict() == "healthy" and not d.fails(Severity.INFO)


def test_verdict_of_a_setup_still_descending():
    d = judge(make_measurements({"baseline": same(decay(1.0, 0.1))}))
    assert d.findings == [] and d.fit == "descending"
    assert d.verdict() == ("no fault found, but after 400 steps the loss is 0.1× a constant prediction's and "
                           "still falling; a longer probe (--steps 2000) looks further")


def test_verdict_of_a_stalled_setup_with_a_note():
    m = plateau(adam=PLATEAU, lr_suggested=PLATEAU)
    m.runs_of("baseline")[0].val_loss = 5.0
    m.runs_of("baseline")[1].val_loss = 5.0
    d = judge(m)
    assert [f.id for f in d.findings] == ["DD402"] and d.fit == "stalled"
    assert d.verdict().startswith("no fault found (1 note), but after 400 steps the loss is 0.5× a constant "
                                  "prediction's and no longer falling")


def test_verdict_with_warnings_ignores_the_fit():
    d = judge(plateau())
    assert d.fit == "stalled" and d.verdict() == "1 warning"


@pytest.mark.parametrize("fit, rel, verdict", [
    (None, None, "healthy"),
    ("fits", 0.004, "healthy"),
    ("descending", 0.2, "no fault found, but after 400 steps the loss is 0.2× a constant prediction's and still "
                        "falling; a longer probe (--steps 2000) looks further"),
    ("stalled", 0.35, "no fault found, but after 400 steps the loss is 0.35× a constant prediction's and no "
                      "longer falling; a longer probe (--steps 2000) looks further"),
])
def test_verdict_states_the_fit(fit, rel, verdict):
    assert Diagnosis([], healthy(), fit=fit, fit_relative_loss=rel).verdict() == verdict


def test_verdict_of_a_diverging_setup_without_findings():
    d = judge(diverging(), (find_rule("DD201"),))
    assert d.fit == "diverges" and d.findings == []
    assert "healthy" not in d.verdict()


@pytest.mark.parametrize("curves, fit", [
    ([decay(1.0, 0.005)] * 3, "fits"),
    ([decay(1.0, 0.005), decay(1.0, 0.005), PLATEAU], "fits"),  # the median seed
    ([decay(1.0, 0.1)] * 3, "descending"),
    ([PLATEAU] * 3, "stalled"),
    ([PLATEAU, PLATEAU, decay(1.0, 0.1)], "stalled"),
    ([blow_up()] * 3, "diverges"),
])
def test_fit_status(curves, fit):
    assert fit_status(make_measurements({"baseline": curves}))[0] == fit


def test_fit_status_without_a_baseline_run():
    assert fit_status(make_measurements({"lr_x10": same(FIT)})) == (None, None)


# -- rule metadata and documentation ------------------------------------------------------------

@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_metadata_and_docs(rule):
    assert re.fullmatch(r"DD\d{3}", rule.id)
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.name)
    assert rule.category in CATEGORIES
    assert isinstance(rule.severity, Severity)
    doc = rule.documentation()
    for section in DOC_SECTIONS:
        assert f"\n{section}\n" in doc
    assert rule.summary() == doc.splitlines()[0] and rule.summary().endswith(".")
    assert find_rule(rule.id) is rule and find_rule(rule.name) is rule and find_rule(rule.id.lower()) is rule
    assert set(rule.needs) <= set(EDITS)


def test_rule_ids_and_names_are_unique():
    assert len({r.id for r in ALL_RULES}) == len({r.name for r in ALL_RULES}) == len(ALL_RULES) == 23


def test_find_rule_unknown():
    assert find_rule("DD999") is None and find_rule("no-such-rule") is None


@pytest.mark.parametrize("attrs, doc, problem", [
    ({"id": "D101"}, DOC, "id"),
    ({"id": "dd101"}, DOC, "id"),
    ({"name": "Bad_Name"}, DOC, "kebab-case"),
    ({"category": "not-a-category"}, DOC, "category"),
    ({}, DOC.replace("Measured\n", "Measurements:\n"), "Measured"),
    ({}, None, "What it does"),
])
def test_bad_rule_definitions_raise_type_error(attrs, doc, problem):
    namespace = {"id": "DD999", "name": "bad-rule", "category": "non-finite", "severity": W, "__doc__": doc, **attrs}
    with pytest.raises(TypeError, match=re.escape(problem)):
        type("BadRule", (Rule,), namespace)


# -- edge cases ----------------------------------------------------------------------------

def test_every_rule_judges_measurements_without_profile_or_counterfactuals():
    m = make_measurements({"baseline": same(blow_up())}, profile=None, initial_loss_expected=None)
    for rule in ALL_RULES:
        rule().check(m)  # no rule may crash on what --no-counterfactuals measures


def test_unknown_learning_rate_is_described_relative():
    f = raw(diverging(), "DD301")
    assert "0.0001" in f.fixes[0].summary
    m = diverging()
    m.model.learning_rate = None
    f = raw(m, "DD301")
    assert f.message.startswith("Training diverges: ")
    assert "0.1 × the current rate" in f.fixes[0].summary


def test_dead_relu_lower_rate_fix_with_unknown_learning_rate():
    dead_layer = {"dense_1": {"dead_fraction": 1.0}}
    m = make_measurements({"baseline": same(STALL), "lr_div10": same(decay(1.0, 0.01)), "leaky_relu": same(FIT)},
                          traces={"baseline": same(dead_layer)}, learning_rate=None)
    f = judged(m, "DD201")
    assert variants(f) == ["leaky_relu", "lr_div10", "default_init"]
    assert f.fixes[1].verified and "initial_learning_rate by 0.1" in f.fixes[1].code
