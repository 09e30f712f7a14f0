"""The checks of one run as reporters see them: what was examined, and its diagnosis or its error."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Diagnosis


@dataclass
class CheckResult:
    """One model/data pair: its diagnosis, or the one-line error that ended it, and its plots."""

    name: str
    model: Path
    data: Path
    diagnosis: Diagnosis | None = None
    error: str | None = None
    plots: dict[str, Path] = field(default_factory=dict)  # "loss", "gradients", "activations" -> PNG


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` in POSIX form when it lies below it, else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path(os.path.abspath(root))).as_posix()
    except ValueError:
        return absolute.as_posix()
