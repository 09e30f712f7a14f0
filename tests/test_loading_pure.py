"""The data side of loading: key picking, refusal to unpickle, numeric validation. numpy only."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from dnndoctor.datasource import MemoryArray
from dnndoctor.errors import InputError
from dnndoctor.loading import KEY_PAIRS, VAL_KEYS, _pick_keys, _require_file, check_numeric, open_arrays, read_pair
from dnndoctor.options import CheckOptions
from hostile import Payload

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 3)).astype("float32")
Y = RNG.integers(0, 2, size=(16,)).astype("int64")


def npz(tmp_path, name="data.npz", **arrays):
    path = tmp_path / name
    with open(path, "wb") as f:  # np.savez would append .npz to names without it
        np.savez(f, **arrays)
    return path


def npy_dir(tmp_path, name="data", **arrays):
    path = tmp_path / name
    path.mkdir()
    for key, array in arrays.items():
        np.save(path / f"{key}.npy", array)
    return path


def load_arrays(path, options):
    """x, y, x_val, y_val as in-memory arrays (None when absent), read from their sources."""
    return tuple(None if s is None else np.concatenate(list(s.chunks())) for s in open_arrays(path, options))


def as_numeric(array, name, path):
    """Validate one in-memory array as loading does: its dtype and rows, then its values."""
    source = MemoryArray(name, array)
    source.path = None if path is None else str(path)
    check_numeric(source)
    read_pair(source, MemoryArray("y", np.zeros(source.rows)), CheckOptions(), seed=0)


@contextlib.contextmanager
def raises_input_error(path, *needles):
    """InputError whose one-line message names ``path`` (unless None) and every needle."""
    with pytest.raises(InputError) as info:
        yield info
    line = info.value.line()
    assert "\n" not in line
    if path is not None:
        assert info.value.path == str(path) and line.startswith(f"{path}: ")
    for needle in needles:
        assert needle in line, line


# -- key picking ----------------------------------------------------------------------------------

@pytest.mark.parametrize("x_key, y_key", KEY_PAIRS)
def test_every_key_pair_is_found(tmp_path, x_key, y_key):
    path = npz(tmp_path, **{x_key: X, y_key: Y})
    x, y, x_val, y_val = load_arrays(path, CheckOptions())
    np.testing.assert_array_equal(x, X)
    np.testing.assert_array_equal(y, Y)
    assert x_val is None and y_val is None


def test_key_pairs_are_tried_in_order():
    assert _pick_keys(["Y", "y", "X", "x"], CheckOptions(), "f.npz") == ("x", "y")
    assert _pick_keys(["X", "y", "Y"], CheckOptions(), "f.npz") == ("X", "Y")
    assert _pick_keys(["labels", "X_train", "features", "y_train"], CheckOptions(), "f.npz") == ("X_train", "y_train")


@pytest.mark.parametrize("xv, yv", VAL_KEYS)
def test_validation_arrays_are_picked_up(tmp_path, xv, yv):
    path = npz(tmp_path, x=X, y=Y, **{xv: X[:4], yv: Y[:4]})
    x, y, x_val, y_val = load_arrays(path, CheckOptions())
    assert len(x) == 16 and len(x_val) == 4 and len(y_val) == 4
    np.testing.assert_array_equal(x_val, X[:4])


def test_explicit_keys_win_over_conventional_names(tmp_path):
    path = npz(tmp_path, x=X, y=Y, inputs_a=X * 2, targets_b=Y + 1)
    x, y, _, _ = load_arrays(path, CheckOptions(x_key="inputs_a", y_key="targets_b"))
    np.testing.assert_array_equal(x, X * 2)
    np.testing.assert_array_equal(y, Y + 1)


def test_unknown_explicit_key(tmp_path):
    path = npz(tmp_path, x=X, y=Y)
    with raises_input_error(path, "no array named 'feat'", "x, y"):
        load_arrays(path, CheckOptions(x_key="feat", y_key="y"))


@pytest.mark.parametrize("options", [CheckOptions(x_key="x"), CheckOptions(y_key="y")])
def test_explicit_keys_come_in_pairs(tmp_path, options):
    path = npz(tmp_path, x=X, y=Y)
    with raises_input_error(path, "--x-key and --y-key must be given together"):
        load_arrays(path, options)


def test_unrecognised_names(tmp_path):
    path = npz(tmp_path, a=X, b=Y)
    with raises_input_error(path, "cannot tell inputs from targets", "a, b", "--x-key"):
        load_arrays(path, CheckOptions())


def test_empty_archive(tmp_path):
    path = npz(tmp_path)
    with raises_input_error(path, "(none)"):
        load_arrays(path, CheckOptions())


# -- files that are not numeric .npz archives -----------------------------------------------------

@pytest.mark.parametrize("store", ["npz", "npy"])
def test_object_array_is_refused_without_unpickling(tmp_path, store):
    marker = tmp_path / "pwned"
    objects = np.empty(2, dtype=object)
    objects[0], objects[1] = Payload(marker), Payload(marker)
    if store == "npz":  # np.savez pickles object arrays by default
        path = where = npz(tmp_path, x=objects, y=Y[:2])
    else:
        path = npy_dir(tmp_path, x=objects, y=Y[:2])
        where = path / "x.npy"
    with raises_input_error(where, "array 'x' holds Python objects", "never unpickled"):
        load_arrays(path, CheckOptions())
    assert not marker.exists()
    # the payload is live: loading with pickles allowed does run it
    loaded = np.load(where, allow_pickle=True)
    for handle in (loaded["x"] if store == "npz" else loaded):
        handle.close()
    assert marker.exists()


def test_object_array_under_validation_key_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    objects = np.empty(1, dtype=object)
    objects[0] = Payload(marker)
    path = npz(tmp_path, x=X, y=Y, x_val=objects, y_val=Y[:1])
    with raises_input_error(path, "'x_val'"):
        load_arrays(path, CheckOptions())
    assert not marker.exists()


def test_csv_renamed_to_npz(tmp_path):
    path = tmp_path / "data.npz"
    path.write_text("x,y\n1.0,2.0\n3.0,4.0\n")
    with raises_input_error(path, "not an .npz archive", "numpy.savez"):
        load_arrays(path, CheckOptions())


def test_single_npy_renamed_to_npz(tmp_path):
    path = tmp_path / "data.npz"
    with open(path, "wb") as f:
        np.save(f, X)
    with raises_input_error(path, "not an .npz archive"):
        load_arrays(path, CheckOptions())


def test_truncated_archive(tmp_path):
    good = npz(tmp_path, "good.npz", x=X, y=Y)
    path = tmp_path / "cut.npz"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with raises_input_error(path, "not an .npz archive"):
        load_arrays(path, CheckOptions())


# -- numeric validation ---------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_refused(bad):
    x = X.copy()
    x[3, 1] = bad
    x[7, :] = bad
    with raises_input_error("d.npz", "array 'x' holds NaN or infinite values", "impute"):
        as_numeric(x, "x", "d.npz")


def test_non_finite_rows_are_counted():
    x = X.copy()
    x[3, 1] = np.nan
    x[7, :] = np.inf
    with raises_input_error("d.npz", "in 2 rows"):
        as_numeric(x, "x", "d.npz")


@pytest.mark.parametrize("array, needle", [
    (np.array(["a", "b", "c"]), "dtype <U1"),
    (np.array([b"a", b"b"]), "dtype |S1"),
    (np.array([1 + 2j, 3j]), "dtype complex128"),
    (np.array([None, 1.0], dtype=object), "dtype object"),
])
def test_non_real_dtypes_are_refused(array, needle):
    with raises_input_error("d.npz", needle, "not a real number type"):
        as_numeric(array, "y", "d.npz")


def test_string_array_from_file_is_refused(tmp_path):
    path = npz(tmp_path, x=X, y=np.array(["cat", "dog"] * 8))
    _, y, _, _ = open_arrays(path, CheckOptions())  # opens without pickling ...
    with raises_input_error(path, "array 'y' has dtype <U3"):
        check_numeric(y)  # ... and is refused before any row is read


@pytest.mark.parametrize("array", [np.float32(1.0), np.zeros((0, 3), dtype="float32")])
def test_arrays_without_rows_are_refused(array):
    with raises_input_error(None, "has no rows"):
        as_numeric(array, "x", None)


@pytest.mark.parametrize("array", [X, Y, Y.astype("uint8"), Y.astype(bool), X.astype("float16")])
def test_numeric_arrays_pass(array):
    as_numeric(array, "x", None)


# -- file checks ----------------------------------------------------------------------------------

def test_require_file(tmp_path):
    with raises_input_error(tmp_path / "absent.npz", "data file not found"):
        _require_file(tmp_path / "absent.npz", "data", (".npz",), "r")
    with raises_input_error(tmp_path, "got a directory"):
        _require_file(tmp_path, "data", (".npz",), "r")
    (tmp_path / "d.txt").write_text("1")
    with raises_input_error(tmp_path / "d.txt", "unsupported data file type '.txt'"):
        _require_file(tmp_path / "d.txt", "data", (".npz",), "r")
    (tmp_path / "e.NPZ").write_bytes(b"")
    with raises_input_error(tmp_path / "e.NPZ", "the data file is empty"):
        _require_file(tmp_path / "e.NPZ", "data", (".npz",), "r")
    good = npz(tmp_path, x=X, y=Y)
    _require_file(good, "data", (".npz",), "r")
