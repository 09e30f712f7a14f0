"""The rule pages under rules/, generated from the docstrings and kept current; `explain` without TensorFlow."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dnndoctor import docs
from dnndoctor.rules import ALL_RULES
from dnndoctor.rules.rule import DOC_SECTIONS

ROOT = Path(__file__).resolve().parents[1]


def test_committed_pages_are_current():
    stale = docs.stale(ROOT / "rules")
    assert not stale, f"stale or missing rule pages {stale}: run `python -m dnndoctor.docs` and commit rules/"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_a_page_holds_every_section_option_and_severity(rule):
    page = docs.rule_markdown(rule)
    assert page.startswith(f"# {rule.id} {rule.name}\n")
    assert rule.summary() in page and f"`{rule.category}`" in page
    for title, text in docs.sections(rule):
        assert f"## {title}\n\n{text}\n" in page
    assert [title for title, _ in docs.sections(rule)] == list(DOC_SECTIONS)
    for option in rule.options:
        assert f"| `{option.name}` | {option.type.__name__} | {option.default:g} |" in page
        assert f"{option.name} = {option.default!r}" in page
    assert "**Severity:** " + " or ".join(s.label for s in rule.severities) in page
    for variant in rule.needs:
        assert f"`{variant}`" in page


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_docstrings_quote_declared_options_not_hand_written_numbers(rule):
    """The prose names each option as a placeholder, so the page shows the declared value."""
    docstring = inspect.getdoc(rule)
    for option in rule.options:
        assert "{" + option.name in docstring, f"{rule.id} does not describe option {option.name}"
    measured = docstring.split("Measured\n", 1)[1].split("\nFix\n", 1)[0]
    assert not re.findall(r"(?<![\w{.:])\d+(?:\.\d+)?\s?[%×]", measured), measured


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


def test_explain_docs_and_reporters_never_import_tensorflow():
    env = {**os.environ, "COLUMNS": "120"}
    explain = subprocess.run([sys.executable, "-X", "importtime", "-m", "dnndoctor", "explain", "DD201"],
                             capture_output=True, text=True, env=env, timeout=60)
    assert explain.returncode == 0 and "DD201 dead-relu-units" in explain.stdout
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in explain.stderr.splitlines() if "|" in line}
    assert "dnndoctor" in imported and not imported & {"tensorflow", "keras"}
    code = ("import sys, dnndoctor.config, dnndoctor.docs, dnndoctor.runner, dnndoctor.testing, "
            "dnndoctor.report.sarif, dnndoctor.report.junit, dnndoctor.report.markdown, dnndoctor.report.plots; "
            "assert not {'tensorflow', 'keras'} & set(sys.modules), 'TensorFlow imported'")
    pure = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert pure.returncode == 0, pure.stderr
