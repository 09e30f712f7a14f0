"""Check every benchmark case with real model.fit runs and record the verdicts in validated.json.

For each case and each seed it builds the model, trains it with model.fit (Adam, batch 32, the
base's number of epochs, shuffled) and evaluates the compiled loss on the training data, next to
the loss of the best constant prediction (the relative loss is their ratio; 1.0 is no better
than predicting the mean or the prior) and a task metric (training accuracy or R²).

Verdicts, on the median over the seeds:

* a control is kept when it trains: relative loss ≤ CONTROL_MAX (well below a constant's);
* a fault is kept when it hurts: the loss is non-finite in most seeds; or its relative loss is
  ≥ HURT_FACTOR × its control's and ≥ HURT_FLOOR (the controls end near 1e-4 to 1e-2, so the
  factor alone would count a fault that still ends within 1 % of a constant's loss, which
  dnndoctor calls a fit); or, for a classifier, its training error is ≥ HURT_FACTOR × its
  control's and ≥ the control's + ERROR_MARGIN (Keras computes cross-entropy from the logits
  under a sigmoid or softmax output, so a fault can leave the loss intact and break the
  predictions: softmax on one unit);
* everything else is dropped, with the reason.

The benchmark (benchmarks/accuracy.py) then runs only the kept cases and does not train with
model.fit itself. Run from the repository root (about 15 minutes on 2 CPU cores):

    python -m benchmarks.faults.validate [--seeds 0 1 2] [CASE ...]
    python -m benchmarks.faults.validate --rejudge    # apply changed criteria to the recorded losses
    python -m benchmarks.faults.validate --sweep      # the learning rates the controls use
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from .build import build_data, build_model, constant_loss, task_metric  # noqa: E402
from .cases import BASES, CASES, Case, Spec, case_by_name  # noqa: E402

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "validated.json"
SEEDS = (0, 1, 2)
BATCH_SIZE = 32
CONTROL_MAX = 0.1
HURT_FACTOR = 3.0
HURT_FLOOR = 0.02
ERROR_MARGIN = 0.02
SWEEP_RATES = (1e-3, 3e-3, 1e-2, 3e-2)


def _quiet() -> None:
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # retracing warnings of model.predict on new models
    warnings.filterwarnings("ignore", category=UserWarning, module="keras")  # the mutations Keras warns of


def fit_once(spec: Spec, seed: int) -> dict:
    """Train one seed with model.fit; the losses before and after, the metric and the time."""
    import keras

    x, y = build_data(spec)
    model = build_model(spec, seed)
    initial = float(model.evaluate(x, y, batch_size=512, verbose=0))
    started = time.perf_counter()
    keras.utils.set_random_seed(seed)
    history = model.fit(x, y, batch_size=BATCH_SIZE, epochs=spec.epochs, shuffle=True, verbose=0)
    seconds = time.perf_counter() - started
    final = float(model.evaluate(x, y, batch_size=512, verbose=0))
    metric, value = task_metric(spec, model, x, y)
    last_epoch = float(history.history["loss"][-1])
    return {"seed": seed, "initial_loss": _num(initial), "final_loss": _num(final),
            "last_epoch_loss": _num(last_epoch), metric: _num(value), "fit_seconds": round(seconds, 2)}


def _num(value: float) -> float | str:
    """JSON-safe: finite floats rounded to 6 significant digits, else 'nan'/'inf'."""
    if math.isfinite(value):
        return float(f"{value:.6g}")
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def _float(value) -> float:
    """A recorded number back as a float ('nan' and 'inf' included)."""
    return float(value)


def measure(case: Case, seeds: tuple[int, ...]) -> dict:
    x, y = build_data(case.spec)
    baseline = constant_loss(case.spec, y)
    runs = [fit_once(case.spec, seed) for seed in seeds]
    for run in runs:
        final = _float(run["final_loss"])
        run["relative_loss"] = _num(final / baseline if math.isfinite(final) else math.inf)
    relative = [_float(r["relative_loss"]) for r in runs]
    metric = "accuracy" if case.spec.classifier else "r2"
    values = [_float(r[metric]) for r in runs]
    return {
        "case": case.name, "base": case.base, "mutation": case.mutation, "label": case.label,
        "description": case.description, "spec": dataclasses.asdict(case.spec),
        "rows": len(x), "epochs": case.spec.epochs, "batch_size": BATCH_SIZE, "seeds": list(seeds),
        "constant_loss": _num(baseline), "runs": runs,
        "median_relative_loss": _num(float(np.median(relative))),
        "nonfinite_seeds": sum(not math.isfinite(_float(r["final_loss"])) for r in runs),
        "metric": metric, f"median_{metric}": _num(float(np.median(values))) if all(map(math.isfinite, values))
        else "nan",
    }


def _error(entry: dict) -> float:
    """Median training error (1 - accuracy) of a classifier case, or nan."""
    value = entry.get("median_accuracy")
    return 1.0 - _float(value) if value is not None and value != "nan" else math.nan


def judge(entry: dict, control: dict | None) -> tuple[bool, str]:
    """Whether a measured case is kept, and why."""
    rel = _float(entry["median_relative_loss"])
    if entry["label"] is None:
        if math.isfinite(rel) and rel <= CONTROL_MAX:
            return True, f"trains: median relative loss {rel:.3g} ≤ {CONTROL_MAX}"
        return False, f"does not train: median relative loss {rel:.3g} > {CONTROL_MAX}"
    if control is None or not control["kept"]:
        return False, "its control does not train"
    seeds = len(entry["runs"])
    if entry["nonfinite_seeds"] * 2 > seeds:
        return True, f"hurts: loss non-finite in {entry['nonfinite_seeds']}/{seeds} seeds"
    base_rel = _float(control["median_relative_loss"])
    ratio = rel / max(base_rel, 1e-12)
    loss_bar = max(HURT_FACTOR * base_rel, HURT_FLOOR)
    loss_text = f"median relative loss {rel:.3g} ({ratio:.3g}× the control's {base_rel:.3g})"
    if rel >= loss_bar:
        return True, f"hurts: {loss_text}"
    if entry["metric"] == "accuracy":
        error, base_error = _error(entry), _error(control)
        error_bar = max(HURT_FACTOR * base_error, base_error + ERROR_MARGIN)
        error_text = f"training error {error:.3g} (control {base_error:.3g})"
        if not math.isfinite(error) or error >= error_bar:
            return True, f"hurts the predictions: {error_text}, though {loss_text}"
        return False, f"does not hurt: {loss_text} < {loss_bar:.3g}, {error_text} < {error_bar:.3g}"
    return False, f"does not hurt: {loss_text} < {loss_bar:.3g}"


def validate(cases: list[Case], seeds: tuple[int, ...], previous: dict) -> dict:
    entries = {e["case"]: e for e in previous.get("cases", [])}
    for case in sorted(cases, key=lambda c: not c.control):  # controls first: faults are judged against them
        started = time.perf_counter()
        entry = measure(case, seeds)
        control = entries.get(f"{case.base}.control") if not case.control else None
        entry["kept"], entry["verdict"] = judge(entry, control)
        entries[case.name] = entry
        print(f"{case.name:40} {'kept' if entry['kept'] else 'DROPPED':8} {entry['verdict']} "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    return report(entries, seeds)


def rejudge(previous: dict) -> dict:
    """The recorded measurements judged again by the current criteria (no training)."""
    entries = {e["case"]: e for e in previous.get("cases", [])}
    for case in CASES:
        entry = entries.get(case.name)
        if entry is None or json.loads(json.dumps(dataclasses.asdict(case.spec))) != entry["spec"]:
            raise SystemExit(f"{case.name} is not recorded or changed since: validate it again")
    for case in sorted(CASES, key=lambda c: not c.control):
        entry = entries[case.name]
        control = entries.get(f"{case.base}.control") if not case.control else None
        entry["kept"], entry["verdict"] = judge(entry, control)
        print(f"{case.name:40} {'kept' if entry['kept'] else 'DROPPED':8} {entry['verdict']}")
    return report(entries, tuple(previous["seeds"]))


def report(entries: dict, seeds: tuple[int, ...]) -> dict:
    ordered = [entries[c.name] for c in CASES if c.name in entries]
    return {
        "about": "model.fit verdicts of the benchmark cases; written by python -m benchmarks.faults.validate",
        "criteria": {"control_max_relative_loss": CONTROL_MAX, "hurt_factor": HURT_FACTOR,
                     "relative_loss": "final training loss (model.evaluate) / loss of the best constant prediction",
                     "hurt_floor": HURT_FLOOR, "error_margin": ERROR_MARGIN,
                     "fault_kept_when": "loss non-finite in most seeds; or median relative loss >= max(hurt_factor "
                                        "x the control's, hurt_floor); or, for classifiers, median training error "
                                        ">= max(hurt_factor x the control's, the control's + error_margin)",
                     "control_kept_when": "median relative loss <= control_max_relative_loss"},
        "optimizer": "Adam", "batch_size": BATCH_SIZE, "seeds": list(seeds),
        "versions": _versions(),
        "kept": [e["case"] for e in ordered if e["kept"]],
        "dropped": {e["case"]: e["verdict"] for e in ordered if not e["kept"]},
        "cases": ordered,
    }


def _versions() -> dict:
    import keras
    import sklearn
    import tensorflow as tf

    return {"tensorflow": tf.__version__, "keras": keras.__version__, "scikit-learn": sklearn.__version__,
            "numpy": np.__version__}


def sweep(seeds: tuple[int, ...]) -> None:
    """model.fit final relative loss of each control at each learning rate of SWEEP_RATES."""
    print(f"{'base':18} " + " ".join(f"{lr:>9g}" for lr in SWEEP_RATES))
    for base, spec in BASES.items():
        _x, y = build_data(spec)
        baseline = constant_loss(spec, y)
        cells = []
        for lr in SWEEP_RATES:
            finals = [_float(fit_once(dataclasses.replace(spec, learning_rate=lr), s)["final_loss"]) for s in seeds]
            cells.append(float(np.median(finals)) / baseline)
        best = SWEEP_RATES[int(np.nanargmin(cells))]
        print(f"{base:18} " + " ".join(f"{c:9.3g}" for c in cells) + f"   best {best:g}", flush=True)


def load(path: Path = OUTPUT) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="case names (default: all); others keep their recorded verdict")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--sweep", action="store_true", help="print the controls' learning-rate sweep and exit")
    parser.add_argument("--rejudge", action="store_true",
                        help="judge the recorded measurements again by the current criteria, without training")
    args = parser.parse_args(argv)
    seeds = tuple(args.seeds)
    _quiet()
    if args.sweep:
        sweep(seeds)
        return
    if args.rejudge:
        result = rejudge(load(args.output))
        args.output.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        print(f"\n{len(result['kept'])} kept, {len(result['dropped'])} dropped; wrote {args.output}", file=sys.stderr)
        return
    cases = [case_by_name(n) for n in args.cases] if args.cases else list(CASES)
    previous = load(args.output) if args.cases else {}
    if args.cases:  # a fault is judged against its control: measure the control too when it is missing
        known = {e["case"] for e in previous.get("cases", [])}
        cases += [case_by_name(f"{c.base}.control") for c in cases
                  if not c.control and f"{c.base}.control" not in known and case_by_name(f"{c.base}.control")
                  not in cases]
    started = time.perf_counter()
    result = validate(list(dict.fromkeys(cases)), seeds, previous)
    args.output.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"\n{len(result['kept'])} kept, {len(result['dropped'])} dropped; wrote {args.output} "
          f"in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
