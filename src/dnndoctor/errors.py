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
