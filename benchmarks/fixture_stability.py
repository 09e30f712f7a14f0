"""Whether the seed fixtures' verdicts survive another seed set and another thread count.

Runs ``dnndoctor check`` on every entry of fixtures/expectations.json with the given seeds and
writes, per entry, every finding (category, severity, seeds, evidence) and each probed variant's
relative final loss per seed, so that runs under different seeds and TF_NUM_INTRAOP_THREADS can be
compared. Run each configuration in its own process (the thread count is read at TensorFlow's
start):

    TF_NUM_INTRAOP_THREADS=1 python benchmarks/fixture_stability.py --seeds 0 1 2 --out A.json
    python benchmarks/fixture_stability.py --seeds 3 4 5 --out B.json
    python benchmarks/fixture_stability.py --compare A.json B.json ...
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


def run(seeds: list[int], names: list[str]) -> dict:
    from dnndoctor.api import check_files
    from dnndoctor.options import CheckOptions
    from dnndoctor.report.json_report import variant_summary

    expectations = json.loads((FIXTURES / "expectations.json").read_text())
    out = {"seeds": seeds, "intra_op_threads": os.environ.get("TF_NUM_INTRAOP_THREADS", "default"), "fixtures": {}}
    for name, expected in sorted(expectations.items()):
        if names and name not in names:
            continue
        options = CheckOptions(steps=expected.get("steps", CheckOptions().steps), seeds=seeds)
        diagnosis = check_files(FIXTURES / expected["model"], FIXTURES / expected["data"], options)
        out["fixtures"][name] = {
            "expected": {k: expected[k] for k in ("must_report", "must_not_report") if k in expected},
            "findings": [{"id": f.id, "category": f.category, "severity": f.severity.label, "seeds": f.seeds,
                          "evidence": f.to_dict()["evidence"], "verified_fixes": [x.summary for x in f.fixes if x.verified]}
                         for f in diagnosis.findings],
            "variants": {v["name"]: {"seeds": v.get("seeds"), "relative_final_loss": v["relative_final_loss"]}
                         for v in variant_summary(diagnosis)},
        }
        loud = sorted({f.category for f in diagnosis.findings if f.severity.label != "info"})
        print(f"{name:22} {loud}", file=sys.stderr, flush=True)
    return out


def compare(paths: list[Path]) -> None:
    """One line per fixture and configuration: the categories at warning or error, and whether
    the expectation holds."""
    runs = [json.loads(p.read_text()) for p in paths]
    for name in sorted(runs[0]["fixtures"]):
        print(name)
        for path, r in zip(paths, runs):
            entry = r["fixtures"].get(name)
            if entry is None:
                continue
            loud = sorted({f["category"] for f in entry["findings"] if f["severity"] != "info"})
            exp = entry["expected"]
            holds = all(c in loud for c in exp["must_report"]) and not any(c in loud for c in exp["must_not_report"])
            print(f"  seeds {r['seeds']} threads {r['intra_op_threads']:8} {'ok  ' if holds else 'FAIL'} {loud}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="fixture entries (default: all)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", type=Path, nargs="+", help="compare written runs instead of running")
    args = parser.parse_args(argv)
    if args.compare:
        compare(args.compare)
        return
    result = run(args.seeds, args.names)
    text = json.dumps(result, indent=1, default=str) + "\n"
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
