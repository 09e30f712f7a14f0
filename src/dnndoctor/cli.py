"""The command line: parse, call the API, render, choose the exit code. The only place that exits."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from .errors import DoctorError, InputError, OptionError
from .runner import EXIT_ABNORMAL, EXIT_CLEAN

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # help texts show [default: ...] and [tool.dnndoctor] literally
    no_args_is_help=True,
    help="A doctor for Keras models that fail to train: probes, measured findings, tested fixes.",
)
stderr = Console(stderr=True, highlight=False)



class Format(str, enum.Enum):
    rich = "rich"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"


class FailOn(str, enum.Enum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


def _fail(message: str) -> None:
    stderr.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(EXIT_ABNORMAL)


def _overwrites(output: Path, given: Path) -> bool:
    """Whether writing ``output`` would replace ``given``, or a file inside it if it is a folder."""
    target = output.resolve()
    return target == given.resolve() or (given.is_dir() and given.resolve() in target.parents)


def _parse_seeds(text: str | None) -> list[int] | None:
    """The --seeds list; CheckOptions judges whether the seeds are valid."""
    if text is None:
        return None
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise InputError(f"--seeds {text!r} is not a comma-separated list of integers",
                         remedy="for example --seeds 0,1,2") from None


def _parse_class_weight(text: str) -> dict[int, float]:
    """``0=1,1=5`` -> {0: 1.0, 1: 5.0}: a loss weight per class index, as model.fit's class_weight;
    CheckOptions judges the values."""
    weights = {}
    try:
        for item in filter(str.strip, text.split(",")):
            label, weight = item.split("=")
            weights[int(label)] = float(weight)
    except ValueError:
        raise InputError(f"--class-weight {text!r} is not a list of CLASS=WEIGHT pairs",
                         remedy="for example --class-weight 0=1,1=5") from None
    return weights


def _rule_keys(text: str | None, flag: str) -> list[str] | None:
    """The rule keys of --select or --ignore, or None when the flag is absent; CheckOptions
    judges whether they name rules."""
    if text is None:
        return None
    keys = [k.strip() for k in text.split(",") if k.strip()]
    if not keys:
        raise InputError(f"{flag} {text!r} names no rule id, name or category", remedy="see `dnndoctor rules`")
    return keys


FLAG_OF = {"learning_rate": "--lr", "jit": "--xla"}  # CheckOptions fields whose flag has another name


def _flag_problem(exc: OptionError) -> str:
    """An invalid option value, told with the flag that gave it and an example of a valid one."""
    from .options import CheckOptions

    field = exc.option_path[0]
    flag = FLAG_OF.get(field, "--" + field.replace("_", "-"))
    default = getattr(CheckOptions(), field, None)
    example = ",".join(map(str, default)) if isinstance(default, list) else default
    remedy = f"for example {flag} {example}" if example not in (None, []) else "see `dnndoctor check --help`"
    return InputError(exc.named(flag), remedy=remedy).line()


class _Progress:
    """Progress of the probes on stderr: a live bar on a terminal, plain lines elsewhere."""

    def __init__(self, enabled: bool, *, prefixed: bool = False) -> None:
        self.enabled = enabled
        self.prefixed = prefixed  # several checks: each label starts with the check's name
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

    def for_check(self, name: str):
        """The progress callback of one check."""
        return lambda label, done, total: self(f"{name}: {label}" if self.prefixed else label, done, total)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@app.command()
def check(
    paths: Optional[list[Path]] = typer.Argument(
        None, metavar="MODEL DATA", show_default=False,
        help="Saved Keras model (.keras or .h5), compiled or not, and its training data: an .npz with x/y (or "
             "--x-key/--y-key), or a directory of .npy files x.npy, y.npy (read memory-mapped). Leave both out "
             "to run the checks configured in pyproject.toml."),
    format: Optional[list[Format]] = typer.Option(None, "--format", "-f", show_default=False,
                                                  help="Report format [default: rich]; repeat it, each with its "
                                                       "own --output, for several reports of one run."),
    output: Optional[list[Path]] = typer.Option(None, "--output", "-o", help="Write the report to this file, "
                                                "not stdout; one per --format."),
    plots: Optional[Path] = typer.Option(None, "--plots", help="Write PNG plots into this folder (needs the "
                                         "plots extra: pip install 'dnndoctor[plots]')."),
    fail_on: Optional[FailOn] = typer.Option(None, "--fail-on", show_default=False,
                                             help="Exit 1 when a finding reaches this severity [default: error]."),
    select: Optional[str] = typer.Option(None, "--select", help="Comma-separated rule ids, names or categories "
                                         "to apply (default: every rule)."),
    ignore: Optional[str] = typer.Option(None, "--ignore", help="Comma-separated rule ids, names or categories "
                                         "to leave out."),
    config: Optional[Path] = typer.Option(None, "--config", help="Read [tool.dnndoctor] from this file instead "
                                          "of the nearest pyproject.toml."),
    changed: bool = typer.Option(False, "--changed", help="Take the arguments as changed files and run the "
                                 "configured checks whose model or data is among them (for pre-commit)."),
    steps: Optional[int] = typer.Option(None, "--steps", show_default=False,
                                        help="Probe budget: training steps per run [default: 400]."),
    seeds: Optional[str] = typer.Option(None, "--seeds", show_default=False,
                                        help="Comma-separated seeds; each probe runs once per seed [default: 0,1,2]."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", show_default=False,
                                             help="Batch size, as given to model.fit [default: 32]."),
    loss: Optional[str] = typer.Option(None, "--loss", help="Loss to use (required for an uncompiled model)."),
    optimizer: Optional[str] = typer.Option(None, "--optimizer", help="Optimizer name, e.g. adam or sgd."),
    lr: Optional[float] = typer.Option(None, "--lr", help="Learning rate, overriding the saved one."),
    x_key: Optional[str] = typer.Option(None, "--x-key", help="Name of the inputs array in the .npz."),
    y_key: Optional[str] = typer.Option(None, "--y-key", help="Name of the targets array in the .npz."),
    class_weight: Optional[str] = typer.Option(None, "--class-weight", help="Loss weight per class, as model.fit's "
                                               "class_weight, e.g. 0=1,1=5."),
    counterfactuals: Optional[bool] = typer.Option(None, "--counterfactuals/--no-counterfactuals", show_default=False,
                                                   help="Also probe learning rate ×10, ÷10 and a wider model "
                                                        "[default: on]."),
    fix_out: Optional[Path] = typer.Option(None, "--fix-out", help="Save the model with the best verified "
                                           "model or optimizer fix applied, compiled, to this .keras file."),
    max_fixes: Optional[int] = typer.Option(None, "--max-fixes", show_default=False,
                                            help="Proposed fixes to verify with a probe each, per round, most "
                                                 "important findings first; 0 verifies none [default: 6]."),
    xla: Optional[bool] = typer.Option(None, "--xla/--no-xla", help="Compile probes with XLA (default: on a GPU)."),
    max_rows: int = typer.Option(100_000, "--max-rows", help="Probe on at most this many rows, sampled "
                                 "with the first seed."),
    max_data_mb: float = typer.Option(256.0, "--max-data-mb", help="Memory allowed for the rows the "
                                      "probes train on, in MiB; larger data is sampled."),
    unsafe_load: bool = typer.Option(False, "--unsafe-load", help="Let Keras run code stored in the model file "
                                     "(Lambda layers). Only for files you trust."),
    custom_objects: Optional[str] = typer.Option(None, "--custom-objects", help="A .py file or dotted module "
                                                 "that defines the model's custom layers; it is imported."),
    time_budget: Optional[float] = typer.Option(None, "--time-budget", help="Seconds for the whole "
                                                "check, TensorFlow start-up excluded; probes are cut to fit, "
                                                "the least informative first [default: 45, none with --thorough]."),
    thorough: bool = typer.Option(False, "--thorough", help="Probe every variant and fix on every seed, with no "
                                  "default time budget (a race otherwise adds seeds only while a verdict is open)."),
    executor: Optional[str] = typer.Option(None, "--executor", show_default=False,
                                           help="Where probe runs train: serial, devices (one worker per GPU or "
                                                "logical device), ray (needs dnndoctor[ray]; RAY_ADDRESS or a "
                                                "local cluster) or auto (devices with several GPUs) [default: auto]."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    """Probe MODEL on DATA and report why it fails to train, with measured evidence.

    Without MODEL and DATA, run every check of [tool.dnndoctor.checks] in the nearest pyproject.toml;
    with --changed, only those whose model or data is among the given files. Flags override the file.
    """
    from .config import load_config
    from .runner import exit_code, plan, run

    try:
        settings = load_config(config)
        given = {"steps": steps, "seeds": _parse_seeds(seeds), "batch_size": batch_size,
                 "counterfactuals": counterfactuals, "max_fixes": max_fixes, "select": _rule_keys(select, "--select"),
                 "ignore": _rule_keys(ignore, "--ignore"), "loss": loss, "optimizer": optimizer, "learning_rate": lr,
                 "x_key": x_key, "y_key": y_key, "time_budget": time_budget,  # else the configured ones
                 "thorough": thorough or None, "executor": executor,
                 "fix_out": None if fix_out is None else str(fix_out),
                 "class_weight": None if class_weight is None else _parse_class_weight(class_weight)}
        flags = {key: value for key, value in given.items() if value is not None}
        flags.update(jit=xla, max_rows=max_rows, max_data_mb=max_data_mb, unsafe_load=unsafe_load,
                     custom_objects=custom_objects)
        planned = plan(paths or [], settings, flags, changed=changed)
        reports = _reports(format or [Format.rich], output or [])
        _check_destinations(planned, output or [], fix_out, plots)
    except OptionError as exc:
        _fail(_flag_problem(exc))
    except DoctorError as exc:
        _fail(exc.line())
    threshold = _fail_level(fail_on.value if fail_on is not None else settings.fail_on)
    if not planned:
        if not quiet:
            stderr.print("dnndoctor: no configured check uses these files")
        raise typer.Exit(EXIT_CLEAN)
    configured = changed or not paths
    with _Progress(not quiet, prefixed=configured) as progress:
        results = run(planned, progress.for_check, plots)
    if not configured and results[0].error:
        _fail(results[0].error)
    _tell_outcomes(results)
    root = settings.path.parent if configured and settings.path else Path.cwd()
    for report_format, target in reports:
        _write_report(report_format.value, results, configured, threshold, target, root)
    raise typer.Exit(exit_code(results, threshold))


def _fail_level(level: str | None):
    """The --fail-on severity (default: error); None for never."""
    from .findings import Severity

    level = level or "error"
    return None if level == "never" else Severity.parse(level)


def _check_destinations(planned, outputs: list[Path], fix_out: Path | None, plots: Path | None) -> None:
    """Refuse, before any probe, a --fix-out, --output or --plots that cannot be written or
    would overwrite an input."""
    from .report import check_output_path

    if fix_out is not None:
        from .probes.fixout import check_fix_out

        if len(planned) != 1:
            raise InputError("--fix-out needs exactly one check", path=fix_out, remedy="pass MODEL and DATA")
        check_fix_out(fix_out, [planned[0].model, planned[0].data])
    for target in outputs:
        check_output_path(target)
        if any(_overwrites(target, Path(check.model)) or _overwrites(target, Path(check.data)) for check in planned):
            raise InputError("--output names an input file, which dnndoctor never overwrites", path=target,
                             remedy="pass --output a new file outside the data")
    if plots is not None:
        from .report.plots import require_matplotlib

        require_matplotlib()
        if plots.exists() and not plots.is_dir():
            raise InputError("--plots needs a folder, and this is a file", path=plots,
                             remedy="pass a folder path; it is created if missing")


def _tell_outcomes(results) -> None:
    """On stderr: the checks that could not run, and what --fix-out wrote."""
    for result in results:
        if result.error:
            stderr.print(f"[bold red]error:[/] {escape(result.name)}: {escape(result.error)}", soft_wrap=True)
    for result in results:
        if result.diagnosis is not None and result.diagnosis.fixed_model is not None:
            _tell_fixed_model(result.diagnosis.fixed_model)


def _tell_fixed_model(fixed: dict) -> None:
    """Say on stderr what --fix-out wrote, and the data edits to apply by hand."""
    if fixed["path"]:
        stderr.print(f"dnndoctor: wrote {escape(fixed['path'])} with {escape(fixed['change'])} ({fixed['effect']})",
                     soft_wrap=True)
    else:
        stderr.print(f"dnndoctor: --fix-out wrote nothing: {fixed['reason']}", soft_wrap=True)
    for code in fixed["data_edits"]:
        stderr.print(f"dnndoctor: also apply to the data: {escape(code)}", soft_wrap=True)


def _reports(formats: list[Format], outputs: list[Path]) -> list[tuple[Format, Optional[Path]]]:
    """Pair each --format with its --output; a single report may go to stdout."""
    if len(formats) == 1 and len(outputs) <= 1:
        return [(formats[0], outputs[0] if outputs else None)]
    if len(outputs) != len(formats):
        raise InputError(f"{len(formats)} --format but {len(outputs)} --output",
                         remedy="give each --format its own --output FILE, in the same order")
    if len(set(outputs)) != len(outputs):
        raise InputError("two reports name the same --output", remedy="give each report its own file")
    return list(zip(formats, outputs))


def _write_report(report_format: str, results, configured: bool, threshold, output: Optional[Path],
                  root: Path) -> None:
    """The report on stdout, or in ``output``, with paths relative to ``root`` (the project of the
    configuration, or the working directory); an unwritable file ends with exit 2."""
    from .report import render, render_rich

    try:
        if report_format == "rich":
            if output is None:
                render_rich(results, None, titled=configured)
            else:
                with open(output, "w", encoding="utf-8") as handle:
                    render_rich(results, handle, titled=configured)
            return
        text = render(report_format, results, configured=configured, fail_on=threshold, root=root,
                      image_root=output.parent if output is not None else Path.cwd())
        if output is None:
            sys.stdout.write(text)
        else:
            output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"{output}: cannot write the report ({exc.strerror or exc}) "
              "(pass --output a file in a writable folder)")


@app.command("rules")
def list_rules() -> None:
    """List every rule: id, name, category, severity and summary."""
    from rich.table import Table

    from .docs import severity_text
    from .rules import ALL_RULES

    table = Table()
    for column in ("id", "name", "category", "severity", "summary"):
        table.add_column(column)
    for rule in ALL_RULES:
        table.add_row(rule.id, rule.name, rule.category, severity_text(rule), rule.summary())
    Console().print(table)


@app.command()
def explain(rule: str = typer.Argument(..., help="Rule id (DD201) or name (dead-relu-units).")) -> None:
    """Print the full documentation of one rule."""
    from .docs import bounds_text, severity_text
    from .rules import ALL_RULES, find_rule

    found = find_rule(rule)
    if found is None:
        _fail(f"no rule {rule!r} (known: {', '.join(r.id for r in ALL_RULES)}); run `dnndoctor rules`")
    Console().print(f"[bold]{found.id} {found.name}[/] · {found.category} · {severity_text(found)}\n")
    lines = [found.documentation()]
    if found.options:
        lines += ["", f"Options, under [tool.dnndoctor.rules.{found.id}] in pyproject.toml:"]
        lines += [f"  {o.name} = {o.default!r}  ({o.type.__name__}, {bounds_text(o)}): {o.description}"
                  for o in found.options]
    Console().print("\n".join(lines), markup=False, highlight=False)


def main() -> None:
    app()
