"""Accuracy of dnndoctor's diagnoses on the labelled cases and the healthy controls.

Cases: the mutations of benchmarks/faults that model.fit validation kept (faults/validated.json),
the reported faults of benchmarks/reported that validation kept (reported/validated.json), and,
with --controls, the healthy models of benchmarks/controls that model.fit trains well
(controls/fitted.json). Each labelled case and each control belongs to the dev or the test split of
benchmarks/split.json (frozen; see benchmarks/split.py); --split picks which ones run (--split none
with --controls: every control). Test controls are shown only in aggregate, never case by case.

Each case's model (initial weights of seed 0) and data are saved to a temporary folder and checked
in-process with dnndoctor.api.check_files, default options except the case's batch size, timed
from loading the files to the last probe (TensorFlow's start-up is paid once and excluded). A
refusal (DoctorError) or a crash is recorded as such, with its message; it detects nothing.

Measures, per split (dev, test) and for the controls:

* recall: faulty cases whose label is among the categories reported at warning or error;
* top-1: faulty cases whose first finding (whatever its severity) has the label's category;
* precision: over the faulty cases, the distinct categories each case drew at warning or error,
  pooled; precision = those equal to the case's label / all of them. A warning or error in a
  category the label lacks counts against it; a case with no warning adds nothing;
* verified fix: faulty cases whose label's finding carries a fix verified by a probe;
* false alarms: controls (of the split, or the benchmark controls) with any warning or error.

    python benchmarks/accuracy.py [--split dev|test|all|none] [--controls] [--json FILE] [--markdown FILE]
                                  [--raw DIR] [--steps N] [--seeds 0 1 2] [CASE ...]
    python benchmarks/accuracy.py --merge RUN.json [RUN.json ...] [--json FILE] [--markdown FILE]
    python benchmarks/accuracy.py --rejudge RAW_DIR [--split ...] [--controls] [--json FILE] [--markdown FILE] [CASE ...]

--raw saves, beside each report, the Measurements the rules judged (CASE.measurements.json, read
gzipped too); --rejudge judges them again with the current rules, in seconds and without TensorFlow, so that a
rule change is measured on the same probe runs. It cannot probe a fix a changed rule newly asks for.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
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

from benchmarks import split as frozen_split  # noqa: E402
from benchmarks.suite import SuiteCase, control_cases, fault_cases  # noqa: E402

TARGETS = {"recall": 0.90, "top1": 0.80, "precision": 0.80, "false_alarms": 0.0, "verified_fix": 0.80}
CONTROLS_GROUPS = {"dev": "controls dev", "test": "controls test"}
GROUPS = ("dev", "test", *CONTROLS_GROUPS.values())
MEASUREMENTS_SUFFIX = ".measurements.json"  # beside each case's report in --raw: what --rejudge reads


@dataclasses.dataclass
class Result:
    case: str
    family: str
    group: str  # dev, test, controls dev or controls test
    label: str | None
    top: str | None  # category of the first finding, whatever its severity
    top_severity: str | None
    reported: list[str]  # categories at warning or error, in the order of the findings
    detected: bool | None  # None for controls
    top1: bool | None
    verified_fix: bool | None
    false_alarm: bool | None  # None for faulty cases
    seconds: float
    verdict: str  # the doctor's verdict, or "refused: ..." / "crash: ..."
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


def save_subject(case: SuiteCase, workdir: Path) -> tuple[Path, Path]:
    """The case's model (seed 0) and data as files; a multi-input x is saved one array per input,
    named after it, as dnndoctor reads several inputs."""
    model, x, y = case.make(0)
    model_path, data_path = workdir / f"{case.name}.keras", workdir / f"{case.name}.npz"
    model.save(model_path)
    arrays = {tensor.name: part for tensor, part in zip(model.inputs, x)} if isinstance(x, list) else {"x": x}
    np.savez(data_path, y=y, **arrays)
    return model_path, data_path


def run_case(case: SuiteCase, group: str, options, workdir: Path, raw_dir: Path | None) -> Result:
    from dnndoctor.api import check_files
    from dnndoctor.errors import DoctorError
    from dnndoctor.report.json_report import to_dict

    model_path, data_path = save_subject(case, workdir)
    options = dataclasses.replace(options, batch_size=case.batch_size)
    started = time.perf_counter()
    try:
        diagnosis = check_files(model_path, data_path, options)
    except DoctorError as exc:
        return _failed(case, group, f"refused: {exc.line()}", time.perf_counter() - started)
    except Exception as exc:  # a crash of the doctor is a result to record, not the end of the benchmark
        return _failed(case, group, f"crash: {type(exc).__name__}: {exc}", time.perf_counter() - started)
    seconds = time.perf_counter() - started
    if raw_dir is not None:
        (raw_dir / f"{case.name}.json").write_text(json.dumps(to_dict(diagnosis), indent=1) + "\n")
        (raw_dir / f"{case.name}{MEASUREMENTS_SUFFIX}").write_text(
            json.dumps(dict(diagnosis.measurements.to_dict(), seconds=round(seconds, 2))) + "\n")
    return result_of(case, group, diagnosis, seconds)


def rejudge_case(case: SuiteCase, group: str, raw_dir: Path) -> Result | None:
    """The case judged afresh by the current rules from the Measurements an earlier --raw run saved
    (pure: no TensorFlow), or None when that run did not measure it."""
    from dnndoctor.measurements import Measurements
    from dnndoctor.rules import judge

    path = raw_dir / f"{case.name}{MEASUREMENTS_SUFFIX}"
    packed = path.with_name(path.name + ".gz")
    if path.exists():
        saved = json.loads(path.read_text())
    elif packed.exists():
        saved = json.loads(gzip.decompress(packed.read_bytes()))
    else:
        return None
    seconds = saved.pop("seconds", sum(saved.get("timings", {}).values()))
    return result_of(case, group, judge(Measurements.from_dict(saved)), seconds)


def result_of(case: SuiteCase, group: str, diagnosis, seconds: float) -> Result:
    """What the benchmark records of one case's diagnosis."""
    from dnndoctor.findings import Severity

    findings = diagnosis.findings
    label = case.label
    loud = [f for f in findings if f.severity >= Severity.WARNING]
    reported = list(dict.fromkeys(f.category for f in loud))
    top = findings[0] if findings else None
    labelled = [f for f in loud if f.category == label]
    return Result(
        case=case.name, family=case.family, group=group, label=label, top=top.category if top else None,
        top_severity=top.severity.label if top else None, reported=reported,
        detected=None if label is None else label in reported,
        top1=None if label is None else (top is not None and top.category == label),
        verified_fix=None if label is None else any(fix.verified for f in labelled for fix in f.fixes),
        false_alarm=bool(loud) if label is None else None,
        seconds=round(seconds, 2), verdict=diagnosis.verdict(),
        findings=[{"id": f.id, "category": f.category, "severity": f.severity.label, "message": f.message,
                   "seeds": f.seeds, "evidence": f.to_dict()["evidence"],
                   "fixes": [{"summary": x.summary, "verified": x.verified, "effect": x.effect} for x in f.fixes]}
                  for f in findings],
    )


def _failed(case: SuiteCase, group: str, verdict: str, seconds: float) -> Result:
    faulty = case.label is not None
    return Result(case=case.name, family=case.family, group=group, label=case.label, top=None, top_severity=None,
                  reported=[], detected=False if faulty else None, top1=False if faulty else None,
                  verified_fix=False if faulty else None, false_alarm=None if faulty else False,
                  seconds=round(seconds, 2), verdict=verdict, findings=[])


def _rate(hits: int, total: int) -> float | None:
    return hits / total if total else None


def summarize(results: list[Result]) -> dict:
    """The measures of a group of results; ``opened`` counts the cases whose results were read before
    (split.json), and the false alarms among them, so that the unseen remainder is known."""
    opened = frozen_split.opened(frozen_split.load())
    faulty = [r for r in results if not r.control]
    controls = [r for r in results if r.control]
    alarms = sum(len(r.reported) for r in faulty)
    correct_alarms = sum(r.label in r.reported for r in faulty)
    counts = {"detected": sum(r.detected for r in faulty), "top1": sum(r.top1 for r in faulty),
              "alarms": alarms, "correct_alarms": correct_alarms,
              "false_alarms": sum(r.false_alarm for r in controls),
              "verified_fix": sum(r.verified_fix for r in faulty),
              "refused_or_crashed": sum(r.verdict.startswith(("refused", "crash")) for r in results),
              "opened": sum(r.case in opened for r in results),
              "opened_false_alarms": sum(r.false_alarm and r.case in opened for r in controls)}
    seconds = [r.seconds for r in results]
    return {
        "cases": len(results), "faulty": len(faulty), "controls": len(controls),
        "recall": _rate(counts["detected"], len(faulty)), "top1": _rate(counts["top1"], len(faulty)),
        "precision": _rate(correct_alarms, alarms),
        "false_alarms": _rate(counts["false_alarms"], len(controls)),
        "verified_fix": _rate(counts["verified_fix"], len(faulty)),
        "median_seconds": statistics.median(seconds) if seconds else None,
        "max_seconds": max(seconds) if seconds else None, "counts": counts,
    }


def _pct(value: float | None, hits: int, total: int) -> str:
    return "n/a" if value is None else f"{value:.0%} ({hits}/{total})"


def summary_rows(s: dict) -> list[tuple[str, str]]:
    c = s["counts"]
    return [("recall", _pct(s["recall"], c["detected"], s["faulty"])),
            ("top-1", _pct(s["top1"], c["top1"], s["faulty"])),
            ("precision", _pct(s["precision"], c["correct_alarms"], c["alarms"])),
            ("verified fix", _pct(s["verified_fix"], c["verified_fix"], s["faulty"])),
            ("false alarms on controls", _pct(s["false_alarms"], c["false_alarms"], s["controls"])),
            ("refused or crashed", str(c["refused_or_crashed"])),
            ("opened (read before)", f"{c.get('opened', 0)} cases, {c.get('opened_false_alarms', 0)} false alarms"),
            ("median / max seconds", "n/a" if s["median_seconds"] is None
             else f"{s['median_seconds']:.1f} / {s['max_seconds']:.1f}")]


def _mark(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "NO")


HEADER = ("case", "split", "label", "top finding", "detected", "top-1", "verified fix", "s", "reported (≥ warning)")


def row(r: Result) -> tuple[str, ...]:
    top = r.top or ("—" if not r.verdict.startswith(("refused", "crash")) else r.verdict.split(":")[0].upper())
    if r.top and r.top_severity == "info":
        top += " (info)"
    return (r.case, r.group, r.label or "control", top,
            _mark(r.detected) if not r.control else ("FALSE ALARM" if r.false_alarm else "quiet"),
            _mark(r.top1), _mark(r.verified_fix), f"{r.seconds:.1f}", ", ".join(r.reported) or "—")


WIDTHS = (40, 8, 22, 29, 11, 5, 12, 6)


def text_line(cells: tuple[str, ...]) -> str:
    *head, seconds, reported = cells
    return " ".join(f"{c:<{w}}" for c, w in zip(head, WIDTHS)) + f" {seconds:>{WIDTHS[-1]}}  {reported}"


def by_group(results: list[Result]) -> dict[str, dict]:
    groups = dict.fromkeys(g for g in GROUPS if any(r.group == g for r in results))
    return {g: summarize([r for r in results if r.group == g]) for g in groups}


def markdown(results: list[Result], summaries: dict[str, dict], context: str) -> str:
    out = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|"]
    out += ["| " + " | ".join(row(r)) + " |" for r in results if shown(r)]
    names = list(summaries)
    out += ["", "| measure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    rows = {g: dict(summary_rows(s)) for g, s in summaries.items()}
    for measure, _ in summary_rows(next(iter(summaries.values()))):
        out.append(f"| {measure} | " + " | ".join(rows[g][measure] for g in names) + " |")
    out += ["", context, ""]
    return "\n".join(out)


def _evidence_text(evidence: dict) -> str:
    parts = []
    for key, value in evidence.items():
        if isinstance(value, float):
            value = f"{value:.3g}"
        elif isinstance(value, list) and all(isinstance(v, float) for v in value):
            value = "[" + ", ".join(f"{v:.3g}" for v in value) + "]"
        parts.append(f"{key}={value}")
    return "; ".join(parts)


def _finding_lines(r: Result, loud_only: bool) -> list[str]:
    lines = []
    for f in r.findings:
        if loud_only and f["severity"] == "info":
            continue
        verified = [x["summary"] for x in f["fixes"] if x["verified"]]
        lines.append(f"  - {f['id']} {f['category']} ({f['severity']}, {f['seeds']}): {f['message']} "
                     f"Evidence: {_evidence_text(f.get('evidence', {}))}."
                     + (f" Verified fixes: {'; '.join(verified)}." if verified else ""))
    return lines or [f"  - no finding ({r.verdict})"]


def details(results: list[Result]) -> str:
    """Markdown: each control with a warning or error and each missed or mis-ranked faulty case,
    with the rules that fired and their measured evidence; the test split in its own section."""
    out = ["## Controls with a warning or error", ""]
    for r in results:
        if r.control and shown(r) and (r.false_alarm or r.verdict.startswith(("refused", "crash"))):
            out += [f"- **{r.case}** ({r.group}): {r.verdict}", *_finding_lines(r, loud_only=True)]
    for group, title in (("dev", "## Dev cases missed or ranked wrong"),
                         ("test", "## Test cases missed or ranked wrong: DO NOT TUNE ON")):
        out += ["", title, ""]
        for r in results:
            if r.group == group and not r.control and not (r.detected and r.top1):
                what = "missed" if not r.detected else "wrong top-1"
                out += [f"- **{r.case}** (label {r.label}, {what}): {r.verdict}", *_finding_lines(r, loud_only=False)]
    return "\n".join(out) + "\n"


def shown(r: Result) -> bool:
    """Whether a result may be shown case by case: every one but a test control's."""
    return r.group != CONTROLS_GROUPS["test"]


def select(split: str, with_controls: bool, names: list[str]) -> list[tuple[SuiteCase, str]]:
    """The cases to run with the group each is reported under (dev, test, controls dev or test)."""
    splits = frozen_split.split_of(frozen_split.load())
    only_kept = not names  # cases named explicitly run whatever model.fit validation says of them

    def split_of(case: SuiteCase) -> str:
        if case.name not in splits:
            raise SystemExit(f"{case.name} has no split: run `python -m benchmarks.split --add BATCH`")
        return splits[case.name]

    chosen = [(case, split_of(case)) for case in fault_cases(only_kept) if split in ("all", split_of(case))]
    if with_controls:
        chosen += [(case, CONTROLS_GROUPS[split_of(case)]) for case in control_cases(only_kept)
                   if split in ("all", "none", split_of(case))]
    if names:
        known = {c.name for c, _ in chosen}
        missing = sorted(set(names) - known)
        if missing:
            raise SystemExit(f"not among the selected cases: {', '.join(missing)}")
        order = {name: i for i, name in enumerate(names)}
        chosen = sorted(((c, g) for c, g in chosen if c.name in order), key=lambda cg: order[cg[0].name])
    return chosen


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="case names (default: every selected case)")
    parser.add_argument("--split", choices=("dev", "test", "all", "none"), default="all",
                        help="which labelled cases run (none: only --controls)")
    parser.add_argument("--controls", action="store_true", help="also run the healthy controls of benchmarks/controls")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown to this file")
    parser.add_argument("--json", type=Path, help="also write every case's result as JSON to this file")
    parser.add_argument("--raw", type=Path, help="write each case's full JSON report into this folder")
    parser.add_argument("--steps", type=int, help="probe steps (default: dnndoctor's)")
    parser.add_argument("--seeds", type=int, nargs="+", help="probe seeds (default: dnndoctor's)")
    parser.add_argument("--merge", type=Path, nargs="+", help="summarize the results of earlier --json runs")
    parser.add_argument("--rejudge", type=Path, metavar="RAW_DIR",
                        help="judge the Measurements an earlier --raw run saved with the current rules (no training)")
    args = parser.parse_args(argv)
    if args.merge:
        merge(args.merge, args.json, args.markdown)
        return
    if args.rejudge:
        rejudge(args)
        return

    cases = select(args.split, args.controls, args.cases)
    started = time.perf_counter()
    from dnndoctor.options import CheckOptions
    from dnndoctor.tf_runtime import import_keras, quiet_environment

    quiet_environment()
    tf, _ = import_keras()
    tf.get_logger().setLevel("ERROR")
    warnings.filterwarnings("ignore", category=UserWarning, module="keras")  # Keras warns of some faults
    startup = time.perf_counter() - started
    options = CheckOptions()  # frozen: replaced, not assigned
    if args.steps:
        options = dataclasses.replace(options, steps=args.steps)
    if args.seeds:
        options = dataclasses.replace(options, seeds=args.seeds)
    if args.raw:
        args.raw.mkdir(parents=True, exist_ok=True)
    context = (f"{len(cases)} cases (split {args.split}{', with the benchmark controls' if args.controls else ''}). "
               f"dnndoctor at {revision()}, check with {options.steps} probe steps, seeds "
               f"{' '.join(map(str, options.seeds))}, each case's batch size, in-process on {os.cpu_count()} CPU "
               f"cores; TensorFlow start-up ({startup:.1f} s) excluded.")
    print(context + "\n", flush=True)
    print(text_line(HEADER))
    results = []
    with tempfile.TemporaryDirectory(prefix="dnndoctor-accuracy-") as tmp:
        for case, group in cases:
            result = run_case(case, group, options, Path(tmp), args.raw)
            results.append(result)
            if shown(result):
                print(text_line(row(result)), flush=True)
            if args.json:  # written after every case, so that an interrupted run keeps what it measured
                write_json(args.json, results, options)
    conclude(results, context, args.markdown)


def conclude(results: list[Result], context: str, markdown_out: Path | None) -> None:
    """Print the per-group summaries; write the Markdown table when asked."""
    summaries = by_group(results)
    for group, s in summaries.items():
        print(f"\n{group}:")
        for measure, value in summary_rows(s):
            print(f"  {measure:26} {value}")
    if markdown_out:
        markdown_out.write_text(markdown(results, summaries, context) + "\n" + details(results))
        print(f"\nwrote {markdown_out}")


def rejudge(args: argparse.Namespace) -> None:
    """The selected cases judged afresh from the Measurements saved in ``args.rejudge``."""
    cases = select(args.split, args.controls, args.cases)
    context = (f"{len(cases)} cases (split {args.split}{', with the benchmark controls' if args.controls else ''}) "
               f"rejudged from the Measurements in {args.rejudge} by the rules at {revision()}.")
    print(context + "\n", flush=True)
    print(text_line(HEADER))
    results, unmeasured = [], []
    for case, group in cases:
        result = rejudge_case(case, group, args.rejudge)
        if result is None:
            unmeasured.append(case.name)
            continue
        results.append(result)
        if shown(result):
            print(text_line(row(result)))
    if unmeasured:
        print(f"not measured in {args.rejudge}, left out: {', '.join(unmeasured)}", file=sys.stderr)
    if args.json:
        write_json(args.json, results, {"rejudged": str(args.rejudge)})
    conclude(results, context, args.markdown)


def merge(paths: list[Path], json_out: Path | None, markdown_out: Path | None) -> None:
    """The per-group summaries of several runs' results together (a later run's case replaces an
    earlier one's), leaving out cases that model.fit validation has since dropped."""
    runs = [json.loads(p.read_text()) for p in paths]
    by_case = {r["case"]: Result(**r) for run in runs for r in run["results"]}
    kept = {c.name for c in fault_cases()} | {c.name for c in control_cases()}
    unchecked = ({c.name for c in fault_cases(only_kept=False)} | {c.name for c in control_cases(only_kept=False)}) \
        - set(dropped_by_fit())
    dropped = sorted(set(by_case) - kept - unchecked)
    if dropped:
        print(f"left out (dropped by model.fit validation): {', '.join(dropped)}\n")
    results = [r for name, r in by_case.items() if name in kept | unchecked]
    summaries = by_group(results)
    for group, s in summaries.items():
        print(f"{group}:")
        for measure, value in summary_rows(s):
            print(f"  {measure:26} {value}")
    context = f"Merged from {', '.join(p.name for p in paths)}; options {runs[-1]['options']['steps']} steps, " \
              f"seeds {runs[-1]['options']['seeds']}."
    if markdown_out:
        markdown_out.write_text(markdown(results, summaries, context) + "\n" + details(results))
    if json_out:
        write_json(json_out, results, runs[-1]["options"])


def dropped_by_fit() -> dict[str, str]:
    """Every case that a model.fit check dropped, with the reason."""
    from benchmarks.faults.validate import OUTPUT
    from benchmarks.suite import CONTROLS_FITTED, REPORTED_VALIDATED

    dropped = {}
    for path in (OUTPUT, REPORTED_VALIDATED, CONTROLS_FITTED):
        if path.exists():
            dropped.update(json.loads(path.read_text())["dropped"])
    return dropped


def write_json(path: Path, results: list[Result], options) -> None:
    path.write_text(json.dumps({"summaries": by_group(results), "targets": TARGETS,
                                "options": options if isinstance(options, dict) else dataclasses.asdict(options),
                                "results": [dataclasses.asdict(r) for r in results]}, indent=1,
                               ensure_ascii=False, default=str) + "\n")


if __name__ == "__main__":
    main()
