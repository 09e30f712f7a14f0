"""Fuzzing the loaders: random and mutated files must end in InputError or load cleanly, nothing else.

Hypothesis runs a fixed number of derandomized examples, so every run tries the same inputs
and the suite stays deterministic and takes a few seconds.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dnndoctor.errors import InputError
from dnndoctor.loading import check_numeric, open_arrays, read_pair
from dnndoctor.options import CheckOptions

FUZZ = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
OPTIONS = CheckOptions(max_rows=8)
RNG = np.random.default_rng(0)
X = RNG.normal(size=(24, 3)).astype("float32")
Y = RNG.integers(0, 3, size=24)


def _npz_bytes(save) -> bytes:
    buffer = io.BytesIO()
    save(buffer, x=X, y=Y, x_val=X[:4], y_val=Y[:4])
    return buffer.getvalue()


def _npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


VALID = {"npz": _npz_bytes(np.savez), "npz-compressed": _npz_bytes(np.savez_compressed), "npy": _npy_bytes(X)}


@st.composite
def mutations(draw, original: bytes) -> bytes:
    """``original`` with a few bytes overwritten, then possibly cut short or extended."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    end = draw(st.one_of(st.just(len(data)), st.integers(0, len(data))))
    return bytes(data[:end]) + draw(st.binary(max_size=8))


def read_data(path: Path) -> None:
    """Loading's whole data path: open the arrays, check their headers, read every row once."""
    x, y, x_val, y_val = open_arrays(path, OPTIONS)
    for source in (x, y):
        check_numeric(source)
    read_pair(x, y, OPTIONS, seed=0)
    if x_val is not None and y_val is not None:
        read_pair(x_val, y_val, OPTIONS, seed=0)


def only_input_errors(load, path: Path) -> None:
    try:
        load(path)
    except InputError as exc:
        assert "\n" not in exc.line()


def _with_file(name: str, content: bytes, check) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        check(path)


def _with_npy_dir(x_content: bytes, check) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "x.npy").write_bytes(x_content)
        np.save(Path(folder) / "y.npy", Y)
        check(Path(folder))


def test_the_valid_files_load():
    _with_file("d.npz", VALID["npz"], read_data)
    _with_file("d.npz", VALID["npz-compressed"], read_data)
    _with_npy_dir(VALID["npy"], read_data)


@FUZZ
@given(content=st.binary(max_size=2048))
def test_random_bytes_as_npz(content):
    _with_file("d.npz", content, lambda p: only_input_errors(read_data, p))


@FUZZ
@given(content=mutations(VALID["npz"]))
def test_mutated_npz(content):
    _with_file("d.npz", content, lambda p: only_input_errors(read_data, p))


@FUZZ
@given(content=mutations(VALID["npz-compressed"]))
def test_mutated_compressed_npz(content):
    _with_file("d.npz", content, lambda p: only_input_errors(read_data, p))


@FUZZ
@given(content=mutations(VALID["npy"]))
def test_mutated_npy(content):
    _with_npy_dir(content, lambda p: only_input_errors(read_data, p))


@pytest.fixture(scope="module")
def keras_file(tmp_path_factory) -> bytes:
    from dnndoctor.tf_runtime import import_keras

    _, keras = import_keras()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    path = tmp_path_factory.mktemp("fuzz") / "m.keras"
    model.save(path)
    return path.read_bytes()


def load_keras(path: Path) -> None:
    from dnndoctor.loading import load_model

    load_model(path, CheckOptions())


@pytest.mark.tf
@settings(FUZZ, max_examples=40, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_and_random_keras(keras_file, data):
    content = data.draw(st.one_of(mutations(keras_file), st.binary(max_size=1024)))
    _with_file("m.keras", content, lambda p: only_input_errors(load_keras, p))
