"""Assertions for your own test suite.

    from dnndoctor.testing import assert_trainable

    def test_model_trains():
        assert_trainable(build_model(), x_train, y_train, steps=200, seeds=[0, 1])
"""

from __future__ import annotations

from .findings import Diagnosis, Severity

LEVELS = ("error", "warning", "info")


def assert_trainable(model, x, y, *, fail_on: str = "error", width: int = 100, **options) -> Diagnosis:
    """Diagnose ``model`` on ``x``, ``y``; fail when a finding reaches ``fail_on``.

    The AssertionError's message is the full report as plain text. ``options`` are those of
    ``dnndoctor.diagnose`` (steps, seeds, batch_size, select, ignore, thresholds, ...). The
    model itself is never trained. Returns the diagnosis when the model passes.
    """
    __tracebackhide__ = True  # pytest shows the report, not this frame
    if fail_on not in LEVELS:
        raise ValueError(f"fail_on must be one of {', '.join(LEVELS)}, not {fail_on!r}")
    from .api import diagnose
    from .report.rich_console import render_plain

    diagnosis = diagnose(model, x, y, **options)
    if diagnosis.fails(Severity.parse(fail_on)):
        raise AssertionError("dnndoctor: the model does not train as it should\n\n" + render_plain(diagnosis, width))
    return diagnosis
