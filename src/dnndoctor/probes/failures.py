"""Failures inside the probes: a clear ProbeError when the user's setup cannot be probed, and a
one-line reason when a counterfactual probe is dropped while the others still report."""

from __future__ import annotations

from ..errors import ProbeError
from ..tf_runtime import import_keras

OOM_REMEDY = "lower --batch-size, --max-rows or --max-data-mb, or run where more memory is free"


def out_of_memory(exc: BaseException) -> bool:
    tf, _ = import_keras()
    return isinstance(exc, (MemoryError, tf.errors.ResourceExhaustedError))


def reason(exc: BaseException) -> str:
    """``Type: first line`` of an exception, at most about 160 characters."""
    if out_of_memory(exc):
        return f"out of memory ({type(exc).__name__})"
    text = str(exc).splitlines()[0][:160] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def setup_failure(exc: Exception, model_path: str | None) -> ProbeError:
    """The error that ends a check whose own setup (not a counterfactual) could not be probed."""
    if isinstance(exc, ProbeError):
        return exc
    if out_of_memory(exc):
        return ProbeError("the probe of the model as compiled ran out of memory", path=model_path, remedy=OOM_REMEDY)
    return ProbeError(f"the probe of the model as compiled failed ({reason(exc)})", path=model_path,
                      remedy="check that model.fit runs on this data; rerun with DNNDOCTOR_DEBUG=1 for details")


def clone_failure(exc: Exception, model_path: str | None) -> ProbeError:
    """The error for a model that Keras cannot clone, so that no probe can train a fresh copy."""
    return ProbeError(f"the model cannot be cloned for probing ({reason(exc)})", path=model_path,
                      remedy="give custom layers a get_config() that from_config() accepts")


def dropped(probe: str, exc: Exception) -> str:
    return f"{probe} failed and was dropped: {reason(exc)}"
