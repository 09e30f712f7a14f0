"""The README's "What it supports" section, rendered from the conformance table.

    python -m tests.conformance.table           # rewrite the section of README.md
    python -m tests.conformance.table --check   # exit 1 when README.md is stale

Pure: no TensorFlow.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .setups import AREAS, SETUPS, Setup

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- support-table:start -->", "<!-- support-table:end -->"


def outcome(setup: Setup) -> str:
    """What the suite asserts for a row, in words."""
    if setup.refusal is not None:
        return f"refused, exit 2: “…{setup.refusal}…”"
    if setup.stochastic:
        return "same loss level as `model.fit` (random masks differ)"
    return "same loss as `model.fit` at every step"


def probes(setup: Setup) -> str:
    """Which probes the row runs: all of a check's, or the setup's own (none for a refusal)."""
    if setup.refusal is not None:
        return "none"
    return "all" if setup.full_check else "its own"


def render() -> str:
    """The generated section, between its markers."""
    refused = sum(s.refusal is not None for s in SETUPS)
    lines = [START, "",
             f"{len(SETUPS)} setups, each checked end to end and compared with `model.fit` "
             f"({refused} refused with a one-line reason). Probes \"all\": the full check (the learning-rate "
             "and width counterfactuals, the LR range test, one-batch overfitting, fix verification); \"its own\": "
             "the setup's own probe (`--no-counterfactuals`), for rows that vary only the targets or the loss. "
             "Generated from `tests/conformance/setups.py` by `python -m tests.conformance.table`; "
             "`tests/test_conformance.py` runs every row.", ""]
    for area in AREAS:
        rows = [s for s in SETUPS if s.area == area]
        lines += [f"**{area}**", "", "| Setup | Probes | Checked |", "|---|---|---|"]
        lines += [f"| {s.covers.replace('|', '/')} | {probes(s)} | {outcome(s)} |" for s in rows]
        lines.append("")
    return "\n".join([*lines, END])


def current(text: str) -> str | None:
    """The section as it stands in ``text`` (None when the markers are missing)."""
    if START not in text or END not in text:
        return None
    return text[text.index(START):text.index(END) + len(END)]


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    section = current(text)
    if section is None:
        print(f"{README}: no {START} ... {END} markers", file=sys.stderr)
        return 2
    if "--check" in argv:
        if section != render():
            print(f"{README}: the support table is stale; run python -m tests.conformance.table", file=sys.stderr)
            return 1
        return 0
    README.write_text(text.replace(section, render()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
