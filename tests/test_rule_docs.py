"""The rule pages under rules/: generated from the docstrings and kept current. Pure: no TensorFlow."""

from __future__ import annotations

from pathlib import Path

import pytest

from dnndoctor import docs
from dnndoctor.rules import ALL_RULES
from dnndoctor.rules.base import DOC_SECTIONS

ROOT = Path(__file__).resolve().parents[1]


def test_committed_pages_are_current():
    stale = docs.stale(ROOT / "rules")
    assert not stale, f"stale or missing rule pages {stale}: run `python -m dnndoctor.docs` and commit rules/"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_a_page_holds_every_section_and_threshold(rule):
    page = docs.rule_markdown(rule)
    assert page.startswith(f"# {rule.id} {rule.name}\n")
    assert rule.summary() in page and f"`{rule.category}`" in page
    for title, text in docs.sections(rule):
        assert f"## {title}\n\n{text}\n" in page
    assert [title for title, _ in docs.sections(rule)] == list(DOC_SECTIONS)
    for key, value in rule.thresholds().items():
        assert f"{key} = {value!r}" in page
    for variant in rule.needs:
        assert f"`{variant}`" in page


def test_index_links_every_rule():
    index = docs.index_markdown()
    for rule in ALL_RULES:
        assert f"[{rule.id}]({rule.id}.md)" in index


def test_stale_pages_are_found_and_rewritten(tmp_path):
    assert docs.stale(tmp_path) == sorted([f"{r.id}.md" for r in ALL_RULES] + ["README.md"])
    docs.write(tmp_path)
    assert docs.stale(tmp_path) == []
    first = f"{ALL_RULES[0].id}.md"
    (tmp_path / first).write_text("edited by hand\n")
    (tmp_path / f"{ALL_RULES[1].id}.md").unlink()
    (tmp_path / "DD999.md").write_text("a rule that is gone\n")
    assert docs.stale(tmp_path) == sorted([first, f"{ALL_RULES[1].id}.md", "DD999.md"])
    assert docs.main([str(tmp_path), "--check"]) == 1
    assert docs.main([str(tmp_path)]) == 0
    assert docs.stale(tmp_path) == [] and not (tmp_path / "DD999.md").exists()
    assert docs.main([str(tmp_path), "--check"]) == 0
