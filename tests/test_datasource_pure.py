"""Array sources and the one pass over them: every layout read back exactly, in bounded chunks,
a seeded sample, statistics of every row, and damaged files refused. numpy only."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from dnndoctor import datasource
from dnndoctor.arrays import sample_indices
from dnndoctor.datascan import sample_size, scan
from dnndoctor.datasource import MemoryArray, NpyFile, npy_directory_arrays, npz_arrays
from dnndoctor.errors import InputError
from dnndoctor.loading import read_pair
from dnndoctor.options import CheckOptions

RNG = np.random.default_rng(0)
X = RNG.normal(size=(1000, 3, 2)).astype("float32")
Y = RNG.integers(0, 5, size=1000)
BUDGET = 2**30


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Chunks of about 1 KiB, so that every array here is read in many of them."""
    monkeypatch.setattr(datasource, "CHUNK_BYTES", 1024)


def _npz(path, save=np.savez, **arrays):
    with open(path, "wb") as f:
        save(f, **arrays)
    return path


def _sources(tmp_path, layout):
    if layout == "npy":
        folder = tmp_path / "arrays"
        folder.mkdir()
        np.save(folder / "x.npy", X)
        np.save(folder / "y.npy", Y)
        openers = npy_directory_arrays(folder)
    elif layout == "npy-fortran":
        folder = tmp_path / "arrays"
        folder.mkdir()
        np.save(folder / "x.npy", np.asfortranarray(X))
        np.save(folder / "y.npy", Y)
        openers = npy_directory_arrays(folder)
    else:
        save = np.savez_compressed if layout == "npz-compressed" else np.savez
        x = np.asfortranarray(X) if layout == "npz-fortran" else X
        openers = npz_arrays(_npz(tmp_path / "d.npz", save, x=x, y=Y), BUDGET)
    return openers["x"](), openers["y"]()


@pytest.mark.parametrize("layout", ["npy", "npy-fortran", "npz", "npz-compressed", "npz-fortran"])
def test_every_layout_reads_back_exactly_in_bounded_chunks(tmp_path, layout):
    x, y = _sources(tmp_path, layout)
    assert (x.shape, x.dtype, x.rows) == (X.shape, X.dtype, 1000)
    chunks = list(x.chunks())
    assert len(chunks) > 10 and max(len(c) for c in chunks) == x.chunk_rows() == 1024 // X[0].nbytes
    np.testing.assert_array_equal(np.concatenate(chunks), X)
    np.testing.assert_array_equal(np.concatenate(list(y.chunks())), Y)


def test_scan_keeps_the_seeded_sample_and_describes_every_row():
    keep = sample_indices(1000, 100, seed=3)
    assert len(set(keep)) == 100 and np.all(np.diff(keep) > 0)
    np.testing.assert_array_equal(keep, sample_indices(1000, 100, seed=3))
    found = scan(MemoryArray("x", X), keep)
    np.testing.assert_array_equal(found.sample, X[keep])
    assert found.info.shape == [1000, 3, 2] and found.info.dtype == "float32"
    assert found.info.mean == pytest.approx(float(X.astype(np.float64).mean()))
    assert found.info.std == pytest.approx(float(X.astype(np.float64).std()))
    assert (found.info.min, found.info.max) == (float(X.min()), float(X.max()))
    assert found.nonfinite_rows == 0 and not found.integral
    assert scan(MemoryArray("y", Y.astype("float32")), keep).integral


def test_scan_counts_non_finite_rows_and_finds_the_first():
    x = X.copy()
    x[17, 1, 0], x[400] = np.nan, np.inf
    found = scan(MemoryArray("x", x), sample_indices(1000, 10, seed=0))
    assert (found.nonfinite_rows, found.first_nonfinite_row) == (2, 17)
    assert np.isfinite(found.info.mean) and np.isfinite(found.info.max)


def test_sample_size_obeys_rows_and_memory():
    assert sample_size(1000, 24, max_rows=5000, max_bytes=BUDGET) == 1000
    assert sample_size(10**7, 24, max_rows=100_000, max_bytes=BUDGET) == 100_000
    assert sample_size(10**7, 2**20, max_rows=100_000, max_bytes=256 * 2**20) == 256
    assert sample_size(10**7, 2**30, max_rows=100_000, max_bytes=2**20) == 2


def test_read_pair_samples_large_data_and_says_so():
    options = CheckOptions(max_rows=100, seeds=[5])
    x_scan, y_scan, sampled = read_pair(MemoryArray("x", X), MemoryArray("y", Y), options, seed=5)
    keep = sample_indices(1000, 100, seed=5)
    assert sampled and len(x_scan.sample) == 100
    np.testing.assert_array_equal(x_scan.sample, X[keep])
    np.testing.assert_array_equal(y_scan.sample, Y[keep])
    _, _, sampled = read_pair(MemoryArray("x", X), MemoryArray("y", Y), CheckOptions(), seed=0)
    assert not sampled


def test_truncated_npy_is_refused_before_reading(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, X)
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(InputError, match="'x' is truncated: its header promises 24,000 bytes"):
        NpyFile("x", path)


def test_a_header_promising_more_rows_than_the_archive_holds_is_refused(tmp_path):
    lying = io.BytesIO()
    np.lib.format.write_array_header_1_0(lying, {"descr": "<f4", "fortran_order": False, "shape": (10**10, 3, 2)})
    lying.write(X[:10].tobytes())
    path = tmp_path / "d.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", lying.getvalue())
    with pytest.raises(InputError) as error:
        npz_arrays(path, BUDGET)["x"]()
    assert error.value.line().startswith(f"{path}: array 'x' is truncated: its header promises 240,000,000,000 bytes")


def test_a_fortran_ordered_member_larger_than_the_memory_allowed_is_refused(tmp_path):
    path = _npz(tmp_path / "d.npz", x=np.asfortranarray(X), y=Y)
    with pytest.raises(InputError, match="Fortran order.*ascontiguousarray"):
        npz_arrays(path, budget_bytes=1024)["x"]()
