"""PNG plots of what the probes measured, drawn with matplotlib (the optional ``plots`` extra).

Three images per check: the loss of the user's setup against every probed variant, the
per-layer gradient norms over the record steps, and per-layer activation statistics. Only
matplotlib's object API is used, so no global backend is switched in the caller's process.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..findings import Diagnosis
from ..measurements import Measurements, ProbeRun

KINDS = ("loss", "gradients", "activations")


def require_matplotlib() -> None:
    """Fail before any probing when matplotlib is missing."""
    if importlib.util.find_spec("matplotlib") is None:
        raise InputError("--plots needs matplotlib, which is not installed",
                         remedy="pip install 'dnndoctor[plots]'")


def _figure(width: float = 7.5, height: float = 4.2):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _positive(values) -> np.ndarray:
    """Floats for a log axis: None, non-finite and non-positive values become NaN gaps."""
    out = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    out[~np.isfinite(out) | (out <= 0)] = np.nan
    return out


def _median(rows: list[np.ndarray]) -> np.ndarray:
    length = max(len(r) for r in rows)
    padded = np.full((len(rows), length), np.nan)
    for i, row in enumerate(rows):
        padded[i, : len(row)] = row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
        return np.nanmedian(padded, axis=0)


def verified_variants(diagnosis: Diagnosis) -> set[str]:
    return {fix.variant for f in diagnosis.findings for fix in f.fixes if fix.variant and fix.verified}


def loss_figure(diagnosis: Diagnosis):
    """Training loss per step ÷ constant-prediction loss: median over seeds, each seed faint."""
    measured = diagnosis.measurements
    verified = verified_variants(diagnosis)
    figure = _figure()
    axes = figure.add_subplot()
    for k, variant in enumerate(measured.variants):
        runs = measured.runs_of(variant.name)
        if not runs:
            continue
        scale = max(getattr(variant, "baseline_loss", None) or measured.baseline_loss, 1e-12)
        curves = [_positive(r.losses) / scale for r in runs]
        color = f"C{k % 10}"
        for curve in curves:  # every seed, faint; the user's setup less so, since seeds can fail alone
            axes.plot(np.arange(1, len(curve) + 1), curve, color=color, alpha=0.45 if k == 0 else 0.15, linewidth=0.8)
        label = variant.description + (" (verified fix)" if variant.name in verified else "")
        median = _median(curves)
        axes.plot(np.arange(1, len(median) + 1), median, color=color, linewidth=2 if k == 0 else 1.4, label=label)
    axes.axhline(1.0, color="grey", linestyle="--", linewidth=1, label="constant prediction")
    axes.set(yscale="log", xlabel="training step", ylabel="loss ÷ constant-prediction loss",
             title=f"{measured.model.name}: training loss per probe (median of {len(measured.budget.seeds)} seeds)")
    axes.legend(fontsize="small")
    return figure


def _layer_series(runs: list[ProbeRun], field: str) -> dict[str, tuple[list[int], np.ndarray]]:
    """Per layer, the record steps and the median over seeds of one traced quantity."""
    out = {}
    for name in dict.fromkeys(t.name for r in runs for t in r.layers):
        rows = [np.array([np.nan if v is None else float(v) for v in getattr(r.layer(name), field)])
                for r in runs if any(t.name == name for t in r.layers)]
        rows = [row for row in rows if row.size and np.isfinite(row).any()]
        if rows:
            steps = max((r.record_steps for r in runs), key=len)
            values = _median(rows)
            out[name] = (steps[: len(values)], values)
    return out


def gradients_figure(measured: Measurements):
    """Gradient norm of every layer over the record steps of the user's setup."""
    figure = _figure()
    axes = figure.add_subplot()
    for name, (steps, values) in _layer_series(measured.runs_of("baseline"), "grad_norm").items():
        axes.plot(steps, _positive(values), marker="o", markersize=3, label=name)
    axes.set(yscale="log", xlabel="training step", ylabel="gradient norm",
             title=f"{measured.model.name}: gradient norm per layer (median over seeds)")
    if axes.lines:
        axes.legend(fontsize="small")
    return figure


def activations_figure(measured: Measurements):
    """Output mean ± std of each activation layer, and its dead or saturated fraction."""
    runs = measured.runs_of("baseline")
    figure = _figure(11, 4.2)
    spread, fraction = figure.subplots(1, 2)
    stds = _layer_series(runs, "act_std")
    for k, (name, (steps, mean)) in enumerate(_layer_series(runs, "act_mean").items()):
        color = f"C{k % 10}"
        spread.plot(steps, mean, color=color, label=name)
        if name in stds:
            std = stds[name][1][: len(mean)]
            spread.fill_between(steps[: len(std)], mean[: len(std)] - std, mean[: len(std)] + std,
                                color=color, alpha=0.15)
    spread.set(xlabel="training step", ylabel="output mean ± std", title="activations on the probe batch")
    for field, style in (("dead_fraction", "-"), ("saturated_fraction", "--")):
        for name, (steps, values) in _layer_series(runs, field).items():
            fraction.plot(steps, values, linestyle=style, marker="o", markersize=3,
                          label=f"{name} {field.split('_')[0]}")
    fraction.set(ylim=(-0.03, 1.03), xlabel="training step", ylabel="fraction of units / outputs",
                 title="dead (ReLU) and saturated (sigmoid, tanh)")
    for axes in (spread, fraction):
        if axes.lines:
            axes.legend(fontsize="small")
    figure.suptitle(f"{measured.model.name}: activation statistics (median over seeds)")
    return figure


def write_plots(diagnosis: Diagnosis, directory: Path, stem: str) -> dict[str, Path]:
    """Write ``{stem}.loss.png``, ``{stem}.gradients.png`` and ``{stem}.activations.png`` into ``directory``."""
    measured = diagnosis.measurements
    figures = {"loss": loss_figure(diagnosis), "gradients": gradients_figure(measured),
               "activations": activations_figure(measured)}
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind, figure in figures.items():
        path = directory / f"{stem}.{kind}.png"
        figure.savefig(path)
        paths[kind] = path
    return paths
