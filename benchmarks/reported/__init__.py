"""Faults rebuilt offline from reported bugs (Stack Overflow and GitHub threads, AutoTrainer's
demo cases), including failures that only show while training. Each case carries its source and
the reported fix; ``fitcheck`` keeps a case only when model.fit shows that the fault hurts and
the fix trains (benchmarks/reported/validated.json)."""

from .cases import REPORTED

__all__ = ["REPORTED"]
