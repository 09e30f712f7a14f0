"""What it takes to build a probe worker elsewhere: on another device, or in another process.

``WorkerSpec.of(worker)`` captures a worker's inputs (the sampled arrays, options and record
schedule) with the user's compiled model saved as ``.keras`` bytes and its optimizer's config
(a ``.keras`` round trip loses mixed_float16's LossScaleOptimizer), the source of a custom
objects file, and the thread's Keras dtype policy. It is plain data, so that it pickles; ``build``
makes an equivalent ``ProbeWorker`` wherever it is unpickled. ``worker_scope`` is the device and
dtype policy a worker is built and run under, in any thread.
"""

from __future__ import annotations

import contextlib
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..arrays import Arrays
from ..customobjects import import_custom_objects
from ..errors import ProbeError
from ..options import CheckOptions
from ..tf_runtime import import_keras
from .failures import reason
from .worker import ProbeWorker


@dataclass(frozen=True)
class CustomObjectsSource:
    """The module that defines the model's custom objects: a file's name and text, or a dotted
    module path that every worker imports itself."""

    spec: str
    filename: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class WorkerSpec:
    model_bytes: bytes
    optimizer: dict
    x: Arrays
    y: Arrays
    options: CheckOptions
    record_every: int
    probe_rows: np.ndarray
    validation: tuple[Arrays, Arrays] | None
    sample_weight: np.ndarray | None
    custom_objects: CustomObjectsSource | None
    dtype_policy: str
    model_path: str | None

    @classmethod
    def of(cls, worker: ProbeWorker) -> "WorkerSpec":
        """The spec of ``worker``; raises a ProbeError when its model cannot be saved."""
        _, keras = import_keras()
        try:
            with worker.custom_scope():
                model_bytes = model_to_bytes(worker.ctx.model)
                optimizer = keras.optimizers.serialize(worker.ctx.model.optimizer)
        except Exception as exc:
            raise ProbeError(f"the model cannot be saved for remote probe workers ({reason(exc)})",
                             path=worker.model_path, remedy="register custom layers with "
                             "keras.saving.register_keras_serializable, or use --executor serial") from None
        return cls(model_bytes=model_bytes, optimizer=optimizer, x=worker.x, y=worker.y, options=worker.options,
                   record_every=worker.record_every, probe_rows=worker.probe_rows, validation=worker.validation,
                   sample_weight=worker.sample_weight, custom_objects=custom_objects_source(worker.options),
                   dtype_policy=current_dtype_policy(),
                   model_path=None if worker.model_path is None else str(worker.model_path))

    def build(self) -> ProbeWorker:
        """A worker equal to the one this spec was taken from, in this process."""
        _, keras = import_keras()
        keras.config.set_dtype_policy(self.dtype_policy)
        custom = load_custom_objects(self.custom_objects)
        with keras.saving.custom_object_scope(custom):
            model = model_from_bytes(self.model_bytes, safe_mode=not self.options.unsafe_load)
            model.optimizer = keras.optimizers.deserialize(self.optimizer)
        return ProbeWorker(model, self.x, self.y, options=self.options, record_every=self.record_every,
                           probe_rows=self.probe_rows, validation=self.validation,
                           sample_weight=self.sample_weight, custom_objects=custom, model_path=self.model_path)


def model_to_bytes(model) -> bytes:
    """``model`` saved as a ``.keras`` archive, compile settings and all."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()


def model_from_bytes(data: bytes, *, safe_mode: bool):
    """The compiled model of a ``.keras`` archive's bytes. Optimizer state that does not fit is
    skipped quietly: probes start every optimizer afresh."""
    _, keras = import_keras()
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = Path(folder) / "model.keras"
        path.write_bytes(data)
        return keras.saving.load_model(path, safe_mode=safe_mode)


def custom_objects_source(options: CheckOptions) -> CustomObjectsSource | None:
    """The custom objects module of ``options``, with its text when it is a file."""
    if options.custom_objects is None:
        return None
    path = Path(options.custom_objects)
    if options.custom_objects.endswith(".py") or path.is_file():
        return CustomObjectsSource(options.custom_objects, path.name, path.read_text(encoding="utf-8"))
    return CustomObjectsSource(options.custom_objects)


def load_custom_objects(source: CustomObjectsSource | None) -> dict:
    """Import the custom objects module of ``source`` here, as loading the model did."""
    if source is None:
        return {}
    if source.text is None:
        return import_custom_objects(source.spec)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / source.filename
        path.write_text(source.text, encoding="utf-8")
        return import_custom_objects(str(path))


def current_dtype_policy() -> str:
    """The name of this thread's Keras dtype policy (Keras keeps one per thread)."""
    _, keras = import_keras()
    return keras.config.dtype_policy().name


@contextlib.contextmanager
def worker_scope(device: str | None, dtype_policy: str):
    """Place what runs inside on ``device`` (None: TensorFlow's choice) under ``dtype_policy``, in any thread."""
    tf, keras = import_keras()
    saved = current_dtype_policy()
    keras.config.set_dtype_policy(dtype_policy)
    try:
        with tf.device(device) if device else contextlib.nullcontext():
            yield
    finally:
        keras.config.set_dtype_policy(saved)
