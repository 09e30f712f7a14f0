"""Named scenarios of hand-built Measurements for the rule cases (tests/rule_cases/*.yaml).

Each scenario is a small story told in probe measurements: a sigmoid stack whose first layer
gets a thousandth of the gradient, ReLU units that die, a loss that bounces. The YAML cases
call them by name with keyword arguments; loss curves are given by name (FIT, STALL, PLATEAU,
BOUNCE) or as a curve spec (see ``curve``).
"""

from __future__ import annotations

import copy
import dataclasses
import math
from typing import Any

from builders import (EDITS, blow_up, chain, decay, flat, healthy, make_measurements, profile, range_test, rise,
                      same)
from dnndoctor.measurements import Measurements
from dnndoctor.probes.profile import profile_data

FIT = decay(1.0, 0.005)


def slowing(end: float) -> list[float]:
    """A loss still falling, but slowly: the second half cuts it by 20 % (no plateau, yet stalled)."""
    return decay(end / 0.64, end)


STALL = slowing(0.98)
PLATEAU = chain(decay(1.0, 0.5, 200), flat(0.5, 200))  # flat over the whole second half
BOUNCE = chain(decay(1.0, 0.001, 200), rise(0.002, 0.05, 200))  # low at step 200, ends 50× higher


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


def deeper(measured: Measurements) -> Measurements:
    """The same measurements with a fourth layer, dense_3, between dense_1 and the output: a copy of
    dense_1 in the model and in every run (4 traced layers)."""
    measured.model.layers.insert(2, dataclasses.replace(measured.model.layers[1], name="dense_3"))
    for run in measured.runs:
        run.layers.insert(2, dataclasses.replace(copy.deepcopy(run.layers[1]), name="dense_3"))
    return measured


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
              minimum_at: float = 1e-2, **fixes: list[float]) -> Measurements:
    """A setup at rate 1e-3 whose loss blows up in ``seeds_hit`` seeds; the range test's minimum at ``minimum_at``
    (1e-2: it suggests a rate above the user's; 1e-3: below it)."""
    curve = curve or blow_up(at=150)
    curves = [curve] * seeds_hit + [FIT] * (3 - seeds_hit)
    return make_measurements({"baseline": curves, "lr_x10": same(blow_up(at=20)),
                              "lr_div10": same(lower or decay(1.0, 0.01)), "wider": curves,
                              **{name: same(c) for name, c in fixes.items()}}, range_test=range_test(minimum_at))


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


def noisy_suggested(minimum_at: float = 1e-5, suggested: float = 0.005, lower: float = 0.04,
                    rel: float = 0.05) -> Measurements:
    """The loss ends at ``rel``; ÷10 the rate ends at ``lower``, the range test's suggestion (minimum
    at ``minimum_at``, so about ``minimum_at`` / 10) at ``suggested``. The user's rate is 1e-3."""
    return make_measurements({"baseline": same(decay(1.0, rel)), "lr_div10": same(decay(1.0, lower)),
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


def lagging_batchnorm(inference: float | list[float] = 0.4, training_end: float = 0.01,
                      moving_statistics: bool = True) -> Measurements:
    """A model that trains to ``training_end`` while its probe batch, scored in inference mode, ends at
    ``inference`` (one value for every seed, or one per seed)."""
    ends = inference if isinstance(inference, list) else [inference] * 3
    measured = make_measurements({"baseline": same(decay(1.0, training_end))},
                                 evals={"baseline": [[1.0] + [0.6] * 9 + [end] for end in ends]})
    measured.variant("baseline").moving_statistics = moving_statistics
    return measured


def regularized(reg: float = 0.4, curve: list[float] | None = None, accuracy: float | None = None) -> Measurements:
    return make_measurements({"baseline": same(curve or decay(1.0, 0.6))}, regularization_loss=reg,
                             accuracy=accuracy)


UNSCALED_X = profile(x_mean_abs_max=50.0, x_std_max=300.0, x_std_min=2.0, x_max_abs=2000.0)


def unscaled_inputs(curve: list[float] | None = None, data: object = UNSCALED_X, scales_own_inputs: bool = False,
                    **fixes: list[float]):
    measured = make_measurements({"baseline": same(curve or slowing(0.6)), **{n: same(c) for n, c in fixes.items()}},
                                 profile=data)
    measured.model.scales_own_inputs = scales_own_inputs
    return measured


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




def deep_vanishing(depths: list[int] | None = None, **kwargs: Any) -> Measurements:
    """``vanishing`` in a network of four traced layers, with their ``depths`` in the layer graph
    (trainable layers between each and the output, in layer order) when given."""
    measured = deeper(vanishing(**kwargs))
    for layer, depth in zip(measured.model.layers, depths or []):
        layer.depth = depth
    return measured


def dying_layer(zero_init_seeds: int = 0, learning_rate: float | None = 1e-3, **fixes: list[float]) -> Measurements:
    """Every ReLU unit of dense_1 dies in every seed and the loss stalls; in the first
    ``zero_init_seeds`` seeds dense_1 also started with identical (zero) kernels."""
    dying = {"dense_1": {"dead_fraction": [0.1] + [1.0] * 10}}
    zero = {"dense_1": {**dying["dense_1"], "init": {"kernel_rms": 0.0, "identical_units": True}}}
    return make_measurements({"baseline": same(STALL), **{n: same(c) for n, c in fixes.items()}},
                             traces={"baseline": [zero] * zero_init_seeds + [dying] * (3 - zero_init_seeds)},
                             learning_rate=learning_rate)


def dying_vanishing() -> Measurements:
    """A first layer starved of gradient because the whole layer after it died."""
    dying = {**grads(first=1e-5), "dense_1": {"grad_rms": 1e-3, "dead_fraction": [0.1] + [1.0] * 10}}
    return make_measurements({"baseline": same(STALL)}, traces={"baseline": same(dying)})


def growing_gradient_falling_loss() -> Measurements:
    """dense_1's gradient norm grows 1000× while the loss fits."""
    return make_measurements({"baseline": same(FIT)}, traces={"baseline": same(grads(growth=1e3))})


def plateau_without_adam_edit() -> Measurements:
    """An Adam model on a plateau whose range-test suggestion did not help; the prober could not
    build the Adam edit for a model that already uses Adam."""
    measured = plateau(optimizer="Adam", lr_suggested=PLATEAU)
    measured.inapplicable_edits = ["adam"]
    return measured


def constant_feature() -> Measurements:
    """Standardized inputs with one constant feature (std 0), in a stalled run."""
    import numpy as np

    x = np.random.default_rng(0).normal(size=(64, 3))
    x[:, 1] = 1.0
    stats = profile_data(x, np.zeros((64, 1)))
    return unscaled_inputs(data=profile(x_std_min=stats.x_std_min, x_std_max=stats.x_std_max,
                                        x_mean_abs_max=stats.x_mean_abs_max))


CLIMB = chain(decay(1.0, 0.03, 200), rise(0.03, 1.1, 200))  # trains to 0.03× a constant's, then climbs above it


def growing_rate(growth: float = 1024.0, lower: list[float] | None = None, dying: bool = True) -> Measurements:
    """A schedule that raises the rate ``growth``× over the probe (as ExponentialDecay with
    decay_rate 2): the loss trains to 0.03×, then climbs above a constant's while dense_1's units
    die (with ``dying``); ÷10 the rate only delays the climb (it ends 1.6× lower)."""
    dead = {"dense_1": {"dead_fraction": [0.0] * 6 + [0.5, 0.8, 1.0, 1.0, 1.0]}}
    measured = make_measurements(
        {"baseline": same(CLIMB), "lr_div10": same(lower or chain(decay(1.0, 0.02, 300), rise(0.02, 0.7, 100)))},
        traces={"baseline": same(dead)} if dying else None)
    for run in measured.runs:
        run.learning_rate *= growth  # the rate at the end of the probe
    measured.model.learning_rate_schedule = "ExponentialDecay"
    return measured


def probed_on_one_seed(scenario: str, variants: list[str], args: dict[str, Any] | None = None) -> Measurements:
    """A named scenario whose ``variants`` ran on the first seed only, as a planner that probes the
    counterfactuals on fewer seeds than the user's setup leaves them."""
    measured = build(scenario, args)
    first = measured.budget.seeds[0]
    measured.runs = [r for r in measured.runs if r.variant not in variants or r.seed == first]
    return measured


def measurements(variants: dict[str, list[float] | list[list[float]]], moving_statistics: bool = False,
                 **kwargs: Any) -> Measurements:
    """Plain ``make_measurements``: each variant one curve for every seed (or one per seed);
    ``moving_statistics`` marks the setup as a BatchNorm model."""
    per_seed = {name: c if isinstance(c[0], list) else same(c) for name, c in variants.items()}
    measured = make_measurements(per_seed, **kwargs)
    measured.variant("baseline").moving_statistics = moving_statistics
    return measured


# -- the vocabulary of the YAML cases ----------------------------------------------------------------

CURVES = {"FIT": FIT, "STALL": STALL, "PLATEAU": PLATEAU, "BOUNCE": BOUNCE}
CURVE_MAKERS = {"decay": decay, "rise": rise, "flat": flat, "slowing": slowing, "blow_up": blow_up}
PROFILES = {"UNSCALED_X": UNSCALED_X, "HOUSE_PRICES": HOUSE_PRICES, "PIXELS": PIXELS, "OFFSET": OFFSET}
SCENARIOS = {f.__name__: f for f in (
    healthy, vanishing, deep_vanishing, exploding, nonfinite, dead, dead_but_fits, dying_layer, dying_vanishing,
    growing_gradient_falling_loss, saturated, saturated_output, diverging, oscillating, heavy_momentum, noisy,
    noisy_suggested, plateau, plateau_without_adam_edit, slow, slow_suggested, small, gap, lagging_batchnorm,
    regularized,
    unscaled_inputs, constant_feature, unscaled_targets, bounded_output, classifier, symmetric, oversized,
    offset_targets, every_fix_probed, growing_rate, probed_on_one_seed, measurements)}


def resolve(value: Any) -> Any:
    """A YAML argument as Python: curve names and specs become loss curves, profile names and
    ``{profile: {...}}`` data profiles, ``{range_test: minimum_at}`` an LR range test; lists and mappings are resolved item by item.

    A curve spec is one of ``{decay: [start, end]}``, ``{rise: [start, end]}``, ``{flat: value}``,
    ``{slowing: end}``, ``{blow_up: {at: step}}`` (arguments as the builders take them, a list for
    positional ones) or ``{chain: [spec, spec]}``.
    """
    if isinstance(value, str):
        return CURVES.get(value, PROFILES.get(value, value))
    if isinstance(value, list):
        return [resolve(v) for v in value]
    if isinstance(value, dict) and len(value) == 1:
        (key, args), = value.items()
        if key == "chain":
            return chain(*(resolve(a) for a in args))
        if key == "profile":
            return profile(**args)
        if key == "range_test":
            return range_test(args)
        if key in CURVE_MAKERS:
            maker = CURVE_MAKERS[key]
            return maker(**args) if isinstance(args, dict) else maker(*args) if isinstance(args, list) else maker(args)
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    return value


def build(scenario: str, args: dict[str, Any] | None = None) -> Measurements:
    """The measurements of a named scenario with YAML arguments."""
    return SCENARIOS[scenario](**{key: resolve(value) for key, value in (args or {}).items()})
