"""Malformed and hostile inputs through the real CLI: each ends in one clean line or in a report.

Every case builds its files, runs `dnndoctor check` in-process and asserts the outcome:
either exit code 2 with a single line on stderr that names the offending file, the problem
and the remedy, or (for input that is valid, if unhealthy) a JSON report. In every case no
traceback is printed, no file is changed or created next to the inputs, and no pickle runs.

NaN or infinite values in the data are an input error, not a finding: a probe faithful to
model.fit would train on them, and every loss after the first bad batch is NaN, so nothing
about the model can be measured; dropping the rows would probe a different training. The
error names the array, how many rows are bad and the first of them.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from typer.testing import CliRunner

from dnndoctor.cli import app
from hostile import Payload

pytestmark = pytest.mark.tf
FAST = ["--steps", "20", "--seeds", "0", "--no-counterfactuals", "-q", "--format", "json"]

try:
    runner = CliRunner(mix_stderr=False)  # click < 8.2: keep stderr apart
except TypeError:
    runner = CliRunner()  # click >= 8.2 always captures stderr apart

CUSTOM_MODULE = textwrap.dedent('''
    """Custom Keras classes of the test models."""
    import keras


    class Doubler(keras.layers.Layer):
        def call(self, x):
            return x * 2.0


    class Subclassed(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)


    class CustomStep(keras.Model):
        def train_step(self, data):
            return super().train_step(data)
''')


# -- the models, built once ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Saved models by name, in one directory; the custom classes live in custom_layers.py there."""
    from dnndoctor.customobjects import import_custom_objects
    from dnndoctor.tf_runtime import import_keras

    _, keras = import_keras()
    folder = tmp_path_factory.mktemp("models")
    module_path = folder / "custom_layers.py"
    module_path.write_text(CUSTOM_MODULE)
    custom = import_custom_objects(str(module_path))
    keras.utils.set_random_seed(0)

    def dense_stack(*hidden):
        return [keras.Input((2,)), *hidden, keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)]

    built = {
        "regressor": keras.Sequential(dense_stack()),
        "classifier": keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")]),
        "lambda": keras.Sequential(dense_stack(keras.layers.Lambda(lambda t: t * 2.0))),
        "uncompiled": keras.Sequential(dense_stack()),
        "custom_layer": keras.Sequential(dense_stack(custom["Doubler"]())),
        "diverging": keras.Sequential(dense_stack()),
    }
    a, b = keras.Input((2,)), keras.Input((2,))
    built["multi_input"] = keras.Model([a, b], keras.layers.Dense(1)(keras.layers.Concatenate()([a, b])))
    built["multi_output"] = keras.Model(a, [keras.layers.Dense(1)(a), keras.layers.Dense(1)(a)])
    built["custom_step"] = custom["CustomStep"](a, keras.layers.Dense(1)(a))
    subclassed = custom["Subclassed"]()
    subclassed(np.zeros((1, 2), "float32"))
    built["subclassed"] = subclassed
    for name, model in built.items():
        if name == "classifier":
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        elif name == "diverging":
            model.compile(optimizer=keras.optimizers.SGD(learning_rate=50.0), loss="mse")
        elif name != "uncompiled":
            model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        model.save(folder / f"{name}.keras")
    return folder


# -- cases --------------------------------------------------------------------------------------

@dataclass
class Refused:
    """Exit 2; the one-line message names ``culprit`` and holds every needle (problem, remedy)."""

    culprit: Path | None
    needles: tuple[str, ...]


@dataclass
class Reported:
    """A report on stdout; ``exit_code`` 0 or 1 as findings say; ``categories`` must be among them."""

    exit_codes: tuple[int, ...] = (0, 1)
    categories: tuple[str, ...] = ()


@dataclass
class Files:
    """Writes a case's inputs into its own directory; the saved models are shared."""

    root: Path
    models: Path
    marker: Path = field(init=False)

    def __post_init__(self) -> None:
        self.marker = self.root / "pwned"

    def model(self, name: str = "regressor") -> Path:
        return self.models / f"{name}.keras"

    def npz(self, name: str = "data.npz", **arrays) -> Path:
        path = self.root / name
        with open(path, "wb") as f:
            np.savez(f, **arrays)
        return path

    def npy_dir(self, **arrays) -> Path:
        path = self.root / "arrays"
        path.mkdir()
        for key, array in arrays.items():
            np.save(path / f"{key}.npy", array)
        return path

    def raw(self, name: str, content: bytes) -> Path:
        path = self.root / name
        path.write_bytes(content)
        return path


RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 2)).astype("float32")
Y = X.sum(axis=1, keepdims=True)
LABELS = (X[:, 0] > 0).astype("int64") + (X[:, 1] > 0)


def with_value(array, row, value):
    array = array.copy()
    array[row] = value
    return array


def objects(marker):
    array = np.empty(len(X), dtype=object)
    array[:] = [Payload(marker)] * len(X)
    return array


Case = Callable[[Files], tuple[list, object]]
CASES: dict[str, Case] = {
    # files that are missing, empty, damaged or of the wrong kind
    "model missing": lambda f: ([f.root / "absent.keras", f.npz(x=X, y=Y)],
                                Refused(f.root / "absent.keras", ("model file not found", "model.save()"))),
    "data missing": lambda f: ([f.model(), f.root / "absent.npz"],
                               Refused(f.root / "absent.npz", ("data file not found", "pass the training data"))),
    "model is a directory": lambda f: ([f.root, f.npz(x=X, y=Y)],
                                       Refused(f.root, ("got a directory", "model.save()"))),
    "data directory without .npy": lambda f: ([f.model(), f.root], Refused(f.root, ("holds no .npy files", "numpy.save"))),
    "empty model file": lambda f: ([f.raw("empty.keras", b""), f.npz(x=X, y=Y)],
                                   Refused(f.root / "empty.keras", ("the model file is empty", "model.save()"))),
    "empty data file": lambda f: ([f.model(), f.raw("empty.npz", b"")],
                                  Refused(f.root / "empty.npz", ("the data file is empty", ".npz"))),
    "truncated .keras": lambda f: (
        [f.raw("cut.keras", f.model().read_bytes()[:700]), f.npz(x=X, y=Y)],
        Refused(f.root / "cut.keras", ("cannot load the model", "model.save()"))),
    "random-bytes .keras": lambda f: (
        [f.raw("noise.keras", np.random.default_rng(1).bytes(4096)), f.npz(x=X, y=Y)],
        Refused(f.root / "noise.keras", ("cannot load the model", "model.save()"))),
    "random-bytes .h5": lambda f: (
        [f.raw("noise.h5", np.random.default_rng(2).bytes(4096)), f.npz(x=X, y=Y)],
        Refused(f.root / "noise.h5", ("cannot load the model", "model.save()"))),
    "model of unknown type": lambda f: ([f.raw("model.pt", b"\x80\x02}q\x00."), f.npz(x=X, y=Y)],
                                        Refused(f.root / "model.pt", ("unsupported model file type '.pt'",))),
    "arguments swapped": lambda f: ([f.npz(x=X, y=Y), f.model()],
                                    Refused(f.root / "data.npz", ("swapped", "dnndoctor check MODEL DATA"))),
    "CSV renamed to .npz": lambda f: ([f.model(), f.raw("data.npz", b"x,y\n1,2\n3,4\n")],
                                      Refused(f.root / "data.npz", ("not an .npz archive", "numpy.savez"))),
    "a single .npy": lambda f: ([f.model(), f.npy_dir(x=X) / "x.npy"],
                                Refused(f.root / "arrays" / "x.npy", ("holds one array", "directory"))),
    "truncated .npy": lambda f: (
        [f.model(), _truncate(f.npy_dir(x=X, y=Y) / "x.npy").parent],
        Refused(f.root / "arrays" / "x.npy", ("is truncated", "numpy.save"))),
    # arrays that are hostile, mislabelled or inconsistent
    "object array in .npz": lambda f: ([f.model(), f.npz(x=objects(f.marker), y=Y)],
                                       Refused(f.root / "data.npz", ("holds Python objects", "numeric arrays"))),
    "object array in .npy": lambda f: (
        [f.model(), f.npy_dir(x=objects(f.marker), y=Y)],
        Refused(f.root / "arrays" / "x.npy", ("holds Python objects", "numeric arrays"))),
    "unknown keys": lambda f: ([f.model(), f.npz(a=X, b=Y)],
                               Refused(f.root / "data.npz", ("cannot tell inputs from targets", "--x-key"))),
    "--x-key not in the archive": lambda f: (
        [f.model(), f.npz(x=X, y=Y), "--x-key", "features", "--y-key", "y"],
        Refused(f.root / "data.npz", ("no array named 'features'", "found: x, y"))),
    "missing targets": lambda f: ([f.model(), f.npz(x=X)],
                                  Refused(f.root / "data.npz", ("no targets", "save the targets as y"))),
    "mismatched lengths": lambda f: ([f.model(), f.npz(x=X, y=Y[:-1])],
                                     Refused(f.root / "data.npz", ("x has 64 rows but y has 63", "one target"))),
    "wrong feature shape": lambda f: ([f.model(), f.npz(x=np.hstack([X, X]), y=Y)],
                                      Refused(f.root / "data.npz", ("feature shape (4,)", "expects (2,)", "reshape"))),
    "wrong rank": lambda f: ([f.model(), f.npz(x=X[:, :, None], y=Y)],
                             Refused(f.root / "data.npz", ("feature shape (2, 1)", "expects (2,)"))),
    "wrong target shape": lambda f: ([f.model(), f.npz(x=X, y=np.hstack([Y, Y, Y]))],
                                     Refused(f.root / "data.npz", ("y has shape (3,)", "outputs (1,)", "reshape y"))),
    "NaN in x": lambda f: ([f.model(), f.npz(x=with_value(X, 5, np.nan), y=Y)],
                           Refused(f.root / "data.npz", ("'x' holds NaN or infinite values in 1 rows",
                                                         "first is row 5", "drop or impute"))),
    "Inf in y": lambda f: ([f.model(), f.npy_dir(x=X, y=with_value(Y, 9, np.inf))],
                           Refused(f.root / "arrays" / "y.npy", ("'y' holds NaN or infinite", "row 9", "impute"))),
    "string targets": lambda f: ([f.model(), f.npz(x=X, y=np.array(["a", "b"] * 32))],
                                 Refused(f.root / "data.npz", ("'y' has dtype <U1", "not a real number", "float32"))),
    "complex inputs": lambda f: ([f.model(), f.npz(x=X.astype("complex64"), y=Y)],
                                Refused(f.root / "data.npz", ("'x' has dtype complex64", "convert it"))),
    "zero rows": lambda f: ([f.model(), f.npz(x=X[:0], y=Y[:0])],
                            Refused(f.root / "data.npz", ("'x' has no rows", "at least 2 samples"))),
    "a single row": lambda f: ([f.model(), f.npz(x=X[:1], y=Y[:1])],
                               Refused(f.root / "data.npz", ("only one sample", "more rows"))),
    "labels out of range": lambda f: (
        [f.model("classifier"), f.npz(x=X, y=LABELS + 1)],
        Refused(f.root / "data.npz", ("labels range over [1, 3] but the output has 3 units", "labels 0..2"))),
    "fractional labels": lambda f: (
        [f.model("classifier"), f.npz(x=X, y=LABELS + 0.5)],
        Refused(f.root / "data.npz", ("non-integer values", "integer labels"))),
    # models that need code, compile settings or a structure the probes cannot follow
    "Lambda layer": lambda f: ([f.model("lambda"), f.npz(x=X, y=Y)],
                               Refused(f.model("lambda"), ("Lambda layer", "--unsafe-load"))),
    "uncompiled model": lambda f: ([f.model("uncompiled"), f.npz(x=X, y=Y)],
                                   Refused(f.model("uncompiled"), ("without compile()", "--loss"))),
    "unknown loss": lambda f: ([f.model(), f.npz(x=X, y=Y), "--loss", "wasserstein9"],
                               Refused(f.model(), ("unknown loss 'wasserstein9'", "sparse_categorical_crossentropy"))),
    "unregistered custom layer": lambda f: (
        [f.model("custom_layer"), f.npz(x=X, y=Y)],
        Refused(f.model("custom_layer"), ("uses Doubler, a custom class that is not registered", "--custom-objects"))),
    "--custom-objects file missing": lambda f: (
        [f.model("custom_layer"), f.npz(x=X, y=Y), "--custom-objects", f.root / "nowhere.py"],
        Refused(f.root / "nowhere.py", ("custom objects module not found", "defines the model's custom layers"))),
    "--custom-objects module that raises": lambda f: (
        [f.model("custom_layer"), f.npz(x=X, y=Y), "--custom-objects", f.raw("bad.py", b"raise OSError('nope')\n")],
        Refused(f.root / "bad.py", ("raised OSError: nope", "imports cleanly"))),
    "multi-input model, arrays not named after its inputs": lambda f: (
        [f.model("multi_input"), f.npz(x=X, y=Y)],
        Refused(f.root / "data.npz", ("need arrays of those names; missing: input", "one array per model input"))),
    "multi-output model, arrays not named after its outputs": lambda f: (
        [f.model("multi_output"), f.npz(x=X, y=Y)],
        Refused(f.root / "data.npz", ("need arrays of those names; missing: dense", "one array per model input"))),
    "subclassed model": lambda f: (
        [f.model("subclassed"), f.npz(x=X, y=Y), "--custom-objects", f.models / "custom_layers.py"],
        Refused(f.model("subclassed"), ("subclassed keras.Model (Subclassed)", "functional API"))),
    "custom train_step": lambda f: (
        [f.model("custom_step"), f.npz(x=X, y=Y), "--custom-objects", f.models / "custom_layers.py"],
        Refused(f.model("custom_step"), ("overrides train_step (CustomStep.train_step)", "keras.Model(model.inputs"))),
    # report destinations that cannot be written, or would overwrite an input
    "--output is a folder": lambda f: ([f.model(), f.npz(x=X, y=Y), "--output", f.root],
                                       Refused(f.root, ("the output path is a folder", "writable folder"))),
    "--output in a missing folder": lambda f: (
        [f.model(), f.npz(x=X, y=Y), "--output", f.root / "no" / "r.json"],
        Refused(f.root / "no" / "r.json", ("the output folder does not exist", "writable folder"))),
    "--output over the data file": lambda f: (
        [f.model(), f.npz(x=X, y=Y), "--output", f.root / "data.npz"],
        Refused(f.root / "data.npz", ("--output names an input file", "a new file"))),
    "--output inside the data directory": lambda f: (
        [f.model(), f.npy_dir(x=X, y=Y), "--output", f.root / "arrays" / "x.npy"],
        Refused(f.root / "arrays" / "x.npy", ("--output names an input file", "outside the data"))),
    # valid input, with the explicit opt-ins where it needs them; unhealthy input gets findings
    "Lambda layer with --unsafe-load": lambda f: ([f.model("lambda"), f.npz(x=X, y=Y), "--unsafe-load"], Reported()),
    "uncompiled model with --loss and --optimizer": lambda f: (
        [f.model("uncompiled"), f.npz(x=X, y=Y), "--loss", "mse", "--optimizer", "adam"], Reported()),
    "custom layer with --custom-objects": lambda f: (
        [f.model("custom_layer"), f.npy_dir(x=X, y=Y), "--custom-objects", f.models / "custom_layers.py"],
        Reported()),
    "diverging learning rate": lambda f: ([f.model("diverging"), f.npz(x=X * 100, y=Y * 100)],
                                          Reported(exit_codes=(1,), categories=("learning-rate-too-high",))),
}


def _truncate(path: Path) -> Path:
    path.write_bytes(path.read_bytes()[:-40])
    return path


def _snapshot(*folders: Path) -> dict[str, str]:
    """Every file under ``folders`` with the SHA-256 of its bytes."""
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


def test_there_are_at_least_30_refusals():
    assert len(CASES) >= 40
    assert sum(1 for name in CASES if "with --" not in name and "diverging" not in name) >= 30


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_input(name, models, tmp_path):
    files = Files(tmp_path, models)
    args, expected = CASES[name](files)
    before = _snapshot(tmp_path, models)
    result = runner.invoke(app, ["check", *map(str, args), *FAST])
    assert "Traceback" not in result.output + result.stderr
    assert _snapshot(tmp_path, models) == before, "an input file was changed or a file was created"
    assert not files.marker.exists(), "a pickle was loaded"
    if isinstance(expected, Refused):
        assert result.exit_code == 2, result.output + result.stderr
        assert result.stdout == ""
        message = result.stderr.strip()
        assert len(message.splitlines()) == 1, message
        assert message.startswith(f"error: {expected.culprit}: "), message
        for needle in expected.needles:
            assert needle in message, message
        assert message.endswith(")"), "no remedy in parentheses"
    else:
        assert result.exit_code in expected.exit_codes, result.output + result.stderr
        report = json.loads(result.stdout)
        found = {finding["category"] for finding in report["findings"]}
        assert set(expected.categories) <= found, found
