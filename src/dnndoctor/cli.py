"""The command line: parse, call the API, render, choose the exit code. The only place that exits."""

from __future__ import annotations

import enum
import os
import sys
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from .errors import DoctorError, InputError

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="A doctor for Keras models that fail to train: probes, measured findings, tested fixes.",
)
stderr = Console(stderr=True, highlight=False)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ABNORMAL = 0, 1, 2


class Format(str, enum.Enum):
    rich = "rich"
    json = "json"


class FailOn(str, enum.Enum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


def _fail(message: str) -> None:
    stderr.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(EXIT_ABNORMAL)


def _parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise InputError(f"--seeds {text!r} is not a comma-separated list of integers",
                         remedy="for example --seeds 0,1,2") from None
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise InputError(f"--seeds {text!r} must list distinct non-negative integers",
                         remedy="for example --seeds 0,1,2")
    return seeds


class _Progress:
    """Progress of the probes on stderr: a live bar on a terminal, plain lines elsewhere."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None
        self.task = None

    def __enter__(self):
        if self.enabled and stderr.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=stderr, transient=True)
            self.bar.__enter__()
            self.task = self.bar.add_task("starting", total=None)
        return self

    def __call__(self, label: str, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, description=label, completed=done, total=total)
        elif self.enabled:
            stderr.print(f"dnndoctor: {label} ({done}/{total})", highlight=False)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@app.command()
def check(
    model: Path = typer.Argument(..., help="Saved Keras model (.keras or .h5), compiled or not."),
    data: Path = typer.Argument(..., help="Training data: an .npz with x/y (or --x-key/--y-key), or a directory "
                                           "of .npy files x.npy, y.npy (read memory-mapped)."),
    format: Format = typer.Option(Format.rich, "--format", "-f", help="Report format on stdout."),
    fail_on: FailOn = typer.Option(FailOn.error, "--fail-on", help="Exit 1 when a finding reaches this severity."),
    steps: int = typer.Option(400, "--steps", min=10, max=100_000, help="Probe budget: training steps per run."),
    seeds: str = typer.Option("0,1,2", "--seeds", help="Comma-separated seeds; each probe runs once per seed."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="Batch size, as given to model.fit."),
    loss: Optional[str] = typer.Option(None, "--loss", help="Loss to use (required for an uncompiled model)."),
    optimizer: Optional[str] = typer.Option(None, "--optimizer", help="Optimizer name, e.g. adam or sgd."),
    lr: Optional[float] = typer.Option(None, "--lr", help="Learning rate, overriding the saved one."),
    x_key: Optional[str] = typer.Option(None, "--x-key", help="Name of the inputs array in the .npz."),
    y_key: Optional[str] = typer.Option(None, "--y-key", help="Name of the targets array in the .npz."),
    counterfactuals: bool = typer.Option(True, "--counterfactuals/--no-counterfactuals",
                                         help="Also probe learning rate ×10, ÷10 and a wider model."),
    xla: Optional[bool] = typer.Option(None, "--xla/--no-xla", help="Compile probes with XLA (default: on a GPU)."),
    max_rows: int = typer.Option(100_000, "--max-rows", min=2, help="Probe on at most this many rows, sampled "
                                 "with the first seed."),
    max_data_mb: float = typer.Option(256.0, "--max-data-mb", min=1.0, help="Memory allowed for the rows the "
                                      "probes train on, in MiB; larger data is sampled."),
    unsafe_load: bool = typer.Option(False, "--unsafe-load", help="Let Keras run code stored in the model file "
                                     "(Lambda layers). Only for files you trust."),
    custom_objects: Optional[str] = typer.Option(None, "--custom-objects", help="A .py file or dotted module "
                                                 "that defines the model's custom layers; it is imported."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    """Probe MODEL on DATA and report why it fails to train, with measured evidence."""
    from .findings import Severity
    from .options import CheckOptions

    try:
        options = CheckOptions(steps=steps, seeds=_parse_seeds(seeds), batch_size=batch_size, loss=loss,
                               optimizer=optimizer, learning_rate=lr, x_key=x_key, y_key=y_key,
                               counterfactuals=counterfactuals, jit=xla, max_rows=max_rows,
                               max_data_mb=max_data_mb, unsafe_load=unsafe_load, custom_objects=custom_objects)
        from .loading import check_paths
        from .tf_runtime import import_keras

        check_paths(model, data)
        started = time.perf_counter()

        import_keras()
        startup = time.perf_counter() - started
        from .api import check_files

        with _Progress(not quiet) as progress:
            diagnosis = check_files(model, data, options, progress)
        diagnosis.measurements.timings["startup"] = round(startup, 3)
        diagnosis.measurements.timings["total"] = round(time.perf_counter() - started, 3)
    except DoctorError as exc:
        _fail(exc.line())
    except Exception as exc:  # a bug must still end in one line, not a traceback
        if os.environ.get("DNNDOCTOR_DEBUG"):
            raise
        _fail(f"internal error ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
              "rerun with DNNDOCTOR_DEBUG=1 for details")
    if format is Format.json:
        from .report import json_report

        sys.stdout.write(json_report.render(diagnosis) + "\n")
    else:
        from .report import rich_console

        rich_console.render(diagnosis, Console(highlight=False))
    threshold = None if fail_on is FailOn.never else Severity.parse(fail_on.value)
    raise typer.Exit(EXIT_FINDINGS if diagnosis.fails(threshold) else EXIT_CLEAN)


@app.command("rules")
def list_rules() -> None:
    """List every rule: id, name, category, severity and summary."""
    from rich.table import Table

    from .rules import ALL_RULES

    table = Table()
    for column in ("id", "name", "category", "severity", "summary"):
        table.add_column(column)
    for rule in ALL_RULES:
        table.add_row(rule.id, rule.name, rule.category, rule.severity.label, rule.summary())
    Console().print(table)


@app.command()
def explain(rule: str = typer.Argument(..., help="Rule id (DD201) or name (dead-relu-units).")) -> None:
    """Print the full documentation of one rule."""
    from .rules import ALL_RULES, find_rule

    found = find_rule(rule)
    if found is None:
        _fail(f"no rule {rule!r} (known: {', '.join(r.id for r in ALL_RULES)}); run `dnndoctor rules`")
    Console().print(f"[bold]{found.id} {found.name}[/] · {found.category} · {found.severity.label}\n")
    Console().print(found.documentation(), markup=False)


def main() -> None:
    app()
