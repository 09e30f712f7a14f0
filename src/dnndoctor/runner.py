"""One `dnndoctor check`: which checks to run, running them, and the exit code they add up to.

The checks come from the command line (MODEL DATA), from the configuration (no arguments),
or from the configuration filtered by changed files (``--changed``, as pre-commit calls it).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .config import CheckTarget, Config
from .errors import DoctorError, InputError
from .factory import Factory
from .findings import Severity
from .options import CheckOptions
from .report.checks import CheckResult

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ABNORMAL = 0, 1, 2
NO_CHECKS = "add [tool.dnndoctor.checks.NAME] tables with model and data to pyproject.toml"

ProgressFactory = Callable[[str], Callable[[str, int, int], None]]


@dataclass
class PlannedCheck:
    """A check to run, with its options resolved from flags, its configuration and the table."""

    name: str
    model: Path
    data: Path
    options: CheckOptions
    factory: Factory | None = None


def plan(paths: list[Path], config: Config, flags: dict[str, Any], *, changed: bool = False) -> list[PlannedCheck]:
    """The checks the arguments ask for; raises InputError when they make no sense.

    With ``changed``, the paths are changed files: the configured checks that use one of them
    run, and all of them when the configuration file itself changed.
    """
    if changed:
        if not config.checks:
            raise InputError("--changed runs the configured checks, and none is configured", remedy=NO_CHECKS)
        touched = {_canonical(p) for p in paths}
        everything = config.path is not None and _canonical(config.path) in touched
        targets = [t for t in config.checks if everything or _uses(t, touched)]
        return [PlannedCheck(t.name, t.model, t.data, config.options_for(t, flags), t.factory) for t in targets]
    if not paths:
        if not config.checks:
            raise InputError("no MODEL and DATA given, and no check is configured",
                             remedy=f"run `dnndoctor check MODEL DATA`, or {NO_CHECKS}")
        return [PlannedCheck(t.name, t.model, t.data, config.options_for(t, flags), t.factory) for t in config.checks]
    if len(paths) != 2:
        raise InputError(f"expected MODEL and DATA, got {len(paths)} path{'s' * (len(paths) != 1)}",
                         remedy="pass a model and its data, nothing to run the configured checks, "
                                "or --changed FILE...")
    model, data = paths
    return [PlannedCheck(model.stem, model, data, config.options_for(None, flags))]


def _canonical(path: Path) -> str:
    return os.path.normcase(os.path.realpath(path))


def _uses(target: CheckTarget, touched: set[str]) -> bool:
    """Whether a changed file is the check's model, its data, or an array in its data folder."""
    model, data = _canonical(target.model), _canonical(target.data)
    return any(path in (model, data) or os.path.dirname(path) == data for path in touched)


def run(planned: list[PlannedCheck], progress_for: ProgressFactory, plots: Path | None = None) -> list[CheckResult]:
    """Run every check; an input or probe error ends that check only, recorded in its result."""
    from .api import check_files
    from .loading import check_paths
    from .tf_runtime import import_keras

    results = []
    for check in planned:
        result = CheckResult(check.name, check.model, check.data)
        results.append(result)
        try:
            if check.factory is None:
                check_paths(check.model, check.data)
            started = time.perf_counter()
            import_keras()
            startup = time.perf_counter() - started
            if check.factory is None:
                diagnosis = check_files(check.model, check.data, check.options, progress_for(check.name))
            else:
                diagnosis = check.factory.check(check.options, progress_for(check.name))
            diagnosis.measurements.timings["startup"] = round(startup, 3)
            diagnosis.measurements.timings["total"] = round(time.perf_counter() - started, 3)
            result.diagnosis = diagnosis
            if plots is not None:
                result.plots = _plot(diagnosis, plots, check.name)
        except DoctorError as exc:
            result.error = exc.line()
        except Exception as exc:  # a bug must still end in one line, not a traceback
            if os.environ.get("DNNDOCTOR_DEBUG"):
                raise
            first = str(exc).splitlines()[0] if str(exc) else ""
            result.error = (f"internal error ({type(exc).__name__}: {first}); "
                            "rerun with DNNDOCTOR_DEBUG=1 for details")
    return results


def _plot(diagnosis, folder: Path, name: str) -> dict[str, Path]:
    from .report.plots import write_plots

    try:
        return write_plots(diagnosis, folder, plot_stem(name))
    except OSError as exc:
        raise InputError(f"cannot write the plots ({exc.strerror or exc})", path=exc.filename or folder,
                         remedy="pass --plots a writable folder") from None


def plot_stem(name: str) -> str:
    """A check name made safe as the start of a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip(".") or "check"


def exit_code(results: list[CheckResult], fail_on: Severity | None) -> int:
    """The worst outcome: 2 if a check could not run, 1 if a finding reached ``fail_on``, else 0."""
    if any(r.error for r in results):
        return EXIT_ABNORMAL
    if any(r.diagnosis.fails(fail_on) for r in results):
        return EXIT_FINDINGS
    return EXIT_CLEAN
