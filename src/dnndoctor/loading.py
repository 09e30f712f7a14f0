"""Model and data files -> a validated Subject. Every input problem is raised here as InputError."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .customobjects import import_custom_objects
from .datascan import Scan, sample_indices, sample_size, scan
from .datasource import ArraySource, MemoryArray, npy_directory_arrays, npz_arrays
from .errors import InputError
from .measurements import DataInfo
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
    """A compiled model and the rows it is probed on, checked against each other.

    ``x`` and ``y`` hold every row, or a sample of them when the data is too large; ``data``
    describes every row and says how the sample was drawn.
    """

    model: Any
    x: np.ndarray
    y: np.ndarray
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    model_path: str | None = None
    data_path: str | None = None
    data: DataInfo | None = None


def load_subject(model_path: str | Path, data_path: str | Path, options: CheckOptions) -> Subject:
    """Load both files, apply the option overrides and validate everything before any training."""
    model_path, data_path = check_paths(model_path, data_path)
    arrays = open_arrays(data_path, options)
    model = load_model(model_path, options)
    return prepare_subject(model, *arrays, options, model_path=str(model_path), data_path=str(data_path))


def check_paths(model_path: str | Path, data_path: str | Path) -> tuple[Path, Path]:
    """Fail fast, before TensorFlow starts, on files that are missing or of the wrong kind."""
    model_path, data_path = Path(model_path), Path(data_path)
    if _looks_like_data(model_path) and data_path.suffix.lower() in MODEL_SUFFIXES:
        raise InputError("the model and data arguments are swapped", path=model_path,
                         remedy="pass the model first: dnndoctor check MODEL DATA")
    _require_file(model_path, "model", MODEL_SUFFIXES, "pass a model saved with model.save()")
    if data_path.is_dir():
        return model_path, data_path
    if data_path.suffix.lower() == ".npy":
        raise InputError("a single .npy file holds one array, but the probes need inputs and targets",
                         path=data_path, remedy="save x.npy and y.npy into one directory and pass the directory")
    _require_file(data_path, "data", (".npz",), "pass the training data as an .npz file or a directory of .npy files")
    return model_path, data_path


def _looks_like_data(path: Path) -> bool:
    return path.suffix.lower() in (".npz", ".npy") or path.is_dir()


def open_arrays(path: Path, options: CheckOptions) -> tuple[ArraySource, ...]:
    """x, y, x_val, y_val (None when absent) of an .npz archive or a directory of .npy files.

    Only headers are read here: shapes and dtypes are checked, no array data is loaded.
    """
    path = Path(path)
    budget = int(options.max_data_mb * 2**20)
    openers = npy_directory_arrays(path) if path.is_dir() else npz_arrays(path, budget)
    keys = list(openers)
    x_key, y_key = _pick_keys(keys, options, path)
    x_val = y_val = None
    for xv, yv in VAL_KEYS:
        if xv in keys and yv in keys:
            x_val, y_val = openers[xv](), openers[yv]()
            break
    return openers[x_key](), openers[y_key](), x_val, y_val


def prepare_subject(model, x, y, x_val=None, y_val=None, options: CheckOptions | None = None, *,
                    model_path=None, data_path=None) -> Subject:
    """Compile (or recompile) the model as the options say, read the rows and validate them against it.

    The arrays are numpy arrays or ``ArraySource``s; either way every row is read once, in
    bounded chunks, and only a sample of at most ``options.max_rows`` rows is kept.
    """
    options = options or CheckOptions()
    where = model_path or "model"
    check_trainable(model, where)
    apply_compile_options(model, options, where)
    x, y = _source("x", x, data_path), _source("y", y, data_path)
    seed = options.seeds[0]
    x_scan, y_scan, sampled = read_pair(x, y, options, seed)
    validate_arrays(model, x, y, y_scan)
    val_rows = 0
    if x_val is not None and y_val is not None:
        x_val, y_val = _source("x_val", x_val, data_path), _source("y_val", y_val, data_path)
        xv_scan, yv_scan, _ = read_pair(x_val, y_val, options, seed)
        validate_arrays(model, x_val, y_val, yv_scan)
        x_val, y_val, val_rows = xv_scan.sample, yv_scan.sample, x_val.rows
    data = DataInfo(path=data_path, x=x_scan.info, y=y_scan.info, rows=x.rows, val_rows=val_rows,
                    sampled_rows=len(x_scan.sample) if sampled else None, sample_seed=seed if sampled else None)
    return Subject(model, x_scan.sample, y_scan.sample, x_val, y_val, model_path, data_path, data)


def _source(name: str, array, path) -> ArraySource:
    source = array if isinstance(array, ArraySource) else MemoryArray(name, array)
    if path is not None and source.path is None:
        source.path = str(path)
    check_numeric(source)
    return source


def read_pair(x: ArraySource, y: ArraySource, options: CheckOptions, seed: int) -> tuple[Scan, Scan, bool]:
    """Read every row of x and y once; keep a sample that fits the row and memory limits."""
    if x.rows != y.rows:
        raise InputError(f"{x.name} has {x.rows:,} rows but {y.name} has {y.rows:,}", path=x.path,
                         remedy="give every sample exactly one target")
    if x.rows < 2:
        raise InputError(f"only one sample in {x.name}; a training probe needs at least 2", path=x.path,
                         remedy="provide more rows")
    size = sample_size(x.rows, x.row_bytes + y.row_bytes, options.max_rows, int(options.max_data_mb * 2**20))
    keep = sample_indices(x.rows, size, seed)
    scans = scan(x, keep), scan(y, keep)
    for source, found in zip((x, y), scans):
        if found.nonfinite_rows:
            raise source.error(f"holds NaN or infinite values in {found.nonfinite_rows:,} rows "
                               f"(the first is row {found.first_nonfinite_row})",
                               remedy="drop or impute those rows")
    return *scans, size < x.rows


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


def _pick_keys(keys: list[str], options: CheckOptions, path: Path) -> tuple[str, str]:
    found = f"found: {', '.join(keys) or 'no arrays'}"
    if options.x_key or options.y_key:
        for key in (options.x_key, options.y_key):
            if key is None:
                raise InputError("--x-key and --y-key must be given together", path=path, remedy=found)
            if key not in keys:
                raise InputError(f"no array named {key!r}", path=path, remedy=found)
        return options.x_key, options.y_key
    for x_key, y_key in KEY_PAIRS:
        if x_key in keys and y_key in keys:
            return x_key, y_key
    inputs = next((x_key for x_key, _ in KEY_PAIRS if x_key in keys), None)
    if inputs is not None:
        raise InputError(f"inputs {inputs!r} but no targets among the arrays {', '.join(keys)}", path=path,
                         remedy="save the targets as y next to x, or pass --x-key and --y-key")
    raise InputError(
        f"cannot tell inputs from targets among the arrays {', '.join(keys) or '(none)'}",
        path=path,
        remedy="name them x and y, or pass --x-key and --y-key",
    )


def check_numeric(source: ArraySource) -> None:
    """A real-valued array with at least one row, judged from its header alone."""
    if source.dtype.kind not in "biuf":
        raise source.error(f"has dtype {source.dtype}, not a real number type",
                           remedy="convert it to float32 or integer labels")
    if not source.shape or source.rows == 0:
        raise source.error("has no rows", remedy="provide at least 2 samples")


def load_model(path: Path, options: CheckOptions | None = None):
    """Load with Keras' own loader, safe mode on unless ``--unsafe-load``; custom objects only
    from the module named by ``--custom-objects``."""
    options = options or CheckOptions()
    _, keras = import_keras()
    custom = import_custom_objects(options.custom_objects) if options.custom_objects else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. an unbuilt optimizer's variables are skipped
            return keras.saving.load_model(path, compile=True, safe_mode=not options.unsafe_load,
                                           custom_objects=custom)
    except Exception as exc:  # Keras raises many types for a bad file
        raise model_load_error(exc, path, options) from None


def keras_safe_mode(safe: bool):
    """A scope for every Keras deserialization of a check: loading, and cloning in the probes."""
    import_keras()
    from keras.src.saving.serialization_lib import SafeModeScope

    return SafeModeScope(safe)


def model_load_error(exc: Exception, path: Path, options: CheckOptions) -> InputError:
    """The one-line InputError that explains why Keras could not load the file."""
    text = str(exc)
    if "Lambda" in text or "safe_mode" in text:
        return InputError("the model contains a Lambda layer, whose code Keras refuses to run in safe mode",
                          path=path, remedy="only if you trust this file, pass --unsafe-load to run it")
    missing = re.search(r"Could not locate (class|function) '([^']+)'", text)
    if missing:
        remedy = ("the module given with --custom-objects does not define it" if options.custom_objects else
                  "pass --custom-objects with the .py file or module that defines it")
        return InputError(f"the model uses {missing.group(2)}, a custom {missing.group(1)} that is not registered",
                          path=path, remedy=remedy)
    first = text.splitlines()[0][:160] if text else ""
    return InputError(f"cannot load the model ({type(exc).__name__}: {first})", path=path,
                      remedy="pass a file written by model.save()")


def check_trainable(model, where) -> None:
    """The probes need one symbolic input and output and Keras' default training step."""
    _, keras = import_keras()
    kind = type(model).__name__
    if not getattr(model, "inputs", None) or not getattr(model, "outputs", None):
        raise InputError(f"the model is a subclassed keras.Model ({kind}) without symbolic inputs and outputs",
                         path=where, remedy="build it with keras.Sequential or the functional API")
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise InputError(f"the model has {len(model.inputs)} inputs and {len(model.outputs)} outputs; "
                         "only single-input, single-output models are supported", path=where,
                         remedy="check a single-input, single-output model")
    if type(model).train_step is not keras.Model.train_step:
        raise InputError(f"the model overrides train_step ({kind}.train_step); the probes follow Keras' "
                         "default training step and cannot follow custom training logic", path=where,
                         remedy="check keras.Model(model.inputs, model.outputs), the same layers without it")


def apply_compile_options(model, options: CheckOptions, where) -> None:
    """Compile the model when flags override or complete what the file says."""
    _, keras = import_keras()
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


def validate_arrays(model, x: ArraySource, y: ArraySource, y_scan: Scan) -> None:
    """Check the feature shape and the target layout against the model and its loss."""
    from .lossinfo import describe_loss

    path = x.path
    expected = tuple(model.inputs[0].shape[1:])
    got = tuple(x.shape[1:])
    if len(expected) != len(got) or any(e is not None and e != g for e, g in zip(expected, got)):
        raise InputError(f"{x.name} has feature shape {got} but the model expects {expected}", path=path,
                         remedy=f"reshape {x.name} to (rows, *input_shape) or pass the matching model")
    out_shape = tuple(model.outputs[0].shape[1:])
    units = out_shape[-1] if out_shape else 1
    loss = describe_loss(model.loss)
    y_shape = tuple(y.shape[1:])
    if loss.kind == "sparse_categorical":
        if y_shape not in ((), (1,)):
            raise InputError(f"{y.name} has shape {y_shape} per sample but {loss.name} expects one integer label",
                             path=path, remedy="pass class indices, or use categorical_crossentropy for one-hot y")
        if not y_scan.integral:
            raise InputError(f"{y.name} holds non-integer values but the loss expects class indices", path=path,
                             remedy="pass integer labels")
        low, high = int(y_scan.info.min), int(y_scan.info.max)
        if low < 0 or high >= units:
            raise InputError(f"labels range over [{low}, {high}] but the output has {units} units", path=path,
                             remedy=f"use labels 0..{units - 1} or widen the output layer")
        return
    if y_shape != out_shape and not (y_shape == () and out_shape == (1,)) and not (
        y_shape == (1,) and out_shape == ()
    ):
        remedy = "pass one-hot targets" if loss.kind == "categorical" else f"reshape {y.name} to match the output"
        raise InputError(f"{y.name} has shape {y_shape} per sample but the model outputs {out_shape}", path=path,
                         remedy=remedy)
