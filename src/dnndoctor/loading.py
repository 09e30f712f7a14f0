"""Model and data files -> a validated Subject. Every input problem is raised here as InputError."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .arrays import Arrays, class_weights_to_sample_weights, first, leaves, sample_indices
from .customobjects import import_custom_objects
from .datascan import Scan, sample_size, scan
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
SAMPLE_WEIGHT_KEY = "sample_weight"
NAMED_ARRAYS = "save one array per model input and output, named after them: numpy.savez(path, {names})"


@dataclass
class Subject:
    """A compiled model and the rows it is probed on, checked against each other.

    ``x`` and ``y`` hold every row, or a sample of them when the data is too large: an array
    each, or for a model with several inputs or outputs a dict keyed by their names, as
    ``model.fit`` takes them. ``sample_weight`` weighs each row's loss (a sample_weight array,
    or the class weights turned into one). ``data`` describes every row and says how the
    sample was drawn.
    """

    model: Any
    x: Arrays
    y: Arrays
    x_val: Arrays | None = None
    y_val: Arrays | None = None
    model_path: str | None = None
    data_path: str | None = None
    data: DataInfo | None = None
    sample_weight: np.ndarray | None = None
    custom_objects: dict | None = None  # from --custom-objects: cloning the model deserializes them again


def load_subject(model_path: str | Path, data_path: str | Path, options: CheckOptions) -> Subject:
    """Load both files, apply the option overrides and validate everything before any training."""
    model_path, data_path = check_paths(model_path, data_path)
    openers = array_openers(data_path, options)
    if len(openers) == 2 or options.x_key or options.y_key:  # the common case: fail on its keys before loading
        _pick_keys(list(openers), options, data_path)
    custom = import_custom_objects(options.custom_objects) if options.custom_objects else None
    model = load_model(model_path, options, custom)
    check_trainable(model, model_path)
    x, y, x_val, y_val = model_arrays(openers, model, options, data_path)
    weights = openers[SAMPLE_WEIGHT_KEY]() if SAMPLE_WEIGHT_KEY in openers else None
    subject = prepare_subject(model, x, y, x_val, y_val, options, sample_weight=weights,
                              model_path=str(model_path), data_path=str(data_path))
    subject.custom_objects = custom
    return subject


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


def array_openers(path: Path, options: CheckOptions) -> dict:
    """An opener per array of an .npz archive or a directory of .npy files, by name."""
    path = Path(path)
    budget = int(options.max_data_mb * 2**20)
    return npy_directory_arrays(path) if path.is_dir() else npz_arrays(path, budget)


def open_arrays(path: Path, options: CheckOptions) -> tuple[ArraySource, ...]:
    """x, y, x_val, y_val (None when absent) of an .npz archive or a directory of .npy files.

    Only headers are read here: shapes and dtypes are checked, no array data is loaded.
    """
    return _single_arrays(array_openers(path, options), options, Path(path))


def model_arrays(openers: dict, model, options: CheckOptions, path: Path) -> tuple:
    """x, y, x_val, y_val for ``model``: plain arrays for one input and one output; otherwise a
    dict of the arrays named after the inputs (outputs) where there are several (model.fit's dict
    convention), and the array of that name, or x (y), where there is one."""
    from .lossinfo import output_names

    inputs, outputs = [t.name for t in model.inputs], output_names(model)
    if len(inputs) == 1 and len(outputs) == 1:
        return _single_arrays(openers, options, path)
    keys = list(openers)
    x_key = options.x_key or next((x for x, _ in KEY_PAIRS if x in keys), None)
    y_key = options.y_key or next((y for _, y in KEY_PAIRS if y in keys), None)
    names = [n if n in keys or len(side) > 1 else fallback or n
             for side, fallback in ((inputs, x_key), (outputs, y_key)) for n in side]
    missing = [name for name in names if name not in keys]
    if missing:
        raise InputError(f"the model's inputs {', '.join(inputs)} and outputs {', '.join(outputs)} need arrays of "
                         f"those names; missing: {', '.join(missing)} (found: {', '.join(keys)})", path=path,
                         remedy=NAMED_ARRAYS.format(names=", ".join(f"{n}=..." for n in inputs + outputs)))
    x_names, y_names = names[:len(inputs)], names[len(inputs):]
    x = {name: openers[name]() for name in inputs} if len(inputs) > 1 else openers[x_names[0]]()
    y = {name: openers[name]() for name in outputs} if len(outputs) > 1 else openers[y_names[0]]()
    return x, y, None, None


def _single_arrays(openers: dict, options: CheckOptions, path: Path) -> tuple:
    keys = list(openers)
    x_key, y_key = _pick_keys(keys, options, path)
    x_val = y_val = None
    for xv, yv in VAL_KEYS:
        if xv in keys and yv in keys:
            x_val, y_val = openers[xv](), openers[yv]()
            break
    return openers[x_key](), openers[y_key](), x_val, y_val


def prepare_subject(model, x, y, x_val=None, y_val=None, options: CheckOptions | None = None, *,
                    sample_weight=None, model_path=None, data_path=None) -> Subject:
    """Compile (or recompile) the model as the options say, read the rows and validate them against it.

    The arrays are numpy arrays or ``ArraySource``s, or dicts of them keyed by input and
    output name; either way every row is read once, in bounded chunks, and only a sample of at
    most ``options.max_rows`` rows is kept (the same rows of every array).
    """
    options = options or CheckOptions()
    where = model_path or "model"
    check_trainable(model, where)
    apply_compile_options(model, options, where)
    check_optimizer(model, where)
    x, y = _sources("x", x, data_path), _sources("y", y, data_path)
    weights = None if sample_weight is None else _source(SAMPLE_WEIGHT_KEY, sample_weight, data_path)
    seed = options.seeds[0]
    (x_scans, y_scans, weight_scans), sampled = read_arrays((x, y, weights), options, seed)
    validate_arrays(model, x, y, y_scans)
    val_rows = 0
    if x_val is not None and y_val is not None:
        x_val, y_val = _sources("x_val", x_val, data_path), _sources("y_val", y_val, data_path)
        (xv_scans, yv_scans), _ = read_arrays((x_val, y_val), options, seed)
        validate_arrays(model, x_val, y_val, yv_scans)
        x_val, y_val, val_rows = _samples(xv_scans), _samples(yv_scans), first(x_val).rows
    rows = first(x).rows
    samples = _samples(y_scans)
    row_weights = weighting(_samples(weight_scans) if weights is not None else None, samples, options, where)
    data = DataInfo(path=data_path, x=first(x_scans).info, y=first(y_scans).info, rows=rows, val_rows=val_rows,
                    sampled_rows=len(first(x_scans).sample) if sampled else None,
                    sample_seed=seed if sampled else None)
    return Subject(model, _samples(x_scans), samples, x_val, y_val, model_path, data_path, data, row_weights)


def weighting(sample_weight: np.ndarray | None, y: Arrays, options: CheckOptions, where) -> np.ndarray | None:
    """The per-row loss weights model.fit would use: the sample_weight array, or the class weights."""
    class_weight = options.class_weight
    if class_weight is None:
        return sample_weight
    if sample_weight is not None:
        raise InputError("class weights and a sample_weight array cannot be used together (model.fit refuses both)",
                         path=where, remedy="drop --class-weight or the sample_weight array")
    if isinstance(y, dict):
        raise InputError("class weights apply to a model with a single output only (as in model.fit)", path=where,
                         remedy="give a sample_weight array instead")
    return class_weights_to_sample_weights(y, class_weight)


def _sources(name: str, arrays, path):
    """An ArraySource per array, in the structure given (dict keys become the array names)."""
    if isinstance(arrays, dict):
        return {key: _source(key, value, path) for key, value in arrays.items()}
    return _source(name, arrays, path)


def _samples(scans):
    """The kept rows of one scan, or of each scan of a dict."""
    return {key: scan.sample for key, scan in scans.items()} if isinstance(scans, dict) else scans.sample


def _source(name: str, array, path) -> ArraySource:
    source = array if isinstance(array, ArraySource) else MemoryArray(name, array)
    if path is not None and source.path is None:
        source.path = str(path)
    check_numeric(source)
    return source


def read_pair(x: ArraySource, y: ArraySource, options: CheckOptions, seed: int) -> tuple[Scan, Scan, bool]:
    """Read every row of x and y once; keep a sample that fits the row and memory limits."""
    (x_scan, y_scan), sampled = read_arrays((x, y), options, seed)
    return x_scan, y_scan, sampled


def read_arrays(groups: tuple, options: CheckOptions, seed: int) -> tuple[tuple, bool]:
    """Read every row of every source once and keep the same sample of rows of each.

    ``groups`` holds sources, dicts of sources or None; the scans come back in the same
    structure, with whether rows were sampled.
    """
    sources = [source for group in groups if group is not None for source in leaves(group)]
    lead = sources[0]
    for source in sources[1:]:
        if source.rows != lead.rows:
            raise InputError(f"{lead.name} has {lead.rows:,} rows but {source.name} has {source.rows:,}",
                             path=lead.path, remedy="give every sample exactly one target")
    if lead.rows < 2:
        raise InputError(f"only one sample in {lead.name}; a training probe needs at least 2", path=lead.path,
                         remedy="provide more rows")
    row_bytes = sum(source.row_bytes for source in sources)
    size = sample_size(lead.rows, row_bytes, options.max_rows, int(options.max_data_mb * 2**20))
    keep = sample_indices(lead.rows, size, seed)

    def read(source: ArraySource) -> Scan:
        found = scan(source, keep)
        if found.nonfinite_rows:
            raise source.error(f"holds NaN or infinite values in {found.nonfinite_rows:,} rows "
                               f"(the first is row {found.first_nonfinite_row})",
                               remedy="drop or impute those rows")
        return found

    scans = tuple(None if group is None else
                  {key: read(value) for key, value in group.items()} if isinstance(group, dict) else read(group)
                  for group in groups)
    return scans, size < lead.rows


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


def load_model(path: Path, options: CheckOptions | None = None, custom: dict | None = None):
    """Load with Keras' own loader, safe mode on unless ``--unsafe-load``; custom objects only
    from the module named by ``--custom-objects`` (imported already: ``custom``)."""
    options = options or CheckOptions()
    _, keras = import_keras()
    if custom is None and options.custom_objects:
        custom = import_custom_objects(options.custom_objects)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. an unbuilt optimizer's variables are skipped
            return keras.saving.load_model(path, compile=True, safe_mode=not options.unsafe_load,
                                           custom_objects=custom)
    except Exception as exc:  # Keras raises many types for a bad file
        raise model_load_error(exc, path, options) from None


def keras_safe_mode(safe: bool):
    """A scope for every Keras deserialization of a check: loading, and cloning in the probes."""
    from .kerascompat import safe_mode_scope

    return safe_mode_scope(safe)


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
    """The probes need symbolic inputs and outputs and Keras' default training step."""
    _, keras = import_keras()
    kind = type(model).__name__
    if not getattr(model, "inputs", None) or not getattr(model, "outputs", None):
        raise InputError(f"the model is a subclassed keras.Model ({kind}) without symbolic inputs and outputs",
                         path=where, remedy="build it with keras.Sequential or the functional API")
    if type(model).train_step is not keras.Model.train_step:
        raise InputError(f"the model overrides train_step ({kind}.train_step); the probes follow Keras' "
                         "default training step and cannot follow custom training logic", path=where,
                         remedy="check keras.Model(model.inputs, model.outputs), the same layers without it")


# Optimizers whose training no probe can follow, with the reason.
UNFOLLOWABLE_OPTIMIZERS = {
    "ScheduleFreeAdamW": "Keras' own compiled and eager model.fit disagree on it from the second step, "
                         "so there is no single training to follow",
}


def check_optimizer(model, where) -> None:
    """Refuse an optimizer whose training the probes cannot follow step for step."""
    kind = type(getattr(model, "optimizer", None)).__name__
    if kind in UNFOLLOWABLE_OPTIMIZERS:
        raise InputError(f"the optimizer {kind} is not supported: {UNFOLLOWABLE_OPTIMIZERS[kind]}", path=where,
                         remedy="check the model with --optimizer adamw, its closest supported relative")


def apply_compile_options(model, options: CheckOptions, where) -> None:
    """Compile the model when flags override or complete what the file says."""
    _, keras = import_keras()
    optimizer = getattr(model, "optimizer", None)
    loss = getattr(model, "loss", None)
    compiled = optimizer is not None and loss is not None
    uncompiled = "the model was saved without compile()" + (
        " (or Keras could not restore its Keras 2 training configuration)" if str(where).endswith((".h5", ".hdf5"))
        else "")
    if not compiled and options.loss is None:
        raise InputError(f"{uncompiled} and no loss was given", path=where,
                         remedy="pass --loss and --optimizer/--lr, or compile before model.save()")
    if not compiled and options.optimizer is None and options.learning_rate is None:
        raise InputError(f"{uncompiled} and no optimizer was given", path=where,
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
    weights = model.get_compile_config().get("loss_weights") if compiled else None
    model.compile(optimizer=new_optimizer, loss=new_loss, loss_weights=weights)


def validate_arrays(model, x, y, y_scans) -> None:
    """Check every input's feature shape and every target's layout against the model and its loss."""
    from .lossinfo import describe_loss, output_losses

    inputs = x if isinstance(x, dict) else {model.inputs[0].name: x}
    names = [t.name for t in model.inputs]
    missing = [name for name in names if name not in inputs]
    if missing:
        raise InputError(f"no inputs for {', '.join(missing)}: the model takes {', '.join(names)}",
                         path=first(x).path, remedy="give x as a dict keyed by the model's input names")
    for tensor in model.inputs:
        validate_input(tuple(tensor.shape[1:]), inputs[tensor.name])
    for index, name, loss in output_losses(model):
        if isinstance(y, dict) and name not in y:
            raise InputError(f"no targets for the output {name}, which has a loss", path=first(y).path,
                             remedy="give y as a dict keyed by the model's output names")
        target = y[name] if isinstance(y, dict) else y
        scanned = y_scans[name] if isinstance(y_scans, dict) else y_scans
        validate_target(tuple(model.outputs[index].shape[1:]), describe_loss(loss), target, scanned)


def validate_input(expected: tuple, x: ArraySource) -> None:
    got = tuple(x.shape[1:])
    if len(expected) != len(got) or any(e is not None and e != g for e, g in zip(expected, got)):
        raise InputError(f"{x.name} has feature shape {got} but the model expects {expected}", path=x.path,
                         remedy=f"reshape {x.name} to (rows, *input_shape) or pass the matching model")


def validate_target(out_shape: tuple, loss, y: ArraySource, y_scan: Scan) -> None:
    """Targets model.fit accepts for this output and loss: the output's shape (a trailing 1 may be
    dropped), or one class index per row for a sparse loss."""
    path = y.path
    units = out_shape[-1] if out_shape else 1
    y_shape = tuple(y.shape[1:])
    if loss.kind == "sparse_categorical":
        if y_shape not in (out_shape[:-1], out_shape[:-1] + (1,)):
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
    if loss.kind == "other":  # a loss dnndoctor does not know decides which targets it takes, as in model.fit
        return
    squeezed = out_shape[:-1] if out_shape and out_shape[-1] == 1 else out_shape
    if y_shape != out_shape and y_shape != squeezed and not (y_shape == (1,) and out_shape == ()):
        remedy = "pass one-hot targets" if loss.kind == "categorical" else f"reshape {y.name} to match the output"
        raise InputError(f"{y.name} has shape {y_shape} per sample but the model outputs {out_shape}", path=path,
                         remedy=remedy)
