"""Checks whose model and data live in code: a factory ``module:function`` named in pyproject.toml.

    [tool.dnndoctor.checks.regressor]
    factory = "training.data:build"   # build() returns (model, (x, y)) or (model, dataset)

The module is imported, with the project's folder first on ``sys.path``, only because the
user's own configuration names it: a model or data file being checked never names code to run.
Importing this module imports no TensorFlow.
"""

from __future__ import annotations

import importlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .customobjects import no_bytecode
from .errors import InputError

SPEC = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*")
RETURNS = "return (model, (x, y)), (model, (x, y, sample_weight)) or (model, dataset) from the factory"


def is_factory_spec(value: Any) -> bool:
    """Whether ``value`` reads ``module.path:function``."""
    return isinstance(value, str) and SPEC.fullmatch(value) is not None


@dataclass(frozen=True)
class Factory:
    """A configured factory: ``spec`` (``module:function``), imported from the project folder ``root``."""

    spec: str
    root: Path

    @property
    def module(self) -> str:
        return self.spec.split(":")[0]

    @property
    def source(self) -> Path:
        """The module's file in the project (what reports point at and ``--changed`` watches), found
        without importing it; the project's pyproject.toml when the module lives elsewhere."""
        relative = Path(*self.module.split("."))
        for candidate in (self.root / relative.with_suffix(".py"), self.root / relative / "__init__.py"):
            if candidate.is_file():
                return candidate
        return self.root / "pyproject.toml"

    def build(self) -> tuple[Any, Any]:
        """Import the module, call the function and return its model and data."""
        function = getattr(self._import(), self.spec.split(":")[1], None)
        if not callable(function):
            raise self._error(f"the module defines no function {self.spec.split(':')[1]!r}",
                              "name a function of the module after the colon")
        try:
            made = function()
        except Exception as exc:  # the user's code runs here, and may raise anything
            raise self._error(f"the factory raised {type(exc).__name__}: {_first_line(exc)}",
                              "fix the factory so that it returns without error") from None
        if not isinstance(made, (tuple, list)) or len(made) != 2:
            raise self._error(f"the factory returned {type(made).__name__}, not (model, data)", RETURNS)
        return made[0], made[1]

    def check(self, options, progress):
        """Diagnose what the factory builds, as ``dnndoctor.diagnose`` does."""
        import dataclasses

        from .api import diagnose

        model, data = self.build()
        if isinstance(data, (tuple, list)) and len(data) in (2, 3):
            x, y, *weights = data
        else:
            x, y, weights = data, None, []
        try:
            return diagnose(model, x, y, sample_weight=weights[0] if weights else None, progress=progress,
                            **{f.name: getattr(options, f.name) for f in dataclasses.fields(options)})
        except TypeError as exc:  # data that is neither arrays nor a dataset
            raise self._error(f"the factory's data cannot be used ({_first_line(exc)})", RETURNS) from None

    def _import(self):
        added = str(self.root) not in sys.path
        if added:
            sys.path.insert(0, str(self.root))
        try:
            with no_bytecode():
                return importlib.import_module(self.module)
        except ModuleNotFoundError as exc:
            raise self._error(f"cannot import the factory module ({exc})",
                              "name a module importable from the folder of pyproject.toml") from None
        except (Exception, SystemExit) as exc:  # the user's module runs here, and may raise anything
            raise self._error(f"importing the factory module raised {type(exc).__name__}: {_first_line(exc)}",
                              "fix the module so that it imports cleanly") from None
        finally:
            if added:
                sys.path.remove(str(self.root))

    def _error(self, problem: str, remedy: str) -> InputError:
        return InputError(f"factory {self.spec}: {problem}", path=self.source, remedy=remedy)


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:160] if str(exc) else ""
