"""model.fit checks of the reported faults and the healthy controls.

Each subject is trained with model.fit (its epochs and batch size, shuffled) for every seed, then
evaluated on its training data: the compiled loss relative to the best constant prediction's
(1.0 = no better than predicting the mean or the class prior) and a task metric (training
accuracy of a classifier, else R²).

* A control is kept when it trains well: median relative loss ≤ CONTROL_MAX, or, for a classifier,
  median training accuracy ≥ CONTROL_ACCURACY. Written to benchmarks/controls/fitted.json.
* A reported fault is kept when its fix trains (the same test as a control) and the fault hurts,
  by the criteria of benchmarks/faults/validate.py against the fix: loss non-finite in most
  seeds, or median relative loss ≥ max(HURT_FACTOR × the fix's, HURT_FLOOR) (only when the fix
  keeps the loss function: losses of different functions do not compare), or a classifier's
  training error ≥ max(HURT_FACTOR × the fix's, the fix's + ERROR_MARGIN). Written to
  benchmarks/reported/validated.json.

    python -m benchmarks.fitcheck reported|controls [--seeds 0 1 2] [NAME ...]
    python -m benchmarks.fitcheck reported|controls --table    # the recorded results as Markdown
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import warnings

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from .bench import Bench  # noqa: E402
from .faults.validate import ERROR_MARGIN, HURT_FACTOR, HURT_FLOOR, _num  # noqa: E402
from .suite import CONTROLS_FITTED, REPORTED_VALIDATED  # noqa: E402

SEEDS = (0, 1, 2)
CONTROL_MAX = 0.1
CONTROL_ACCURACY = 0.95


def _loss_fn(keras, model):
    loss = model.loss
    return keras.losses.get(loss) if isinstance(loss, str) else loss


def _is_classifier(y: np.ndarray) -> bool:
    """Class labels, whatever the loss: integers, or only 0s and 1s (one-hot or binary)."""
    return y.dtype.kind in "iu" or set(np.unique(y).tolist()) <= {0.0, 1.0}


def constant_loss(model, y: np.ndarray) -> float:
    """The compiled loss of the best constant prediction among the target mean and median, the
    class prior and their logs and logits."""
    import keras

    loss = _loss_fn(keras, model)
    out_shape = tuple(model.output_shape[1:])
    y = np.asarray(y)
    if y.ndim == len(out_shape) and "sparse" not in getattr(loss, "__name__", str(loss)):
        y = y.reshape(-1, *out_shape)  # 1-D labels of a one-unit output, as model.fit reads them
    if y.dtype.kind in "iu" or (y.ndim <= 2 and y.shape[-1:] != out_shape[-1:] and out_shape[-1] > 1):
        counts = np.bincount(y.reshape(-1).astype(int), minlength=out_shape[-1])
        rows = [np.clip(counts / counts.sum(), 1e-7, 1.0)]
    else:
        rows = [y.mean(axis=0), np.median(y, axis=0)]
    candidates = []
    for r in rows:
        p = np.clip(r, 1e-7, 1 - 1e-7)
        candidates += [r, np.log(p), np.log(p / (1 - p))]
    best = math.inf
    for c in candidates:
        prediction = np.broadcast_to(np.asarray(c, np.float32).reshape(out_shape), (len(y), *out_shape))
        value = float(np.mean(keras.ops.convert_to_numpy(loss(y, prediction))))
        if math.isfinite(value):
            best = min(best, value)
    return best


def task_metric(model, x, y: np.ndarray) -> tuple[str, float]:
    """Training accuracy of a classifier, else R² (nan when predictions are not finite)."""
    import keras

    p = np.asarray(model.predict(x, batch_size=512, verbose=0), np.float64)
    y = np.asarray(y)
    if not np.all(np.isfinite(p)):
        return ("accuracy" if _is_classifier(y) else "r2"), math.nan
    if _is_classifier(y):
        if p.shape[-1] > 1:
            truth = y.reshape(p.shape[:-1]) if y.dtype.kind in "iu" or y.shape != p.shape else y.argmax(-1)
            return "accuracy", float(np.mean(p.argmax(-1) == truth))
        threshold = 0.0 if getattr(_loss_fn(keras, model), "from_logits", False) else 0.5
        return "accuracy", float(np.mean((p.reshape(-1) > threshold) == (y.reshape(-1) > 0.5)))
    residual = float(np.mean((y.reshape(p.shape) - p) ** 2))
    return "r2", 1.0 - residual / float(np.var(y))


def _loss_name(loss_fn, compiled) -> str:
    """The compiled loss's name, stable across runs (a bare function's repr holds its address)."""
    return getattr(loss_fn, "name", None) or getattr(compiled, "__name__", None) or str(compiled)


def fit_once(bench: Bench, seed: int, fixed: bool = False) -> dict:
    import keras

    keras.utils.set_random_seed(seed)
    x, y = bench.data()
    model = (bench.fixed if fixed else bench.build)()
    baseline = constant_loss(model, y)
    started = time.perf_counter()
    keras.utils.set_random_seed(seed)
    history = model.fit(x, y, batch_size=bench.batch_size, epochs=bench.epochs, shuffle=True, verbose=0)
    seconds = time.perf_counter() - started
    final = float(model.evaluate(x, y, batch_size=512, verbose=0))
    metric, value = task_metric(model, x, y)
    losses = history.history["loss"]
    return {"seed": seed, "loss": _loss_name(_loss_fn(keras, model), model.loss),
            "constant_loss": _num(baseline), "final_loss": _num(final),
            "relative_loss": _num(final / baseline if math.isfinite(final) and baseline > 0 else math.inf),
            "lowest_epoch_loss": _num(float(np.nanmin(losses)) if np.isfinite(losses).any() else math.nan),
            metric: _num(value), "steps": bench.epochs * math.ceil(len(y) / bench.batch_size),
            "fit_seconds": round(seconds, 1)}


def summarize(runs: list[dict]) -> dict:
    rel = [float(r["relative_loss"]) for r in runs]
    metric = "accuracy" if "accuracy" in runs[0] else "r2"
    values = [float(r[metric]) for r in runs]
    return {"median_relative_loss": _num(float(np.median(rel))), "metric": metric,
            f"median_{metric}": _num(float(np.median(values))),
            "nonfinite_seeds": sum(not math.isfinite(float(r["final_loss"])) for r in runs), "loss": runs[0]["loss"]}


def trains(summary: dict) -> tuple[bool, str]:
    rel = float(summary["median_relative_loss"])
    if math.isfinite(rel) and rel <= CONTROL_MAX:
        return True, f"trains: median relative loss {rel:.3g} ≤ {CONTROL_MAX}"
    acc = float(summary.get("median_accuracy", "nan"))
    if math.isfinite(acc) and acc >= CONTROL_ACCURACY:
        return True, f"trains: median training accuracy {acc:.3g} ≥ {CONTROL_ACCURACY} (relative loss {rel:.3g})"
    return False, f"does not train well: median relative loss {rel:.3g}" + \
        (f", accuracy {acc:.3g}" if math.isfinite(acc) else "")


def hurts(fault: dict, fix: dict, seeds: int) -> tuple[bool, str]:
    if fault["nonfinite_seeds"] * 2 > seeds:
        return True, f"hurts: loss non-finite in {fault['nonfinite_seeds']}/{seeds} seeds"
    rel, base = float(fault["median_relative_loss"]), float(fix["median_relative_loss"])
    text = f"median relative loss {rel:.3g} vs the fix's {base:.3g}"
    if fault["loss"] != fix["loss"]:  # losses of different functions do not compare: the metric decides
        text += f" (losses differ: {fault['loss']} vs {fix['loss']})"
    elif rel >= max(HURT_FACTOR * base, HURT_FLOOR):
        return True, f"hurts: {text}"
    if fault["metric"] == "accuracy":
        error, base_error = 1 - float(fault["median_accuracy"]), 1 - float(fix["median_accuracy"])
        if not math.isfinite(error) or error >= max(HURT_FACTOR * base_error, base_error + ERROR_MARGIN):
            return True, f"hurts the predictions: training error {error:.3g} vs the fix's {base_error:.3g}; {text}"
    return False, f"does not hurt: {text}"


def check(bench: Bench, seeds: tuple[int, ...]) -> dict:
    entry = {"name": bench.name, "label": bench.label, "kind": bench.kind, "source": bench.source,
             "notes": bench.notes, "epochs": bench.epochs, "batch_size": bench.batch_size, "seeds": list(seeds)}
    runs = [fit_once(bench, s) for s in seeds]
    entry.update(runs=runs, **summarize(runs))
    if bench.control:
        entry["kept"], entry["verdict"] = trains(entry)
        return entry
    fix_runs = [fit_once(bench, s, fixed=True) for s in seeds]
    fix = {"runs": fix_runs, **summarize(fix_runs)}
    entry["fix"] = fix
    fix_ok, fix_verdict = trains(fix)
    if not fix_ok:
        entry["kept"], entry["verdict"] = False, f"the fix {fix_verdict}"
    else:
        entry["kept"], entry["verdict"] = hurts(entry, fix, len(seeds))
    return entry


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=("reported", "controls"))
    parser.add_argument("names", nargs="*", help="only these (others keep their recorded entry)")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--table", action="store_true", help="print the recorded results as a Markdown table")
    args = parser.parse_args(argv)
    if args.table:
        print(table(json.loads((REPORTED_VALIDATED if args.which == "reported" else CONTROLS_FITTED).read_text())))
        return
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    warnings.filterwarnings("ignore", category=UserWarning, module="keras")
    if args.which == "reported":
        from .reported import REPORTED as benches
        output = REPORTED_VALIDATED
    else:
        from .controls import CONTROLS as benches
        output = CONTROLS_FITTED
    unknown = set(args.names) - {b.name for b in benches}
    if unknown:
        raise SystemExit(f"unknown {args.which}: {', '.join(sorted(unknown))}")
    previous = json.loads(output.read_text()) if output.exists() else {"entries": []}
    entries = {e["name"]: e for e in previous["entries"]}
    for bench in benches:
        if args.names and bench.name not in args.names:
            continue
        started = time.perf_counter()
        entries[bench.name] = check(bench, tuple(args.seeds))
        e = entries[bench.name]
        print(f"{bench.name:40} {'kept' if e['kept'] else 'DROPPED':8} {e['verdict']} "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
        write(output, benches, entries)


def _runs_text(entry: dict) -> str:
    metric = entry["metric"]
    rels = ", ".join(f"{float(r['relative_loss']):.3g}" for r in entry["runs"])
    values = ", ".join(f"{float(r[metric]):.3g}" for r in entry["runs"])
    return f"rel. loss {rels}; {metric} {values}"


def table(recorded: dict) -> str:
    """One Markdown row per recorded subject: its model.fit results per seed and the verdict."""
    rows = ["| name | label | epochs × batch | model.fit per seed | fix per seed | verdict |", "|---|---|---|---|---|---|"]
    for e in recorded["entries"]:
        fix = _runs_text(e["fix"]) if "fix" in e else ""
        rows.append(f"| {e['name']} | {e['label'] or 'control'} | {e['epochs']} × {e['batch_size']} | "
                    f"{_runs_text(e)} | {fix} | {'kept' if e['kept'] else 'DROPPED'}: {e['verdict']} |")
    return "\n".join(rows)


def write(output, benches, entries: dict) -> None:
    import keras
    import tensorflow as tf

    ordered = [entries[b.name] for b in benches if b.name in entries]
    output.write_text(json.dumps({
        "about": "model.fit checks written by python -m benchmarks.fitcheck",
        "criteria": {"control_max_relative_loss": CONTROL_MAX, "control_min_accuracy": CONTROL_ACCURACY,
                     "hurt_factor": HURT_FACTOR, "hurt_floor": HURT_FLOOR, "error_margin": ERROR_MARGIN,
                     "relative_loss": "final training loss (model.evaluate) / loss of the best constant prediction"},
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__},
        "kept": [e["name"] for e in ordered if e["kept"]],
        "dropped": {e["name"]: e["verdict"] for e in ordered if not e["kept"]},
        "entries": ordered}, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
