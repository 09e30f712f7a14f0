"""Accuracy of dnndoctor's diagnoses on the labelled fault suite (benchmarks/faults).

For every case that model.fit validation kept (benchmarks/faults/validated.json), it saves the
model (.keras, initial weights of seed 0) and the data (.npz) in a temporary folder and runs
`dnndoctor check` on them in-process (dnndoctor.api.check_files, default options unless told
otherwise), timing each case from loading the files to the last probe. TensorFlow's start-up
is paid once before the first case and excluded. Per case it prints the label, the first
finding's category, every category reported at warning or error, whether the label was
detected (among those), whether it came first (top-1), whether the label's finding carries a
verified fix, and the seconds. Overall: detection recall and top-1 accuracy over the faulty
cases, the false-alarm rate over the controls (a control with any warning or error), the
verified-fix rate over the faulty cases, and the median and maximum seconds per case, each
against its target.

    python benchmarks/accuracy.py [--markdown FILE] [--json FILE] [--steps 400] [--seeds 0 1 2] [CASE ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.faults import CASES, build_data, build_model, case_by_name  # noqa: E402
from benchmarks.faults.validate import OUTPUT as VALIDATED  # noqa: E402

TARGETS = {"recall": 0.90, "top1": 0.75, "false_alarms": 0.05, "verified_fix": 0.80, "median_seconds": 15.0}


@dataclasses.dataclass
class Result:
    case: str
    label: str | None
    top: str | None  # category of the first finding, whatever its severity
    top_severity: str | None
    reported: list[str]  # categories at warning or error, in the order of the findings
    detected: bool | None  # None for controls
    top1: bool | None
    verified_fix: bool | None
    false_alarm: bool | None  # None for faulty cases
    seconds: float
    verdict: str
    findings: list[dict]

    @property
    def control(self) -> bool:
        return self.label is None


def revision() -> str:
    """The repository's commit, marked +dirty when its tracked files differ from it."""
    import subprocess

    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty=+dirty"], cwd=ROOT, capture_output=True,
                             text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def load_validated(path: Path = VALIDATED) -> dict:
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `python -m benchmarks.faults.validate` first")
    return json.loads(path.read_text())


def validated_cases(validated: dict, names: list[str]) -> list:
    """The kept cases, in suite order; fails when a case's spec changed since it was validated."""
    entries = {e["case"]: e for e in validated["cases"]}
    chosen = [case_by_name(n) for n in names] if names else [c for c in CASES if c.name in validated["kept"]]
    for case in chosen:
        entry = entries.get(case.name)
        if entry is None:
            raise SystemExit(f"{case.name} was never validated: run `python -m benchmarks.faults.validate {case.name}`")
        if json.loads(json.dumps(dataclasses.asdict(case.spec))) != entry["spec"]:
            raise SystemExit(f"{case.name} changed since it was validated: run "
                             f"`python -m benchmarks.faults.validate {case.name}`")
        if not entry["kept"]:
            raise SystemExit(f"{case.name} was dropped by validation: {entry['verdict']}")
    return chosen


def run_case(case, options, workdir: Path) -> Result:
    from dnndoctor.api import check_files
    from dnndoctor.findings import Severity

    x, y = build_data(case.spec)
    model_path, data_path = workdir / f"{case.name}.keras", workdir / f"{case.name}.npz"
    build_model(case.spec, seed=0).save(model_path)
    np.savez(data_path, x=x, y=y)
    started = time.perf_counter()
    diagnosis = check_files(model_path, data_path, options)
    seconds = time.perf_counter() - started
    findings = diagnosis.findings
    loud = [f for f in findings if f.severity >= Severity.WARNING]
    reported = list(dict.fromkeys(f.category for f in loud))
    top = findings[0] if findings else None
    label = case.label
    labelled = [f for f in loud if f.category == label]
    return Result(
        case=case.name, label=label, top=top.category if top else None,
        top_severity=top.severity.label if top else None, reported=reported,
        detected=None if label is None else label in reported,
        top1=None if label is None else (top is not None and top.category == label),
        verified_fix=None if label is None else any(fix.verified for f in labelled for fix in f.fixes),
        false_alarm=bool(loud) if label is None else None,
        seconds=round(seconds, 2), verdict=diagnosis.verdict(),
        findings=[{"id": f.id, "category": f.category, "severity": f.severity.label, "message": f.message,
                   "seeds": f.seeds, "fixes": [{"summary": x.summary, "verified": x.verified, "effect": x.effect}
                                               for x in f.fixes]} for f in findings],
    )


def _mark(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "NO")


def _rate(hits: int, total: int) -> float | None:
    return hits / total if total else None


def summarize(results: list[Result]) -> dict:
    faulty = [r for r in results if not r.control]
    controls = [r for r in results if r.control]
    seconds = [r.seconds for r in results]
    summary = {
        "cases": len(results), "faulty": len(faulty), "controls": len(controls),
        "recall": _rate(sum(r.detected for r in faulty), len(faulty)),
        "top1": _rate(sum(r.top1 for r in faulty), len(faulty)),
        "false_alarms": _rate(sum(r.false_alarm for r in controls), len(controls)),
        "verified_fix": _rate(sum(r.verified_fix for r in faulty), len(faulty)),
        "median_seconds": statistics.median(seconds) if seconds else None,
        "max_seconds": max(seconds) if seconds else None,
        "counts": {"detected": sum(r.detected for r in faulty), "top1": sum(r.top1 for r in faulty),
                   "false_alarms": sum(r.false_alarm for r in controls),
                   "verified_fix": sum(r.verified_fix for r in faulty)},
    }
    summary["met"] = {
        "recall": summary["recall"] is not None and summary["recall"] >= TARGETS["recall"],
        "top1": summary["top1"] is not None and summary["top1"] >= TARGETS["top1"],
        "false_alarms": summary["false_alarms"] is not None and summary["false_alarms"] <= TARGETS["false_alarms"],
        "verified_fix": summary["verified_fix"] is not None and summary["verified_fix"] >= TARGETS["verified_fix"],
        "median_seconds": summary["median_seconds"] is not None
        and summary["median_seconds"] < TARGETS["median_seconds"],
    }
    return summary


def summary_rows(s: dict) -> list[tuple[str, str, str, str]]:
    """(measure, value, target, met) rows of the overall results."""
    def pct(value, hits, total):
        return "n/a" if value is None else f"{value:.0%} ({hits}/{total})"

    c, met = s["counts"], s["met"]
    return [
        ("detection recall", pct(s["recall"], c["detected"], s["faulty"]), "≥ 90 %", _met(met["recall"])),
        ("top-1 accuracy", pct(s["top1"], c["top1"], s["faulty"]), "≥ 75 %", _met(met["top1"])),
        ("false alarms on controls", pct(s["false_alarms"], c["false_alarms"], s["controls"]), "≤ 5 %",
         _met(met["false_alarms"])),
        ("verified fix", pct(s["verified_fix"], c["verified_fix"], s["faulty"]), "≥ 80 %", _met(met["verified_fix"])),
        ("median seconds per case", f"{s['median_seconds']:.1f}", "< 15", _met(met["median_seconds"])),
        ("max seconds per case", f"{s['max_seconds']:.1f}", "", ""),
    ]


def _met(flag: bool) -> str:
    return "met" if flag else "NOT met"


def failures(results: list[Result]) -> list[str]:
    """One line per missed detection, wrong top-1, missing verified fix or false alarm."""
    lines = []
    for r in results:
        problems = []
        if r.control and r.false_alarm:
            problems.append("false alarm")
        if not r.control:
            if not r.detected:
                problems.append("missed")
            elif not r.top1:
                problems.append("wrong top-1")
            if r.detected and not r.verified_fix:
                problems.append("fix not verified")
        if not problems:
            continue
        said = "; ".join(f"{f['id']} {f['category']} ({f['severity']}): {f['message']}" for f in r.findings) \
            or "no finding"
        lines.append(f"{r.case} [{', '.join(problems)}] label {r.label or 'control'}: {said} [{r.verdict}]")
    return lines


HEADER = ("case", "label", "top finding", "detected", "top-1", "verified fix", "s", "reported (≥ warning)")


def row(r: Result) -> tuple[str, ...]:
    top = r.top or "—"
    if r.top and r.top_severity == "info":
        top += " (info)"
    return (r.case, r.label or "control", top,
            _mark(r.detected) if not r.control else ("FALSE ALARM" if r.false_alarm else "quiet"),
            _mark(r.top1), _mark(r.verified_fix), f"{r.seconds:.1f}", ", ".join(r.reported) or "—")


WIDTHS = (38, 22, 29, 11, 5, 12, 5)


def text_line(cells: tuple[str, ...]) -> str:
    *head, seconds, reported = cells
    return " ".join(f"{c:<{w}}" for c, w in zip(head, WIDTHS)) + f" {seconds:>{WIDTHS[-1]}}  {reported}"


def markdown(results: list[Result], s: dict, context: str) -> str:
    out = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|"]
    out += ["| " + " | ".join(row(r)) + " |" for r in results]
    out += ["", "| measure | value | target | |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in summary_rows(s)]
    out += ["", context, ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="case names (default: every case validation kept)")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown to this file")
    parser.add_argument("--json", type=Path, help="also write every case's findings as JSON to this file")
    parser.add_argument("--steps", type=int, help="probe steps (default: dnndoctor's)")
    parser.add_argument("--seeds", type=int, nargs="+", help="probe seeds (default: dnndoctor's)")
    args = parser.parse_args(argv)

    validated = load_validated()
    cases = validated_cases(validated, args.cases)

    started = time.perf_counter()
    from dnndoctor.options import CheckOptions
    from dnndoctor.tf_runtime import import_keras, quiet_environment

    quiet_environment()
    tf, _ = import_keras()
    tf.get_logger().setLevel("ERROR")
    warnings.filterwarnings("ignore", category=UserWarning, module="keras")  # Keras warns of some mutations
    startup = time.perf_counter() - started
    options = CheckOptions()
    if args.steps:
        options.steps = args.steps
    if args.seeds:
        options.seeds = args.seeds
    dropped = validated.get("dropped", {})
    context = (f"{len(cases)} cases ({sum(c.control for c in cases)} controls) kept by model.fit validation, "
               f"{len(dropped)} dropped. dnndoctor at {revision()}, check with {options.steps} probe steps, seeds "
               f"{' '.join(map(str, options.seeds))}, in-process on {os.cpu_count()} CPU cores; TensorFlow "
               f"start-up ({startup:.1f} s) excluded, each case timed from loading its files to the last probe.")
    print(f"TensorFlow start-up ({startup:.1f} s) is excluded: checks run in-process (dnndoctor.api.check_files); "
          "each case is timed from loading its .keras and .npz to the last probe.")
    print(f"{len(cases)} validated cases; probes of {options.steps} steps, seeds {options.seeds}; "
          f"{os.cpu_count()} CPU cores; dnndoctor at {revision()}.\n")
    print(text_line(HEADER))
    results = []
    with tempfile.TemporaryDirectory(prefix="dnndoctor-accuracy-") as tmp:
        for case in cases:
            result = run_case(case, options, Path(tmp))
            results.append(result)
            print(text_line(row(result)), flush=True)
    s = summarize(results)
    print()
    for measure, value, target, met in summary_rows(s):
        print(f"{measure:26} {value:>16}  {target:8} {met}")
    if dropped:
        print(f"\nDropped by model.fit validation ({len(dropped)}):")
        for name, why in dropped.items():
            print(f"  {name}: {why}")
    problems = failures(results)
    print(f"\nFailures ({len(problems)}):" if problems else "\nFailures: none")
    for line in problems:
        print(f"  {line}")
    if args.markdown:
        args.markdown.write_text(markdown(results, s, context))
        print(f"\nwrote {args.markdown}")
    if args.json:
        args.json.write_text(json.dumps({"summary": s, "targets": TARGETS, "options": dataclasses.asdict(options),
                                         "results": [dataclasses.asdict(r) for r in results]}, indent=1,
                                        ensure_ascii=False) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
