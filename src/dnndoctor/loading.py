"""Model and data files -> a validated Subject. Every input problem is raised here as InputError."""

from __future__ import annotations

import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError
from .options import CheckOptions
from .tf_runtime import import_keras

MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")
KEY_PAIRS = (
    ("x", "y"),
    ("X", "Y"),
    ("X", "y"),
    ("x_train", "y_train"),
    ("X_train", "y_train"),
    ("X_train", "Y_train"),
    ("features", "labels"),
    ("inputs", "targets"),
)
VAL_KEYS = (("x_val", "y_val"), ("X_val", "y_val"), ("X_val", "Y_val"))


@dataclass
class Subject:
    """A compiled model and the arrays it is meant to fit, checked against each other."""

    model: Any
    x: np.ndarray
    y: np.ndarray
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    model_path: str | None = None
    data_path: str | None = None


def load_subject(model_path: str | Path, data_path: str | Path, options: CheckOptions) -> Subject:
    """Load both files, apply the option overrides and validate everything before any training."""
    model_path, data_path = check_paths(model_path, data_path)
    arrays = load_arrays(data_path, options)
    model = load_model(model_path)
    return prepare_subject(model, *arrays, options, model_path=str(model_path), data_path=str(data_path))


def check_paths(model_path: str | Path, data_path: str | Path) -> tuple[Path, Path]:
    """Fail fast, before TensorFlow starts, on files that are missing or of the wrong kind."""
    model_path, data_path = Path(model_path), Path(data_path)
    if model_path.suffix.lower() == ".npz" and data_path.suffix.lower() in MODEL_SUFFIXES:
        raise InputError("the model and data arguments are swapped", path=model_path,
                         remedy="pass the model first: dnndoctor check MODEL DATA")
    _require_file(model_path, "model", MODEL_SUFFIXES, "pass a model saved with model.save()")
    _require_file(data_path, "data", (".npz",), "pass the training data as an .npz file")
    return model_path, data_path


def prepare_subject(model, x, y, x_val, y_val, options: CheckOptions, *, model_path=None, data_path=None) -> Subject:
    """Compile (or recompile) the model as the options say and validate the arrays against it."""
    where = model_path or "model"
    apply_compile_options(model, options, where)
    x, y = _as_numeric(x, "x", data_path), _as_numeric(y, "y", data_path)
    validate_arrays(model, x, y, data_path, where)
    if x_val is not None and y_val is not None:
        x_val, y_val = _as_numeric(x_val, "x_val", data_path), _as_numeric(y_val, "y_val", data_path)
        validate_arrays(model, x_val, y_val, data_path, where)
    return Subject(model, x, y, x_val, y_val, model_path, data_path)


def _require_file(path: Path, what: str, suffixes: tuple[str, ...], remedy: str) -> None:
    if not path.exists():
        raise InputError(f"{what} file not found", path=path, remedy=remedy)
    if path.is_dir():
        raise InputError(f"expected a {what} file, got a directory", path=path, remedy=remedy)
    if path.suffix.lower() not in suffixes:
        raise InputError(
            f"unsupported {what} file type {path.suffix or '(none)'!r}; expected {', '.join(suffixes)}",
            path=path,
            remedy=remedy,
        )
    if path.stat().st_size == 0:
        raise InputError(f"the {what} file is empty", path=path, remedy=remedy)


def load_arrays(path: Path, options: CheckOptions):
    """Read x, y (and x_val, y_val when present) from an .npz archive without unpickling."""
    remedy = "save the arrays with numpy.savez(path, x=..., y=...)"
    with open(path, "rb") as handle:
        if not zipfile.is_zipfile(handle):
            raise InputError("not an .npz archive (not a zip file)", path=path, remedy=remedy)
        handle.seek(0)
        try:
            archive = np.load(handle, allow_pickle=False)
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise InputError(f"not a readable .npz archive ({exc.__class__.__name__})", path=path,
                             remedy=remedy) from None
        with archive:
            return _arrays_from(archive, path, options)


def _arrays_from(archive, path: Path, options: CheckOptions):
    keys = list(archive.files)
    x_key, y_key = _pick_keys(keys, options, path)
    x, y = _read(archive, x_key, path), _read(archive, y_key, path)
    x_val = y_val = None
    for xv, yv in VAL_KEYS:
        if xv in keys and yv in keys:
            x_val, y_val = _read(archive, xv, path), _read(archive, yv, path)
            break
    return x, y, x_val, y_val


def _pick_keys(keys: list[str], options: CheckOptions, path: Path) -> tuple[str, str]:
    if options.x_key or options.y_key:
        for key in (options.x_key, options.y_key):
            if key is None:
                raise InputError("--x-key and --y-key must be given together", path=path,
                                 remedy=f"the archive holds {', '.join(keys)}")
            if key not in keys:
                raise InputError(f"no array named {key!r}", path=path,
                                 remedy=f"the archive holds {', '.join(keys) or 'no arrays'}")
        return options.x_key, options.y_key
    for x_key, y_key in KEY_PAIRS:
        if x_key in keys and y_key in keys:
            return x_key, y_key
    raise InputError(
        f"cannot tell inputs from targets among the arrays {', '.join(keys) or '(none)'}",
        path=path,
        remedy="name them x and y, or pass --x-key and --y-key",
    )


def _read(archive, key: str, path: Path) -> np.ndarray:
    try:
        return archive[key]
    except ValueError:
        raise InputError(f"array {key!r} holds Python objects, which are never unpickled", path=path,
                         remedy="save numeric arrays only") from None
    except Exception as exc:  # corrupt member inside a valid zip
        raise InputError(f"array {key!r} cannot be read ({exc.__class__.__name__})", path=path,
                         remedy="re-save the archive with numpy.savez") from None


def _as_numeric(array: np.ndarray, name: str, path) -> np.ndarray:
    array = np.asarray(array)
    if array.dtype.kind not in "biuf":
        raise InputError(f"array {name!r} has dtype {array.dtype}, not a real number type", path=path,
                         remedy="convert it to float32 or integer labels")
    if array.ndim == 0 or array.shape[0] == 0:
        raise InputError(f"array {name!r} has no rows", path=path, remedy="provide at least 2 samples")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        bad = int(np.sum((~np.isfinite(array.reshape(len(array), -1))).any(axis=1)))
        raise InputError(f"array {name!r} holds NaN or infinite values in {bad} rows", path=path,
                         remedy="drop or impute those rows")
    return array


def load_model(path: Path):
    """Load with Keras' own loader, safe mode on: no code from the file is ever executed."""
    _, keras = import_keras()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. an unbuilt optimizer's variables are skipped
            return keras.saving.load_model(path, compile=True, safe_mode=True)
    except Exception as exc:  # Keras raises many types for a bad file
        text = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        if "Lambda" in text or "safe_mode" in text:
            raise InputError("the model contains a Lambda layer, which runs arbitrary code",
                             path=path, remedy="refused in safe mode; rebuild it without Lambda") from None
        if "Could not locate" in text or "Unknown layer" in text:
            raise InputError(f"the model uses an unregistered custom object: {text[:160]}", path=path,
                             remedy="register it with keras.saving.register_keras_serializable") from None
        raise InputError(f"cannot load the model ({exc.__class__.__name__}: {text[:160]})", path=path,
                         remedy="pass a file written by model.save()") from None


def apply_compile_options(model, options: CheckOptions, where) -> None:
    """Compile the model when flags override or complete what the file says."""
    _, keras = import_keras()
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise InputError("models with several inputs or outputs are not supported yet", path=where,
                         remedy="check a single-input, single-output model")
    optimizer = getattr(model, "optimizer", None)
    loss = getattr(model, "loss", None)
    compiled = optimizer is not None and loss is not None
    if not compiled and options.loss is None:
        raise InputError("the model was saved without compile() and no loss was given", path=where,
                         remedy="pass --loss and --optimizer/--lr, or compile before model.save()")
    if not compiled and options.optimizer is None and options.learning_rate is None:
        raise InputError("the model was saved without compile() and no optimizer was given", path=where,
                         remedy="pass --optimizer and/or --lr")
    if compiled and options.loss is None and options.optimizer is None and options.learning_rate is None:
        return
    if options.optimizer is not None:
        try:
            new_optimizer = keras.optimizers.get(options.optimizer)
        except ValueError:
            raise InputError(f"unknown optimizer {options.optimizer!r}", path=where,
                             remedy="use a Keras name such as adam, sgd, rmsprop") from None
    elif optimizer is not None:
        new_optimizer = optimizer.__class__.from_config(optimizer.get_config())
    else:
        new_optimizer = keras.optimizers.Adam()
    if options.learning_rate is not None:
        if options.learning_rate <= 0:
            raise InputError("the learning rate must be positive", path=where, remedy="pass --lr 0.001")
        new_optimizer.learning_rate = options.learning_rate
    new_loss = options.loss if options.loss is not None else loss
    try:
        keras.losses.get(new_loss)
    except (ValueError, TypeError):
        raise InputError(f"unknown loss {new_loss!r}", path=where,
                         remedy="use a Keras name such as mse or sparse_categorical_crossentropy") from None
    model.compile(optimizer=new_optimizer, loss=new_loss)


def validate_arrays(model, x: np.ndarray, y: np.ndarray, path, where) -> None:
    """Check rows, feature shape and target layout against the model and its loss."""
    from .lossinfo import describe_loss

    if len(x) != len(y):
        raise InputError(f"x has {len(x)} rows but y has {len(y)}", path=path,
                         remedy="give every sample exactly one target")
    if len(x) < 2:
        raise InputError("only one sample; a training probe needs at least 2", path=path,
                         remedy="provide more rows")
    expected = tuple(model.inputs[0].shape[1:])
    got = tuple(x.shape[1:])
    if len(expected) != len(got) or any(e is not None and e != g for e, g in zip(expected, got)):
        raise InputError(f"x has feature shape {got} but the model expects {expected}", path=path,
                         remedy="reshape x to (rows, *input_shape) or pass the matching model")
    out_shape = tuple(model.outputs[0].shape[1:])
    units = out_shape[-1] if out_shape else 1
    loss = describe_loss(model.loss)
    if loss.kind == "sparse_categorical":
        if y.ndim > 1 and not (y.ndim == 2 and y.shape[1] == 1):
            raise InputError(f"y has shape {y.shape[1:]} per sample but {loss.name} expects one integer label",
                             path=path, remedy="pass class indices, or use categorical_crossentropy for one-hot y")
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise InputError("y holds non-integer values but the loss expects class indices", path=path,
                             remedy="pass integer labels")
        low, high = int(np.min(y)), int(np.max(y))
        if low < 0 or high >= units:
            raise InputError(f"labels range over [{low}, {high}] but the output has {units} units", path=path,
                             remedy=f"use labels 0..{units - 1} or widen the output layer")
        return
    y_shape = tuple(y.shape[1:])
    if y_shape != out_shape and not (y_shape == () and out_shape == (1,)) and not (
        y_shape == (1,) and out_shape == ()
    ):
        remedy = "pass one-hot targets" if loss.kind == "categorical" else "reshape y to match the output"
        raise InputError(f"y has shape {y_shape} per sample but the model outputs {out_shape}", path=path,
                         remedy=remedy)
