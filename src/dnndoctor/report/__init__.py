"""Reporters: each turns the checks of a run into one document, on stdout or in a file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from ..errors import InputError
from ..findings import Severity
from .checks import CheckResult

FORMATS = ("rich", "json", "sarif", "junit", "markdown")


def check_output_path(path: Path) -> None:
    """Fail before any probing when the report could not be written to ``path``."""
    remedy = "pass --output a file in an existing, writable folder"
    if path.is_dir():
        raise InputError("the output path is a folder", path=path, remedy=remedy)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError("the output folder does not exist", path=path, remedy=remedy)
    if (path.exists() and not os.access(path, os.W_OK)) or not os.access(folder, os.W_OK):
        raise InputError("the output file is not writable", path=path, remedy=remedy)


def render(report_format: str, checks: list[CheckResult], *, configured: bool, fail_on: Severity | None,
           root: Path, image_root: Path) -> str:
    """A machine or Markdown document of the checks, in format ``report_format`` (not "rich")."""
    if report_format == "json":
        from . import json_report

        if configured:
            return json_report.render_collection(checks, root) + "\n"
        return json_report.render(checks[0].diagnosis) + "\n"
    if report_format == "sarif":
        from . import sarif

        return sarif.render(checks, root) + "\n"
    if report_format == "junit":
        from . import junit

        return junit.render(checks, fail_on) + "\n"
    if report_format == "markdown":
        from . import markdown

        return markdown.render(checks, root, image_root)
    raise ValueError(f"unknown report format {report_format!r}")


def render_rich(checks: list[CheckResult], stream: TextIO | None, *, titled: bool) -> None:
    """The terminal report of every completed check, each under its name when ``titled``; plain
    text when ``stream`` is a file."""
    from rich.console import Console

    from . import rich_console

    console = Console(file=stream, highlight=False, width=100 if stream else None,
                      color_system=None if stream else "auto")
    completed = [c for c in checks if c.diagnosis is not None]
    for check in completed:
        if titled:
            console.rule(f"[bold]{check.name}[/]")
        rich_console.render(check.diagnosis, console)
