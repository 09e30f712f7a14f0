"""Domain errors. The CLI turns each into one line on stderr and exit code 2."""

from __future__ import annotations


class DoctorError(Exception):
    """An abnormal end that the user can act on: names the file, the problem and the remedy."""

    def __init__(self, problem: str, *, path: object = None, remedy: str = "") -> None:
        self.path = None if path is None else str(path)
        self.problem = problem
        self.remedy = remedy
        super().__init__(self.line())

    def line(self) -> str:
        """The one-line message shown to the user."""
        where = f"{self.path}: " if self.path else ""
        fix = f" ({self.remedy})" if self.remedy else ""
        return f"{where}{self.problem}{fix}"


class InputError(DoctorError):
    """A model, data file or option that cannot be used as given."""


class ProbeError(DoctorError):
    """A probe training that could not run at all."""


class OptionError(InputError, ValueError):
    """An option value of the wrong type or out of range.

    ``path`` names the option: a CheckOptions field such as ``("steps",)``, or a rule option
    such as ``("thresholds", "DD201", "dead")``. The CLI and the configuration reword the
    message with the flag or key the user wrote, through ``named``.
    """

    def __init__(self, path: tuple[str, ...], expected: str, value: object) -> None:
        self.option_path = path
        self.expected = expected
        self.value = value
        super().__init__(self.named(".".join(path)))

    def named(self, label: str) -> str:
        """The problem, with the option called ``label``."""
        return f"{label} must be {self.expected}, not {self.value!r}"
