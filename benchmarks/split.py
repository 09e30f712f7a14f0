"""The frozen dev/test split of the benchmark cases (benchmarks/split.json).

Rule (fixed on 2026-12-01, before any result of the new cases was seen): cases are assigned in
batches. Within a batch, the cases are grouped by fault type: the label (fault category, or
``control``) for the mutations of benchmarks/faults, the reported fault type (``kind``) for
benchmarks/reported;
the healthy controls of benchmarks/controls form one group, ``control``;
each group is sorted by name and shuffled by ``random.Random(f"{SEED}:{group}")``; the first
``min(n, max(2, ceil(0.4 n)))`` of a group of n go to test, the rest to dev. A case keeps the
split of the batch it arrived in for ever: later batches never move earlier cases.

Tune rules on dev cases and controls only; the test cases are for measuring. A test case whose
result was read to find a cause is listed under ``opened`` with the date and why: it keeps its
split, and reports say how many of its group's results are no longer unseen.

    python -m benchmarks.split --check            # every benchmark case has a split
    python -m benchmarks.split --add BATCH        # assign the cases that have none, as one batch
    python -m benchmarks.split --controls --add BATCH   # the same for the healthy controls
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import random
import sys
from collections import defaultdict
from pathlib import Path

SPLIT_FILE = Path(__file__).resolve().parent / "split.json"
SEED = 20261201
DATE = "2026-12-01"
RULE = ("per batch, group cases by fault type (mutations: the label or 'control'; reported faults: their kind); sort each group by name, shuffle it with "
        f"random.Random(f'{SEED}:{{group}}'); the first min(n, max(2, ceil(0.4 n))) go to test, the rest to dev; "
        "a case never changes split once assigned")


def test_quota(n: int) -> int:
    """How many of a group of n cases go to test."""
    return min(n, max(2, math.ceil(0.4 * n)))


def assign(groups_of: dict[str, str]) -> dict[str, str]:
    """The split of each case of one batch, from its group (fault type)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for name, group in groups_of.items():
        groups[group].append(name)
    splits = {}
    for group, names in groups.items():
        ordered = sorted(names)
        random.Random(f"{SEED}:{group}").shuffle(ordered)
        quota = test_quota(len(ordered))
        splits.update({name: ("test" if i < quota else "dev") for i, name in enumerate(ordered)})
    return dict(sorted(splits.items()))


def load(path: Path = SPLIT_FILE) -> dict:
    return json.loads(path.read_text()) if path.exists() else {"rule": RULE, "seed": SEED, "date": DATE,
                                                                "batches": []}


def split_of(frozen: dict) -> dict[str, str]:
    """Case name -> 'dev' or 'test', over every batch."""
    return {name: split for batch in frozen["batches"] for name, split in batch["cases"].items()}


def opened(frozen: dict) -> set[str]:
    """The test cases whose results were read to find a cause (no longer unseen)."""
    return {name for record in frozen.get("opened", []) for name in record["cases"]}


def add_batch(frozen: dict, batch: str, groups_of: dict[str, str], date: str | None = None) -> dict:
    """``frozen`` with the cases of ``groups_of`` that have no split yet assigned as a new batch,
    recorded with ``date`` (default: today, UTC)."""
    known = split_of(frozen)
    new = {name: group for name, group in groups_of.items() if name not in known}
    if not new:
        return frozen
    cases = assign(new)
    date = date or datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    frozen["batches"].append({"batch": batch, "date": date, "cases": cases,
                              "groups": {name: new[name] for name in cases}})
    return frozen


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--add", metavar="BATCH", help="assign the benchmark cases that have no split yet")
    parser.add_argument("--check", action="store_true", help="fail when a benchmark case has no split")
    parser.add_argument("--controls", action="store_true", help="the healthy controls instead of the labelled cases")
    args = parser.parse_args(argv)
    from benchmarks.suite import all_groups, control_groups

    frozen = load()
    groups_of = control_groups() if args.controls else all_groups()
    if args.add:
        frozen = add_batch(frozen, args.add, groups_of)
        SPLIT_FILE.write_text(json.dumps(frozen, indent=1) + "\n")
    known = split_of(frozen)
    missing = sorted(set(groups_of) - set(known))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for name, group in groups_of.items():
        if name in known:
            counts[(group, known[name])] += 1
    for group in sorted({g for g, _ in counts}):
        print(f"{group:26} dev {counts[(group, 'dev')]:3}  test {counts[(group, 'test')]:3}")
    if missing:
        print(f"{len(missing)} cases have no split: {', '.join(missing)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
