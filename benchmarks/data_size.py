"""Check time and peak memory of `dnndoctor check` as the data grows from 10^3 to 10^7 rows.

For each size it writes x.npy and y.npy (float32, FEATURES features) into a temporary folder,
and the same arrays as an uncompressed .npz, then runs the CLI on each in a fresh process.
It prints the check's own time (TensorFlow start-up excluded, as the report times it), the
process's peak resident memory (ru_maxrss) and, for scale, the resident memory right after
TensorFlow was imported. The files are removed afterwards; nothing is written elsewhere.

    python benchmarks/data_size.py [--sizes 1000 100000 10000000] [--steps 100] [--formats npy npz]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

FEATURES = 4
WRITE_ROWS = 1_000_000

CHILD = r"""
import json, resource, sys
from dnndoctor.tf_runtime import import_keras
import_keras()
after_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
from dnndoctor.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"after_import_mb": after_import, "peak_mb": peak}), file=sys.stderr)
"""


def write_arrays(folder: Path, rows: int, formats: list[str]) -> dict[str, Path]:
    """x.npy and y.npy written a million rows at a time (y is linear in x plus noise), and an .npz."""
    folder.mkdir()
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(FEATURES, 1)).astype(np.float32)
    x = np.lib.format.open_memmap(folder / "x.npy", mode="w+", dtype=np.float32, shape=(rows, FEATURES))
    y = np.lib.format.open_memmap(folder / "y.npy", mode="w+", dtype=np.float32, shape=(rows, 1))
    for start in range(0, rows, WRITE_ROWS):
        stop = min(rows, start + WRITE_ROWS)
        block = rng.normal(size=(stop - start, FEATURES)).astype(np.float32)
        x[start:stop] = block
        y[start:stop] = block @ weights + 0.1 * rng.normal(size=(stop - start, 1)).astype(np.float32)
    x.flush()
    y.flush()
    paths = {"npy": folder}
    if "npz" in formats:
        paths["npz"] = folder.with_suffix(".npz")
        np.savez(paths["npz"], x=np.load(folder / "x.npy", mmap_mode="r"), y=np.load(folder / "y.npy", mmap_mode="r"))
    return paths


def save_model(path: Path) -> None:
    """A small compiled regressor, saved in a separate process so this one stays light."""
    code = f"""
from dnndoctor.tf_runtime import import_keras
_, keras = import_keras()
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input(({FEATURES},)), keras.layers.Dense(32, activation="relu"),
                          keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
model.save({str(path)!r})
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def measure(model: Path, data: Path, steps: int) -> dict:
    """One `dnndoctor check` in a fresh process: its report timings and its memory."""
    args = ["check", str(model), str(data), "--format", "json", "-q", "--steps", str(steps), "--seeds", "0",
            "--no-counterfactuals", "--fail-on", "never"]
    out = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=False)
    try:
        report = json.loads(out.stdout)
        memory = json.loads(out.stderr.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise SystemExit(f"dnndoctor check {data} failed: {out.stderr.strip()}") from None
    timings = report["timings"]
    return {"check_s": timings["total"] - timings["startup"], "load_s": timings.get("load"),
            "rows_used": report["engine"]["rows_used"], "sample_seed": report["data"].get("sample_seed"), **memory}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000, 10_000_000])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--formats", nargs="+", choices=["npy", "npz"], default=["npy", "npz"])
    args = parser.parse_args()
    print(f"float32 x with {FEATURES} features and y; probes: {args.steps} steps, seed 0, no counterfactuals")
    print(f"{'rows':>12} {'format':>6} {'file MB':>8} {'check s':>8} {'load s':>7} {'probe rows':>10} "
          f"{'peak MB':>8} {'after TF import MB':>19}")
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "model.keras"
        save_model(model)
        for rows in args.sizes:
            paths = write_arrays(Path(folder) / f"rows{rows}", rows, args.formats)
            for fmt in args.formats:
                data = paths[fmt]
                size = sum(p.stat().st_size for p in ([data] if data.is_file() else data.iterdir())) / 2**20
                result = measure(model, data, args.steps)
                print(f"{rows:>12,} {fmt:>6} {size:>8.1f} {result['check_s']:>8.2f} {result['load_s']:>7.2f} "
                      f"{result['rows_used']:>10,} {result['peak_mb']:>8.0f} {result['after_import_mb']:>19.0f}",
                      flush=True)
            for path in paths.values():
                shutil.rmtree(path) if path.is_dir() else path.unlink()


if __name__ == "__main__":
    main()
