"""The terminal report: header, per-layer table, loss curve, findings, verdict."""

from __future__ import annotations

import io
import math
import warnings

import numpy as np
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..findings import Diagnosis, Finding, Severity
from ..measurements import Measurements, ProbeRun
from ..formatting import format_number, seed_cell
from ..runstats import median_accuracy, relative_final
from ..sanity import describe, sanity_checks
from .curve import draw
from .plain import evidence_text

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _num(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.{digits}g}"


def header(measured: Measurements) -> Panel:
    model, data, budget = measured.model, measured.data, measured.budget
    lr = f"{model.learning_rate:.3g}" if model.learning_rate is not None else "?"
    if model.learning_rate_schedule:
        lr += f" ({model.learning_rate_schedule})"
    hidden = sum(1 for layer in model.layers if layer.params)
    lines = [
        f"[bold]model[/] {model.name}: {len(model.layers)} layers ({hidden} trainable), {model.params:,} parameters",
        f"[bold]training[/] {model.optimizer}, learning rate {lr}, loss {model.loss}"
        + (" (from logits)" if model.from_logits else ""),
        f"[bold]data[/] {data.path or 'arrays'}: x {tuple(data.x.shape)} {data.x.dtype} "
        f"in [{_num(data.x.min, 3)}, {_num(data.x.max, 3)}], "
        f"y {tuple(data.y.shape)} {data.y.dtype} in [{_num(data.y.min, 3)}, {_num(data.y.max, 3)}]"
        + (f", {data.val_rows} validation rows" if data.val_rows else "")
        + (f"; probes use {data.sampled_rows:,} of {data.rows:,} rows, sampled with seed {data.sample_seed}"
           if data.sampled_rows else ""),
        f"[bold]probes[/] {budget.steps} steps of batch {budget.batch_size} "
        f"({budget.steps / budget.steps_per_epoch:.0f} epochs) × seeds {', '.join(map(str, budget.seeds))} "
        f"× {len(measured.variants)} setups; constant-prediction loss {format_number(measured.baseline_loss)}"
        + (f", lowest reachable {format_number(measured.floor_loss)} (soft or smoothed targets)"
           if measured.floor_loss else ""),
    ]
    accuracy = median_accuracy(measured, measured.budget.seeds)
    if accuracy is not None:
        lines[-1] += f"; the setup labels {accuracy:.1%} of the probe batch right (median seed)"
    quick = describe(sanity_checks(measured))
    if quick:
        lines.append(f"[bold]checks[/] {escape(quick)}")
    lines += [f"[bold yellow]cut[/] {escape(cut)}" for cut in measured.cuts]
    return Panel("\n".join(lines), title="dnndoctor check", title_align="left")


def _median_last(runs: list[ProbeRun], layer: str, field: str, index: int = -1):
    values = []
    for run in runs:
        trace = next((t for t in run.layers if t.name == layer), None)
        series = getattr(trace, field) if trace else []
        if series and series[index] is not None:
            values.append(series[index])
    return float(np.median(values)) if values else None


def layer_table(measured: Measurements) -> Table:
    runs = measured.runs_of("baseline")
    table = Table(title=f"Layers after {measured.budget.steps} steps (median over seeds)", title_justify="left")
    for column in ("layer", "activation", "params", "grad RMS", "update/weight", "dead", "saturated", "output mean ± std"):
        table.add_column(column, justify="left" if column in ("layer", "activation") else "right")
    for info in measured.model.layers:
        grad = _median_last(runs, info.name, "grad_rms")
        ratio = _median_last(runs, info.name, "update_ratio")
        dead = _median_last(runs, info.name, "dead_fraction")
        sat = _median_last(runs, info.name, "saturated_fraction")
        mean, std = _median_last(runs, info.name, "act_mean"), _median_last(runs, info.name, "act_std")
        ratio_style = "" if ratio is None or 1e-5 <= ratio <= 1e-1 else "yellow"
        table.add_row(
            info.name, info.activation or "–", f"{info.params:,}", _num(grad),
            Text(_num(ratio), style=ratio_style),
            Text("–" if dead is None else f"{dead:.0%}", style="red" if (dead or 0) >= 0.5 else ""),
            Text("–" if sat is None else f"{sat:.0%}", style="yellow" if (sat or 0) >= 0.5 else ""),
            "–" if mean is None else f"{mean:.2g} ± {_num(std)}",
        )
    return table


def loss_curve(measured: Measurements) -> Group:
    series = {}
    for variant in measured.variants:
        runs = measured.runs_of(variant.name)
        if runs:
            length = max(len(r.losses) for r in runs)
            padded = np.full((len(runs), length), np.nan)
            for i, r in enumerate(runs):
                padded[i, : len(r.losses)] = r.losses
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                series[variant.description] = list(np.nanmedian(np.where(np.isfinite(padded), padded, np.nan), axis=0))
    lines, marks = draw(series)
    legend = "   ".join(f"{mark} {name}" for name, mark in marks.items())
    return Group(Text("Training loss per step (median over seeds, log scale)", style="bold"),
                 Text("\n".join(lines)), Text(legend, style="dim"))


def finding_panel(finding: Finding) -> Panel:
    body = [Text(finding.message)]
    evidence = Table.grid(padding=(0, 2))
    for key, value in finding.evidence.items():
        evidence.add_row(Text(key, style="dim"), Text(evidence_text(value)))
    body.append(evidence)
    for fix in finding.fixes:
        status = ("[green]verified[/]" if fix.verified else "[yellow]did not help[/]") if fix.probed else "[dim]unverified[/]"
        line = f"→ {fix.summary} ({status}" + (f": {fix.effect})" if fix.effect else ")")
        body.append(Text.from_markup(line))
        body.append(Text(f"    {fix.code}", style="green"))
    title = f"[{STYLE[finding.severity]}]{finding.severity.label.upper()}[/] {finding.id} {finding.name} · {finding.category}"
    if finding.seeds:
        title += f" · {finding.seeds}"
    if finding.layers:
        title += f" · {', '.join(finding.layers)}"
    if finding.confidence != "high":
        title += f" · {finding.confidence} confidence"
    return Panel(Group(*body), title=title, title_align="left", border_style=STYLE[finding.severity])


def variants_table(measured: Measurements) -> Table:
    ratio = ("(final loss − lowest reachable) ÷ (constant-prediction loss − lowest reachable)" if measured.floor_loss
             else "final loss ÷ constant-prediction loss")
    table = Table(title=f"Counterfactual probes: {ratio}", title_justify="left")
    table.add_column("setup")
    table.add_column("change")
    for seed in measured.budget.seeds:
        table.add_column(f"seed {seed}", justify="right")
    for variant in measured.variants:
        rels = {r.seed: relative_final(measured, r) for r in measured.runs_of(variant.name)}
        table.add_row(variant.description, variant.change or "–",
                      *(seed_cell(rels, s) for s in measured.budget.seeds))
    return table


def render(diagnosis: Diagnosis, console: Console) -> None:
    measured = diagnosis.measurements
    console.print(header(measured))
    console.print(layer_table(measured))
    console.print(loss_curve(measured))
    console.print(variants_table(measured))
    for finding in diagnosis.findings:
        console.print(finding_panel(finding))
    worst = diagnosis.worst
    style = STYLE.get(worst, "bold green") if worst and worst > Severity.INFO else "bold green"
    console.print(Text(f"Verdict: {diagnosis.verdict()}", style=style))


def render_plain(diagnosis: Diagnosis, width: int = 100) -> str:
    """The terminal report as plain text: no colour, no escape codes."""
    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False, highlight=False)
    render(diagnosis, console)
    return console.file.getvalue()
