"""The README's "What it supports" table is generated from the conformance table and kept current."""

from __future__ import annotations

from conformance import table
from conformance.setups import AREAS, SETUPS


def test_readme_section_is_current():
    section = table.current(table.README.read_text(encoding="utf-8"))
    assert section is not None, "README.md lacks the support-table markers"
    assert section == table.render(), "stale support table: run `python -m tests.conformance.table` and commit README.md"


def test_every_row_and_refusal_is_listed():
    rendered = table.render()
    for setup in SETUPS:
        assert f"| {setup.covers.replace('|', '/')} | " in rendered and f" | {table.outcome(setup)} |" in rendered
    for setup in (s for s in SETUPS if s.refusal is not None):
        assert f"refused, exit 2: “…{setup.refusal}…”" in rendered
    assert [a for a in AREAS if f"**{a}**" in rendered] == list(AREAS)

