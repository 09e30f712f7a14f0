"""Speed of dnndoctor against plain Keras training, per model.

For every model of benchmarks/speed_models.py it prints:

- ``fit ms``: model.fit's milliseconds per training step (warmed up, per-epoch overhead included);
- ``bare ms``: a plain ``tf.function`` Keras train step inside a ``tf.while_loop``, the floor for
  any faithful probe (fixed-size shuffled batches, no measurement);
- ``probe ms``: one ``InstrumentedLoop.run`` of the check's default steps, wall time per step
  (warmed up, tracing excluded, its per-run reset and records included);
- ``probe/bare``: bare and probe are timed interleaved, several repeats; the median of the
  repeats' ratios, by wall time and by process CPU time (steadier on a shared machine);
- ``compile s``: tracing and compiling the probe's graphs;
- ``check s``: ``dnndoctor check`` in a fresh process with default flags (TensorFlow start-up
  included) on the model saved with its optimizer and loss, and ``check/fit400``: that time
  ÷ 400 steps of model.fit.

Then, per seed fixture (the seed document's examples 1-3), the check time next to the seed
script's own run, model.fit for 2000 epochs.

    python benchmarks/speed.py [--models deep_mlp,cnn] [--skip-check] [--skip-seed] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from speed_models import FIXTURES_DIR, MODELS, seed_fixture  # noqa: E402

sys.path.insert(0, str(FIXTURES_DIR))
from build import FIXTURES as SEED_FIXTURES  # noqa: E402

BATCH = 32
STEPS = 400  # the check's default steps per probe run
RECORD_EVERY = 40  # and its default record interval
PROBE_ROWS = 128


def machine() -> dict:
    """What the numbers were measured on."""
    from dnndoctor.tf_runtime import import_keras

    tf, keras = import_keras()
    gpus = tf.config.list_physical_devices("GPU")
    return {"cpus": os.cpu_count(), "load_average": [round(v, 2) for v in os.getloadavg()],
            "device": f"{len(gpus)} GPU" if gpus else "CPU", "python": platform.python_version(),
            "tensorflow": tf.__version__, "keras": keras.__version__}


def fit_ms_per_step(model, x, y) -> float:
    """model.fit's wall time per step over at least 200 steps, after a warm-up epoch."""
    steps_per_epoch = math.ceil(len(y) / BATCH)
    epochs = max(1, math.ceil(200 / steps_per_epoch))
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    started = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0)
    return 1000 * (time.perf_counter() - started) / (epochs * steps_per_epoch)


def bare_train(model, x, y, steps: int):
    """A compiled function training ``steps`` plain Keras steps on shuffled fixed-size batches."""
    from dnndoctor.arrays import fit_dtype
    from dnndoctor.tf_runtime import import_keras

    tf, _ = import_keras()
    xs, ys = tf.constant(fit_dtype(x)), tf.constant(fit_dtype(y))
    rng = np.random.default_rng(0)
    epochs = math.ceil(steps * BATCH / len(y)) + 1
    order = tf.constant(np.concatenate([rng.permutation(len(y)) for _ in range(epochs)]).astype(np.int32))
    tvars = model.trainable_variables
    model.optimizer.build(tvars)

    def body(i, _):
        idx = tf.slice(order, [i * BATCH], [BATCH])
        xb, yb = tf.gather(xs, idx), tf.gather(ys, idx)
        with tf.GradientTape() as tape:
            loss = model.compute_loss(x=xb, y=yb, y_pred=model(xb, training=True), training=True)
        model.optimizer.apply_gradients(zip(tape.gradient(loss, tvars), tvars))
        return i + 1, tf.cast(loss, tf.float32)

    graph = tf.function(lambda: tf.while_loop(lambda i, _: i < steps, body, (tf.constant(0), tf.constant(0.0)))[1],
                        autograph=False)
    return lambda: graph().numpy()


def step_times(model, x, y, repeats: int, jit: bool | None) -> dict:
    """Bare and probe milliseconds per step, measured interleaved; medians over ``repeats``."""
    from dnndoctor.probes.edits import probe_clone
    from dnndoctor.probes.loop import InstrumentedLoop
    from dnndoctor.tf_runtime import use_xla

    bare = bare_train(probe_clone(model), x, y, STEPS)
    probed = probe_clone(model)
    loop = InstrumentedLoop(probed, x, y, batch_size=BATCH, steps=STEPS, record_every=RECORD_EVERY,
                            probe_rows=np.arange(min(PROBE_ROWS, len(y))), jit=use_xla(jit))
    started = time.perf_counter()
    engine = loop.compile_graphs()
    compile_s = time.perf_counter() - started
    weights = [w.numpy() for w in probed.weights]
    bare()
    loop.run(variant="warm-up", seed=0, weights=weights)
    wall = {"bare": [], "probe": []}
    cpu = {"bare": [], "probe": []}
    for k in range(repeats):
        for kind, run in (("bare", bare), ("probe", lambda: loop.run(variant="timed", seed=k, weights=weights))):
            started, started_cpu = time.perf_counter(), time.process_time()
            run()
            wall[kind].append(1000 * (time.perf_counter() - started) / STEPS)
            cpu[kind].append(1000 * (time.process_time() - started_cpu) / STEPS)
    return {"bare_ms": statistics.median(wall["bare"]), "probe_ms": statistics.median(wall["probe"]),
            "probe_over_bare": statistics.median(p / b for p, b in zip(wall["probe"], wall["bare"])),
            "probe_over_bare_cpu": statistics.median(p / b for p, b in zip(cpu["probe"], cpu["bare"])),
            "engine": engine, "compile_s": compile_s}


def check_seconds(model_path: Path, data_path: Path) -> float:
    """Wall time of ``dnndoctor check`` in a fresh process, default flags."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "dnndoctor", "check", str(model_path), str(data_path),
                          "--format", "json", "-q"], capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    if out.returncode not in (0, 1):
        raise SystemExit(f"{model_path.name}: dnndoctor check failed: {out.stderr.strip()[-500:]}")
    return wall


def saved_check_seconds(model, x, y) -> float:
    """Save the compiled model and its data to a temporary folder and check them."""
    with tempfile.TemporaryDirectory() as folder:
        model_path, data_path = Path(folder) / f"{model.name}.keras", Path(folder) / "data.npz"
        model.save(model_path)
        np.savez(data_path, x=x, y=y)
        return check_seconds(model_path, data_path)


def model_row(name: str, args) -> dict:
    from dnndoctor.probes.edits import probe_clone
    from dnndoctor.tf_runtime import import_keras

    _, keras = import_keras()
    keras.utils.set_random_seed(0)
    model, x, y = MODELS[name]()
    row = {"model": name, "fit_ms": fit_ms_per_step(probe_clone(model), x, y)}
    row.update(step_times(model, x, y, args.repeats, args.jit))
    if not args.skip_check:
        row["check_s"] = saved_check_seconds(model, x, y)
        row["check_over_fit400"] = row["check_s"] / (STEPS * row["fit_ms"] / 1000)
    return row


def seed_row(name: str, epochs: int, skip_check: bool) -> dict:
    """A seed fixture: the check's wall time and the seed script's own model.fit run."""
    from dnndoctor.tf_runtime import import_keras

    _, keras = import_keras()
    keras.utils.set_random_seed(0)
    model, x, y = seed_fixture(name)
    started = time.perf_counter()
    model.fit(x, y, epochs=epochs, verbose=0)
    row = {"fixture": name, "seed_fit_s": time.perf_counter() - started, "seed_fit_epochs": epochs}
    if not skip_check:
        row["check_s"] = check_seconds(FIXTURES_DIR / f"{name}.keras", FIXTURES_DIR / f"{SEED_FIXTURES[name][0]}.npz")
    return row


def _cell(value, spec: str) -> str:
    return format(value, spec) if value is not None else "–".rjust(len(format(0.0, spec)))


MODEL_HEADER = (f"{'model':10} {'fit ms':>8} {'bare ms':>8} {'probe ms':>9} {'probe/bare':>10} {'(cpu)':>6} "
                f"{'engine':>6} {'compile s':>9} {'check s':>8} {'check/fit400':>12}")
SEED_HEADER = f"\n{'seed fixture':18} {'check s':>8} {'seed script fit s':>18}"


def print_model(r: dict) -> None:
    print(f"{r['model']:10} {r['fit_ms']:8.2f} {r['bare_ms']:8.3f} {r['probe_ms']:9.3f} "
        f"{r['probe_over_bare']:9.2f}× {r['probe_over_bare_cpu']:5.2f}× {r['engine']:>6} {r['compile_s']:9.1f} "
        f"{_cell(r.get('check_s'), '8.1f')} "
              f"{_cell(r.get('check_over_fit400'), '11.1f')}", flush=True)


def print_seed(r: dict) -> None:
    print(f"{r['fixture']:18} {_cell(r.get('check_s'), '8.1f')} {r['seed_fit_s']:11.1f} "
              f"({r['seed_fit_epochs']} epochs)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated, of: " + ", ".join(MODELS))
    parser.add_argument("--skip-check", action="store_true", help="do not time dnndoctor check")
    parser.add_argument("--skip-seed", action="store_true", help="leave out the seed fixtures' table")
    parser.add_argument("--seed-epochs", type=int, default=2000, help="epochs of the seed script's model.fit")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved bare/probe repeats (medians)")
    parser.add_argument("--jit", action=argparse.BooleanOptionalAction, default=None,
                        help="XLA for the probe (default: the check's default)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    names = [n for n in args.models.split(",") if n]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        parser.error(f"unknown model {', '.join(unknown)}; known: {', '.join(MODELS)}")
    host = machine()
    print(f"machine: {host['cpus']} CPUs, load average {' '.join(map(str, host['load_average']))}, "
          f"{host['device']}; Python {host['python']}, TensorFlow {host['tensorflow']}, Keras {host['keras']}")
    print(f"steps of batch {BATCH}: {STEPS} per probe run, a record every {RECORD_EVERY}; "
          f"medians of {args.repeats} interleaved repeats\n")
    print(MODEL_HEADER)
    rows = []
    for name in names:
        rows.append(model_row(name, args))
        print_model(rows[-1])
    seeds = []
    if not args.skip_seed:
        print(SEED_HEADER)
        for name in SEED_FIXTURES:
            seeds.append(seed_row(name, args.seed_epochs, args.skip_check))
            print_seed(seeds[-1])
    if args.json:
        args.json.write_text(json.dumps({"machine": host, "models": rows, "seed_fixtures": seeds}, indent=2) + "\n")


if __name__ == "__main__":
    main()
