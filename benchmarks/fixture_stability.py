"""Whether dnndoctor's JSON findings on the seed fixtures are the same across runs, seed sets and thread counts.

Runs ``dnndoctor check`` in-process (``api.check_files``, default options except the seeds and each
entry's ``steps``) on every entry of fixtures/expectations.json and, with --control, on healthy
dev controls of benchmarks/controls (each with its batch size), and writes per entry its full JSON
report, its wall time and every time-budget decision the planner took: the seconds a decision
needed by the planner's own price against the seconds left, and whether it went ahead. Run each
configuration in its own process (the thread counts are read at TensorFlow's start):

    python benchmarks/fixture_stability.py --out A.json
    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 python benchmarks/fixture_stability.py --out B.json
    python benchmarks/fixture_stability.py --compare A.json B.json

--compare prints, per entry, MATCH or DIFF between the first run and each other one on the JSON
findings: for each finding its id, category, severity, confidence, seeds phrase and fixes (variant
and verified flag), in report order, and the report's ``cuts`` and ``budget.steps``, and whether the
variants' relative final losses are bit-identical; then the time budget per entry and run: wall
time, how many times slower the machine would have to be for the plan and for the tightest later
decision to go the other way, and the decisions the budget refused.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
sys.path.insert(0, str(ROOT))

COMPARED = ("findings", "cuts", "budget.steps")
TINY = 1e-12  # stands in for a zero loss in logarithms


# -------------------------------------------------------------- what "the same JSON findings" means

def findings_signature(report: dict) -> dict:
    """The parts of a JSON report that must not change across runs and thread counts."""
    return {
        "findings": [{"id": f["id"], "category": f["category"], "severity": f["severity"],
                      "confidence": f.get("confidence"), "seeds": f.get("seeds"),
                      "fixes": [[fix.get("variant"), fix.get("verified")] for fix in f.get("fixes", [])]}
                     for f in report["findings"]],
        "cuts": list(report["cuts"]),
        "budget.steps": report["budget"]["steps"],
    }


def differences(a: dict, b: dict) -> list[str]:
    """Each field in which two signatures differ, as 'field: a → b'; empty when they match."""
    out = []
    if a["budget.steps"] != b["budget.steps"]:
        out.append(f"budget.steps: {a['budget.steps']} → {b['budget.steps']}")
    for cut in a["cuts"]:
        if cut not in b["cuts"]:
            out.append(f"cuts: -{cut!r}")
    for cut in b["cuts"]:
        if cut not in a["cuts"]:
            out.append(f"cuts: +{cut!r}")
    by_id_a, by_id_b = ({f["id"]: f for f in s["findings"]} for s in (a, b))
    for fid in by_id_a.keys() - by_id_b.keys():
        out.append(f"finding {fid} ({by_id_a[fid]['category']}, {by_id_a[fid]['severity']}): only in the first")
    for fid in by_id_b.keys() - by_id_a.keys():
        out.append(f"finding {fid} ({by_id_b[fid]['category']}, {by_id_b[fid]['severity']}): only in the second")
    for fid in by_id_a.keys() & by_id_b.keys():
        for key, value in by_id_a[fid].items():
            if value != by_id_b[fid][key]:
                out.append(f"{fid}.{key}: {value} → {by_id_b[fid][key]}")
    order_a = [f["id"] for f in a["findings"] if f["id"] in by_id_b]
    order_b = [f["id"] for f in b["findings"] if f["id"] in by_id_a]
    if order_a != order_b:
        out.append(f"order: {order_a} → {order_b}")
    return sorted(out)


def loss_drift(a: dict, b: dict) -> str:
    """How the relative final losses of the variant runs both reports share differ: bit-identical,
    or the largest difference in decades."""
    def losses(report):
        return {(v["name"], seed): loss for v in report["variants"]
                for seed, loss in zip(v["seeds"], v["relative_final_loss"])}

    la, lb = losses(a), losses(b)
    shared = la.keys() & lb.keys()
    differ = [k for k in shared if la[k] != lb[k]]
    if not differ:
        return f"losses bit-identical ({len(shared)} runs)"
    drift = max(abs(math.log10(max(la[k], TINY)) - math.log10(max(lb[k], TINY)))
                if math.isfinite(la[k]) and math.isfinite(lb[k]) else math.inf for k in differ)
    return f"losses differ in {len(differ)} of {len(shared)} runs (max {drift:.3g} decades)"


# -------------------------------------------------------------- the time budget's decisions

@contextlib.contextmanager
def recording_budget_decisions(log: list[dict]):
    """Append to ``log`` every decision the time budget takes while the block runs: the planner's
    first fit of the workload and each later ``Deadline.affords``, with the seconds needed by the
    planner's price and the seconds left. Restores both afterwards; changes no decision."""
    from dnndoctor.probes import plan
    from dnndoctor.probes.deadline import Deadline

    fit_workload, affords = plan.fit_workload, Deadline.affords

    def fit_recorded(work, seconds, step_seconds, compile_seconds):
        fit = fit_workload(work, seconds, step_seconds, compile_seconds)
        log.append({"decision": "plan", "need": work.seconds(step_seconds, compile_seconds), "left": seconds,
                    "ok": not fit.cuts, "step_seconds": step_seconds, "compile_seconds": compile_seconds})
        return fit

    def affords_recorded(self, runs, steps, compiles):
        ok = affords(self, runs, steps, compiles)
        log.append({"decision": f"affords {runs} runs × {steps} steps, {compiles} compiles",
                    "need": runs * steps * self.step_seconds + compiles * self.compile_seconds,
                    "left": self.remaining(), "ok": ok})
        return ok

    plan.fit_workload, Deadline.affords = fit_recorded, affords_recorded
    try:
        yield
    finally:
        plan.fit_workload, Deadline.affords = fit_workload, affords


def headroom(decision: dict) -> float:
    """Seconds left over seconds needed: below 1 the budget refused."""
    return decision["left"] / max(decision["need"], 1e-9)


def flipping_slowdown(decision: dict, budget: float) -> float:
    """How many times slower the whole check would have to run for this decision to go the other
    way: the time spent before it and its price both scale with the machine, the budget does not.
    Below 1: it was refused."""
    from dnndoctor.probes.deadline import RESERVE, RESERVE_MIN_SECONDS

    usable = budget - max(RESERVE * budget, RESERVE_MIN_SECONDS)
    spent = usable - decision["left"]
    return usable / max(decision["need"] + spent, 1e-9)


# -------------------------------------------------------------- running

def refuse(problem: str) -> None:
    """Bad input: one line naming it, exit 2."""
    print(f"fixture_stability.py: {problem}", file=sys.stderr)
    sys.exit(2)


@dataclasses.dataclass(frozen=True)
class Entry:
    name: str
    model: Path
    data: Path
    steps: int | None
    batch_size: int | None
    expected: dict


def fixture_entries(names: list[str]) -> list[Entry]:
    expectations = json.loads((FIXTURES / "expectations.json").read_text())
    return [Entry(name, FIXTURES / e["model"], FIXTURES / e["data"], e.get("steps"), None,
                  {k: e[k] for k in ("must_report", "must_not_report") if k in e})
            for name, e in sorted(expectations.items()) if not names or name in names]


def control_entries(names: list[str], workdir: Path) -> list[Entry]:
    """The named dev controls, saved as files as benchmarks/accuracy.py saves them."""
    from benchmarks import split as frozen_split
    from benchmarks.accuracy import save_subject
    from benchmarks.suite import control_cases

    cases = {c.name: c for c in control_cases()}
    unknown = [n for n in names if n not in cases]
    if unknown:
        refuse(f"--control {' '.join(unknown)}: not a control model.fit kept (benchmarks/controls/fitted.json)")
    test = [n for n in names if frozen_split.split_of(frozen_split.load()).get(n) == "test"]
    if test:
        refuse(f"--control {' '.join(test)}: in the frozen test split; name dev controls only")
    entries = []
    for name in names:
        model, data = save_subject(cases[name], workdir)
        entries.append(Entry(f"control:{name}", model, data, None, cases[name].batch_size,
                             {"must_report": [], "must_not_report": []}))
    return entries


def check(entry: Entry, seeds: list[int], time_budget: float | None) -> dict:
    from dnndoctor.api import check_files
    from dnndoctor.options import CheckOptions, time_limit
    from dnndoctor.report.json_report import to_dict

    options = CheckOptions(seeds=seeds)
    options = dataclasses.replace(options, **{k: v for k, v in (("steps", entry.steps), ("batch_size", entry.batch_size),
                                                                   ("time_budget", time_budget)) if v})
    decisions: list[dict] = []
    started = time.perf_counter()
    with recording_budget_decisions(decisions):
        diagnosis = check_files(entry.model, entry.data, options)
    return {"expected": entry.expected, "time_budget": time_limit(options),
            "seconds": round(time.perf_counter() - started, 2), "budget_decisions": decisions,
            "report": to_dict(diagnosis)}


def run(seeds: list[int], fixtures: list[str] | None, controls: list[str], time_budget: float | None) -> dict:
    """Check the named fixture entries (all when empty; none when None) and dev controls in this process."""
    from dnndoctor.tf_runtime import import_keras, quiet_environment

    quiet_environment()
    import_keras()
    out = run_header(seeds, "one for all entries", time_budget)
    with tempfile.TemporaryDirectory(prefix="fixture-stability-") as tmp:
        fixtures_checked = [] if fixtures is None else fixture_entries(fixtures)
        for entry in fixtures_checked + control_entries(controls, Path(tmp)):
            result = check(entry, seeds, time_budget)
            out["entries"][entry.name] = result
            loud = sorted({f["category"] for f in result["report"]["findings"] if f["severity"] != "info"})
            print(f"{entry.name:34} {result['seconds']:6.1f} s  {loud}", file=sys.stderr, flush=True)
    out["load_average_after"] = os.getloadavg()
    return out


def run_each_in_own_process(seeds: list[int], fixtures: list[str] | None, controls: list[str],
                            time_budget: float | None) -> dict:
    """As ``run``, but each entry in a fresh Python process, as a ``dnndoctor check`` from the shell
    pays the one-time costs of a process's first probes (tracing, the first compile) inside its budget."""
    names = [] if fixtures is None else [e.name for e in fixture_entries(fixtures)]
    jobs = [[name] for name in names] + [["--no-fixtures", "--control", name] for name in controls]
    out = run_header(seeds, "one per entry", time_budget)
    with tempfile.TemporaryDirectory(prefix="fixture-stability-") as tmp:
        for k, job in enumerate(jobs):
            written = Path(tmp) / f"{k}.json"
            budget = ["--time-budget", str(time_budget)] if time_budget else []
            subprocess.run([sys.executable, __file__, *job, *budget, "--seeds", *map(str, seeds), "--out", str(written)],
                           check=True)
            out["entries"].update(json.loads(written.read_text())["entries"])
    out["load_average_after"] = os.getloadavg()
    return out


def run_header(seeds: list[int], processes: str, time_budget: float | None) -> dict:
    return {"seeds": seeds, "time_budget": time_budget or "default", "intra_op_threads": os.environ.get("TF_NUM_INTRAOP_THREADS", "default"),
            "inter_op_threads": os.environ.get("TF_NUM_INTEROP_THREADS", "default"), "processes": processes,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "load_average_before": os.getloadavg(),
            "entries": {}}


# -------------------------------------------------------------- comparing

def label(run: dict, path: Path) -> str:
    return f"{path.stem} (seeds {' '.join(map(str, run['seeds']))}, intra {run['intra_op_threads']}, " \
           f"inter {run['inter_op_threads']}, processes: {run.get('processes', 'one for all entries')}, " \
           f"time budget {run.get('time_budget', 'default')})"


def expectation_holds(entry: dict) -> bool:
    loud = {f["category"] for f in entry["report"]["findings"] if f["severity"] != "info"}
    expected = entry["expected"]
    return all(c in loud for c in expected["must_report"]) and not any(c in loud for c in expected["must_not_report"])


def compare(paths: list[Path]) -> int:
    """Print the MATCH/DIFF table of every run against the first, then the budget table; returns
    the number of DIFF rows."""
    runs = [json.loads(p.read_text()) for p in paths]
    for path, r in zip(paths, runs):
        if "entries" not in r:
            refuse(f"{path}: written by an older version of this script (no full reports); run it again")
    print("runs:")
    for k, (path, r) in enumerate(zip(paths, runs)):
        print(f"  {chr(65 + k)} = {label(r, path)}")
    diffs = 0
    names = sorted(set().union(*(r["entries"] for r in runs)))
    print(f"\ncompared: {', '.join(COMPARED)} (each finding: id, category, severity, confidence, seeds, "
          "fixes as variant + verified)")
    for k in range(1, len(runs)):
        print(f"\nA vs {chr(65 + k)}:")
        for name in names:
            first, other = runs[0]["entries"].get(name), runs[k]["entries"].get(name)
            if first is None or other is None:
                print(f"  {name:34} MISSING in {'A' if first is None else chr(65 + k)}")
                continue
            found = differences(findings_signature(first["report"]), findings_signature(other["report"]))
            diffs += bool(found)
            holds = "".join("ok " if expectation_holds(e) else "FAIL " for e in (first, other))
            print(f"  {name:34} {'DIFF ' if found else 'MATCH'}  expectation {holds.strip():8}  "
                  f"{loss_drift(first['report'], other['report'])}")
            for line in found:
                print(f"      {line}")
    print("\ntime budget per entry: wall s / budget s; the slowdown of the machine at which the plan and the "
          "tightest later decision would go the other way; refused decisions")
    for name in names:
        print(f"  {name}")
        for k, r in enumerate(runs):
            entry = r["entries"].get(name)
            if entry is not None:
                print(f"    {chr(65 + k)}: {budget_line(entry)}")
    return diffs


def budget_line(entry: dict) -> str:
    """Wall time against the budget; the slowdown at which the plan and the tightest later decision
    would flip; every decision the budget refused."""
    budget, decisions = entry["time_budget"], entry["budget_decisions"]
    granted = [d for d in decisions if d["ok"]]
    tightest = min(granted, key=lambda d: flipping_slowdown(d, budget), default=None)
    timing = entry["report"]["timings"]
    parts = [f"{entry['seconds']:.1f} / {budget:g} s (load {timing.get('load', 0):.1f}, "
             f"probes {timing.get('probes', 0):.1f})"]
    if decisions and decisions[0]["decision"] == "plan":
        plan = decisions[0]
        parts.append(f"plan {'ok' if plan['ok'] else 'CUT'} ({plan['need']:.1f} s needed, {plan['left']:.1f} s left; "
                     f"flips at {flipping_slowdown(plan, budget):.2f}× slower)")
    if tightest is not None:
        parts.append(f"tightest: {tightest['decision']} flips at {flipping_slowdown(tightest, budget):.2f}× slower")
    parts += [f"REFUSED {d['decision']}: {d['need']:.1f} s needed, {d['left']:.1f} s left"
              for d in decisions if not d["ok"]]
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="fixture entries (default: all)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--control", nargs="+", default=[], metavar="NAME",
                        help="also check these dev controls of benchmarks/controls")
    parser.add_argument("--no-fixtures", action="store_true", help="check only the --control entries")
    parser.add_argument("--each-in-own-process", action="store_true",
                        help="check each entry in a fresh process, as `dnndoctor check` from the shell runs")
    parser.add_argument("--time-budget", type=float,
                        help="seconds (default: dnndoctor's); a budget k times smaller stands in for a machine k times slower")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", type=Path, nargs="+", help="compare written runs instead of running")
    args = parser.parse_args(argv)
    if args.compare:
        compare(args.compare)
        return
    runner = run_each_in_own_process if args.each_in_own_process else run
    result = runner(args.seeds, None if args.no_fixtures else args.names, args.control, args.time_budget)
    text = json.dumps(result, indent=1, default=str) + "\n"
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
