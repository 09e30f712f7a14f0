"""dnndoctor: find out why a Keras model fails to train, with measured evidence and tested fixes."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["diagnose", "check_files", "__version__"]


def __getattr__(name: str):
    # The API pulls in numpy and the probe engine; `dnndoctor rules` must not pay for it.
    if name in ("diagnose", "check_files"):
        from . import api

        return getattr(api, name)
    raise AttributeError(name)
