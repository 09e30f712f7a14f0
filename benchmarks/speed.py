"""Speed of dnndoctor on the seed fixtures.

For each fixture it prints the wall time of a whole `dnndoctor check` (a fresh process, so
TensorFlow start-up is included) and the training steps per second of the probe loop next to
model.fit's on the same model, data and batch size (both warmed up, tracing excluded).

    python benchmarks/speed.py [--steps 400] [--fit-epochs 100] [NAME ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))

from build import FIXTURES  # noqa: E402


def check_seconds(name: str) -> tuple[float, dict]:
    """Wall time of the CLI in a fresh process, and the timings it reported."""
    data = ROOT / "fixtures" / f"{FIXTURES[name][0]}.npz"
    started = time.perf_counter()
    out = subprocess.run(
        ["dnndoctor", "check", str(ROOT / "fixtures" / f"{name}.keras"), str(data), "--format", "json", "-q"],
        capture_output=True, text=True, check=False,
    )
    wall = time.perf_counter() - started
    if out.returncode not in (0, 1):
        raise SystemExit(f"{name}: dnndoctor check failed: {out.stderr.strip()}")
    return wall, json.loads(out.stdout)["timings"]


def steps_per_second(name: str, steps: int, fit_epochs: int) -> tuple[float, float]:
    """Probe-loop and model.fit training steps per second on one fixture."""
    from dnndoctor.probes.loop import InstrumentedLoop
    from dnndoctor.probes.edits import probe_clone
    from dnndoctor.tf_runtime import import_keras

    _, keras = import_keras()
    arrays = np.load(ROOT / "fixtures" / f"{FIXTURES[name][0]}.npz")
    x, y = arrays["x"], arrays["y"]
    saved = keras.saving.load_model(ROOT / "fixtures" / f"{name}.keras")

    model = probe_clone(saved)
    loop = InstrumentedLoop(model, x, y, batch_size=32, steps=steps, record_every=max(1, steps // 10),
                            probe_rows=np.arange(len(x)), jit=False)
    loop.compile_graphs()
    weights = [w.numpy() for w in model.weights]
    loop.run(variant="warm-up", seed=0, weights=weights)
    started = time.perf_counter()
    loop.run(variant="timed", seed=1, weights=weights)
    probe = loop.steps / (time.perf_counter() - started)

    fitted = probe_clone(saved)
    fitted.fit(x, y, batch_size=32, epochs=2, verbose=0)
    started = time.perf_counter()
    fitted.fit(x, y, batch_size=32, epochs=fit_epochs, verbose=0)
    fit = fit_epochs * loop.steps_per_epoch / (time.perf_counter() - started)
    return probe, fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(FIXTURES))
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--fit-epochs", type=int, default=100)
    args = parser.parse_args()
    print(f"{'fixture':18} {'check s':>8} {'startup':>8} {'probes':>8} {'probe steps/s':>14} "
          f"{'fit steps/s':>12} {'speed-up':>9}")
    for name in args.names:
        wall, timings = check_seconds(name)
        probe, fit = steps_per_second(name, args.steps, args.fit_epochs)
        print(f"{name:18} {wall:8.2f} {timings['startup']:8.2f} {timings['probes']:8.2f} {probe:14.0f} "
              f"{fit:12.0f} {probe / fit:8.0f}×", flush=True)


if __name__ == "__main__":
    main()
