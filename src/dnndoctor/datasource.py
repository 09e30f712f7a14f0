"""Where the arrays live: .npz members, .npy files (memory-mapped) or memory, read in row chunks.

A source knows its shape and dtype from the array header alone and yields its rows in chunks
of bounded size, so a dataset far larger than memory can be checked and sampled. Nothing is
ever unpickled: an array of Python objects is refused from its header, before its data is read.
"""

from __future__ import annotations

import contextlib
import functools
import struct
import zipfile
import zlib
from pathlib import Path
from typing import IO, Callable, Iterator

import numpy as np

from .errors import InputError

CHUNK_BYTES = 4 * 2**20
# What the zip, zlib and numpy header parsers raise on damaged bytes.
READ_ERRORS = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error, NotImplementedError,
               RuntimeError, SyntaxError, TypeError, OverflowError, struct.error)
RESAVE = "re-save it with numpy.save or numpy.savez"


class ArraySource:
    """One named array: its shape and dtype, and its rows in chunks of about ``CHUNK_BYTES``."""

    def __init__(self, name: str, path: str | Path | None, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.name = name
        self.path = None if path is None else str(path)
        self.shape = tuple(int(d) for d in shape)
        self.dtype = np.dtype(dtype)

    @property
    def rows(self) -> int:
        return self.shape[0] if self.shape else 0

    @property
    def row_bytes(self) -> int:
        return int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.rows * self.row_bytes

    def chunk_rows(self) -> int:
        return max(1, CHUNK_BYTES // max(1, self.row_bytes))

    def chunks(self) -> Iterator[np.ndarray]:
        """Every row, in order, as consecutive arrays of at most ``chunk_rows()`` rows."""
        raise NotImplementedError

    def error(self, problem: str, remedy: str = RESAVE) -> InputError:
        return InputError(f"array {self.name!r} {problem}", path=self.path, remedy=remedy)


class MemoryArray(ArraySource):
    """An array already in memory (the Python API)."""

    def __init__(self, name: str, array) -> None:
        self.array = np.asarray(array)
        super().__init__(name, None, self.array.shape, self.array.dtype)

    def chunks(self) -> Iterator[np.ndarray]:
        step = self.chunk_rows()
        for start in range(0, self.rows, step):
            yield self.array[start:start + step]


class NpyFile(ArraySource):
    """An .npy file, read through memory maps of one chunk at a time so resident memory stays small."""

    def __init__(self, name: str, path: Path) -> None:
        self.file = Path(path)
        try:
            with open(self.file, "rb") as handle:
                shape, fortran, dtype = read_header(handle)
                self.offset = handle.tell()
        except InputError:
            raise
        except READ_ERRORS as exc:
            raise InputError(f"not a readable .npy file ({type(exc).__name__})", path=path, remedy=RESAVE) from None
        self.fortran = fortran
        super().__init__(name, path, shape, dtype)
        refuse_objects(self)
        if self.file.stat().st_size < self.offset + self.nbytes:
            raise self.error(f"is truncated: its header promises {self.nbytes:,} bytes of data")

    def _map(self, offset: int, shape: tuple[int, ...]) -> np.memmap:
        return np.memmap(self.file, dtype=self.dtype, mode="r", offset=offset, shape=shape,
                         order="F" if self.fortran else "C")

    def chunks(self) -> Iterator[np.ndarray]:
        if self.nbytes == 0:
            return
        step = self.chunk_rows()
        if self.fortran and len(self.shape) > 1:  # rows are not contiguous: slice one map of it all
            whole = self._map(self.offset, self.shape)
            for start in range(0, self.rows, step):
                yield np.array(whole[start:start + step])
            return
        for start in range(0, self.rows, step):
            rows = min(step, self.rows - start)
            window = self._map(self.offset + start * self.row_bytes, (rows, *self.shape[1:]))
            yield np.array(window)
            del window  # unmapped: its pages leave this process


class NpzMember(ArraySource):
    """One array of an .npz archive, streamed from its (possibly compressed) zip member."""

    def __init__(self, name: str, path: Path, member: str, budget_bytes: int) -> None:
        self.member = member
        super().__init__(name, path, (), np.dtype("u1"))
        with self._stream() as (_, shape, fortran, dtype, size):
            self.shape, self.dtype, self.fortran = tuple(int(d) for d in shape), np.dtype(dtype), fortran
        refuse_objects(self)
        if size < self.nbytes:
            raise self.error(f"is truncated: its header promises {self.nbytes:,} bytes of data")
        if self.fortran and len(self.shape) > 1 and self.nbytes > budget_bytes:
            raise self.error("is stored in Fortran order and too large to read whole",
                             remedy="re-save it as C order with numpy.save(path, numpy.ascontiguousarray(x))")

    @contextlib.contextmanager
    def _stream(self):
        """The open member positioned at its data, with its header and the size of its data."""
        try:
            with zipfile.ZipFile(self.path) as archive:
                info = archive.getinfo(self.member)
                with archive.open(info) as stream:
                    shape, fortran, dtype = read_header(stream)
                    yield stream, shape, fortran, dtype, info.file_size - stream.tell()
        except InputError:
            raise
        except READ_ERRORS as exc:
            raise self.error(f"cannot be read ({type(exc).__name__})") from None

    def chunks(self) -> Iterator[np.ndarray]:
        step = self.chunk_rows()
        with self._stream() as (stream, *_):
            if self.fortran and len(self.shape) > 1:  # rows are not contiguous: read it whole
                whole = np.ndarray(self.shape, self.dtype, _read_exactly(stream, self.nbytes, self), order="F")
                for start in range(0, self.rows, step):
                    yield whole[start:start + step]
                return
            for start in range(0, self.rows, step):
                rows = min(step, self.rows - start)
                data = _read_exactly(stream, rows * self.row_bytes, self)
                yield np.frombuffer(data, dtype=self.dtype).reshape(rows, *self.shape[1:])


def read_header(handle: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Shape, Fortran flag and dtype from an .npy header; numpy parses it as a literal, never as code."""
    try:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
    except READ_ERRORS:
        raise
    except Exception as exc:  # the header parser tokenizes damaged text: tokenize.TokenError and kin
        raise ValueError(f"unreadable .npy header ({type(exc).__name__})") from None
    if any(d < 0 for d in shape):
        raise ValueError("negative dimension")
    return shape, fortran, dtype


def refuse_objects(source: ArraySource) -> None:
    """Python objects would need unpickling: refuse them on sight of the dtype."""
    if source.dtype.hasobject:
        raise source.error("holds Python objects, which are never unpickled", remedy="save numeric arrays only")


def _read_exactly(stream: IO[bytes], size: int, source: ArraySource) -> bytes:
    try:
        data = stream.read(size)
    except READ_ERRORS as exc:
        raise source.error(f"cannot be read ({type(exc).__name__})") from None
    if len(data) != size:
        raise source.error("ends before the data its header promises")
    return data


def npz_arrays(path: Path, budget_bytes: int) -> dict[str, Callable[[], ArraySource]]:
    """An opener for every array of an .npz archive, by key; only the archive's directory is read."""
    remedy = "save the arrays with numpy.savez(path, x=..., y=...)"
    with open(path, "rb") as handle:
        if not zipfile.is_zipfile(handle):
            raise InputError("not an .npz archive (not a zip file)", path=path, remedy=remedy)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [info.filename for info in archive.infolist() if info.filename.endswith(".npy")]
    except READ_ERRORS as exc:
        raise InputError(f"not a readable .npz archive ({type(exc).__name__})", path=path, remedy=remedy) from None
    names = {member: member[: -len(".npy")] for member in members}
    return {name: functools.partial(NpzMember, name, path, member, budget_bytes) for member, name in names.items()}


def npy_directory_arrays(path: Path) -> dict[str, Callable[[], ArraySource]]:
    """An opener for every .npy file of a directory, keyed by its name without the suffix."""
    files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".npy" and p.is_file())
    if not files:
        raise InputError("the directory holds no .npy files", path=path,
                         remedy="save the arrays into it with numpy.save(DIR/'x.npy', x) and numpy.save(DIR/'y.npy', y)")
    return {p.stem: functools.partial(NpyFile, p.stem, p) for p in files}
