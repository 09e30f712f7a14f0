"""model.fit of benchmark subjects over more seeds than fitcheck records, to see how often a setup
fails to train: a control that fitcheck kept on the median of three seeds may still stall in some.

Each seed trains exactly as in fitcheck (same data, epochs, batch size, shuffling and evaluation);
seeds 0-2 reproduce its recorded runs. Nothing is written: one JSON line per run, then a summary.

    python -m benchmarks.fit_seeds NAME [NAME ...] --seeds 3 4 5 6 7 8 9
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np

from .fitcheck import CONTROL_MAX, fit_once


def main(argv: list[str] | None = None) -> None:
    from .controls import CONTROLS
    from .reported import REPORTED

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", help="controls or reported faults, by name")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(3, 10)))
    args = parser.parse_args(argv)
    benches = {b.name: b for b in CONTROLS + REPORTED}
    unknown = [n for n in args.names if n not in benches]
    if unknown:
        parser.error(f"unknown subject {unknown[0]!r}")
    for name in args.names:
        runs = [fit_once(benches[name], seed) for seed in args.seeds]
        for run in runs:
            print(json.dumps({"name": name, **run}), flush=True)
        rel = [float(r["relative_loss"]) for r in runs]
        above = sum(not (math.isfinite(v) and v <= CONTROL_MAX) for v in rel)
        print(f"{name}: median relative loss {float(np.median(rel)):.3g} over seeds "
              f"{', '.join(map(str, args.seeds))}; {above}/{len(rel)} seeds above {CONTROL_MAX}, "
              f"worst {max(rel):.3g}", flush=True)


if __name__ == "__main__":
    main()
