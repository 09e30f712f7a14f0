"""Whether `dnndoctor check --time-budget SECONDS` ends within its budget, and what it cut to do so.

Each budget runs the CLI in a fresh process. The process imports TensorFlow first (start-up is
excluded from the budget), then times the whole command: parsing, loading, probing, judging,
verifying fixes and writing the report. Without a budget (`--thorough`, the full schedule) the
same check shows what it costs in full. A budget is honoured when the check took at most 10 % more than it.

    python benchmarks/time_budget.py [--budgets 5 10 20 40] [--steps 2000] [MODEL DATA]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 0.10

CHILD = r"""
import json, sys, time
from dnndoctor.tf_runtime import import_keras
import_keras()
from dnndoctor.cli import app
started = time.perf_counter()
try:
    app(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps({"seconds": time.perf_counter() - started}), file=sys.stderr)
"""


def check(model: Path, data: Path, steps: int, budget: float | None) -> tuple[float, dict]:
    """Seconds of one check, TensorFlow start-up excluded, and its JSON report."""
    args = ["check", str(model), str(data), "--format", "json", "-q", "--steps", str(steps), "--fail-on", "never"]
    args += ["--thorough"] if budget is None else ["--time-budget", str(budget)]
    out = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=False)
    try:
        report = json.loads(out.stdout)
        seconds = json.loads(out.stderr.strip().splitlines()[-1])["seconds"]
    except (ValueError, IndexError, KeyError):
        raise SystemExit(f"dnndoctor check failed: {out.stderr.strip()}") from None
    return seconds, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", type=float, nargs="+", default=[5, 10, 20, 40])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("model", nargs="?", type=Path, default=ROOT / "fixtures" / "ex1_relu.keras")
    parser.add_argument("data", nargs="?", type=Path, default=ROOT / "fixtures" / "linear.npz")
    args = parser.parse_args()
    print(f"{args.model.name} on {args.data.name}, {args.steps} steps × 3 seeds; start-up excluded")
    print(f"{'budget s':>9} {'actual s':>9} {'ratio':>6} {'honoured':>9} {'steps':>6} {'seeds':>6} {'variants':>9}  cuts")
    for budget in [None, *args.budgets]:
        seconds, report = check(args.model, args.data, args.steps, budget)
        ratio = "" if budget is None else f"{seconds / budget:.2f}"
        honoured = "" if budget is None else ("yes" if seconds <= budget * (1 + TOLERANCE) else "NO")
        cuts = "; ".join(report.get("cuts", [])) or "–"
        print(f"{'none' if budget is None else f'{budget:g}':>9} {seconds:>9.2f} {ratio:>6} {honoured:>9} "
              f"{report['budget']['steps']:>6} {len(report['seeds']):>6} {len(report['variants']):>9}  {cuts}",
              flush=True)


if __name__ == "__main__":
    main()
