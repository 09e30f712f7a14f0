"""Counts only, for test controls: run the named controls with benchmarks/accuracy.py into a
temporary folder, write their aggregate (how many run, with a warning or error, refused, crashed)
to OUTPUT and delete the per-case output unread. Nothing per case is printed.

    python -m benchmarks.control_aggregate OUTPUT NAME [NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ACCURACY = Path(__file__).resolve().parent / "accuracy.py"
SOURCE = Path(__file__).resolve().parent.parent / "src"


def aggregate(run: dict, names: list[str], exit_status: int) -> dict:
    """The counts of one accuracy.py --json run, with its summaries, targets and options."""
    results = run["results"]
    verdicts = [r["verdict"] for r in results]
    return {"summaries": run["summaries"], "targets": run["targets"], "options": run["options"],
            "counts": {"kept_test_controls": len(names), "run": len(results),
                       "with_warning_or_error": sum(bool(r["false_alarm"]) for r in results),
                       "refused": sum(v.startswith("refused") for v in verdicts),
                       "crashed": sum(v.startswith("crash") for v in verdicts)},
            "accuracy_exit_status": exit_status,
            "note": "per-case results removed unread: test controls are reported in aggregate only"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("names", nargs="+")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="control-aggregate-"))
    try:
        with open(tmp / "log", "w") as log:
            status = subprocess.run([sys.executable, str(ACCURACY), "--split", "none", "--controls",
                                     "--json", str(tmp / "run.json"), *args.names], stdout=log, stderr=log,
                                    env={**os.environ, "PYTHONPATH": str(SOURCE)}).returncode
        result = aggregate(json.loads((tmp / "run.json").read_text()), args.names, status)
        args.output.write_text(json.dumps(result, indent=1) + "\n")
        print(json.dumps(result["counts"]))
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
